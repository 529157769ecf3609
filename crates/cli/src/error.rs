//! The CLI's typed error: every failure keeps the core's stable code, which also sets the exit
//! status, so scripts can tell a refused log-in from a file that cannot be read.

use ndtms_errors::ErrorCode;

/// A failed command: the code scripts branch on, and the message people read.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub code: ErrorCode,
    pub message: String,
}

impl CliError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A file or folder this command was asked to read or write could not be used.
    pub fn io(path: &std::path::Path, doing: &str, e: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::FileIo,
            format!("cannot {doing} {}: {e}", path.display()),
        )
    }

    /// The process exit status: 1 is kept for "the file or audit trail has errors" (a finished
    /// check), 2 for arguments clap refuses, and each kind of failure has its own above that.
    pub fn exit_status(&self) -> u8 {
        self.code.family().exit_status()
    }
}

macro_rules! from_core {
    ($($t:ty),*) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                Self::new(e.code(), e.to_string())
            }
        }
    )*};
}

from_core!(
    ndtms_store::StoreError,
    ndtms_submission::SubmissionError,
    ndtms_dataset::ReferenceError,
    ndtms_dataset::ValidationError,
    ndtms_dataset::period::PeriodError
);

pub type Result<T> = std::result::Result<T, CliError>;

/// Pretty JSON for printing (a failure here is a bug, not the user's input).
pub fn to_json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| CliError::new(ErrorCode::Internal, e.to_string()))
}
