//! One client as the client record screen shows them: the attributors by their catalogue labels,
//! consent to NDTMS and to IPS with the history of each, and the episodes' dates. Opening it is
//! audited (through `Store::client`).

use ndtms_dataset::values::parse_date;
use serde::Serialize;
use ts_rs::TS;

use crate::Store;
use crate::error::Result;
use crate::model::{ConsentEvent, ConsentScope, ConsentStatus};

/// A field's label and its value as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Shown {
    pub label: String,
    pub value: String,
}

/// An episode's reference and the dates that open and close it (blank when open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EpisodeDates {
    pub reference: String,
    pub start: String,
    pub end: String,
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
    pub episodes: Vec<EpisodeDates>,
}

/// The latest decision of one scope: by its date, then by when it was recorded.
pub fn latest(events: &[ConsentEvent], scope: ConsentScope) -> Option<ConsentStatus> {
    events
        .iter()
        .filter(|e| e.scope == scope)
        .max_by_key(|e| (parse_date(&e.date), e.recorded_at.clone()))
        .map(|e| e.status)
}

impl Store {
    /// The client record screen's view of a client (any logged-in user; audited as a view).
    pub fn client_view(&mut self, reference: &str) -> Result<ClientView> {
        let record = self.client(reference)?;
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
        let (start, end) = cat
            .episode_span()
            .map(|(s, e)| (cat.fields[s].header.clone(), cat.fields[e].header.clone()))
            .unwrap_or_default();
        let mut episodes: Vec<EpisodeDates> = record
            .episodes
            .iter()
            .map(|e| EpisodeDates {
                reference: e.reference.clone(),
                start: e.fields.get(&start).cloned().unwrap_or_default(),
                end: e.fields.get(&end).cloned().unwrap_or_default(),
            })
            .collect();
        episodes.sort_by_key(|e| std::cmp::Reverse(parse_date(&e.start)));
        let mut history = record.consent.clone();
        history.sort_by_key(|e| std::cmp::Reverse((parse_date(&e.date), e.recorded_at.clone())));
        Ok(ClientView {
            reference: record.reference,
            attributors,
            ndtms: latest(&history, ConsentScope::Ndtms)
                .or_else(|| crate::caseload::consent_in_record(cat, &record.fields)),
            ips: latest(&history, ConsentScope::Ips),
            history,
            episodes,
        })
    }
}
