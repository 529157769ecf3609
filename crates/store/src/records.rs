//! Client records and their children: saved, deleted and read back; every change and view audited.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::Store;
use crate::audit::{self, Entry};
use crate::auth::Permission;
use crate::consent::consent_of;
use crate::error::{ErrorCode, Result, StoreError};
pub use crate::model::{
    ChildRecord, ClientRecord, ClientSummary, ConsentEvent, ConsentScope, ConsentStatus, Draft,
    Entity, EpisodeRecord, Fields, RecordKey,
};
use crate::model::{client_id, from_json, id_of, to_json};
use crate::period_lock::LockCheck;

/// Audits the difference between two field sets, one entry per changed field.
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_diff(
    tx: &Transaction<'_>,
    seal: &audit::Seal,
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
            seal,
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
                seal,
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
        self.save_because(entity, key, fields, None)
    }

    /// Saves as [`Store::save`] does; `because` is the reason a data lead gives for changing a
    /// record in a transferred period (Some: one is needed if the change touches such a record).
    pub fn save_because(
        &mut self,
        entity: Entity,
        key: &RecordKey,
        fields: &Fields,
        because: Option<&str>,
    ) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        let now = self.now();
        let mut lock = self.lock_check(&s)?;
        lock.because = because.map(str::to_owned);
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

    /// One client with everything under it; the view is audited.
    pub fn client(&mut self, reference: &str) -> Result<ClientRecord> {
        let s = self.authorize(Permission::ViewClients)?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        let record = read_client(&tx, reference)?;
        audit::append(
            &tx,
            &self.seal,
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
        Ok(record)
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
}

/// Finds a record's row id and current fields.
pub(crate) fn locate(
    tx: &Transaction<'_>,
    entity: Entity,
    key: &RecordKey,
) -> Result<(i64, Fields)> {
    let missing = || StoreError::NoSuchRecord {
        entity: entity.table().into(),
        key: key.display(),
    };
    let cid = client_id(tx, &key.client)?;
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

pub(crate) fn save_in(
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
        return audit_diff(tx, &lock.seal, now, user, entity.table(), &k, &old, fields);
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
            let cid = client_id(tx, &key.client)?;
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
    audit_diff(
        tx,
        &lock.seal,
        now,
        user,
        entity.table(),
        &k,
        &Fields::new(),
        fields,
    )
}

/// One client with everything under it and their consent history (not audited: callers are).
pub(crate) fn read_client(tx: &Transaction<'_>, reference: &str) -> Result<ClientRecord> {
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
        let mut cirs = tx.prepare_cached(
            "SELECT ref, fields FROM client_information_review WHERE episode_id = ?1 ORDER BY id",
        )?;
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
    let consent = consent_of(tx, cid)?;
    Ok(ClientRecord {
        reference: reference.into(),
        fields: from_json(&fields),
        episodes,
        consent,
    })
}
