//! Offline export: the extract and a manifest saved to a chosen folder or removable drive, for
//! secure settings where nothing else leaves the machine.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Result, SubmissionError};
use crate::extract::{Extract, sha256_hex, write_atomic};

/// What travels with the file, so whoever uploads it can check it arrived whole and know what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Manifest {
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: u64,
    pub rows: u64,
    pub clients: u64,
    pub period_start: String,
    pub period_end: String,
    pub agency: String,
    pub dataset: String,
    pub reference_version: String,
    pub reference_sha256: String,
    pub software: String,
    pub software_version: String,
    pub created_at: String,
    /// The audit trail's head when the file was made: one more anchor outside the database, so
    /// a trail later cut short or rolled back is found against what the file's carrier holds.
    #[serde(default)]
    pub audit_head: Option<ndtms_store::key::AuditHead>,
}

/// The manifest's file name beside the extract.
pub fn manifest_name(file_name: &str) -> String {
    format!("{file_name}.manifest.json")
}

/// Saves the extract, then its manifest, each written through a temporary file and read back.
/// Returns the two paths. The manifest is written last, so its presence means the file is whole.
pub fn save(
    dir: &Path,
    file_name: &str,
    bytes: &[u8],
    extract: &Extract,
    reference: &ndtms_dataset::ReferenceInfo,
    created_at: &str,
    audit_head: Option<ndtms_store::key::AuditHead>,
) -> Result<(PathBuf, PathBuf, Manifest)> {
    let manifest = Manifest {
        file_name: file_name.to_owned(),
        sha256: sha256_hex(bytes),
        size_bytes: bytes.len() as u64,
        rows: extract.rows.len() as u64,
        clients: extract.clients,
        period_start: ndtms_dataset::values::format_date(extract.period.start),
        period_end: ndtms_dataset::values::format_date(extract.period.end),
        agency: extract.agency.clone(),
        dataset: extract.dataset.code().to_owned(),
        reference_version: format!("CDS-{} {}", reference.letter, reference.release),
        reference_sha256: reference.sha256.clone(),
        software: "NDTMS Desk".to_owned(),
        software_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: created_at.to_owned(),
        audit_head,
    };
    let json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    let mname = manifest_name(file_name);
    if dir.join(&mname).exists() {
        return Err(SubmissionError::Exists(dir.join(mname)));
    }
    let file = write_atomic(dir, file_name, bytes)?;
    let man = write_atomic(dir, &mname, &json)?;
    Ok((file, man, manifest))
}

/// Checks a carried file against its manifest (size and SHA-256), as the person uploading would.
pub fn verify(file: &Path) -> Result<Manifest> {
    verify_read(file).map(|(m, _)| m)
}

/// [`verify`], also handing back the file's bytes (read once).
pub fn verify_read(file: &Path) -> Result<(Manifest, Vec<u8>)> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SubmissionError::Io { path, source }
    };
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mpath = file.with_file_name(manifest_name(name));
    let m: Manifest =
        serde_json::from_slice(&std::fs::read(&mpath).map_err(io(&mpath))?).map_err(|e| {
            SubmissionError::Io {
                path: mpath.clone(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
            }
        })?;
    let bytes = std::fs::read(file).map_err(io(file))?;
    if bytes.len() as u64 != m.size_bytes || sha256_hex(&bytes) != m.sha256 {
        return Err(SubmissionError::VerifyFailed(file.to_path_buf()));
    }
    Ok((m, bytes))
}
