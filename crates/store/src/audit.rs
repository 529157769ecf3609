//! The audit trail: every change, view, extract and transfer, hash-chained so tampering is found.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::error::Result;
use crate::key::hex;

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
    hex(&Sha256::digest(canonical.as_bytes()))
}

/// Appends an entry inside the caller's transaction.
pub fn append(conn: &Connection, at: &str, e: &Entry<'_>) -> Result<()> {
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

/// Walks the whole chain and names every altered, inserted or deleted entry.
pub fn verify(conn: &Connection) -> Result<(u64, Vec<AuditProblem>)> {
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
    Ok((count, problems))
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
