//! The audit trail: every change, view, extract and transfer, in a chain sealed with a key kept
//! outside the database and anchored there, so an entry changed, removed or rolled back is found.
//!
//! Each entry's hash covers the one before it. From `keyed_from` on the hash is an HMAC under
//! the audit key (random per database, wrapped under the database key in the key file), so
//! rewriting an entry by SQL needs more than the SQL. The chain's head is anchored in the key
//! file, each backup's key file and each extract's manifest: a trail cut short, or a database
//! file put back from an older copy, no longer reaches the anchor, and the verifier says so.

use hmac::{Hmac, Mac};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;
use zeroize::Zeroize;

use crate::error::Result;
use crate::key::{AuditHead, hex};

/// What seals the chain: the audit key and the first entry sealed with it.
#[derive(Clone, Default)]
pub(crate) struct Seal {
    key: Option<[u8; 32]>,
    keyed_from: i64,
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seal")
            .field("keyed_from", &self.keyed_from)
            .finish_non_exhaustive()
    }
}

impl Drop for Seal {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl Seal {
    pub(crate) fn new(key: Option<[u8; 32]>, keyed_from: i64) -> Self {
        Self { key, keyed_from }
    }
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry to append.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub user_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub record_key: &'a str,
    pub field: &'a str,
    pub old_value: &'a str,
    pub new_value: &'a str,
}

#[allow(clippy::too_many_arguments)]
fn digest(
    seal: &Seal,
    seq: i64,
    at: &str,
    user_id: Option<i64>,
    action: &str,
    entity: &str,
    key: &str,
    field: &str,
    old: &str,
    new: &str,
    prev: &str,
) -> String {
    // JSON gives an unambiguous encoding of the fields (no separator can be faked inside a value).
    let canonical =
        serde_json::json!([seq, at, user_id, action, entity, key, field, old, new, prev])
            .to_string();
    match &seal.key {
        Some(k) if seq >= seal.keyed_from => {
            let mut mac =
                <Hmac<Sha256> as Mac>::new_from_slice(k).expect("HMAC takes a key of any length");
            mac.update(canonical.as_bytes());
            hex(&mac.finalize().into_bytes())
        }
        _ => hex(&Sha256::digest(canonical.as_bytes())),
    }
}

/// The trail's last entry, to anchor outside the database. `stamp` is the records' change
/// counter then, which tells a trail cut short (records at or past it) from an older copy put
/// back (records behind it).
pub(crate) fn head(conn: &Connection, at: &str) -> Result<Option<AuditHead>> {
    Ok(conn
        .query_row(
            "SELECT seq, hash, (SELECT n FROM extract_stamp) FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(AuditHead {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                    at: at.to_owned(),
                    stamp: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Whether the trail still holds the anchored entry as it was.
pub(crate) fn holds(conn: &Connection, a: &AuditHead) -> Result<bool> {
    let hash: Option<String> = conn
        .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [a.seq], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(hash.as_deref() == Some(a.hash.as_str()))
}

/// The next entry's number.
pub(crate) fn next_seq(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(seq), 0) + 1 FROM audit_log", [], |r| {
            r.get(0)
        })?,
    )
}

/// Appends an entry inside the caller's transaction.
pub(crate) fn append(conn: &Connection, seal: &Seal, at: &str, e: &Entry<'_>) -> Result<()> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_owned()),
    };
    let hash = digest(
        seal,
        seq,
        at,
        e.user_id,
        e.action,
        e.entity,
        e.record_key,
        e.field,
        e.old_value,
        e.new_value,
        &prev,
    );
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at, user_id, action, entity, record_key, field, old_value, new_value, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![seq, at, e.user_id, e.action, e.entity, e.record_key, e.field, e.old_value, e.new_value, prev, hash])?;
    Ok(())
}

/// A break in the chain, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditProblem {
    pub seq: i64,
    pub problem: String,
}

/// An audit entry as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub record_key: String,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
}

/// Walks the whole chain and names every altered, inserted or deleted entry; then compares its
/// end with the anchor kept outside the database, and each user's role with the one the trail
/// last gave them.
pub(crate) fn verify(
    conn: &Connection,
    seal: &Seal,
    anchor: Option<&AuditHead>,
) -> Result<(u64, Vec<AuditProblem>)> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, user_id, action, entity, record_key, field, old_value, new_value, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut problems = Vec::new();
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS.to_owned();
    let mut count = 0;
    while let Some(r) = rows.next()? {
        count += 1;
        let seq: i64 = r.get(0)?;
        let stored_prev: String = r.get(9)?;
        let stored_hash: String = r.get(10)?;
        let computed = digest(
            seal,
            seq,
            &r.get::<_, String>(1)?,
            r.get(2)?,
            &r.get::<_, String>(3)?,
            &r.get::<_, String>(4)?,
            &r.get::<_, String>(5)?,
            &r.get::<_, String>(6)?,
            &r.get::<_, String>(7)?,
            &r.get::<_, String>(8)?,
            &stored_prev,
        );
        if seq > expected_seq {
            let missing = if seq - expected_seq == 1 {
                format!("entry {expected_seq}")
            } else {
                format!("entries {expected_seq} to {}", seq - 1)
            };
            problems.push(AuditProblem {
                seq: expected_seq,
                problem: format!("{missing} deleted"),
            });
        }
        if computed != stored_hash {
            problems.push(AuditProblem {
                seq,
                problem: format!("entry {seq} altered: its contents do not match its hash"),
            });
        } else if stored_prev != prev_hash {
            problems.push(AuditProblem {
                seq,
                problem: format!("entry {seq} does not follow the entry before it: inserted, or an entry before it was removed"),
            });
        }
        prev_hash = stored_hash;
        expected_seq = seq + 1;
    }
    drop(rows);
    drop(stmt);
    if let Some(a) = anchor {
        problems.extend(against_anchor(conn, a, expected_seq - 1)?);
    }
    problems.extend(roles_outside_the_trail(conn)?);
    Ok((count, problems))
}

/// The trail's end against its anchor: entries gone from the end, or the database put back.
fn against_anchor(conn: &Connection, a: &AuditHead, last: i64) -> Result<Option<AuditProblem>> {
    if last < a.seq {
        let stamp: i64 = conn.query_row("SELECT n FROM extract_stamp", [], |r| r.get(0))?;
        let missing = if a.seq - last == 1 {
            format!("entry {}", a.seq)
        } else {
            format!("entries {} to {}", last + 1, a.seq)
        };
        let problem = if stamp < a.stamp {
            format!(
                "the trail was rolled back: it ends at entry {last}, but reached entry {} on {}, and the records are older than they were then, so an older copy of the database was put back outside NDTMS Desk ({missing} lost)",
                a.seq, a.at
            )
        } else {
            format!(
                "{missing} deleted from the end of the trail: it reached entry {} on {}, and now ends at entry {last}",
                a.seq, a.at
            )
        };
        return Ok(Some(AuditProblem {
            seq: last + 1,
            problem,
        }));
    }
    Ok((!holds(conn, a)?).then(|| AuditProblem {
        seq: a.seq,
        problem: format!(
            "entry {} is not the one anchored on {}: the trail was replaced from there on",
            a.seq, a.at
        ),
    }))
}

/// Users whose role is not the one the trail last gave them: changed by SQL, not by NDTMS Desk.
fn roles_outside_the_trail(conn: &Connection) -> Result<Vec<AuditProblem>> {
    let mut stmt = conn.prepare(
        "SELECT u.username, u.role,
                (SELECT a.new_value FROM audit_log a WHERE a.entity = 'user' AND a.record_key = u.username AND a.field = 'role' ORDER BY a.seq DESC LIMIT 1),
                (SELECT max(a.seq) FROM audit_log a WHERE a.entity = 'user' AND a.record_key = u.username AND a.field = 'role')
         FROM user u ORDER BY u.username",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (user, role, audited, seq) = row?;
        if audited.as_deref() != Some(role.as_str()) {
            out.push(AuditProblem {
                seq: seq.unwrap_or(0),
                problem: match audited {
                    Some(a) => format!(
                        "user {user} has the role {role}, but the trail last gave them {a}: the role was changed outside NDTMS Desk"
                    ),
                    None => format!(
                        "user {user} (role {role}) is not in the trail: added outside NDTMS Desk"
                    ),
                },
            });
        }
    }
    Ok(out)
}

pub fn entries_for(conn: &Connection, entity: &str, record_key: &str) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, user_id, action, entity, record_key, field, old_value, new_value FROM audit_log
         WHERE entity = ?1 AND record_key = ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![entity, record_key], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            user_id: r.get(2)?,
            action: r.get(3)?,
            entity: r.get(4)?,
            record_key: r.get(5)?,
            field: r.get(6)?,
            old_value: r.get(7)?,
            new_value: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// One change to a client's records as the record's history shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct RecordChange {
    pub at: String,
    /// The user's display name (their user name if they have none).
    pub by: String,
    /// create, update, delete, view, consent, assign, edit_locked_period, …
    pub action: String,
    /// The record's key as shown: "C00041", "C00041/E1/I1".
    pub record: String,
    /// The field's label from the catalogue, else the stored name.
    pub field: String,
    pub old_value: String,
    pub new_value: String,
}

impl crate::Store {
    /// Who did what to a client's records and when, newest first (data leads and
    /// administrators). At most `limit` entries.
    pub fn record_history(&mut self, reference: &str, limit: u32) -> Result<Vec<RecordChange>> {
        self.authorize(crate::auth::Permission::ViewRecordHistory)?;
        let used = self.reference_in_force()?;
        let cat = &used
            .data
            .version_on(ndtms_dataset::model::today())?
            .catalogue;
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.at, coalesce(nullif(u.display_name, ''), u.username, ''), a.action,
                    a.record_key, a.field, a.old_value, a.new_value
             FROM audit_log a LEFT JOIN user u ON u.id = a.user_id
             WHERE a.entity != 'user' AND (a.record_key = ?1 OR substr(a.record_key, 1, length(?1) + 1) = ?1 || '/')
             ORDER BY a.seq DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![reference, limit], |r| {
            let field: String = r.get(4)?;
            Ok(RecordChange {
                at: r.get(0)?,
                by: r.get(1)?,
                action: r.get(2)?,
                record: r.get(3)?,
                field: cat.field(&field).map_or(field, |f| f.label.clone()),
                old_value: r.get(5)?,
                new_value: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
