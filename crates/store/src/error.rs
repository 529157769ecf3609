//! Typed errors of the store crate, each with a stable code for the UI and CLI.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("wrong key, or not an NDTMS Desk database: {0}")]
    WrongKey(PathBuf),
    #[error("the passphrase is not right for {0}")]
    WrongPassphrase(PathBuf),
    #[error("the recovery key is not right for this database (check each group of letters)")]
    WrongRecoveryKey,
    #[error("that is not a recovery key: {0}")]
    BadRecoveryKey(String),
    #[error(
        "the database key is not in the system keychain ({0}); open the database with its recovery key"
    )]
    KeyNotInKeychain(String),
    #[error("the system keychain could not be used: {0}")]
    Keychain(String),
    #[error("there is no NDTMS Desk database in {0}")]
    NotFound(PathBuf),
    #[error("an NDTMS Desk database already exists in {0}")]
    AlreadyExists(PathBuf),
    #[error("the key file {path} cannot be read: {message}")]
    KeyFile { path: PathBuf, message: String },
    #[error(
        "the database is newer (schema {found}) than this program understands (up to {supported}); update NDTMS Desk"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("wrong user name or password")]
    BadLogin,
    #[error("too many failed log-ins: try again in {0} seconds")]
    LoginThrottled(u64),
    #[error("the session is locked after {0} minutes without use: log in again")]
    SessionLocked(u64),
    #[error("your role ({role}) does not allow this: {action}")]
    Forbidden { role: String, action: String },
    #[error("{0}")]
    Invalid(String),
    #[error("no {entity} with key {key}")]
    NoSuchRecord { entity: String, key: String },
    #[error("{0}")]
    PeriodLocked(String),
    #[error("the backup {path} is not usable: {reason}")]
    BadBackup { path: PathBuf, reason: String },
    #[error("{0}")]
    Reference(#[from] ndtms_dataset::ReferenceError),
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::WrongKey(_) => "store_wrong_key",
            StoreError::WrongPassphrase(_) => "store_wrong_passphrase",
            StoreError::WrongRecoveryKey => "store_wrong_recovery_key",
            StoreError::BadRecoveryKey(_) => "store_bad_recovery_key",
            StoreError::KeyNotInKeychain(_) => "store_key_not_in_keychain",
            StoreError::Keychain(_) => "store_keychain_failed",
            StoreError::NotFound(_) => "store_not_found",
            StoreError::AlreadyExists(_) => "store_exists",
            StoreError::KeyFile { .. } => "store_key_file",
            StoreError::TooNew { .. } => "store_too_new",
            StoreError::Sqlite(_) => "store_database",
            StoreError::Io { .. } => "store_io",
            StoreError::BadLogin => "auth_bad_login",
            StoreError::LoginThrottled(_) => "auth_throttled",
            StoreError::SessionLocked(_) => "auth_locked",
            StoreError::Forbidden { .. } => "auth_forbidden",
            StoreError::Invalid(_) => "invalid",
            StoreError::NoSuchRecord { .. } => "not_found",
            StoreError::BadBackup { .. } => "backup_unusable",
            StoreError::PeriodLocked(_) => "period_locked",
            StoreError::Reference(e) => e.code(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
