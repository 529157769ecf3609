//! One client as the client record screen shows them: the attributors by their catalogue labels,
//! consent to NDTMS and to IPS with the history of each, the keyworker who holds them, and the
//! episodes grouped into treatment journeys by the seed's 21-day rule, each with the records
//! under it. Opening it is audited (through `Store::client`).

use ndtms_dataset::due::{DueItem, EpisodeForDue, date_field, due_items};
use ndtms_dataset::journey::{self, EpisodeDates as JourneyDates};
use ndtms_dataset::model::{FieldType, Requirement, Section};
use ndtms_dataset::values::parse_date;
use ndtms_dataset::{Catalogue, Dataset};
use serde::Serialize;
use ts_rs::TS;

use crate::Store;
use crate::assignment::Keyworker;
use crate::error::Result;
use crate::model::{ChildRecord, ClientRecord, ConsentEvent, ConsentScope, ConsentStatus, Fields};

/// A field's label and its value as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Shown {
    pub label: String,
    pub value: String,
}

/// A record under an episode: what it is, its dates and its required codes as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChildView {
    pub reference: String,
    pub section: Section,
    /// The section's name ("Intervention", "Treatment Outcomes Profile (TOP)", …).
    pub title: String,
    pub summary: Vec<Shown>,
    /// Sub-intervention reviews under an intervention.
    pub reviews: Vec<ChildView>,
}

/// An episode's reference, the dates that open and close it (blank when open) and its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EpisodeView {
    pub reference: String,
    pub start: String,
    pub end: String,
    pub interventions: Vec<ChildView>,
    pub outcomes: Vec<ChildView>,
    pub reviews: Vec<ChildView>,
    /// Outcome records and reviews the episode should have by now and has not.
    pub due: Vec<DueItem>,
}

/// Episodes the 21-day rule counts as one treatment journey, earliest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Journey {
    pub episodes: Vec<EpisodeView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClientView {
    pub reference: String,
    pub attributors: Vec<Shown>,
    /// The latest decision for NDTMS (else what the record's consent field says) and for IPS.
    pub ndtms: Option<ConsentStatus>,
    pub ips: Option<ConsentStatus>,
    /// Every consent decision, newest first.
    pub history: Vec<ConsentEvent>,
    /// The treatment journeys, newest first.
    pub journeys: Vec<Journey>,
    pub episodes: u32,
    /// The keyworker who holds the client, if one does.
    pub keyworker: Option<Keyworker>,
    /// The sections the agency's dataset records (a young people's service has no TOP).
    pub sections: Vec<Section>,
}

/// The latest decision of one scope: by its date, then by when it was recorded.
pub fn latest(events: &[ConsentEvent], scope: ConsentScope) -> Option<ConsentStatus> {
    events
        .iter()
        .filter(|e| e.scope == scope)
        .max_by_key(|e| (parse_date(&e.date), e.recorded_at.clone()))
        .map(|e| e.status)
}

/// What a record's line shows: its dates, and the codes its dataset requires, by label.
fn summary(cat: &Catalogue, dataset: Dataset, section: Section, fields: &Fields) -> Vec<Shown> {
    cat.fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.section == section && f.key.is_none())
        .filter(|(_, f)| {
            f.kind == FieldType::Date
                || (f.kind == FieldType::Code && f.requirement(dataset) == Requirement::Must)
        })
        .filter_map(|(c, f)| {
            let v = fields.get(&f.header)?.trim();
            (!v.is_empty()).then(|| Shown {
                label: f.label.clone(),
                value: cat.shown(c, v),
            })
        })
        .collect()
}

fn child_view(cat: &Catalogue, dataset: Dataset, section: Section, c: &ChildRecord) -> ChildView {
    ChildView {
        // Outcome records are kept as "top:ID" or "ypor:ID"; the id is what staff know.
        reference: c
            .reference
            .split_once(':')
            .map_or(c.reference.clone(), |(_, id)| id.to_owned()),
        section,
        title: section.label().to_owned(),
        summary: summary(cat, dataset, section, &c.fields),
        reviews: c
            .reviews
            .iter()
            .map(|r| child_view(cat, dataset, Section::Sir, r))
            .collect(),
    }
}

/// What one episode should have by now and has not, by the catalogue's schedules. `end` is
/// the header of the episode's end date (the catalogue's episode span).
pub fn due_of(
    cat: &Catalogue,
    dataset: Dataset,
    e: &crate::model::EpisodeRecord,
    end: Option<&str>,
) -> Vec<DueItem> {
    if cat.schedules.is_empty() {
        return Vec::new();
    }
    let episode = |h: &str| e.fields.get(h).cloned();
    let interventions = |h: &str| {
        e.interventions
            .iter()
            .filter_map(|i| i.fields.get(h).cloned())
            .collect()
    };
    let dated = |section: Section| {
        let records = match section {
            Section::Top => e.outcomes.iter().filter(|o| o.kind != "ypor").collect(),
            Section::Ypor => e.outcomes.iter().filter(|o| o.kind == "ypor").collect(),
            Section::Cir => e.reviews.iter().collect(),
            _ => Vec::new(),
        };
        let Some(h) = date_field(cat, section) else {
            return Vec::new();
        };
        records
            .iter()
            .filter_map(|r| r.fields.get(h).and_then(|v| parse_date(v)))
            .collect()
    };
    due_items(
        &cat.schedules,
        dataset,
        &EpisodeForDue {
            episode: &episode,
            interventions: &interventions,
            end: end
                .and_then(|h| e.fields.get(h))
                .and_then(|v| parse_date(v)),
            dated: &dated,
        },
        ndtms_dataset::model::today(),
    )
}

/// The episodes as journeys, newest journey first, each journey's episodes earliest first.
fn journeys_of(cat: &Catalogue, dataset: Dataset, record: &ClientRecord) -> Vec<Journey> {
    let header = |c: Option<usize>| c.map(|c| cat.fields[c].header.as_str());
    let (start, end) = cat
        .episode_span()
        .map_or((None, None), |(s, e)| (Some(s), Some(e)));
    let modality = header(cat.modality_start());
    let get = |f: &Fields, h: Option<&str>| {
        h.and_then(|h| f.get(h))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let views: Vec<EpisodeView> = record
        .episodes
        .iter()
        .map(|e| EpisodeView {
            reference: e.reference.clone(),
            start: get(&e.fields, header(start)),
            end: get(&e.fields, header(end)),
            interventions: e
                .interventions
                .iter()
                .map(|c| child_view(cat, dataset, Section::Intervention, c))
                .collect(),
            outcomes: e
                .outcomes
                .iter()
                .map(|c| {
                    let section = if c.kind == "ypor" {
                        Section::Ypor
                    } else {
                        Section::Top
                    };
                    child_view(cat, dataset, section, c)
                })
                .collect(),
            reviews: e
                .reviews
                .iter()
                .map(|c| child_view(cat, dataset, Section::Cir, c))
                .collect(),
            due: due_of(cat, dataset, e, header(end)),
        })
        .collect();
    // An episode without a readable start cannot be placed by the rule: it is a journey of
    // its own, shown first, so its missing date is seen.
    let far_future = chrono::NaiveDate::MAX;
    let dates: Vec<JourneyDates> = record
        .episodes
        .iter()
        .map(|e| JourneyDates {
            id: e.reference.clone(),
            referral: parse_date(&get(&e.fields, header(start))).unwrap_or(far_future),
            modality_start: e
                .interventions
                .iter()
                .filter_map(|i| parse_date(&get(&i.fields, modality)))
                .min(),
            discharge: parse_date(&get(&e.fields, header(end))),
        })
        .collect();
    let mut out: Vec<Journey> = journey::journeys(&dates)
        .into_iter()
        .map(|ids| Journey {
            episodes: ids
                .iter()
                .filter_map(|id| views.iter().find(|v| &v.reference == id).cloned())
                .collect(),
        })
        .collect();
    out.reverse();
    out
}

impl Store {
    /// The client record screen's view of a client (any logged-in user; audited as a view),
    /// and the record it was made from.
    pub fn client_view_and_record(
        &mut self,
        reference: &str,
    ) -> Result<(ClientView, ClientRecord)> {
        let record = self.client(reference)?;
        let keyworker = self.keyworker_of(reference)?;
        let dataset = self.agency()?.dataset;
        let used = self.reference_in_force()?;
        let cat = &used
            .data
            .version_on(ndtms_dataset::model::today())?
            .catalogue;
        let value = |c: usize| {
            record
                .fields
                .get(&cat.fields[c].header)
                .map_or("", String::as_str)
        };
        let attributors = cat
            .attributor_columns()
            .into_iter()
            .map(|c| Shown {
                label: cat.fields[c].label.clone(),
                value: cat.shown(c, value(c)),
            })
            .collect();
        let mut history = record.consent.clone();
        history.sort_by_key(|e| std::cmp::Reverse((parse_date(&e.date), e.recorded_at.clone())));
        let view = ClientView {
            reference: record.reference.clone(),
            attributors,
            ndtms: latest(&history, ConsentScope::Ndtms)
                .or_else(|| crate::caseload::consent_in_record(cat, &record.fields)),
            ips: latest(&history, ConsentScope::Ips),
            history,
            journeys: journeys_of(cat, dataset, &record),
            episodes: u32::try_from(record.episodes.len()).unwrap_or(u32::MAX),
            keyworker,
            sections: Section::ALL
                .into_iter()
                .filter(|&x| {
                    cat.fields
                        .iter()
                        .any(|f| f.section == x && f.requirement(dataset).in_dataset())
                })
                .collect(),
        };
        Ok((view, record))
    }

    /// The client record screen's view of a client (any logged-in user; audited as a view).
    pub fn client_view(&mut self, reference: &str) -> Result<ClientView> {
        Ok(self.client_view_and_record(reference)?.0)
    }
}
