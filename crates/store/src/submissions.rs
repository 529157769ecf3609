//! The submission history, the attributors last transferred, the bulk read an extract needs, and
//! the lock a transfer puts on its reporting period.
//!
//! The lock rule is this project's design (the standard names no such rule; see ARCHITECTURE.md):
//! once a period is transferred, a change needs a data lead when it (a) puts, moves or removes a
//! date inside a transferred period, or (b) alters or removes a value already recorded on a
//! record whose first date lies inside one. Filling a blank on such a record (a discharge, say)
//! with a date after the period is ordinary work and needs no one's say-so.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, Entry};
use crate::auth::Permission;
use crate::consent::consent_event;
use crate::error::Result;
use crate::model::ConsentEvent;
use crate::{Store, db};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionKind {
    /// A file saved for upload (or carried out of a secure setting).
    Extract,
    /// A file sent to the portal and accepted by it; locks the period.
    Transfer,
}

/// What is recorded when an extract is saved or a transfer completes.
#[derive(Debug, Clone)]
pub struct NewSubmission<'a> {
    pub kind: SubmissionKind,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub rows: u64,
    pub clients: u64,
    /// The local pre-transfer totals as JSON.
    pub report: &'a str,
    /// The portal's receipt, or the offline manifest, as JSON.
    pub receipt: &'a str,
    /// For a transfer: client id -> attributor values sent, kept for the next file's mismatch check.
    pub attributors: &'a [(String, Vec<String>)],
}

/// One entry of the submission history.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Submission {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: SubmissionKind,
    pub period_start: String,
    pub period_end: String,
    pub created_at: String,
    pub user: String,
    pub agency: String,
    pub dataset: String,
    pub file_name: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub clients: u64,
    pub report: String,
    pub receipt: String,
    pub locks_period: bool,
}

/// A record's values as stored (the JSON object of header to code), read without building a
/// map: an extract reads hundreds of thousands of records, and a map of owned strings for each
/// was most of the time spent (allocating, then freeing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawFields(pub String);

/// One JSON string: borrowed from the stored text unless it had escapes to undo.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

struct Pairs<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'de> Deserialize<'de> for Pairs<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of header to value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some((k, v)) = map.next_entry::<Text<'de>, Text<'de>>()? {
                    out.push((k.0, v.0));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl RawFields {
    /// Each header and its value, in stored order; unreadable text gives no pairs.
    pub fn pairs(&self) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
        serde_json::from_str::<Pairs<'_>>(&self.0)
            .map(|p| p.0)
            .unwrap_or_default()
    }
}

/// A client as an extract reads it: everything under it, values still as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceClient {
    pub reference: String,
    pub fields: RawFields,
    pub episodes: Vec<SourceEpisode>,
    pub consent: Vec<ConsentEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEpisode {
    pub reference: String,
    pub fields: RawFields,
    pub interventions: Vec<SourceChild>,
    pub outcomes: Vec<SourceChild>,
    pub reviews: Vec<SourceChild>,
}

/// A child record: for outcome records `ypor` tells YPOR from TOP; interventions carry their reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceChild {
    pub reference: String,
    pub ypor: bool,
    pub fields: RawFields,
    pub reviews: Vec<SourceChild>,
}

impl SourceEpisode {
    /// The episode as the screens' record model holds it (its values parsed).
    pub fn to_record(&self) -> crate::model::EpisodeRecord {
        let fields = |r: &RawFields| crate::model::from_json(&r.0);
        let child = |c: &SourceChild, kind: &str| crate::model::ChildRecord {
            reference: c.reference.clone(),
            kind: kind.to_owned(),
            fields: fields(&c.fields),
            reviews: c
                .reviews
                .iter()
                .map(|r| crate::model::ChildRecord {
                    reference: r.reference.clone(),
                    kind: "sir".into(),
                    fields: fields(&r.fields),
                    reviews: vec![],
                })
                .collect(),
        };
        crate::model::EpisodeRecord {
            reference: self.reference.clone(),
            fields: fields(&self.fields),
            interventions: self
                .interventions
                .iter()
                .map(|i| child(i, "intervention"))
                .collect(),
            outcomes: self
                .outcomes
                .iter()
                .map(|o| child(o, if o.ypor { "ypor" } else { "top" }))
                .collect(),
            reviews: self.reviews.iter().map(|r| child(r, "cir")).collect(),
        }
    }
}

impl SourceClient {
    /// A client record read for the screens, as an extract reads it (to check one client).
    pub fn from_record(record: &crate::model::ClientRecord) -> Self {
        let raw = |f: &crate::model::Fields| RawFields(crate::model::to_json(f));
        let child = |c: &crate::model::ChildRecord| SourceChild {
            reference: c.reference.clone(),
            ypor: c.kind == "ypor",
            fields: raw(&c.fields),
            reviews: c
                .reviews
                .iter()
                .map(|r| SourceChild {
                    reference: r.reference.clone(),
                    ypor: false,
                    fields: raw(&r.fields),
                    reviews: vec![],
                })
                .collect(),
        };
        Self {
            reference: record.reference.clone(),
            fields: raw(&record.fields),
            episodes: record
                .episodes
                .iter()
                .map(|e| SourceEpisode {
                    reference: e.reference.clone(),
                    fields: raw(&e.fields),
                    interventions: e.interventions.iter().map(child).collect(),
                    outcomes: e.outcomes.iter().map(child).collect(),
                    reviews: e.reviews.iter().map(child).collect(),
                })
                .collect(),
            consent: record.consent.clone(),
        }
    }
}

/// The extract stamp, as the first read of a transaction (so its snapshot starts there).
fn extract_stamp(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT n FROM extract_stamp", [], |r| r.get(0))?)
}

/// Interventions with their reviews, and client information reviews, grouped by parent id
/// (the outcome records are read with the clients: the two halves take about as long).
struct Children {
    sirs: HashMap<i64, Vec<SourceChild>>,
    interventions: HashMap<i64, Vec<(i64, SourceChild)>>,
    cirs: HashMap<i64, Vec<SourceChild>>,
}

impl Children {
    fn read(tx: &Connection) -> Result<Self> {
        Ok(Self {
            sirs: grouped(
                tx,
                "SELECT intervention_id, ref, fields FROM sub_intervention_review ORDER BY id",
                |r| Ok((r.get(0)?, child(r, 1, 2)?)),
            )?,
            interventions: grouped(
                tx,
                "SELECT episode_id, id, ref, fields FROM intervention ORDER BY id",
                |r| Ok((r.get(0)?, (r.get::<_, i64>(1)?, child(r, 2, 3)?))),
            )?,
            cirs: grouped(
                tx,
                "SELECT episode_id, ref, fields FROM client_information_review ORDER BY id",
                |r| Ok((r.get(0)?, child(r, 1, 2)?)),
            )?,
        })
    }
}

/// Clients, their episodes and consent events, and the episodes' outcome records.
struct Parents {
    clients: Vec<(i64, String, RawFields)>,
    episodes: HashMap<i64, Vec<(i64, String, RawFields)>>,
    consent: HashMap<i64, Vec<ConsentEvent>>,
    outcomes: HashMap<i64, Vec<SourceChild>>,
}

impl Parents {
    fn read(tx: &Connection) -> Result<Self> {
        let episodes = grouped(
            tx,
            "SELECT client_id, id, episode_ref, fields FROM episode ORDER BY id",
            |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, fields_of(r, 3)?))),
        )?;
        let consent = grouped(
            tx,
            "SELECT e.client_id, e.scope, e.status, e.event_date, u.username, e.recorded_at
             FROM consent_event e JOIN user u ON u.id = e.recorded_by ORDER BY e.id",
            |r| Ok((r.get(0)?, consent_event(r, 1)?)),
        )?;
        let outcomes = grouped(
            tx,
            "SELECT episode_id, ref, fields, kind FROM outcome_record ORDER BY id",
            |r| {
                let mut c = child(r, 1, 2)?;
                c.ypor = r.get_ref(3)?.as_str()? == "ypor";
                Ok((r.get(0)?, c))
            },
        )?;
        let mut stmt = tx.prepare("SELECT id, client_ref, fields FROM client ORDER BY id")?;
        let clients = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, fields_of(r, 2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Self {
            clients,
            episodes,
            consent,
            outcomes,
        })
    }

    /// Each client with everything under it, in the order read.
    fn with(mut self, mut c: Children) -> Vec<SourceClient> {
        let mut out = Vec::with_capacity(self.clients.len());
        for (cid, reference, fields) in self.clients {
            let eps = self.episodes.remove(&cid).unwrap_or_default();
            out.push(SourceClient {
                reference,
                fields,
                episodes: eps
                    .into_iter()
                    .map(|(eid, reference, fields)| SourceEpisode {
                        reference,
                        fields,
                        interventions: c
                            .interventions
                            .remove(&eid)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(iid, mut i)| {
                                i.reviews = c.sirs.remove(&iid).unwrap_or_default();
                                i
                            })
                            .collect(),
                        outcomes: self.outcomes.remove(&eid).unwrap_or_default(),
                        reviews: c.cirs.remove(&eid).unwrap_or_default(),
                    })
                    .collect(),
                consent: self.consent.remove(&cid).unwrap_or_default(),
            });
        }
        out
    }
}

fn kind_code(k: SubmissionKind) -> &'static str {
    match k {
        SubmissionKind::Extract => "extract",
        SubmissionKind::Transfer => "transfer",
    }
}

/// Groups child rows by their parent id, keeping the query's order. Queries read each table in
/// row-id order: walking an index instead fetches pages at random, and every page fetched from
/// an encrypted database past the page cache is decrypted again (3.4 s against 1 s at 50,000 clients).
fn grouped<T>(
    conn: &Connection,
    sql: &str,
    row: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<(i64, T)>,
) -> Result<HashMap<i64, Vec<T>>> {
    let mut out: HashMap<i64, Vec<T>> = HashMap::new();
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (parent, item) = row(r)?;
        out.entry(parent).or_default().push(item);
    }
    Ok(out)
}

fn fields_of(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<RawFields> {
    Ok(RawFields(r.get(i)?))
}

fn child(r: &rusqlite::Row<'_>, reference: usize, fields: usize) -> rusqlite::Result<SourceChild> {
    Ok(SourceChild {
        reference: r.get(reference)?,
        ypor: false,
        fields: fields_of(r, fields)?,
        reviews: vec![],
    })
}

impl Store {
    /// Every client with everything under it and its consent history, in client-id order, for an
    /// extract (data leads). One query per table, so 50,000 clients read in about a second.
    pub fn extract_source(&mut self) -> Result<Vec<SourceClient>> {
        let s = self.authorize(Permission::Submit)?;
        self.read_source(s.user_id, "read_for_extract")
    }

    /// A number that moves whenever anything an extract is built or checked from changes (the
    /// records, consent, the agency, settings, transfers): equal numbers mean an extract made
    /// at the first would be made again the same (data leads).
    pub fn extract_stamp(&mut self) -> Result<i64> {
        self.authorize(Permission::Submit)?;
        extract_stamp(&self.conn)
    }

    /// Every client as [`Store::extract_source`] reads them, for the caseload's flags of what
    /// each client's records would get (any logged-in user; audited as such a read).
    pub fn check_source(&mut self) -> Result<Vec<SourceClient>> {
        let s = self.authorize(Permission::ViewClients)?;
        self.read_source(s.user_id, "read_for_check")
    }

    fn read_source(&mut self, user: i64, action: &str) -> Result<Vec<SourceClient>> {
        let now = self.now();
        // The child tables are read on a second, read-only connection at the same time as the
        // clients and episodes here (about half the wait on two cores). Each read begins with
        // the extract stamp, which every change to these tables moves: equal stamps mean both
        // saw the same data; otherwise (a save landed between) it is all read again here.
        let second = db::open_read_only(&Self::db_path(&self.dir), &self.key).ok();
        let tx = self.conn.transaction()?;
        let stamp = extract_stamp(&tx)?;
        let (parents, children) = std::thread::scope(|s| {
            let other = second.map(|mut c| {
                s.spawn(move || -> Result<(i64, Children)> {
                    let tx = c.transaction()?;
                    Ok((extract_stamp(&tx)?, Children::read(&tx)?))
                })
            });
            let parents = Parents::read(&tx);
            let children = other.and_then(|h| h.join().ok()).and_then(Result::ok);
            (parents, children)
        });
        let children = match children {
            Some((seen, children)) if seen == stamp => children,
            _ => Children::read(&tx)?,
        };
        let mut out = parents?.with(children);
        out.sort_by(|a, b| a.reference.cmp(&b.reference));
        audit::append(
            &tx,
            &self.seal,
            &now,
            &Entry {
                user_id: Some(user),
                action,
                entity: "client",
                record_key: "*",
                new_value: &out.len().to_string(),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(out)
    }

    /// Records an extract or a completed transfer; a transfer locks its period and keeps the
    /// attributors it sent. One transaction: the history never holds half a submission.
    pub fn record_submission(&mut self, n: &NewSubmission<'_>) -> Result<i64> {
        let s = self.authorize(Permission::Submit)?;
        let agency = self.agency()?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        let transfer = n.kind == SubmissionKind::Transfer;
        tx.execute(
            "INSERT INTO submission (kind, period_start, period_end, created_at, user_id, file_name, sha256, rows, clients, receipt, locks_period, report, agency, dataset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                kind_code(n.kind),
                n.period_start.format("%Y-%m-%d").to_string(),
                n.period_end.format("%Y-%m-%d").to_string(),
                now,
                s.user_id,
                n.file_name,
                n.sha256,
                n.rows as i64,
                n.clients as i64,
                n.receipt,
                transfer,
                n.report,
                agency.code,
                agency.dataset.code(),
            ],
        )?;
        let id = tx.last_insert_rowid();
        if transfer {
            let mut put = tx.prepare_cached(
                "INSERT INTO sent_attributors (client_ref, submission_id, fields) VALUES (?1, ?2, ?3)
                 ON CONFLICT (client_ref) DO UPDATE SET submission_id = excluded.submission_id, fields = excluded.fields",
            )?;
            for (client, values) in n.attributors {
                put.execute(params![
                    client,
                    id,
                    serde_json::to_string(values).unwrap_or_default()
                ])?;
            }
        }
        audit::append(
            &tx,
            &self.seal,
            &now,
            &Entry {
                user_id: Some(s.user_id),
                action: kind_code(n.kind),
                entity: "submission",
                record_key: n.file_name,
                field: if transfer { "locks_period" } else { "" },
                old_value: "",
                new_value: n.sha256,
            },
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The submission history, newest first.
    pub fn submissions(&mut self) -> Result<Vec<Submission>> {
        self.authorize(Permission::Submit)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, s.kind, s.period_start, s.period_end, s.created_at, u.username, s.agency, s.dataset,
                    s.file_name, s.sha256, s.rows, s.clients, s.report, s.receipt, s.locks_period
             FROM submission s JOIN user u ON u.id = s.user_id ORDER BY s.id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            let kind: String = r.get(1)?;
            Ok(Submission {
                id: r.get(0)?,
                kind: if kind == "transfer" {
                    SubmissionKind::Transfer
                } else {
                    SubmissionKind::Extract
                },
                period_start: r.get(2)?,
                period_end: r.get(3)?,
                created_at: r.get(4)?,
                user: r.get(5)?,
                agency: r.get(6)?,
                dataset: r.get(7)?,
                file_name: r.get(8)?,
                sha256: r.get(9)?,
                rows: r.get::<_, i64>(10)? as u64,
                clients: r.get::<_, i64>(11)? as u64,
                report: r.get(12)?,
                receipt: r.get(13)?,
                locks_period: r.get(14)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Attributors as last transferred, by client id, for the mismatch check of the next file.
    pub fn previous_attributors(&mut self) -> Result<HashMap<String, Vec<String>>> {
        self.authorize(Permission::Submit)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT client_ref, fields FROM sent_attributors")?;
        let rows = stmt.query_map([], |r| {
            let v: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&v).unwrap_or_default()))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// One client's attributors as last transferred, for the mismatch check of their record
    /// (any logged-in user: the values are the client's own).
    pub fn previous_attributors_of(&mut self, reference: &str) -> Result<Option<Vec<String>>> {
        self.authorize(Permission::ViewClients)?;
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT fields FROM sent_attributors WHERE client_ref = ?1",
                [reference],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.map(|v| serde_json::from_str(&v).unwrap_or_default()))
    }

    /// The latest transfer, if any (for "last transferred on" and the next period's default).
    pub fn last_transfer(&mut self) -> Result<Option<Submission>> {
        Ok(self
            .submissions()?
            .into_iter()
            .find(|s| s.kind == SubmissionKind::Transfer))
    }
}
