//! Client records and their children, consent history and drafts; every change and view audited.

use std::collections::BTreeMap;

use ndtms_dataset::Section;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Store;
use crate::audit::{self, Entry};
use crate::auth::Permission;
use crate::error::{ErrorCode, Result, StoreError};
use crate::submissions::LockCheck;

/// A record's dataset values: header -> code, exactly as they go in the extract.
pub type Fields = BTreeMap<String, String>;

/// The kinds of record, each a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Client,
    Episode,
    Intervention,
    SubInterventionReview,
    OutcomeRecord,
    ClientInformationReview,
}

impl Entity {
    pub(crate) fn table(self) -> &'static str {
        match self {
            Entity::Client => "client",
            Entity::Episode => "episode",
            Entity::Intervention => "intervention",
            Entity::SubInterventionReview => "sub_intervention_review",
            Entity::OutcomeRecord => "outcome_record",
            Entity::ClientInformationReview => "client_information_review",
        }
    }
}

/// Where a record sits: client, then episode, then the child and (for reviews) its intervention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RecordKey {
    pub client: String,
    pub episode: Option<String>,
    pub intervention: Option<String>,
    pub child: Option<String>,
}

impl RecordKey {
    pub fn client(c: &str) -> Self {
        Self {
            client: c.to_owned(),
            ..Default::default()
        }
    }

    fn display(&self) -> String {
        [
            Some(&self.client),
            self.episode.as_ref(),
            self.intervention.as_ref(),
            self.child.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("/")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChildRecord {
    pub reference: String,
    pub kind: String,
    pub fields: Fields,
    pub reviews: Vec<ChildRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EpisodeRecord {
    pub reference: String,
    pub fields: Fields,
    pub interventions: Vec<ChildRecord>,
    pub outcomes: Vec<ChildRecord>,
    pub reviews: Vec<ChildRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClientRecord {
    pub reference: String,
    pub fields: Fields,
    pub episodes: Vec<EpisodeRecord>,
    pub consent: Vec<ConsentEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClientSummary {
    pub reference: String,
    pub initials: String,
    pub date_of_birth: String,
    pub episodes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    Ndtms,
    Ips,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    Given,
    Refused,
    Withdrawn,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConsentEvent {
    pub scope: ConsentScope,
    pub status: ConsentStatus,
    pub date: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Draft {
    pub entity: Entity,
    pub record_key: String,
    pub fields: Fields,
    /// The field the keyworker was in, so the form reopens where it was.
    pub focus: String,
    pub updated_at: String,
}

fn code<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn to_json(f: &Fields) -> String {
    serde_json::to_string(f).unwrap_or_else(|_| "{}".into())
}

fn from_json(s: &str) -> Fields {
    serde_json::from_str(s).unwrap_or_default()
}

fn id_of(
    tx: &Transaction<'_>,
    sql: &str,
    p: impl rusqlite::Params,
    what: &str,
    key: &str,
) -> Result<i64> {
    tx.query_row(sql, p, |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NoSuchRecord {
            entity: what.into(),
            key: key.into(),
        })
}

/// Audits the difference between two field sets, one entry per changed field.
fn audit_diff(
    tx: &Transaction<'_>,
    at: &str,
    user: i64,
    entity: &str,
    key: &str,
    old: &Fields,
    new: &Fields,
) -> Result<()> {
    if old.is_empty() {
        // A new record is one entry holding all its values: the trail stays complete without
        // an entry per field for every record an import creates.
        return audit::append(
            tx,
            at,
            &Entry {
                user_id: Some(user),
                action: "create",
                entity,
                record_key: key,
                field: "",
                old_value: "",
                new_value: &to_json(new),
            },
        );
    }
    let headers: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for h in headers {
        let (o, n) = (
            old.get(h).map_or("", String::as_str),
            new.get(h).map_or("", String::as_str),
        );
        if o != n {
            audit::append(
                tx,
                at,
                &Entry {
                    user_id: Some(user),
                    action: "update",
                    entity,
                    record_key: key,
                    field: h,
                    old_value: o,
                    new_value: n,
                },
            )?;
        }
    }
    Ok(())
}

impl Store {
    /// Creates or updates a record of any kind; the parent records must exist.
    pub fn save(&mut self, entity: Entity, key: &RecordKey, fields: &Fields) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        let now = self.now();
        let lock = self.lock_check(&s)?;
        let tx = self.conn.transaction()?;
        save_in(&tx, &lock, &now, s.user_id, entity, key, fields)?;
        tx.commit()?;
        Ok(())
    }

    /// Saves many records in one transaction (imports and benchmarks).
    pub fn save_all(&mut self, records: &[(Entity, RecordKey, Fields)]) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        let now = self.now();
        let lock = self.lock_check(&s)?;
        let tx = self.conn.transaction()?;
        for (entity, key, fields) in records {
            save_in(&tx, &lock, &now, s.user_id, *entity, key, fields)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a record and everything under it.
    pub fn delete(&mut self, entity: Entity, key: &RecordKey) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        let now = self.now();
        let lock = self.lock_check(&s)?;
        let tx = self.conn.transaction()?;
        let (id, old) = locate(&tx, entity, key)?;
        lock.check(
            &tx,
            &now,
            s.user_id,
            entity,
            &key.display(),
            &old,
            &Fields::new(),
        )?;
        tx.execute(
            &format!("DELETE FROM {} WHERE id = ?1", entity.table()),
            [id],
        )?;
        let k = key.display();
        for (h, v) in &old {
            audit::append(
                &tx,
                &now,
                &Entry {
                    user_id: Some(s.user_id),
                    action: "delete",
                    entity: entity.table(),
                    record_key: &k,
                    field: h,
                    old_value: v,
                    new_value: "",
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// One client with everything under it; the view is audited.
    pub fn client(&mut self, reference: &str) -> Result<ClientRecord> {
        let s = self.authorize(Permission::ViewClients)?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        let (cid, fields): (i64, String) = tx
            .query_row(
                "SELECT id, fields FROM client WHERE client_ref = ?1",
                [reference],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSuchRecord {
                entity: "client".into(),
                key: reference.into(),
            })?;
        let mut episodes = Vec::new();
        {
            let mut eps = tx.prepare_cached(
                "SELECT id, episode_ref, fields FROM episode WHERE client_id = ?1 ORDER BY id",
            )?;
            let mut ints = tx.prepare_cached(
                "SELECT id, ref, fields FROM intervention WHERE episode_id = ?1 ORDER BY id",
            )?;
            let mut sirs = tx.prepare_cached("SELECT ref, fields FROM sub_intervention_review WHERE intervention_id = ?1 ORDER BY id")?;
            let mut outs = tx.prepare_cached(
                "SELECT ref, kind, fields FROM outcome_record WHERE episode_id = ?1 ORDER BY id",
            )?;
            let mut cirs = tx.prepare_cached("SELECT ref, fields FROM client_information_review WHERE episode_id = ?1 ORDER BY id")?;
            let ep_rows: Vec<(i64, String, String)> = eps
                .query_map([cid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<std::result::Result<_, _>>()?;
            for (eid, eref, ef) in ep_rows {
                let int_rows: Vec<(i64, String, String)> = ints
                    .query_map([eid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<std::result::Result<_, _>>()?;
                let mut interventions = Vec::new();
                for (iid, iref, ifields) in int_rows {
                    let reviews = sirs
                        .query_map([iid], |r| {
                            Ok(ChildRecord {
                                reference: r.get(0)?,
                                kind: "sir".into(),
                                fields: from_json(&r.get::<_, String>(1)?),
                                reviews: vec![],
                            })
                        })?
                        .collect::<std::result::Result<_, _>>()?;
                    interventions.push(ChildRecord {
                        reference: iref,
                        kind: "intervention".into(),
                        fields: from_json(&ifields),
                        reviews,
                    });
                }
                let outcomes = outs
                    .query_map([eid], |r| {
                        Ok(ChildRecord {
                            reference: r.get(0)?,
                            kind: r.get(1)?,
                            fields: from_json(&r.get::<_, String>(2)?),
                            reviews: vec![],
                        })
                    })?
                    .collect::<std::result::Result<_, _>>()?;
                let reviews = cirs
                    .query_map([eid], |r| {
                        Ok(ChildRecord {
                            reference: r.get(0)?,
                            kind: "cir".into(),
                            fields: from_json(&r.get::<_, String>(1)?),
                            reviews: vec![],
                        })
                    })?
                    .collect::<std::result::Result<_, _>>()?;
                episodes.push(EpisodeRecord {
                    reference: eref,
                    fields: from_json(&ef),
                    interventions,
                    outcomes,
                    reviews,
                });
            }
        }
        let consent = consent_of(&tx, cid)?;
        audit::append(
            &tx,
            &now,
            &Entry {
                user_id: Some(s.user_id),
                action: "view",
                entity: "client",
                record_key: reference,
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(ClientRecord {
            reference: reference.into(),
            fields: from_json(&fields),
            episodes,
            consent,
        })
    }

    /// The caseload: every client with initials, date of birth and episode count.
    pub fn clients(&mut self) -> Result<Vec<ClientSummary>> {
        self.authorize(Permission::ViewClients)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.client_ref,
                    coalesce(json_extract(c.fields, '$.FINITIAL'), '') || coalesce(json_extract(c.fields, '$.SINITIAL'), ''),
                    coalesce(json_extract(c.fields, '$.DOB'), ''),
                    (SELECT count(*) FROM episode e WHERE e.client_id = c.id)
             FROM client c ORDER BY c.client_ref",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ClientSummary {
                reference: r.get(0)?,
                initials: r.get(1)?,
                date_of_birth: r.get(2)?,
                episodes: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Records a consent decision for NDTMS or, separately, for IPS.
    pub fn record_consent(
        &mut self,
        client: &str,
        scope: ConsentScope,
        status: ConsentStatus,
        date: &str,
    ) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        if ndtms_dataset::values::parse_date(date).is_none() {
            return Err(StoreError::invalid(
                ErrorCode::DateInvalid,
                format!("'{date}' is not a date in the form dd/mm/yyyy"),
            ));
        }
        let now = self.now();
        let tx = self.conn.transaction()?;
        let cid = id_of(
            &tx,
            "SELECT id FROM client WHERE client_ref = ?1",
            [client],
            "client",
            client,
        )?;
        tx.execute(
            "INSERT INTO consent_event (client_id, scope, status, event_date, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![cid, code(scope), code(status), date, s.user_id, now],
        )?;
        audit::append(
            &tx,
            &now,
            &Entry {
                user_id: Some(s.user_id),
                action: "consent",
                entity: "client",
                record_key: client,
                field: &code(scope),
                old_value: "",
                new_value: &format!("{} {date}", code(status)),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The consent in force for a scope: the latest event by date (then by when it was recorded).
    pub fn consent(&mut self, client: &str, scope: ConsentScope) -> Result<Option<ConsentStatus>> {
        self.authorize(Permission::ViewClients)?;
        let tx = self.conn.transaction()?;
        let cid = id_of(
            &tx,
            "SELECT id FROM client WHERE client_ref = ?1",
            [client],
            "client",
            client,
        )?;
        let events = consent_of(&tx, cid)?;
        tx.commit()?;
        let latest = events
            .into_iter()
            .filter(|e| e.scope == scope)
            .max_by_key(|e| {
                (
                    ndtms_dataset::values::parse_date(&e.date),
                    e.recorded_at.clone(),
                )
            });
        Ok(latest.map(|e| e.status))
    }

    /// Saves what is being typed; called continuously by the form (at most a second apart).
    pub fn save_draft(
        &mut self,
        entity: Entity,
        record_key: &str,
        fields: &Fields,
        focus: &str,
    ) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        let now = self.now();
        self.conn.prepare_cached(
            "INSERT INTO draft (user_id, entity, record_key, fields, focus, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id, entity, record_key) DO UPDATE SET fields = excluded.fields, focus = excluded.focus, updated_at = excluded.updated_at",
        )?
        .execute(params![s.user_id, code(entity), record_key, to_json(fields), focus, now])?;
        Ok(())
    }

    pub fn drafts(&mut self) -> Result<Vec<Draft>> {
        let s = self.authorize(Permission::EditClients)?;
        let mut stmt = self.conn.prepare_cached("SELECT entity, record_key, fields, focus, updated_at FROM draft WHERE user_id = ?1 ORDER BY updated_at DESC")?;
        let rows = stmt.query_map([s.user_id], |r| {
            let entity: String = r.get(0)?;
            Ok(Draft {
                entity: serde_json::from_value(serde_json::Value::String(entity))
                    .unwrap_or(Entity::Client),
                record_key: r.get(1)?,
                fields: from_json(&r.get::<_, String>(2)?),
                focus: r.get(3)?,
                updated_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn discard_draft(&mut self, entity: Entity, record_key: &str) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        self.conn.execute(
            "DELETE FROM draft WHERE user_id = ?1 AND entity = ?2 AND record_key = ?3",
            params![s.user_id, code(entity), record_key],
        )?;
        Ok(())
    }

    /// Imports wide CDS-R rows (one per client and episode with at most one of each child) into
    /// records, read by the catalogue in force today for this database.
    pub fn import_rows(&mut self, headers: &[String], rows: &[Vec<String>]) -> Result<usize> {
        self.authorize(Permission::EditClients)?;
        let reference = self.reference_in_force()?;
        let cat = &reference
            .data
            .version_on(ndtms_dataset::model::today())?
            .catalogue;
        let mut records = Vec::new();
        let col = |h: &str| headers.iter().position(|x| x == h);
        let key_of = |role| {
            cat.key_column(role)
                .and_then(|c| col(&cat.fields[c].header))
        };
        let (Some(cc), Some(ec)) = (
            key_of(ndtms_dataset::model::KeyRole::Client),
            key_of(ndtms_dataset::model::KeyRole::Episode),
        ) else {
            return Err(StoreError::invalid(
                ErrorCode::ImportNoKeyColumns,
                "the rows have no client or episode ID column",
            ));
        };
        let section_of: Vec<Option<Section>> = headers
            .iter()
            .map(|h| cat.field(h).map(|f| f.section))
            .collect();
        let child_key = |s: Section| {
            cat.fields
                .iter()
                .find(|f| f.section == s && f.key.is_some())
                .and_then(|f| col(&f.header))
        };
        let pick = |row: &Vec<String>, s: Section| -> Fields {
            row.iter()
                .enumerate()
                .filter(|(i, v)| section_of[*i] == Some(s) && !v.is_empty())
                .map(|(i, v)| (headers[i].clone(), v.clone()))
                .collect()
        };
        for row in rows {
            let client = row[cc].clone();
            let mut key = RecordKey::client(&client);
            records.push((Entity::Client, key.clone(), pick(row, Section::Client)));
            if row[ec].is_empty() {
                continue;
            }
            key.episode = Some(row[ec].clone());
            records.push((Entity::Episode, key.clone(), pick(row, Section::Episode)));
            let intervention = child_key(Section::Intervention)
                .map(|c| row[c].clone())
                .filter(|v| !v.is_empty());
            if let Some(i) = &intervention {
                records.push((
                    Entity::Intervention,
                    RecordKey {
                        child: Some(i.clone()),
                        ..key.clone()
                    },
                    pick(row, Section::Intervention),
                ));
            }
            for (section, entity) in [
                (Section::Sir, Entity::SubInterventionReview),
                (Section::Top, Entity::OutcomeRecord),
                (Section::Ypor, Entity::OutcomeRecord),
                (Section::Cir, Entity::ClientInformationReview),
            ] {
                if let Some(id) = child_key(section)
                    .map(|c| row[c].clone())
                    .filter(|v| !v.is_empty())
                {
                    if section == Section::Sir && intervention.is_none() {
                        continue;
                    }
                    let k = RecordKey {
                        intervention: if section == Section::Sir {
                            intervention.clone()
                        } else {
                            None
                        },
                        child: Some(format!(
                            "{}{}",
                            if section == Section::Ypor {
                                "ypor:"
                            } else if section == Section::Top {
                                "top:"
                            } else {
                                ""
                            },
                            id
                        )),
                        ..key.clone()
                    };
                    records.push((entity, k, pick(row, section)));
                }
            }
        }
        let n = records.len();
        self.save_all(&records)?;
        Ok(n)
    }
}

/// A consent event from a row of scope, status, date, user name and time, starting at column `at`.
pub(crate) fn consent_event(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<ConsentEvent> {
    let scope: String = r.get(at)?;
    let status: String = r.get(at + 1)?;
    Ok(ConsentEvent {
        scope: if scope == "ips" {
            ConsentScope::Ips
        } else {
            ConsentScope::Ndtms
        },
        status: match status.as_str() {
            "given" => ConsentStatus::Given,
            "refused" => ConsentStatus::Refused,
            _ => ConsentStatus::Withdrawn,
        },
        date: r.get(at + 2)?,
        recorded_by: r.get(at + 3)?,
        recorded_at: r.get(at + 4)?,
    })
}

fn consent_of(tx: &Transaction<'_>, cid: i64) -> Result<Vec<ConsentEvent>> {
    let mut stmt = tx.prepare_cached(
        "SELECT e.scope, e.status, e.event_date, u.username, e.recorded_at FROM consent_event e JOIN user u ON u.id = e.recorded_by
         WHERE e.client_id = ?1 ORDER BY e.id",
    )?;
    let rows = stmt.query_map([cid], |r| consent_event(r, 0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Finds a record's row id and current fields.
fn locate(tx: &Transaction<'_>, entity: Entity, key: &RecordKey) -> Result<(i64, Fields)> {
    let missing = || StoreError::NoSuchRecord {
        entity: entity.table().into(),
        key: key.display(),
    };
    let cid = id_of(
        tx,
        "SELECT id FROM client WHERE client_ref = ?1",
        [&key.client],
        "client",
        &key.client,
    )?;
    let found: Option<(i64, String)> = match entity {
        Entity::Client => Some((
            cid,
            tx.query_row("SELECT fields FROM client WHERE id = ?1", [cid], |r| {
                r.get(0)
            })?,
        )),
        _ => {
            let ep = key.episode.as_deref().ok_or_else(missing)?;
            let eid = id_of(
                tx,
                "SELECT id FROM episode WHERE client_id = ?1 AND episode_ref = ?2",
                params![cid, ep],
                "episode",
                &key.display(),
            )?;
            match entity {
                Entity::Episode => Some((
                    eid,
                    tx.query_row("SELECT fields FROM episode WHERE id = ?1", [eid], |r| {
                        r.get(0)
                    })?,
                )),
                Entity::SubInterventionReview => {
                    let int = key.intervention.as_deref().ok_or_else(missing)?;
                    let iid = id_of(
                        tx,
                        "SELECT id FROM intervention WHERE episode_id = ?1 AND ref = ?2",
                        params![eid, int],
                        "intervention",
                        &key.display(),
                    )?;
                    let child = key.child.as_deref().ok_or_else(missing)?;
                    tx.query_row("SELECT id, fields FROM sub_intervention_review WHERE intervention_id = ?1 AND ref = ?2", params![iid, child], |r| Ok((r.get(0)?, r.get(1)?))).optional()?
                }
                _ => {
                    let child = key.child.as_deref().ok_or_else(missing)?;
                    tx.query_row(
                        &format!(
                            "SELECT id, fields FROM {} WHERE episode_id = ?1 AND ref = ?2",
                            entity.table()
                        ),
                        params![eid, child],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?
                }
            }
        }
    };
    found.map(|(id, f)| (id, from_json(&f))).ok_or_else(missing)
}

fn save_in(
    tx: &Transaction<'_>,
    lock: &LockCheck,
    now: &str,
    user: i64,
    entity: Entity,
    key: &RecordKey,
    fields: &Fields,
) -> Result<()> {
    let json = to_json(fields);
    let k = key.display();
    let existing = match locate(tx, entity, key) {
        Ok(found) => Some(found),
        Err(StoreError::NoSuchRecord { .. }) => None,
        Err(e) => return Err(e),
    };
    lock.check(
        tx,
        now,
        user,
        entity,
        &k,
        existing.as_ref().map_or(&Fields::new(), |(_, old)| old),
        fields,
    )?;
    if let Some((id, old)) = existing {
        if &old == fields {
            return Ok(());
        }
        tx.prepare_cached(&format!(
            "UPDATE {} SET fields = ?1, updated_at = ?2 WHERE id = ?3",
            entity.table()
        ))?
        .execute(params![json, now, id])?;
        return audit_diff(tx, now, user, entity.table(), &k, &old, fields);
    }
    let missing = |what: &str| {
        StoreError::invalid(
            ErrorCode::RecordKeyMissing,
            format!("{k}: the {what} is missing"),
        )
    };
    match entity {
        Entity::Client => {
            tx.prepare_cached("INSERT INTO client (client_ref, fields, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)")?.execute(params![key.client, json, now])?;
        }
        _ => {
            let cid = id_of(
                tx,
                "SELECT id FROM client WHERE client_ref = ?1",
                [&key.client],
                "client",
                &key.client,
            )?;
            let ep = key
                .episode
                .as_deref()
                .ok_or_else(|| missing("episode ID"))?;
            if entity == Entity::Episode {
                tx.prepare_cached("INSERT INTO episode (client_id, episode_ref, fields, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)")?.execute(params![cid, ep, json, now])?;
            } else {
                let eid = id_of(
                    tx,
                    "SELECT id FROM episode WHERE client_id = ?1 AND episode_ref = ?2",
                    params![cid, ep],
                    "episode",
                    &k,
                )?;
                let child = key.child.as_deref().ok_or_else(|| missing("record ID"))?;
                match entity {
                    Entity::SubInterventionReview => {
                        let int = key
                            .intervention
                            .as_deref()
                            .ok_or_else(|| missing("intervention ID"))?;
                        let iid = id_of(
                            tx,
                            "SELECT id FROM intervention WHERE episode_id = ?1 AND ref = ?2",
                            params![eid, int],
                            "intervention",
                            &k,
                        )?;
                        tx.prepare_cached("INSERT INTO sub_intervention_review (intervention_id, ref, fields, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)")?.execute(params![iid, child, json, now])?;
                    }
                    Entity::OutcomeRecord => {
                        let kind = if child.starts_with("ypor:") {
                            "ypor"
                        } else {
                            "top"
                        };
                        tx.prepare_cached("INSERT INTO outcome_record (episode_id, kind, ref, fields, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)")?.execute(params![eid, kind, child, json, now])?;
                    }
                    _ => {
                        tx.prepare_cached(&format!("INSERT INTO {} (episode_id, ref, fields, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)", entity.table()))?.execute(params![eid, child, json, now])?;
                    }
                }
            }
        }
    }
    audit_diff(tx, now, user, entity.table(), &k, &Fields::new(), fields)
}
