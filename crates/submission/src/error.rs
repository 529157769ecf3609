//! Typed errors of the submission crate, each with a stable code for the UI and CLI.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    #[error("{0}")]
    Store(#[from] ndtms_store::StoreError),
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
    #[error("{path}, line {line}: {message}")]
    Unreadable {
        path: PathBuf,
        line: u64,
        message: String,
    },
}

impl SubmissionError {
    pub fn code(&self) -> &'static str {
        match self {
            SubmissionError::Store(e) => e.code(),
            SubmissionError::Io { .. } => "submission_io",
            SubmissionError::Exists(_) => "submission_file_exists",
            SubmissionError::VerifyFailed(_) => "submission_verify_failed",
            SubmissionError::BadFileName { .. } => "submission_bad_file_name",
            SubmissionError::BadPortalAddress(..) => "portal_bad_address",
            SubmissionError::LoginRefused(_) => "portal_login_refused",
            SubmissionError::Refused(_) => "portal_refused",
            SubmissionError::Unreachable { .. } => "portal_unreachable",
            SubmissionError::TimedOut(_) => "portal_timeout",
            SubmissionError::BadAnswer(_) => "portal_bad_answer",
            SubmissionError::HasErrors(_) => "submission_has_errors",
            SubmissionError::NotSavedHere(_) => "submission_not_saved_here",
            SubmissionError::AlreadyConfirmed(_) => "submission_already_confirmed",
            SubmissionError::Unreadable { .. } => "submission_unreadable",
        }
    }
}

pub type Result<T> = std::result::Result<T, SubmissionError>;
