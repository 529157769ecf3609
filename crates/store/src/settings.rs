//! The agency's plain settings (portal address, deadline day, idle lock, backups): named values
//! in the `setting` table, read by any logged-in user, changed by administrators, every change
//! audited. What a value must look like is decided by the crate that uses it: the submission
//! crate's for the portal and deadline, this crate's (`checked_setting`) for its own.

use rusqlite::{OptionalExtension, params};

use crate::Store;
use crate::audit;
use crate::auth::Permission;
use crate::error::{Result, StoreError};
use ndtms_errors::ErrorCode;

/// The settings this table may hold; any other name is refused, so a typo cannot create one.
pub const NAMES: [&str; 6] = [
    "portal_url",
    "deadline_day",
    "idle_minutes",
    "backup_folder",
    "backup_keep",
    "backup_every_days",
];

/// The idle lock's minutes when none is set, and the range an administrator may choose from
/// (a lock longer than an hour leaves a desk open too long).
pub const IDLE_MINUTES: (u64, std::ops::RangeInclusive<u64>) = (15, 1..=60);

/// A whole number in `range` for the setting `label`, or the message that says what to type.
pub(crate) fn whole_number(
    code: ErrorCode,
    label: &str,
    value: &str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            StoreError::invalid(
                code,
                format!(
                    "{label} must be a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

impl Store {
    /// A setting's value, or None when it was never set (any logged-in user).
    pub fn setting(&mut self, name: &str) -> Result<Option<String>> {
        self.authorize(Permission::ViewClients)?;
        Ok(self
            .conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The idle lock's minutes, as set or the default (read at log-in, before any permission).
    pub fn idle_minutes_setting(&self) -> Result<u64> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM setting WHERE key = 'idle_minutes'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok())
            .filter(|n| IDLE_MINUTES.1.contains(n))
            .unwrap_or(IDLE_MINUTES.0))
    }

    /// Sets the idle lock's minutes (administrators); applies to this session at once.
    pub fn set_idle_minutes_setting(&mut self, value: &str) -> Result<u64> {
        let n = whole_number(
            ErrorCode::IdleMinutesInvalid,
            "The idle lock",
            value,
            IDLE_MINUTES.1,
        )?;
        self.set_setting("idle_minutes", &n.to_string())?;
        self.set_idle_minutes(n);
        Ok(n)
    }

    /// Renames the agency as the app shows it (administrators; the code and dataset stay).
    pub fn set_agency_name(&mut self, name: &str) -> Result<()> {
        let s = self.authorize(Permission::ManageSettings)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::invalid(
                ErrorCode::AgencyNameInvalid,
                "Type the service's name (up to 100 characters)",
            ));
        }
        let now = self.now();
        let tx = self.conn.transaction()?;
        let old: String = tx.query_row("SELECT name FROM agency WHERE id = 1", [], |r| r.get(0))?;
        if old == name {
            return Ok(());
        }
        tx.execute("UPDATE agency SET name = ?1 WHERE id = 1", [name])?;
        audit::append(
            &tx,
            &self.seal,
            &now,
            &audit::Entry {
                user_id: Some(s.user_id),
                action: "update",
                entity: "agency",
                record_key: "name",
                field: "name",
                old_value: &old,
                new_value: name,
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sets (or, with an empty value, clears) a setting; administrators only; audited with its
    /// old and new value.
    pub fn set_setting(&mut self, name: &str, value: &str) -> Result<()> {
        let s = self.authorize(Permission::ManageSettings)?;
        if !NAMES.contains(&name) {
            return Err(StoreError::invalid(
                ErrorCode::SettingUnknown,
                format!("'{name}' is not a setting (known: {})", NAMES.join(", ")),
            ));
        }
        let now = self.now();
        let tx = self.conn.transaction()?;
        let old: Option<String> = tx
            .query_row("SELECT value FROM setting WHERE key = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        if old.as_deref().unwrap_or("") == value {
            return Ok(());
        }
        if value.is_empty() {
            tx.execute("DELETE FROM setting WHERE key = ?1", [name])?;
        } else {
            tx.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![name, value],
            )?;
        }
        audit::append(
            &tx,
            &self.seal,
            &now,
            &audit::Entry {
                user_id: Some(s.user_id),
                action: "update",
                entity: "setting",
                record_key: name,
                field: "value",
                old_value: old.as_deref().unwrap_or(""),
                new_value: value,
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}
