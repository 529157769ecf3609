//! Typed errors of the submission crate, each with a stable code for the UI and CLI.

use std::path::PathBuf;

pub use ndtms_errors::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    #[error("{0}")]
    Store(#[from] ndtms_store::StoreError),
    #[error("{0}")]
    Period(#[from] ndtms_dataset::period::PeriodError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0} already exists; nothing was overwritten (choose another folder or file-name pattern)"
    )]
    Exists(PathBuf),
    #[error(
        "{0} was written but did not read back the same; the copy was removed (check the drive)"
    )]
    VerifyFailed(PathBuf),
    #[error(
        "the file-name pattern '{pattern}' gives '{name}', which is not a plain file name ending in .csv"
    )]
    BadFileName { pattern: String, name: String },
    #[error("the portal address '{0}' is not usable: {1}")]
    BadPortalAddress(String, String),
    #[error("the portal refused the log-in: {0}")]
    LoginRefused(String),
    #[error("the portal refused the file: {0}")]
    Refused(String),
    #[error("the portal could not be reached after {attempts} attempts: {message}")]
    Unreachable { attempts: u32, message: String },
    #[error("the portal did not answer within {0} seconds")]
    TimedOut(u64),
    #[error("the portal answered in a way this version does not understand: {0}")]
    BadAnswer(String),
    #[error(
        "the file has {0} errors; the portal would not load those records. Correct them, or transfer anyway with the errors acknowledged"
    )]
    HasErrors(u64),
    #[error(
        "{0} was not saved for upload from this database (no extract in the history has its SHA-256); confirm the upload on the machine that saved it"
    )]
    NotSavedHere(PathBuf),
    #[error("the upload of {0} was already confirmed; nothing was changed")]
    AlreadyConfirmed(PathBuf),
    #[error("{path} cannot be imported: {message}; nothing was changed")]
    NotImportable { path: PathBuf, message: String },
    #[error("no extract is built yet: build and check one first")]
    NotReady,
    #[error("the file is being sent already: wait for the portal's answer")]
    Busy,
    #[error("{path}, line {line}: {message}")]
    Unreadable {
        path: PathBuf,
        line: u64,
        message: String,
    },
}

impl SubmissionError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SubmissionError::Store(e) => e.code(),
            SubmissionError::Period(e) => e.code(),
            SubmissionError::Io { .. } => ErrorCode::SubmissionIo,
            SubmissionError::Exists(_) => ErrorCode::SubmissionFileExists,
            SubmissionError::VerifyFailed(_) => ErrorCode::SubmissionVerifyFailed,
            SubmissionError::BadFileName { .. } => ErrorCode::SubmissionBadFileName,
            SubmissionError::BadPortalAddress(..) => ErrorCode::PortalBadAddress,
            SubmissionError::LoginRefused(_) => ErrorCode::PortalLoginRefused,
            SubmissionError::Refused(_) => ErrorCode::PortalRefused,
            SubmissionError::Unreachable { .. } => ErrorCode::PortalUnreachable,
            SubmissionError::TimedOut(_) => ErrorCode::PortalTimeout,
            SubmissionError::BadAnswer(_) => ErrorCode::PortalBadAnswer,
            SubmissionError::HasErrors(_) => ErrorCode::SubmissionHasErrors,
            SubmissionError::NotSavedHere(_) => ErrorCode::SubmissionNotSavedHere,
            SubmissionError::AlreadyConfirmed(_) => ErrorCode::SubmissionAlreadyConfirmed,
            SubmissionError::Unreadable { .. } => ErrorCode::SubmissionUnreadable,
            SubmissionError::NotReady => ErrorCode::SubmissionNotReady,
            SubmissionError::NotImportable { .. } => ErrorCode::ImportRefused,
            SubmissionError::Busy => ErrorCode::SubmissionBusy,
        }
    }
}

pub type Result<T> = std::result::Result<T, SubmissionError>;
