//! Transfers recorded before they start: pending while the file is uploaded, then sent or failed,
//! so one cut short is found afterwards rather than lost or sent twice.

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use crate::Store;
use crate::audit::{self, Entry};
use crate::auth::Permission;
use crate::error::Result;

/// A file about to be sent to the portal.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
}

/// A transfer that began and never ended: the portal may or may not have the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UnfinishedTransfer {
    pub file_name: String,
    pub started_at: String,
    /// Who pressed send.
    pub by: String,
    pub period_start: String,
    pub period_end: String,
}

impl Store {
    /// Records that `a` is about to be sent (data leads), and anchors the trail: answers with
    /// the attempt's id for [`Store::transfer_ended`].
    pub fn transfer_started(&mut self, a: &NewAttempt<'_>) -> Result<i64> {
        let s = self.authorize(Permission::Submit)?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO transfer_attempt (file_name, sha256, period_start, period_end, started_at, user_id, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
            params![
                a.file_name,
                a.sha256,
                a.period_start.format("%Y-%m-%d").to_string(),
                a.period_end.format("%Y-%m-%d").to_string(),
                now,
                s.user_id
            ],
        )?;
        let id = tx.last_insert_rowid();
        audit::append(
            &tx,
            &self.seal,
            &now,
            &Entry {
                user_id: Some(s.user_id),
                action: "transfer_started",
                entity: "submission",
                record_key: a.file_name,
                new_value: a.sha256,
                ..Default::default()
            },
        )?;
        tx.commit()?;
        self.anchor_audit()?;
        Ok(id)
    }

    /// Ends an attempt: sent (the transfer itself is then in the history), or failed with the
    /// reason. Audited either way.
    pub fn transfer_ended(&mut self, id: i64, failure: Option<&str>) -> Result<()> {
        let s = self.authorize(Permission::Submit)?;
        let now = self.now();
        let (state, action) = match failure {
            None => ("sent", "transfer_sent"),
            Some(_) => ("failed", "transfer_failed"),
        };
        let tx = self.conn.transaction()?;
        let file: String = tx.query_row(
            "SELECT file_name FROM transfer_attempt WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE transfer_attempt SET state = ?1, ended_at = ?2, outcome = ?3 WHERE id = ?4",
            params![state, now, failure.unwrap_or(""), id],
        )?;
        audit::append(
            &tx,
            &self.seal,
            &now,
            &Entry {
                user_id: Some(s.user_id),
                action,
                entity: "submission",
                record_key: &file,
                new_value: failure.unwrap_or(""),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        self.anchor_audit()
    }

    /// Transfers that began and never ended (data leads), newest first. One whose file was
    /// recorded as transferred is not among them, even if the program stopped before ending it.
    pub fn unfinished_transfers(&mut self) -> Result<Vec<UnfinishedTransfer>> {
        self.authorize(Permission::Submit)?;
        let mut stmt = self.conn.prepare(
            "SELECT a.file_name, a.started_at, coalesce(nullif(u.display_name, ''), u.username, ''),
                    a.period_start, a.period_end
             FROM transfer_attempt a LEFT JOIN user u ON u.id = a.user_id
             WHERE a.state = 'pending'
               AND NOT EXISTS (SELECT 1 FROM submission s WHERE s.kind = 'transfer' AND s.sha256 = a.sha256)
             ORDER BY a.id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(UnfinishedTransfer {
                file_name: r.get(0)?,
                started_at: r.get(1)?,
                by: r.get(2)?,
                period_start: r.get(3)?,
                period_end: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
