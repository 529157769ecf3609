//! Consent to NDTMS and, separately, to IPS: each decision kept as an event, the latest in force.

use rusqlite::{Transaction, params};

use crate::Store;
use crate::audit::{self, Entry};
use crate::auth::Permission;
use crate::error::{ErrorCode, Result, StoreError};
use crate::model::{ConsentEvent, ConsentScope, ConsentStatus, client_id, code};

impl Store {
    /// Records a consent decision for NDTMS or, separately, for IPS.
    pub fn record_consent(
        &mut self,
        client: &str,
        scope: ConsentScope,
        status: ConsentStatus,
        date: &str,
    ) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        check_decision_date(date)?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        insert_decision(
            &tx, &self.seal, &now, s.user_id, client, scope, status, date,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The consent in force for a scope: the latest event by date (then by when it was recorded).
    pub fn consent(&mut self, client: &str, scope: ConsentScope) -> Result<Option<ConsentStatus>> {
        self.authorize(Permission::ViewClients)?;
        let tx = self.conn.transaction()?;
        let cid = client_id(&tx, client)?;
        let events = consent_of(&tx, cid)?;
        tx.commit()?;
        Ok(crate::client_view::latest(&events, scope))
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

pub(crate) fn consent_of(tx: &Transaction<'_>, cid: i64) -> Result<Vec<ConsentEvent>> {
    let mut stmt = tx.prepare_cached(
        "SELECT e.scope, e.status, e.event_date, u.username, e.recorded_at FROM consent_event e JOIN user u ON u.id = e.recorded_by
         WHERE e.client_id = ?1 ORDER BY e.id",
    )?;
    let rows = stmt.query_map([cid], |r| consent_event(r, 0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// A consent decision's date: dd/mm/yyyy and not in the future.
pub(crate) fn check_decision_date(date: &str) -> Result<()> {
    match ndtms_dataset::values::parse_date(date.trim()) {
        None => Err(StoreError::invalid(
            ErrorCode::DateInvalid,
            format!("'{date}' is not a date in the form dd/mm/yyyy"),
        )),
        Some(d) if d > ndtms_dataset::model::today() => Err(StoreError::invalid(
            ErrorCode::DateInvalid,
            "the date of the decision cannot be in the future",
        )),
        Some(_) => Ok(()),
    }
}

/// Adds a decision to a client's consent history and to the audit trail.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_decision(
    tx: &Transaction<'_>,
    seal: &audit::Seal,
    now: &str,
    user: i64,
    client: &str,
    scope: ConsentScope,
    status: ConsentStatus,
    date: &str,
) -> Result<()> {
    let cid = client_id(tx, client)?;
    tx.execute(
        "INSERT INTO consent_event (client_id, scope, status, event_date, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![cid, code(scope), code(status), date, user, now],
    )?;
    audit::append(
        tx,
        seal,
        now,
        &Entry {
            user_id: Some(user),
            action: "consent",
            entity: "client",
            record_key: client,
            field: &code(scope),
            old_value: "",
            new_value: &format!("{} {date}", code(status)),
        },
    )
}
