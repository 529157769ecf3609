//! Import of a CDS-R CSV (leaving the old DET or another system): the file checked as the
//! portal would, a dry run saying what would be created, changed or passed over with the
//! findings and possible duplicates, then the import itself, all or nothing, of exactly the
//! file the dry run read.

use std::path::Path;

use ndtms_dataset::{FileReport, Severity, Validator};
use ndtms_store::Store;
use ndtms_store::import::ImportPreview;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Result, SubmissionError};
use crate::job::RuleCount;

/// The largest file read (a CDS-R extract of a large service is tens of megabytes).
pub const MOST_BYTES: u64 = 512 << 20;

/// What importing a file would do.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ImportPlan {
    pub file: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub rows: u64,
    pub preview: ImportPreview,
    #[ts(type = "number")]
    pub errors: u64,
    #[ts(type = "number")]
    pub warnings: u64,
    /// The file's findings by rule, errors first (records with findings are imported and
    /// flagged, to be put right here).
    pub rules: Vec<RuleCount>,
}

/// The rules whose errors make a file unusable for import: its header or its row widths.
const STRUCTURE: [&str; 4] = ["HDR-001", "HDR-002", "HDR-003", "CSV-001"];

fn refused(path: &Path, message: String) -> SubmissionError {
    SubmissionError::NotImportable {
        path: path.to_path_buf(),
        message,
    }
}

/// A file read for import: its bytes, the catalogue's headers, its rows by those headers, and
/// the portal's report on it.
struct Read {
    bytes: Vec<u8>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    report: FileReport,
}

/// Reads and checks the file.
fn read(store: &mut Store, path: &Path) -> Result<Read> {
    let io = |source| SubmissionError::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MOST_BYTES {
        return Err(refused(
            path,
            format!(
                "the file is {} MB; a CDS-R file this large is not expected (at most {} MB)",
                size >> 20,
                MOST_BYTES >> 20
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let reference = store.reference_data()?;
    let agency = store.agency()?;
    let today = ndtms_dataset::model::today();
    let cat = &reference
        .data
        .version_on(today)
        .map_err(ndtms_store::StoreError::from)?
        .catalogue;
    let report = Validator::new(cat, agency.dataset, today)
        .check_csv(&bytes[..])
        .map_err(|e| refused(path, e.to_string()))?;
    let structure: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && STRUCTURE.contains(&f.rule.as_str()))
        .take(5)
        .map(|f| match f.line {
            Some(l) => format!("line {l}: {} {}", f.message, f.fix),
            None => format!("{} {}", f.message, f.fix),
        })
        .collect();
    if !structure.is_empty() {
        return Err(refused(
            path,
            format!(
                "the file's layout is not CDS-R, so nothing can be imported: {}",
                structure.join("; ")
            ),
        ));
    }
    let rows = cat
        .rows_of_csv(&bytes[..])
        .map_err(|(line, message)| refused(path, format!("line {line}: {message}")))?;
    let headers = cat.fields.iter().map(|f| f.header.clone()).collect();
    Ok(Read {
        bytes,
        headers,
        rows,
        report,
    })
}

/// The dry run: what importing `path` would do, changing nothing (data leads).
pub fn plan(store: &mut Store, path: &Path) -> Result<ImportPlan> {
    store.require(ndtms_store::Permission::Submit)?;
    let Read {
        bytes,
        headers,
        rows,
        report,
    } = read(store, path)?;
    let preview = store.import_preview(&headers, &rows)?;
    let mut rules = crate::job::rule_counts(&report.findings);
    rules.truncate(20);
    Ok(ImportPlan {
        file: path.display().to_string(),
        sha256: crate::extract::sha256_hex(&bytes),
        rows: rows.len() as u64,
        preview,
        errors: report.errors,
        warnings: report.warnings,
        rules,
    })
}

/// Imports `path` (data leads), all or nothing, if it is still the file the dry run read
/// (`sha256`); the import is audited with the file's name and checksum. Answers with the
/// number of records the file held.
pub fn apply(store: &mut Store, path: &Path, sha256: &str) -> Result<usize> {
    store.require(ndtms_store::Permission::Submit)?;
    let Read {
        bytes,
        headers,
        rows,
        ..
    } = read(store, path)?;
    if crate::extract::sha256_hex(&bytes) != sha256 {
        return Err(refused(
            path,
            "the file has changed since it was checked: check it again before importing".into(),
        ));
    }
    let n = store.import_rows(&headers, &rows)?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    store.audit_submission("import", &name, sha256)?;
    Ok(n)
}
