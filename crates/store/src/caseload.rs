//! The caseload: every client with what a keyworker looks for (attributors, age, open episode,
//! consent, last change), searched and filtered in the core. Which fields are the attributors
//! and which dates open and close an episode come from the catalogue in force, never from code.
//!
//! The list is built in one pass over the database and kept while nothing it shows changes (the
//! key is the `caseload_stamp` counter, moved by triggers on the tables it reads, whichever
//! connection writes them: the CLI, or the month's reader), so a search keystroke filters
//! memory, not the database, even after an audit entry or an extract's read.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use ndtms_dataset::model::FieldType;
use ndtms_dataset::values::parse_date;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Store;
use crate::auth::Permission;
use crate::error::Result;
use crate::model::{ConsentStatus, from_json};

/// Which clients to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseloadFilter {
    /// Clients with an episode not yet discharged, and new clients with no episode yet (whose
    /// first episode is to come): the keyworker's current work.
    Open,
    /// Clients whose every episode is discharged.
    Discharged,
    All,
}

/// A search of the caseload: `text` matches a client reference (anywhere in it), the initials
/// (from their start) or, typed as dd/mm/yyyy, the date of birth.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct CaseloadQuery {
    pub text: String,
    pub filter: CaseloadFilter,
    /// Only the clients the logged-in user holds.
    pub mine: bool,
    pub offset: u32,
    pub limit: u32,
}

/// The episode a client is in treatment with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OpenEpisode {
    pub reference: String,
    /// The episode's start (the catalogue's first episode date), as dd/mm/yyyy.
    pub start: String,
}

/// One client as the caseload shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CaseloadRow {
    pub reference: String,
    /// The attributors' values as shown (code lists by label), in `CaseloadPage::columns` order.
    pub attributors: Vec<String>,
    pub age: Option<u32>,
    pub episodes: u32,
    pub open_episode: Option<OpenEpisode>,
    /// The latest NDTMS consent decision recorded, else what the record's consent field says.
    pub consent: Option<ConsentStatus>,
    /// The display name of the keyworker who holds the client.
    pub keyworker: Option<String>,
    /// Someone has a draft of one of the client's records in progress.
    pub draft: bool,
    pub updated_at: String,
}

/// A window of the matching clients, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CaseloadPage {
    /// The attributors' labels, from the catalogue.
    pub columns: Vec<String>,
    pub rows: Vec<CaseloadRow>,
    pub total: u32,
    /// Clients in the database, whatever the search.
    pub clients: u32,
}

/// The built list, with what a search compares.
#[derive(Debug)]
pub(crate) struct Caseload {
    key: i64,
    columns: Vec<String>,
    rows: Vec<CaseloadRow>,
    /// Per row: the reference and the initials in lower case, the date of birth, and the user
    /// id of the keyworker who holds the client.
    search: Vec<(String, String, Option<NaiveDate>, Option<i64>)>,
}

/// Without a consent event, the record's own consent field says it (as the extract reads it).
pub(crate) fn consent_in_record(
    cat: &ndtms_dataset::Catalogue,
    fields: &crate::model::Fields,
) -> Option<ConsentStatus> {
    let c = cat.consent_codes()?;
    let v = fields.get(&cat.fields[c.column].header)?.trim();
    if v == c.refused {
        Some(ConsentStatus::Refused)
    } else if c.given.as_deref() == Some(v) {
        Some(ConsentStatus::Given)
    } else {
        None
    }
}

fn age_on(dob: NaiveDate, today: NaiveDate) -> Option<u32> {
    let mut years = today.year() - dob.year();
    if (today.month(), today.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

impl Store {
    /// The caseload lists every client's attributors, so who looked at it is audited: once when
    /// a session first lists it and again after each quarter of an hour of listing, not at each
    /// search keystroke (each entry is a synced write, and a search answers in milliseconds).
    fn audit_caseload_view(&mut self, user: i64) -> Result<()> {
        let now = (self.clock)();
        if self
            .caseload_viewed
            .is_some_and(|t| now - t < chrono::Duration::minutes(15))
        {
            return Ok(());
        }
        self.record(user, "view", "caseload", "", "")?;
        self.caseload_viewed = Some(now);
        Ok(())
    }

    fn caseload_key(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT n FROM caseload_stamp", [], |r| r.get(0))?)
    }

    fn build_caseload(&mut self, key: i64) -> Result<Caseload> {
        let reference = self.reference_in_force()?;
        let today = ndtms_dataset::model::today();
        let cat = &reference.data.version_on(today)?.catalogue;
        let attributors = cat.attributor_columns();
        let columns = attributors
            .iter()
            .map(|&c| cat.fields[c].label.clone())
            .collect();
        let dob = attributors
            .iter()
            .copied()
            .find(|&c| cat.fields[c].kind == FieldType::Date);
        let initials: Vec<usize> = attributors
            .iter()
            .copied()
            .filter(|&c| cat.fields[c].kind == FieldType::Text)
            .collect();
        let (start, end) = cat
            .episode_span()
            .map(|(s, e)| (cat.fields[s].header.clone(), cat.fields[e].header.clone()))
            .unwrap_or_default();

        // One query a table: episodes and consent events grouped by client in memory.
        let mut episodes: HashMap<i64, Vec<(String, String, String)>> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT client_id, episode_ref, fields FROM episode")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (client, ep, fields) = row?;
                let f = from_json(&fields);
                let get = |h: &str| f.get(h).cloned().unwrap_or_default();
                episodes
                    .entry(client)
                    .or_default()
                    .push((ep, get(&start), get(&end)));
            }
        }
        let mut consent: HashMap<i64, (Option<NaiveDate>, String, ConsentStatus)> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT client_id, status, event_date, recorded_at FROM consent_event WHERE scope = 'ndtms'",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            for row in rows {
                let (client, status, date, at) = row?;
                let status = match status.as_str() {
                    "given" => ConsentStatus::Given,
                    "refused" => ConsentStatus::Refused,
                    _ => ConsentStatus::Withdrawn,
                };
                let when = (parse_date(&date), at);
                let e = consent
                    .entry(client)
                    .or_insert((when.0, when.1.clone(), status));
                if (when.0, &when.1) >= (e.0, &e.1) {
                    *e = (when.0, when.1, status);
                }
            }
        }
        // Drafts are few: the clients they belong to, by the first part of the record key.
        let drafted: std::collections::HashSet<String> = {
            let mut stmt = self.conn.prepare("SELECT record_key FROM draft")?;
            let keys = stmt.query_map([], |r| r.get::<_, String>(0))?;
            keys.filter_map(|k| k.ok())
                .map(|k| k.split('/').next().unwrap_or("").to_owned())
                .collect()
        };
        let mut rows = Vec::new();
        let mut search = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT c.id, c.client_ref, c.fields, c.updated_at, c.keyworker_id, u.display_name
             FROM client c LEFT JOIN user u ON u.id = c.keyworker_id ORDER BY c.client_ref",
        )?;
        let clients = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        for c in clients {
            let (id, client_ref, fields, updated_at, keyworker_id, keyworker) = c?;
            let f = from_json(&fields);
            let value = |c: usize| f.get(&cat.fields[c].header).map_or("", String::as_str);
            let born = dob.and_then(|c| parse_date(value(c)));
            let eps = episodes.remove(&id).unwrap_or_default();
            let open = eps
                .iter()
                .filter(|(_, _, end)| end.trim().is_empty())
                .max_by_key(|(_, s, _)| parse_date(s))
                .map(|(reference, s, _)| OpenEpisode {
                    reference: reference.clone(),
                    start: s.clone(),
                });
            search.push((
                client_ref.to_lowercase(),
                initials
                    .iter()
                    .map(|&c| value(c))
                    .collect::<String>()
                    .to_lowercase(),
                born,
                keyworker_id,
            ));
            rows.push(CaseloadRow {
                keyworker,
                draft: drafted.contains(&client_ref),
                attributors: attributors
                    .iter()
                    .map(|&c| cat.shown(c, value(c)))
                    .collect(),
                age: born.and_then(|d| age_on(d, today)),
                episodes: eps.len() as u32,
                open_episode: open,
                consent: consent
                    .remove(&id)
                    .map(|(_, _, s)| s)
                    .or_else(|| consent_in_record(cat, &f)),
                reference: client_ref,
                updated_at,
            });
        }
        Ok(Caseload {
            key,
            columns,
            rows,
            search,
        })
    }

    /// The clients matching `q`, a window of them from `q.offset` (any logged-in user).
    pub fn caseload(&mut self, q: &CaseloadQuery) -> Result<CaseloadPage> {
        let session = self.authorize(Permission::ViewClients)?;
        self.audit_caseload_view(session.user_id)?;
        let key = self.caseload_key()?;
        let list = match &self.caseload {
            Some(c) if c.key == key => Arc::clone(c),
            _ => {
                let built = Arc::new(self.build_caseload(key)?);
                self.caseload = Some(Arc::clone(&built));
                built
            }
        };
        let text = q.text.trim().to_lowercase();
        let date = parse_date(&text);
        let mut total = 0u32;
        let mut rows = Vec::new();
        for (row, (reference, initials, born, holder)) in list.rows.iter().zip(&list.search) {
            if q.mine && *holder != Some(session.user_id) {
                continue;
            }
            let shown = match q.filter {
                CaseloadFilter::All => true,
                CaseloadFilter::Open => row.open_episode.is_some() || row.episodes == 0,
                CaseloadFilter::Discharged => row.open_episode.is_none() && row.episodes > 0,
            };
            let found = text.is_empty()
                || match date {
                    Some(d) => *born == Some(d),
                    None => reference.contains(&text) || initials.starts_with(&text),
                };
            if shown && found {
                if total >= q.offset && rows.len() < q.limit as usize {
                    rows.push(row.clone());
                }
                total += 1;
            }
        }
        Ok(CaseloadPage {
            columns: list.columns.clone(),
            rows,
            total,
            clients: list.rows.len() as u32,
        })
    }
}
