//! The data lead's monthly job: build the extract for a reporting period, check it as the
//! portal would, then send it to the portal or save it for upload, and keep the history.
//! No Tauri here: the app and the `ndtms` CLI both use it.

pub mod client_page;
pub mod error;
pub mod extract;
pub mod import;
pub mod job;
pub mod month;
pub mod offline;
pub mod portal;
pub mod quality;
pub mod report;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ndtms_dataset::{Catalogue, ReferenceInfo, ReportingPeriod};
use ndtms_store::reference::InUse;
use ndtms_store::{NewSubmission, Store, SubmissionKind};

pub use error::{Result, SubmissionError};
pub use extract::{DEFAULT_FILE_PATTERN, Extract};
pub use offline::Manifest;
pub use portal::{Credentials, HttpPortal, Portal, Progress, Receipt, RetryPolicy, Upload};
pub use report::PreTransferReport;

/// An extract built and checked: the bytes to send and the report to show first.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The store's reference data the extract was built and checked with.
    pub reference: InUse,
    /// Its version in force at the period's end, as the manifest and report name it.
    pub info: ReferenceInfo,
    pub extract: Extract,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub report: PreTransferReport,
}

/// An extract built and written to bytes, not yet checked.
#[derive(Debug, Clone)]
pub struct Built {
    /// The store's reference data the extract was built with.
    pub reference: InUse,
    pub extract: Extract,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// The catalogue of the store's reference data in force at the period's end: the one the
/// extract is laid out and checked by.
pub fn catalogue_for<'r>(reference: &'r InUse, period: &ReportingPeriod) -> Result<&'r Catalogue> {
    Ok(&reference
        .data
        .version_on(period.end)
        .map_err(ndtms_store::StoreError::from)?
        .catalogue)
}

/// What an extract is made from, read from the store in one go (under its lock, where the app
/// holds one), so building and checking can run after the lock is let go.
#[derive(Debug, Clone)]
pub struct Source {
    pub reference: InUse,
    pub clients: Vec<ndtms_store::submissions::SourceClient>,
    pub agency: ndtms_store::Agency,
    /// Client id -> attributors last transferred, for the mismatch check.
    pub previous: std::collections::HashMap<String, Vec<String>>,
    pub period: ReportingPeriod,
    pub file_name: String,
}

/// Reads what the extract for `period` is made from (data leads).
pub fn read_source(
    store: &mut Store,
    period: &ReportingPeriod,
    file_pattern: &str,
    now: DateTime<Utc>,
) -> Result<Source> {
    let reference = store.reference_data()?;
    catalogue_for(&reference, period)?;
    let clients = store.extract_source()?;
    let agency = store.agency()?;
    let previous = store.previous_attributors()?;
    let file_name = extract::file_name(file_pattern, &agency.code, agency.dataset, period, now)?;
    Ok(Source {
        reference,
        clients,
        agency,
        previous,
        period: *period,
        file_name,
    })
}

/// How far building and checking an extract has gone, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Laying out the rows, client by client.
    Building {
        #[ts(type = "number")]
        clients_done: u64,
        #[ts(type = "number")]
        clients: u64,
        #[ts(type = "number")]
        rows: u64,
    },
    /// Checking the rows as the portal would.
    Checking {
        #[ts(type = "number")]
        rows_done: u64,
        #[ts(type = "number")]
        rows: u64,
    },
}

/// Lays out the extract's rows from `source` and writes its bytes; `step` hears of progress and
/// answers false to stop (then None).
pub fn build_from(source: &Source, step: &mut dyn FnMut(Step) -> bool) -> Result<Option<Built>> {
    let cat = catalogue_for(&source.reference, &source.period)?;
    let Some(extract) =
        extract::build_with(cat, &source.agency, &source.clients, &source.period, step)
    else {
        return Ok(None);
    };
    let bytes = extract.to_csv();
    let sha256 = extract::sha256_hex(&bytes);
    Ok(Some(Built {
        reference: source.reference.clone(),
        extract,
        file_name: source.file_name.clone(),
        bytes,
        sha256,
    }))
}

/// Reads the store and builds the extract's bytes for `period` (data leads), laid out by the
/// store's reference data in force at the period's end.
pub fn build(
    store: &mut Store,
    period: &ReportingPeriod,
    file_pattern: &str,
    now: DateTime<Utc>,
) -> Result<Built> {
    let source = read_source(store, period, file_pattern, now)?;
    build_from(&source, &mut |_| true)?.ok_or_else(stopped)
}

fn stopped() -> SubmissionError {
    SubmissionError::Store(ndtms_store::StoreError::Internal(
        "the extract stopped with nobody asking it to".into(),
    ))
}

/// Builds the extract from `source` and checks it as the portal would, reporting each step;
/// `step` answers false to stop (then None).
pub fn prepare_from(
    source: &Source,
    now: DateTime<Utc>,
    step: &mut dyn FnMut(Step) -> bool,
) -> Result<Option<Prepared>> {
    let Some(Built {
        reference,
        extract,
        file_name,
        bytes,
        sha256,
    }) = build_from(source, step)?
    else {
        return Ok(None);
    };
    let info = reference
        .data
        .info_on(source.period.end)
        .map_err(ndtms_store::StoreError::from)?;
    let today = now.date_naive();
    let Some(checked) = report::check_with(
        catalogue_for(&reference, &source.period)?,
        &extract,
        today,
        &source.previous,
        step,
    ) else {
        return Ok(None);
    };
    let report = PreTransferReport::new(&extract, &file_name, &sha256, &info, today, checked);
    Ok(Some(Prepared {
        reference,
        info,
        extract,
        file_name,
        bytes,
        sha256,
        report,
    }))
}

/// Builds the extract for `period` from the store and checks it as the portal would (data leads).
pub fn prepare(
    store: &mut Store,
    period: &ReportingPeriod,
    file_pattern: &str,
    now: DateTime<Utc>,
) -> Result<Prepared> {
    let source = read_source(store, period, file_pattern, now)?;
    prepare_from(&source, now, &mut |_| true)?.ok_or_else(stopped)
}

impl Prepared {
    /// What the history records for this file.
    fn submission<'a>(
        &'a self,
        kind: SubmissionKind,
        receipt: &'a str,
        attributors: &'a [(String, Vec<String>)],
        report: &'a str,
    ) -> NewSubmission<'a> {
        NewSubmission {
            kind,
            period_start: self.extract.period.start,
            period_end: self.extract.period.end,
            file_name: &self.file_name,
            sha256: &self.sha256,
            rows: self.extract.rows.len() as u64,
            clients: self.extract.clients,
            report,
            receipt,
            attributors,
        }
    }
}

fn iso(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Saves a prepared extract into `dir` (with its manifest when `offline`) and records it.
pub fn save(
    store: &mut Store,
    p: &Prepared,
    dir: &Path,
    offline: bool,
    now: DateTime<Utc>,
) -> Result<(PathBuf, Option<Manifest>)> {
    let (path, manifest) = if offline {
        let head = store.audit_head()?;
        let (file, _, m) = offline::save(
            dir,
            &p.file_name,
            &p.bytes,
            &p.extract,
            &p.info,
            &now.to_rfc3339(),
            head,
        )?;
        (file, Some(m))
    } else {
        (extract::write_atomic(dir, &p.file_name, &p.bytes)?, None)
    };
    let receipt = manifest
        .as_ref()
        .map(|m| serde_json::to_string(m).unwrap_or_default())
        .unwrap_or_default();
    let totals = p.report.totals_json();
    store.record_submission(&p.submission(SubmissionKind::Extract, &receipt, &[], &totals))?;
    Ok((path, manifest))
}

/// Records that a file saved with its manifest has been uploaded to the portal by hand (from a
/// secure setting, where this machine cannot reach the portal), as a transfer: it locks the
/// period and keeps the attributors the file carried, for next month's mismatch check, as a
/// transfer from here would. The file must match its manifest and be an extract this database
/// saved; a file already confirmed is refused. The file is read with the dataset version in
/// force at its period's end. Returns the transfer's id and the file's manifest.
pub fn confirm_upload(store: &mut Store, file: &Path) -> Result<(i64, Manifest)> {
    let (manifest, bytes) = offline::verify_read(file)?;
    let history = store.submissions()?;
    let sha = manifest.sha256.as_str();
    let same = |kind: SubmissionKind| history.iter().find(|s| s.kind == kind && s.sha256 == sha);
    if same(SubmissionKind::Transfer).is_some() {
        return Err(SubmissionError::AlreadyConfirmed(file.to_path_buf()));
    }
    let Some(saved) = same(SubmissionKind::Extract) else {
        return Err(SubmissionError::NotSavedHere(file.to_path_buf()));
    };
    let unreadable = |line: u64, message: String| SubmissionError::Unreadable {
        path: file.to_path_buf(),
        line,
        message,
    };
    let date = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|e| {
            unreadable(
                0,
                format!("the history's period date '{d}' is not a date: {e}"),
            )
        })
    };
    let (start, end) = (date(&saved.period_start)?, date(&saved.period_end)?);
    let reference = store.reference_data()?;
    let cat = &reference
        .data
        .version_on(end)
        .map_err(|e| unreadable(0, e.to_string()))?
        .catalogue;
    let rows = cat
        .rows_of_csv(&bytes[..])
        .map_err(|(line, message)| unreadable(line, message))?;
    let attributors = cat.attributors_of(
        rows.iter()
            .map(|r| |c: usize| r.get(c).map_or("", String::as_str)),
    );
    let receipt = serde_json::json!({
        "uploaded_by_hand": true,
        "extract_id": saved.id,
        "manifest": manifest,
    })
    .to_string();
    let id = store.record_submission(&NewSubmission {
        kind: SubmissionKind::Transfer,
        period_start: start,
        period_end: end,
        file_name: &saved.file_name,
        sha256: &saved.sha256,
        rows: saved.rows,
        clients: saved.clients,
        report: &saved.report,
        receipt: &receipt,
        attributors: &attributors,
    })?;
    Ok((id, manifest))
}

/// Sends a prepared extract; on success records the transfer with its receipt, which locks
/// the period and keeps the attributors sent. Errors in the file must be acknowledged.
pub fn transfer(
    store: &mut Store,
    p: &Prepared,
    portal: &dyn Portal,
    credentials: &Credentials,
    accept_errors: bool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Receipt> {
    store.require(ndtms_store::Permission::Submit)?;
    if p.report.report.errors > 0 && !accept_errors {
        return Err(SubmissionError::HasErrors(p.report.report.errors));
    }
    let attempt = transfer_started(store, p)?;
    match send(p, portal, credentials, accept_errors, progress) {
        Ok(receipt) => {
            record_transfer(store, p, &receipt)?;
            store.transfer_ended(attempt, None)?;
            Ok(receipt)
        }
        Err(e) => {
            store.transfer_ended(attempt, Some(&e.to_string()))?;
            Err(e)
        }
    }
}

/// Records that `p` is about to be sent, before the upload starts, so a transfer cut short is
/// found afterwards (`Store::unfinished_transfers`). Answers with the attempt to end.
pub fn transfer_started(store: &mut Store, p: &Prepared) -> Result<i64> {
    Ok(
        store.transfer_started(&ndtms_store::transfer_attempts::NewAttempt {
            file_name: &p.file_name,
            sha256: &p.sha256,
            period_start: p.extract.period.start,
            period_end: p.extract.period.end,
        })?,
    )
}

/// Sends a prepared extract to the portal and answers with its receipt, recording nothing: the
/// app sends without holding the store (an upload can take minutes), then records the transfer
/// with [`record_transfer`]. The caller checks the user may submit. Errors in the file must be
/// acknowledged.
pub fn send(
    p: &Prepared,
    portal: &dyn Portal,
    credentials: &Credentials,
    accept_errors: bool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Receipt> {
    if p.report.report.errors > 0 && !accept_errors {
        return Err(SubmissionError::HasErrors(p.report.report.errors));
    }
    let (start, end) = (iso(p.extract.period.start), iso(p.extract.period.end));
    portal.transfer(
        credentials,
        &Upload {
            file_name: &p.file_name,
            bytes: &p.bytes,
            sha256: &p.sha256,
            agency: &p.extract.agency,
            dataset: p.extract.dataset.code(),
            period_start: &start,
            period_end: &end,
        },
        progress,
    )
}

/// Records a transfer the portal accepted, with its receipt: this locks the period and keeps
/// the attributors sent, for next month's mismatch check. Answers with its id in the history.
pub fn record_transfer(store: &mut Store, p: &Prepared, receipt: &Receipt) -> Result<i64> {
    let totals = p.report.totals_json();
    let sent = serde_json::to_string(receipt).unwrap_or_default();
    Ok(store.record_submission(
        &p.submission(
            SubmissionKind::Transfer,
            &sent,
            &p.extract
                .attributors(catalogue_for(&p.reference, &p.extract.period)?),
            &totals,
        ),
    )?)
}
