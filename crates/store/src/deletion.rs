//! Deleting a client or an episode with everything under it: data leads and administrators
//! only, never a record inside a transferred period (what was sent must stay what is held), and
//! every value of every record deleted written to the audit trail first.

use rusqlite::Transaction;
use serde::Serialize;
use ts_rs::TS;

use crate::Store;
use crate::audit::{self, Entry};
use crate::auth::Permission;
use crate::error::{ErrorCode, Result, StoreError};
use crate::model::{ClientRecord, Entity, EpisodeRecord, Fields, RecordKey};
use crate::period_lock::LockCheck;
use crate::records::read_client;

/// What a deletion takes with it, said before it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Deletion {
    /// "client C00041" or "episode E2 of client C00041".
    pub what: String,
    /// Each kind of record that goes with it and how many ("2 episodes", "1 consent decision").
    pub goes_with: Vec<String>,
    /// Why it cannot be deleted, when a record in it lies in a transferred period.
    pub locked: Option<String>,
}

/// One record that a deletion removes: its kind, key as shown, and values.
struct Doomed {
    entity: Entity,
    key: String,
    fields: Fields,
}

fn count(n: usize, one: &str, many: &str) -> Option<String> {
    match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    }
}

fn episode_records(client: &str, e: &EpisodeRecord, out: &mut Vec<Doomed>) {
    let key = format!("{client}/{}", e.reference);
    for i in &e.interventions {
        for r in &i.reviews {
            out.push(Doomed {
                entity: Entity::SubInterventionReview,
                key: format!("{key}/{}/{}", i.reference, r.reference),
                fields: r.fields.clone(),
            });
        }
        out.push(Doomed {
            entity: Entity::Intervention,
            key: format!("{key}/{}", i.reference),
            fields: i.fields.clone(),
        });
    }
    for (entity, children) in [
        (Entity::OutcomeRecord, &e.outcomes),
        (Entity::ClientInformationReview, &e.reviews),
    ] {
        for c in children {
            out.push(Doomed {
                entity,
                key: format!("{key}/{}", c.reference),
                fields: c.fields.clone(),
            });
        }
    }
    out.push(Doomed {
        entity: Entity::Episode,
        key,
        fields: e.fields.clone(),
    });
}

/// Every record the deletion of `entity` at `key` removes, children first.
fn doomed(record: &ClientRecord, entity: Entity, key: &RecordKey) -> Result<Vec<Doomed>> {
    let mut out = Vec::new();
    match entity {
        Entity::Client => {
            for e in &record.episodes {
                episode_records(&record.reference, e, &mut out);
            }
            out.push(Doomed {
                entity: Entity::Client,
                key: record.reference.clone(),
                fields: record.fields.clone(),
            });
        }
        Entity::Episode => {
            let e = record
                .episodes
                .iter()
                .find(|e| Some(&e.reference) == key.episode.as_ref())
                .ok_or_else(|| StoreError::NoSuchRecord {
                    entity: "episode".into(),
                    key: key.display(),
                })?;
            episode_records(&record.reference, e, &mut out);
        }
        _ => {
            return Err(StoreError::invalid(
                ErrorCode::RecordKeyMissing,
                "only a client or an episode can be deleted here",
            ));
        }
    }
    Ok(out)
}

fn summary(entity: Entity, key: &RecordKey, record: &ClientRecord, doomed: &[Doomed]) -> Deletion {
    let n = |e: Entity| doomed.iter().filter(|d| d.entity == e).count();
    let mut goes_with: Vec<String> = [
        (entity == Entity::Client)
            .then(|| count(n(Entity::Episode), "episode", "episodes"))
            .flatten(),
        count(n(Entity::Intervention), "intervention", "interventions"),
        count(
            n(Entity::SubInterventionReview),
            "sub-intervention review",
            "sub-intervention reviews",
        ),
        count(
            n(Entity::OutcomeRecord),
            "outcome record",
            "outcome records",
        ),
        count(
            n(Entity::ClientInformationReview),
            "client information review",
            "client information reviews",
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    if entity == Entity::Client {
        goes_with.extend(count(
            record.consent.len(),
            "consent decision",
            "consent decisions",
        ));
    }
    Deletion {
        what: match entity {
            Entity::Client => format!("client {}", record.reference),
            _ => format!(
                "episode {} of client {}",
                key.episode.as_deref().unwrap_or(""),
                record.reference
            ),
        },
        goes_with,
        locked: None,
    }
}

/// The first record in a transferred period, said as the lock says it. Deleting is refused
/// whatever the role: a data lead may correct a sent record, not make it vanish.
fn locked(lock: &LockCheck, doomed: &[Doomed]) -> Option<String> {
    doomed.iter().find_map(|d| {
        lock.locks
            .reason(&lock.dated, d.entity, &d.key, &d.fields, &Fields::new())
            .map(|r| format!("{r}. Records sent to NDTMS cannot be deleted."))
    })
}

fn audit_deleted(
    tx: &Transaction<'_>,
    seal: &audit::Seal,
    now: &str,
    user: i64,
    doomed: &[Doomed],
) -> Result<()> {
    for d in doomed {
        // One entry a value; a record with no values still gets one, with no field.
        let values: Vec<(&str, &str)> = if d.fields.is_empty() {
            vec![("", "")]
        } else {
            d.fields
                .iter()
                .map(|(h, v)| (h.as_str(), v.as_str()))
                .collect()
        };
        for (field, old_value) in values {
            audit::append(
                tx,
                seal,
                now,
                &Entry {
                    user_id: Some(user),
                    action: "delete",
                    entity: d.entity.table(),
                    record_key: &d.key,
                    field,
                    old_value,
                    new_value: "",
                },
            )?;
        }
    }
    Ok(())
}

impl Store {
    /// What deleting a client or an episode would take with it, and whether it may.
    pub fn deletion(&mut self, entity: Entity, key: &RecordKey) -> Result<Deletion> {
        let s = self.authorize(Permission::DeleteRecords)?;
        let lock = self.lock_check(&s)?;
        let tx = self.conn.transaction()?;
        let record = read_client(&tx, &key.client)?;
        let doomed = doomed(&record, entity, key)?;
        let mut d = summary(entity, key, &record, &doomed);
        d.locked = locked(&lock, &doomed);
        Ok(d)
    }

    /// Deletes a client or an episode and everything under it, auditing every value first.
    pub fn delete(&mut self, entity: Entity, key: &RecordKey) -> Result<()> {
        let s = self.authorize(Permission::DeleteRecords)?;
        let now = self.now();
        let lock = self.lock_check(&s)?;
        let tx = self.conn.transaction()?;
        let record = read_client(&tx, &key.client)?;
        let doomed = doomed(&record, entity, key)?;
        if let Some(reason) = locked(&lock, &doomed) {
            return Err(StoreError::PeriodLocked(reason));
        }
        audit_deleted(&tx, &self.seal, &now, s.user_id, &doomed)?;
        // The schema's cascades remove the children (and a client's consent decisions).
        match entity {
            Entity::Client => {
                tx.execute("DELETE FROM client WHERE client_ref = ?1", [&key.client])?
            }
            _ => tx.execute(
                "DELETE FROM episode WHERE episode_ref = ?2
                 AND client_id = (SELECT id FROM client WHERE client_ref = ?1)",
                [&key.client, key.episode.as_deref().unwrap_or("")],
            )?,
        };
        tx.commit()?;
        self.anchor_audit()
    }
}
