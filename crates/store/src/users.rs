//! Users and roles as administrators manage them: add, list, disable and enable, reset a
//! password, change a role; and a user changing their own password. Every change is audited;
//! no change may leave the database without an active administrator.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use ts_rs::TS;

use crate::audit::{self, Entry};
use crate::auth::{self, Permission, Role};
use crate::error::{ErrorCode, Result, StoreError};
use crate::{NewUser, Store};

/// A user as the administrators' list shows them (never their password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UserSummary {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub must_change_password: bool,
    pub created_at: String,
}

fn user_row(tx: &Transaction<'_>, username: &str) -> Result<(i64, Role, bool)> {
    let row: Option<(i64, String, bool)> = tx
        .query_row(
            "SELECT id, role, active FROM user WHERE username = ?1",
            [username],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (id, role, active) = row.ok_or_else(|| StoreError::NoSuchRecord {
        entity: "user".into(),
        key: username.into(),
    })?;
    let role = Role::parse(&role).ok_or_else(|| {
        StoreError::Internal(format!("the database names an unknown role {role}"))
    })?;
    Ok((id, role, active))
}

/// Refuses a change that would leave no active administrator (checked inside the transaction
/// that makes it, after the change).
fn keep_an_administrator(tx: &Transaction<'_>) -> Result<()> {
    let admins: i64 = tx.query_row(
        "SELECT COUNT(*) FROM user WHERE role = 'administrator' AND active = 1",
        [],
        |r| r.get(0),
    )?;
    if admins == 0 {
        return Err(StoreError::invalid(
            ErrorCode::LastAdministrator,
            "this is the last active administrator: add or enable another administrator first",
        ));
    }
    Ok(())
}

fn check_display_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(StoreError::invalid(
            ErrorCode::DisplayNameMissing,
            "enter the user's full name",
        ));
    }
    Ok(())
}

impl Store {
    /// Adds a user (administrators only). Their password is a first one: they must choose
    /// their own at their first log-in.
    pub fn add_user(&mut self, user: &NewUser<'_>) -> Result<i64> {
        let s = self.authorize(Permission::ManageUsers)?;
        auth::check_username(user.username)?;
        check_display_name(user.display_name)?;
        auth::check_password(user.password)?;
        let hash = auth::hash_password(user.password)?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO user (username, display_name, role, password_hash, created_at, must_change_password)
             VALUES (?1, ?2, ?3, ?4, ?5, 1)",
            params![user.username, user.display_name.trim(), user.role.code(), hash, now],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::invalid(
                    ErrorCode::UsernameTaken,
                    format!("the user name {} is taken", user.username),
                )
            }
            other => other.into(),
        })?;
        let id = tx.last_insert_rowid();
        audit::append(
            &tx,
            &self.seal,
            &now,
            &Entry {
                user_id: Some(s.user_id),
                action: "create",
                entity: "user",
                record_key: user.username,
                field: "role",
                new_value: user.role.code(),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Every user, by user name (administrators only).
    pub fn users(&mut self) -> Result<Vec<UserSummary>> {
        self.authorize(Permission::ManageUsers)?;
        let mut stmt = self.conn.prepare(
            "SELECT username, display_name, role, active, must_change_password, created_at
             FROM user ORDER BY username COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (username, display_name, role, active, must_change_password, created_at) = row?;
            out.push(UserSummary {
                role: Role::parse(&role).ok_or_else(|| {
                    StoreError::Internal(format!("the database names an unknown role {role}"))
                })?,
                username,
                display_name,
                active,
                must_change_password,
                created_at,
            });
        }
        Ok(out)
    }

    /// One change to a user, audited, refused when it would leave no active administrator.
    fn change_user(
        &mut self,
        username: &str,
        action: &str,
        field: &str,
        change: impl FnOnce(&Transaction<'_>, i64, Role, bool) -> Result<(String, String)>,
    ) -> Result<()> {
        let s = self.authorize(Permission::ManageUsers)?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        let (id, role, active) = user_row(&tx, username)?;
        let (old, new) = change(&tx, id, role, active)?;
        keep_an_administrator(&tx)?;
        audit::append(
            &tx,
            &self.seal,
            &now,
            &Entry {
                user_id: Some(s.user_id),
                action,
                entity: "user",
                record_key: username,
                field,
                old_value: &old,
                new_value: &new,
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Disables or re-enables a user (administrators only). A disabled user cannot log in;
    /// their records and audit entries stay.
    pub fn set_user_active(&mut self, username: &str, active: bool) -> Result<()> {
        let action = if active { "enable" } else { "disable" };
        self.change_user(username, action, "active", |tx, id, _, was| {
            tx.execute(
                "UPDATE user SET active = ?1, failed_logins = 0, last_failed_at = NULL WHERE id = ?2",
                params![active, id],
            )?;
            Ok((was.to_string(), active.to_string()))
        })
    }

    /// Gives a user a new role (administrators only).
    pub fn set_role(&mut self, username: &str, role: Role) -> Result<()> {
        self.change_user(username, "set_role", "role", |tx, id, was, _| {
            tx.execute(
                "UPDATE user SET role = ?1 WHERE id = ?2",
                params![role.code(), id],
            )?;
            Ok((was.code().to_owned(), role.code().to_owned()))
        })
    }

    /// Sets a first password for a user who lost theirs (administrators only); they choose
    /// their own at their next log-in. The audit records that it was reset, never the password.
    pub fn reset_password(&mut self, username: &str, password: &str) -> Result<()> {
        auth::check_password(password)?;
        let hash = auth::hash_password(password)?;
        self.change_user(username, "reset_password", "password", |tx, id, _, _| {
            tx.execute(
                "UPDATE user SET password_hash = ?1, must_change_password = 1, failed_logins = 0,
                 last_failed_at = NULL WHERE id = ?2",
                params![hash, id],
            )?;
            Ok((String::new(), "reset".to_owned()))
        })
    }

    /// The logged-in user chooses a new password, giving the current one; the one thing a
    /// user with a first password may do.
    pub fn change_password(&mut self, current: &str, new: &str, new_again: &str) -> Result<()> {
        let s = self.live_session()?;
        let hash: String = self.conn.query_row(
            "SELECT password_hash FROM user WHERE id = ?1",
            [s.user_id],
            |r| r.get(0),
        )?;
        if !auth::verify_password(current, &hash) {
            self.record(s.user_id, "change_password_failed", "user", &s.username, "")?;
            return Err(StoreError::invalid(
                ErrorCode::PasswordWrong,
                "the current password is not right",
            ));
        }
        auth::check_new_user(&s.username, new, new_again)?;
        if new == current {
            return Err(StoreError::invalid(
                ErrorCode::PasswordUnchanged,
                "choose a password different from the one you were given",
            ));
        }
        let hash = auth::hash_password(new)?;
        self.conn.execute(
            "UPDATE user SET password_hash = ?1, must_change_password = 0 WHERE id = ?2",
            params![hash, s.user_id],
        )?;
        self.record(s.user_id, "change_password", "user", &s.username, "")?;
        if let Some(s) = self.session.as_mut() {
            s.must_change_password = false;
        }
        Ok(())
    }
}
