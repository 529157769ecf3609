//! Users, roles and sessions: Argon2id password hashes, slowed repeated failures, idle lock, permission checks.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ErrorCode, Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Keyworker,
    DataLead,
    Administrator,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Keyworker => "keyworker",
            Role::DataLead => "data_lead",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Role::Keyworker, Role::DataLead, Role::Administrator]
            .into_iter()
            .find(|r| r.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Keyworker => "keyworker",
            Role::DataLead => "data lead",
            Role::Administrator => "administrator",
        }
    }
}

/// What an operation needs; each role is granted a set of these. The app's navigation shows
/// the screens a session's permissions allow (the store still checks every operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ViewClients,
    EditClients,
    /// Delete a client or an episode with everything under it.
    DeleteRecords,
    /// See who changed a record, what and when.
    ViewRecordHistory,
    Submit,
    EditLockedPeriod,
    Backup,
    Restore,
    ManageUsers,
    ManageKeys,
    VerifyAudit,
    ManageSettings,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Permission::ViewClients,
        Permission::EditClients,
        Permission::DeleteRecords,
        Permission::ViewRecordHistory,
        Permission::Submit,
        Permission::EditLockedPeriod,
        Permission::Backup,
        Permission::Restore,
        Permission::ManageUsers,
        Permission::ManageKeys,
        Permission::VerifyAudit,
        Permission::ManageSettings,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Permission::ViewClients => "view client records",
            Permission::EditClients => "change client records",
            Permission::DeleteRecords => "delete clients and episodes",
            Permission::ViewRecordHistory => "see a record's history of changes",
            Permission::Submit => "build extracts and transfer data",
            Permission::EditLockedPeriod => "change records in a transferred period",
            Permission::Backup => "make backups",
            Permission::Restore => "restore a backup",
            Permission::ManageUsers => "manage users",
            Permission::ManageKeys => "change the database key",
            Permission::VerifyAudit => "check the audit trail",
            Permission::ManageSettings => "change the settings",
        }
    }
}

impl Role {
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Keyworker => matches!(p, ViewClients | EditClients),
            Role::DataLead => matches!(
                p,
                ViewClients
                    | EditClients
                    | DeleteRecords
                    | ViewRecordHistory
                    | Submit
                    | EditLockedPeriod
                    | Backup
                    | VerifyAudit
            ),
            Role::Administrator => true,
        }
    }

    /// Everything this role may do, in a fixed order.
    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|p| self.allows(*p))
            .collect()
    }
}

/// The logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Session {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[ts(type = "string")]
    pub last_activity: DateTime<Utc>,
    pub locked: bool,
    /// Set by an administrator adding the user or resetting their password: until the user
    /// chooses their own, the store allows nothing but that.
    pub must_change_password: bool,
    /// What the role allows, for the screens to offer (from `Role::allows`, the one rule).
    pub permissions: Vec<Permission>,
}

/// Argon2id for log-in passwords: 19 MiB, 2 passes (OWASP's recommended minimum), fast enough at a desk.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String> {
    check_password(password)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| StoreError::Internal(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| StoreError::Internal(e.to_string()))?
        .to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| hasher().verify_password(password.as_bytes(), &h).is_ok())
}

pub fn check_password(p: &str) -> Result<()> {
    if p.chars().count() < 10 {
        return Err(StoreError::invalid(
            ErrorCode::PasswordTooShort,
            "a password needs at least 10 characters",
        ));
    }
    Ok(())
}

/// Seconds to wait after `failures` failed log-ins in a row: none for the first three, then
/// doubling from 2 s to at most 5 minutes.
pub fn throttle_seconds(failures: u32) -> u64 {
    if failures < 3 {
        0
    } else {
        (1u64 << (failures - 2).min(20)).min(300)
    }
}

/// How many user names nobody has are remembered for throttling: enough for any real run of
/// guesses, and memory that cannot grow with them.
pub(crate) const UNKNOWN_NAMES_KEPT: usize = 256;

/// Failed log-ins under user names nobody has, throttled like a real user's. Each name is kept
/// as a SHA-256 digest (a password typed into the name box is never held in clear) and at most
/// [`UNKNOWN_NAMES_KEPT`] are kept: when full, names whose wait is over go first, then the
/// longest untried.
#[derive(Debug, Default)]
pub(crate) struct UnknownNames(std::collections::HashMap<[u8; 32], (u32, DateTime<Utc>)>);

impl UnknownNames {
    fn key(name: &str) -> [u8; 32] {
        use sha2::Digest as _;
        sha2::Sha256::digest(name.trim().to_lowercase().as_bytes()).into()
    }

    /// The seconds still to wait before `name` may be tried again, if any.
    pub(crate) fn wait(&self, name: &str, now: DateTime<Utc>) -> Option<u64> {
        let &(failures, last) = self.0.get(&Self::key(name))?;
        throttle_wait(failures, last, now)
    }

    /// Counts a failed log-in under `name`.
    pub(crate) fn failed(&mut self, name: &str, now: DateTime<Utc>) {
        let key = Self::key(name);
        if !self.0.contains_key(&key) && self.0.len() >= UNKNOWN_NAMES_KEPT {
            self.0
                .retain(|_, &mut (f, last)| throttle_wait(f, last, now).is_some());
            if self.0.len() >= UNKNOWN_NAMES_KEPT
                && let Some(oldest) = self
                    .0
                    .iter()
                    .min_by_key(|(_, (_, last))| *last)
                    .map(|(k, _)| *k)
            {
                self.0.remove(&oldest);
            }
        }
        let seen = self.0.entry(key).or_insert((0, now));
        *seen = (seen.0 + 1, now);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Seconds still to wait at `now` after `failures` failed log-ins in a row, the last at `last`.
pub(crate) fn throttle_wait(failures: u32, last: DateTime<Utc>, now: DateTime<Utc>) -> Option<u64> {
    let ready = last + chrono::Duration::seconds(throttle_seconds(failures) as i64);
    (now < ready).then(|| (ready - now).num_seconds().max(1) as u64)
}

/// A new user's answers as a form gives them: the user name, and the password typed twice.
pub fn check_new_user(username: &str, password: &str, password_again: &str) -> Result<()> {
    check_username(username)?;
    check_password(password)?;
    if password != password_again {
        return Err(StoreError::invalid(
            ErrorCode::PasswordsDiffer,
            "The two passwords are not the same.",
        ));
    }
    Ok(())
}

pub fn check_username(u: &str) -> Result<()> {
    let ok = (2..=40).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            ErrorCode::UsernameInvalid,
            "a user name is 2 to 40 letters, digits, dots, dashes or underscores",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_they_should() {
        assert!(Role::Keyworker.allows(Permission::EditClients));
        assert!(!Role::Keyworker.allows(Permission::Submit));
        assert!(!Role::Keyworker.allows(Permission::Backup));
        assert!(Role::DataLead.allows(Permission::Submit));
        assert!(!Role::DataLead.allows(Permission::ManageUsers));
        assert!(Role::Administrator.allows(Permission::ManageKeys));
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("a long password").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("a long password", &h));
        assert!(!verify_password("a long passwore", &h));
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn unknown_names_are_throttled_kept_as_digests_and_bounded() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let mut names = UnknownNames::default();
        for _ in 0..4 {
            names.failed("Nobody", t0);
        }
        // The same name however it is typed; the wait is the one a real user gets.
        assert_eq!(names.wait(" nobody ", t0), Some(throttle_seconds(4)));
        assert_eq!(
            names.wait("nobody", t0 + chrono::Duration::seconds(60)),
            None
        );
        assert!(names.0.keys().all(|k| k.len() == 32), "digests, not names");
        // A flood of different names, each still waiting, never holds more than the limit:
        // the longest untried go (the first name among them).
        let t1 = t0 + chrono::Duration::seconds(1);
        for i in 0..(2 * UNKNOWN_NAMES_KEPT) {
            for _ in 0..3 {
                names.failed(&format!("guess{i}"), t1);
            }
        }
        assert_eq!(names.len(), UNKNOWN_NAMES_KEPT);
        assert_eq!(names.wait("nobody", t1), None, "the oldest went first");
        assert!(
            names
                .wait(&format!("guess{}", 2 * UNKNOWN_NAMES_KEPT - 1), t1)
                .is_some()
        );
        // Once their waits are over, a new name clears them out rather than the newest.
        names.failed("later", t1 + chrono::Duration::seconds(600));
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn throttle_grows_and_is_capped() {
        assert_eq!(throttle_seconds(2), 0);
        assert_eq!(throttle_seconds(3), 2);
        assert_eq!(throttle_seconds(4), 4);
        assert_eq!(throttle_seconds(30), 300);
    }
}
