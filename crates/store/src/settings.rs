//! The agency's plain settings (portal address, deadline day): named values in the `setting`
//! table, read by any logged-in user, changed by administrators, every change audited. What a
//! value must look like is decided by the crate that uses it, not here.

use rusqlite::{OptionalExtension, params};

use crate::Store;
use crate::audit;
use crate::auth::Permission;
use crate::error::{Result, StoreError};
use ndtms_errors::ErrorCode;

/// The settings this table may hold; any other name is refused, so a typo cannot create one.
pub const NAMES: [&str; 2] = ["portal_url", "deadline_day"];

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
