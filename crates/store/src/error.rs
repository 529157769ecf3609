//! Typed errors of the store crate, each with a stable code for the UI and CLI.

use std::path::PathBuf;

pub use ndtms_errors::ErrorCode;

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
    /// Input the store refuses, with the code that says which rule it broke.
    #[error("{message}")]
    Invalid { code: ErrorCode, message: String },
    /// Something that is neither the user's input nor the database: randomness, encoding.
    #[error("internal error: {0}")]
    Internal(String),
    #[error("no {entity} with key {key}")]
    NoSuchRecord { entity: String, key: String },
    #[error("{0}")]
    PeriodLocked(String),
    #[error(
        "the period locked by transfer {0} cannot be read, so no change is saved until it is mended (restore a backup, or ask for help)"
    )]
    LockUnreadable(i64),
    #[error("the backup {path} is not usable: {reason}")]
    BadBackup { path: PathBuf, reason: String },
    #[error("{0}")]
    Reference(#[from] ndtms_dataset::ReferenceError),
    #[error("{0}")]
    File(#[from] ndtms_files::FileError),
}

impl StoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::WrongKey(_) => ErrorCode::StoreWrongKey,
            StoreError::WrongPassphrase(_) => ErrorCode::StoreWrongPassphrase,
            StoreError::WrongRecoveryKey => ErrorCode::StoreWrongRecoveryKey,
            StoreError::BadRecoveryKey(_) => ErrorCode::StoreBadRecoveryKey,
            StoreError::KeyNotInKeychain(_) => ErrorCode::StoreKeyNotInKeychain,
            StoreError::Keychain(_) => ErrorCode::StoreKeychainFailed,
            StoreError::NotFound(_) => ErrorCode::StoreNotFound,
            StoreError::AlreadyExists(_) => ErrorCode::StoreExists,
            StoreError::KeyFile { .. } => ErrorCode::StoreKeyFile,
            StoreError::TooNew { .. } => ErrorCode::StoreTooNew,
            StoreError::Sqlite(_) => ErrorCode::StoreDatabase,
            StoreError::Io { .. } => ErrorCode::StoreIo,
            StoreError::BadLogin => ErrorCode::AuthBadLogin,
            StoreError::LoginThrottled(_) => ErrorCode::AuthThrottled,
            StoreError::SessionLocked(_) => ErrorCode::AuthLocked,
            StoreError::Forbidden { .. } => ErrorCode::AuthForbidden,
            StoreError::Invalid { code, .. } => *code,
            StoreError::Internal(_) => ErrorCode::Internal,
            StoreError::NoSuchRecord { .. } => ErrorCode::NotFound,
            StoreError::BadBackup { .. } => ErrorCode::BackupUnusable,
            StoreError::PeriodLocked(_) => ErrorCode::PeriodLocked,
            StoreError::LockUnreadable(_) => ErrorCode::PeriodLockUnreadable,
            StoreError::Reference(e) => e.code(),
            StoreError::File(ndtms_files::FileError::Exists(_)) => ErrorCode::FileExists,
            StoreError::File(_) => ErrorCode::StoreIo,
        }
    }

    pub(crate) fn invalid(code: ErrorCode, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            code,
            message: message.into(),
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
