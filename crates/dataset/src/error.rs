//! Typed errors of the dataset crate.

use std::path::PathBuf;

pub use ndtms_errors::ErrorCode;
use serde::Serialize;
use ts_rs::TS;

/// One problem found in the reference data, naming the file, line, column and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReferenceProblem {
    pub file: String,
    /// 1-based line in the file (the header is line 1); 0 when the problem is the file itself.
    pub line: u64,
    pub column: String,
    pub value: String,
    pub message: String,
}

impl std::fmt::Display for ReferenceProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ", line {}", self.line)?;
        }
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, ", value '{}'", self.value)?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("reference data folder {0} does not exist or is not a folder")]
    NotAFolder(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the reference data has {} problem(s):\n{}", .0.len(), list(.0))]
    Invalid(Vec<ReferenceProblem>),
    #[error("no dataset version is in force on {0}")]
    NoVersionInForce(chrono::NaiveDate),
}

fn list(problems: &[ReferenceProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl ReferenceError {
    /// A stable code the UI and CLI branch on (never on the message).
    pub fn code(&self) -> ErrorCode {
        match self {
            ReferenceError::NotAFolder(_) => ErrorCode::ReferenceNotFound,
            ReferenceError::Io { .. } => ErrorCode::ReferenceUnreadable,
            ReferenceError::Invalid(_) => ErrorCode::ReferenceInvalid,
            ReferenceError::NoVersionInForce(_) => ErrorCode::ReferenceNoVersion,
        }
    }
}

/// Why a file could not be read as CSV rows (findings are not errors: they go in the report).
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    #[error("line {line}, column {column}: {message}")]
    Unreadable {
        line: u64,
        column: u64,
        message: String,
    },
    #[error("the file is empty: it has no header row")]
    Empty,
    #[error("the file has a header row but no records")]
    HeaderOnly,
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
}

impl ValidationError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ValidationError::Unreadable { .. } => ErrorCode::FileUnreadable,
            ValidationError::Empty => ErrorCode::FileEmpty,
            ValidationError::HeaderOnly => ErrorCode::FileHeaderOnly,
            ValidationError::Io(_) => ErrorCode::FileIo,
        }
    }
}
