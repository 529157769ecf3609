//! What is due: outcome records and reviews an episode should have by now, from the schedules in
//! `due.csv` (each with its provenance: the national timings are not in the seed, so ours are
//! `assumed` until the official guidance replaces them). A folder without the file has none.

use chrono::{Days, NaiveDate};
use serde::Serialize;
use ts_rs::TS;

use crate::model::{Dataset, FieldType, Provenance, Section};
use crate::values::{format_date, parse_date};

/// When a schedule asks for a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DueWhen {
    /// Once, within `within` days either side of the `from` date.
    Start,
    /// Every `every` days from the `from` date while the episode is open; late `within` days
    /// after each falls due.
    Review,
    /// Once, within `within` days either side of the episode's end (`from`).
    Exit,
}

/// One line of `due.csv`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Schedule {
    pub id: String,
    pub section: Section,
    pub datasets: Vec<Dataset>,
    pub when: DueWhen,
    /// The date it counts from: a header of the episode, or of its interventions (the earliest).
    pub from: String,
    pub within: u32,
    pub every: u32,
    pub label: String,
    pub provenance: Provenance,
    pub note: String,
}

/// Something an episode should have: what, by when, and whether that date has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DueItem {
    pub schedule: String,
    pub section: Section,
    pub label: String,
    /// The last day it is on time, as dd/mm/yyyy.
    pub by: String,
    pub overdue: bool,
}

/// How soon before its date a review is shown as coming up.
const COMING_UP_DAYS: u64 = 14;

/// An episode as the schedules read it: a value of the episode or of its interventions by
/// header, and the dates of its records of each section.
#[allow(missing_debug_implementations)]
pub struct EpisodeForDue<'a> {
    pub episode: &'a dyn Fn(&str) -> Option<String>,
    pub interventions: &'a dyn Fn(&str) -> Vec<String>,
    /// The episode's end date, if it is closed.
    pub end: Option<NaiveDate>,
    /// The dates of the episode's records of a section (by that section's date field).
    pub dated: &'a dyn Fn(Section) -> Vec<NaiveDate>,
}

fn add(d: NaiveDate, days: u32) -> NaiveDate {
    d.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

fn sub(d: NaiveDate, days: u32) -> NaiveDate {
    d.checked_sub_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MIN)
}

/// The date field a section's records are dated by: its first date field in the catalogue.
pub fn date_field(cat: &crate::Catalogue, section: Section) -> Option<&str> {
    cat.fields
        .iter()
        .find(|f| f.section == section && f.kind == FieldType::Date)
        .map(|f| f.header.as_str())
}

/// What an episode should have and has not, on `today`, by the schedules of `dataset`.
pub fn due_items(
    schedules: &[Schedule],
    dataset: Dataset,
    ep: &EpisodeForDue<'_>,
    today: NaiveDate,
) -> Vec<DueItem> {
    let mut out = Vec::new();
    for s in schedules.iter().filter(|s| s.datasets.contains(&dataset)) {
        let from = (ep.episode)(&s.from)
            .and_then(|v| parse_date(&v))
            .or_else(|| {
                (ep.interventions)(&s.from)
                    .iter()
                    .filter_map(|v| parse_date(v))
                    .min()
            });
        let Some(from) = from else { continue };
        let done = (ep.dated)(s.section);
        let within = |a: NaiveDate, b: NaiveDate| done.iter().any(|d| a <= *d && *d <= b);
        let item = |by: NaiveDate| DueItem {
            schedule: s.id.clone(),
            section: s.section,
            label: s.label.clone(),
            by: format_date(by),
            overdue: today > by,
        };
        match s.when {
            DueWhen::Start | DueWhen::Exit => {
                if s.when == DueWhen::Exit && ep.end.is_none() {
                    continue;
                }
                let (lo, hi) = (sub(from, s.within), add(from, s.within));
                if today >= from && !within(lo, hi) {
                    out.push(item(hi));
                }
            }
            DueWhen::Review => {
                if ep.end.is_some() || s.every == 0 {
                    continue;
                }
                let last = done
                    .iter()
                    .copied()
                    .filter(|d| *d >= from)
                    .max()
                    .unwrap_or(from);
                let next = add(last, s.every);
                let shown = next
                    .checked_sub_days(Days::new(COMING_UP_DAYS))
                    .unwrap_or(next);
                if today >= shown {
                    out.push(item(add(next, s.within)));
                }
            }
        }
    }
    out
}

/// What the episode laid out as `rows` wide rows should have and has not, on `today`: each
/// row's date in a column is read by `date(row, column)`. Client and episode fields are read
/// from the first row holding them, intervention fields from every row; the episode ends at
/// the catalogue's episode span end. The file check and the generator both read rows so.
pub fn due_on_rows(
    cat: &crate::Catalogue,
    schedules: &[Schedule],
    dataset: Dataset,
    rows: usize,
    date: &dyn Fn(usize, usize) -> Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<DueItem> {
    let column_dates = |h: &str, episode_level: bool| -> Vec<NaiveDate> {
        let Some(c) = cat.column(h) else {
            return Vec::new();
        };
        let section = cat.fields[c].section;
        if matches!(section, Section::Client | Section::Episode) != episode_level {
            return Vec::new();
        }
        (0..rows).filter_map(|r| date(r, c)).collect()
    };
    let episode = |h: &str| column_dates(h, true).first().map(|d| format_date(*d));
    let interventions = |h: &str| {
        column_dates(h, false)
            .into_iter()
            .map(format_date)
            .collect()
    };
    let dated = |section: Section| {
        date_field(cat, section)
            .and_then(|h| cat.column(h))
            .map(|c| (0..rows).filter_map(|r| date(r, c)).collect())
            .unwrap_or_default()
    };
    let end = cat
        .episode_span()
        .and_then(|(_, e)| (0..rows).find_map(|r| date(r, e)));
    due_items(
        schedules,
        dataset,
        &EpisodeForDue {
            episode: &episode,
            interventions: &interventions,
            end,
            dated: &dated,
        },
        today,
    )
}

/// The schedules an overdue rule keeps in `dataset` (`params: due=…`).
pub fn schedules_of<'c>(
    cat: &'c crate::Catalogue,
    rule: &crate::model::Rule,
    dataset: Dataset,
) -> impl Iterator<Item = &'c Schedule> {
    let wanted = rule.param_list("due");
    cat.schedules
        .iter()
        .filter(move |s| s.datasets.contains(&dataset) && wanted.contains(&s.id.as_str()))
}

/// The schedules all the overdue rules in force for `dataset` keep, in `due.csv`'s order.
pub fn kept_schedules(cat: &crate::Catalogue, dataset: Dataset) -> Vec<Schedule> {
    let rules: Vec<&crate::model::Rule> = cat
        .rules_of(crate::model::RuleKind::Overdue)
        .filter(|r| r.applies_in(dataset))
        .collect();
    cat.schedules
        .iter()
        .filter(|s| {
            rules
                .iter()
                .any(|r| schedules_of(cat, r, dataset).any(|k| k.id == s.id))
        })
        .cloned()
        .collect()
}

/// Reads `due.csv`: `id,section,datasets,when,from,within,every,label,provenance,note`.
/// Every problem names the line, column and value.
pub(crate) fn load_schedules(
    file: &str,
    bytes: &[u8],
    fields: &[crate::model::Field],
    p: &mut crate::load::Problems,
) -> Vec<Schedule> {
    let cols = [
        "id",
        "section",
        "datasets",
        "when",
        "from",
        "within",
        "every",
        "label",
        "provenance",
        "note",
    ];
    let Some(t) = crate::load::Table::read(file, bytes, &cols, p) else {
        return Vec::new();
    };
    let mut out: Vec<Schedule> = Vec::new();
    for (line, row) in &t.rows {
        let line = *line;
        let get = |c: &str| t.get(row, c);
        let id = get("id");
        if id.is_empty() || out.iter().any(|s| s.id == id) {
            p.add(
                file,
                line,
                "id",
                id,
                "every schedule needs an id of its own",
            );
        }
        let section = Section::parse(get("section"));
        if section.is_none() {
            p.add(file, line, "section", get("section"), "not a section");
        }
        let datasets: Vec<Dataset> = get("datasets")
            .split('|')
            .filter_map(Dataset::parse)
            .collect();
        if datasets.is_empty() {
            p.add(
                file,
                line,
                "datasets",
                get("datasets"),
                "name one or more datasets, as AD|SA",
            );
        }
        let when = match get("when") {
            "start" => Some(DueWhen::Start),
            "review" => Some(DueWhen::Review),
            "exit" => Some(DueWhen::Exit),
            other => {
                p.add(file, line, "when", other, "when is start, review or exit");
                None
            }
        };
        let from = get("from");
        let from_ok = fields.iter().any(|f| {
            f.header == from
                && f.kind == FieldType::Date
                && matches!(f.section, Section::Episode | Section::Intervention)
        });
        if !from_ok {
            p.add(
                file,
                line,
                "from",
                from,
                "not a date of the episode or its interventions",
            );
        }
        let days = |c: &str, p: &mut crate::load::Problems| -> u32 {
            let v = get(c);
            if v.is_empty() {
                return 0;
            }
            v.parse().unwrap_or_else(|_| {
                p.add(file, line, c, v, "a whole number of days");
                0
            })
        };
        let within = days("within", p);
        let every = days("every", p);
        if when == Some(DueWhen::Review) && every == 0 {
            p.add(
                file,
                line,
                "every",
                get("every"),
                "a review needs the days between reviews",
            );
        }
        let provenance = crate::load::provenance(&t, line, get("provenance"), p);
        if let (Some(section), Some(when)) = (section, when) {
            out.push(Schedule {
                id: id.to_owned(),
                section,
                datasets,
                when,
                from: from.to_owned(),
                within,
                every,
                label: get("label").to_owned(),
                provenance,
                note: get("note").to_owned(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).expect("date")
    }

    fn schedules() -> Vec<Schedule> {
        let s = |id: &str, when, from: &str, within, every| Schedule {
            id: id.into(),
            section: Section::Top,
            datasets: vec![Dataset::AD],
            when,
            from: from.into(),
            within,
            every,
            label: id.into(),
            provenance: Provenance("assumed".into()),
            note: String::new(),
        };
        vec![
            s("START", DueWhen::Start, "MODST", 28, 0),
            s("REVIEW", DueWhen::Review, "MODST", 28, 182),
            s("EXIT", DueWhen::Exit, "DISD", 28, 0),
        ]
    }

    fn due(
        modst: &str,
        disd: Option<&str>,
        tops: &[&str],
        today: &str,
        dataset: Dataset,
    ) -> Vec<(String, bool)> {
        let episode = |h: &str| (h == "DISD").then(|| disd.map(str::to_owned)).flatten();
        let interventions = |h: &str| {
            if h == "MODST" {
                vec![modst.to_owned()]
            } else {
                vec![]
            }
        };
        let dates: Vec<NaiveDate> = tops.iter().map(|t| d(t)).collect();
        let dated = |s: Section| {
            if s == Section::Top {
                dates.clone()
            } else {
                vec![]
            }
        };
        due_items(
            &schedules(),
            dataset,
            &EpisodeForDue {
                episode: &episode,
                interventions: &interventions,
                end: disd.map(d),
                dated: &dated,
            },
            d(today),
        )
        .into_iter()
        .map(|i| (i.schedule, i.overdue))
        .collect()
    }

    #[test]
    fn a_start_outcome_record_is_due_then_overdue_and_done_once_recorded() {
        let ad = Dataset::AD;
        assert_eq!(
            due("01/01/2026", None, &[], "10/01/2026", ad),
            [("START".into(), false)]
        );
        assert_eq!(
            due("01/01/2026", None, &[], "01/03/2026", ad),
            [("START".into(), true)]
        );
        assert!(due("01/01/2026", None, &["05/01/2026"], "01/03/2026", ad).is_empty());
        // Not this dataset's schedule: nothing is due.
        assert!(due("01/01/2026", None, &[], "01/03/2026", Dataset::YP).is_empty());
    }

    #[test]
    fn a_review_comes_up_six_months_after_the_last_and_an_exit_one_at_discharge() {
        let ad = Dataset::AD;
        // Started on time; the review shows two weeks before it falls due.
        assert!(due("01/01/2026", None, &["02/01/2026"], "01/06/2026", ad).is_empty());
        assert_eq!(
            due("01/01/2026", None, &["02/01/2026"], "25/06/2026", ad),
            [("REVIEW".into(), false)]
        );
        assert_eq!(
            due("01/01/2026", None, &["02/01/2026"], "15/09/2026", ad),
            [("REVIEW".into(), true)]
        );
        // Discharged: no review; an exit record is due unless one is near the end date.
        assert_eq!(
            due(
                "01/01/2026",
                Some("01/04/2026"),
                &["02/01/2026"],
                "02/04/2026",
                ad
            ),
            [("EXIT".into(), false)]
        );
        assert!(
            due(
                "01/01/2026",
                Some("01/04/2026"),
                &["02/01/2026", "28/03/2026"],
                "01/06/2026",
                ad
            )
            .is_empty()
        );
    }
}
