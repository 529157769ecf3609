//! Treatment journeys: the seed's 21-day rule for grouping a client's episodes.

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

/// The dates of one episode that the journey rule looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EpisodeDates {
    pub id: String,
    pub referral: NaiveDate,
    /// The first intervention (modality) start date, if any intervention has started.
    pub modality_start: Option<NaiveDate>,
    pub discharge: Option<NaiveDate>,
}

/// Days that must pass between an earlier discharge and a later modality start for a new journey.
pub const JOURNEY_GAP_DAYS: i64 = 21;

/// Groups one client's episodes into treatment journeys, each a list of episode ids in order.
///
/// A later presentation starts a new journey only when (a) no earlier episode is still open,
/// (b) no earlier discharge date is after the later episode's discharge date, and (c) the later
/// episode's modality start is more than 21 days after the earlier discharge (seed glossary).
/// Where a later episode has no modality start yet, its referral date stands in (assumed).
pub fn journeys(episodes: &[EpisodeDates]) -> Vec<Vec<String>> {
    let mut sorted: Vec<&EpisodeDates> = episodes.iter().collect();
    sorted.sort_by_key(|e| (e.referral, e.modality_start));
    let mut out: Vec<Vec<String>> = Vec::new();
    for (i, later) in sorted.iter().enumerate() {
        let earlier = &sorted[..i];
        let new_journey = earlier.is_empty() || {
            let start = later.modality_start.unwrap_or(later.referral);
            earlier.iter().all(|e| match e.discharge {
                None => false,
                Some(d) => {
                    later.discharge.is_none_or(|ld| d <= ld)
                        && (start - d).num_days() > JOURNEY_GAP_DAYS
                }
            })
        };
        match out.last_mut() {
            Some(current) if !new_journey => current.push(later.id.clone()),
            _ => out.push(vec![later.id.clone()]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::values::parse_date(s).expect("test date")
    }

    fn ep(id: &str, refd: &str, start: Option<&str>, dis: Option<&str>) -> EpisodeDates {
        EpisodeDates {
            id: id.into(),
            referral: d(refd),
            modality_start: start.map(d),
            discharge: dis.map(d),
        }
    }

    #[test]
    fn gap_of_more_than_21_days_starts_a_new_journey() {
        let e = [
            ep("A", "01/01/2024", Some("05/01/2024"), Some("01/03/2024")),
            ep("B", "10/03/2024", Some("23/03/2024"), None),
        ];
        assert_eq!(
            journeys(&e),
            vec![vec!["A".to_owned()], vec!["B".to_owned()]]
        );
    }

    #[test]
    fn exactly_21_days_continues_the_journey() {
        let e = [
            ep("A", "01/01/2024", Some("05/01/2024"), Some("01/03/2024")),
            ep("B", "10/03/2024", Some("22/03/2024"), None),
        ];
        assert_eq!(journeys(&e), vec![vec!["A".to_owned(), "B".to_owned()]]);
    }

    #[test]
    fn an_open_earlier_episode_continues_the_journey() {
        let e = [
            ep("A", "01/01/2024", Some("05/01/2024"), None),
            ep("B", "01/06/2024", Some("05/06/2024"), None),
        ];
        assert_eq!(journeys(&e).len(), 1);
    }

    #[test]
    fn an_earlier_discharge_after_the_later_one_continues_the_journey() {
        let e = [
            ep("A", "01/01/2024", Some("05/01/2024"), Some("01/12/2024")),
            ep("B", "01/02/2024", Some("01/02/2024"), Some("01/03/2024")),
        ];
        assert_eq!(journeys(&e).len(), 1);
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let mut e = vec![
            ep("A", "01/01/2024", Some("05/01/2024"), Some("01/02/2024")),
            ep("B", "01/04/2024", Some("05/04/2024"), Some("01/05/2024")),
            ep("C", "10/05/2024", Some("12/05/2024"), None),
        ];
        let forward = journeys(&e);
        e.reverse();
        assert_eq!(journeys(&e), forward);
        assert_eq!(
            forward,
            vec![vec!["A".to_owned()], vec!["B".to_owned(), "C".to_owned()]]
        );
    }

    proptest::proptest! {
        #[test]
        fn every_episode_in_exactly_one_journey(spans in proptest::collection::vec((0i64..1000, 0i64..200, proptest::bool::ANY), 0..8)) {
            let base = d("01/01/2022");
            let eps: Vec<EpisodeDates> = spans.iter().enumerate().map(|(i, (s, len, open))| EpisodeDates {
                id: format!("E{i}"),
                referral: base + chrono::Duration::days(*s),
                modality_start: Some(base + chrono::Duration::days(*s + 3)),
                discharge: (!open).then(|| base + chrono::Duration::days(*s + 3 + len)),
            }).collect();
            let js = journeys(&eps);
            let mut ids: Vec<String> = js.iter().flatten().cloned().collect();
            ids.sort();
            let mut want: Vec<String> = eps.iter().map(|e| e.id.clone()).collect();
            want.sort();
            proptest::prop_assert_eq!(ids, want);
            proptest::prop_assert!(js.iter().all(|j| !j.is_empty()));
        }
    }
}
