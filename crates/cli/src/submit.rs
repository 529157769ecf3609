//! The monthly submission from the command line: `extract` (save for upload), `transfer` (send
//! to the portal), `confirm-upload` (a file carried out and uploaded by hand) and `history`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;

use crate::args::{parse_date, parse_month};
use crate::error::{CliError, Result};
use crate::session::{Login, env_secret};

#[derive(clap::Args, Debug)]
pub struct ExtractArgs {
    /// The data month, as YYYY-MM (default: last month).
    #[arg(long, value_parser = parse_month)]
    month: Option<(i32, u32)>,
    /// Move the period's end date (the June-part-July submission), as dd/mm/yyyy.
    #[arg(long, value_parser = parse_date)]
    end: Option<NaiveDate>,
    /// The folder (or removable drive) to save the file in.
    #[arg(long)]
    out: PathBuf,
    /// File-name pattern: {agency} {dataset} {period_start} {period_end} {month} {timestamp}.
    #[arg(long, default_value = ndtms_submission::DEFAULT_FILE_PATTERN)]
    pattern: String,
    /// Also write a manifest (SHA-256, size, counts, period, versions) for carrying the file out.
    #[arg(long)]
    offline: bool,
    /// Write the pre-transfer report's findings to this CSV file.
    #[arg(long, value_name = "FILE")]
    report_csv: Option<PathBuf>,
    /// Write the pre-transfer report as a readable HTML page.
    #[arg(long, value_name = "FILE")]
    report_html: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct TransferArgs {
    #[arg(long, value_parser = parse_month)]
    month: Option<(i32, u32)>,
    #[arg(long, value_parser = parse_date)]
    end: Option<NaiveDate>,
    /// The portal's address (https://…; plain http only to 127.0.0.1).
    #[arg(long, env = "NDTMS_PORTAL_URL")]
    portal: String,
    /// Your portal user name.
    #[arg(long)]
    portal_user: String,
    /// Send even though the file has errors (those records will not load).
    #[arg(long)]
    accept_errors: bool,
    /// Upload attempts before giving up.
    #[arg(long, default_value_t = 3)]
    attempts: u32,
    /// Seconds to wait for the portal's answer.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    #[arg(long, default_value = ndtms_submission::DEFAULT_FILE_PATTERN)]
    pattern: String,
}

#[derive(clap::Args, Debug)]
pub struct ConfirmArgs {
    /// The carried extract (its manifest beside it).
    file: PathBuf,
}

fn print_totals(r: &ndtms_submission::PreTransferReport) {
    let t = &r.report;
    println!(
        "{} for agency {} ({}), {}: {} rows, {} clients: {} errors, {} warnings, {} mismatches; load {:.1}%, data quality {:.1}%",
        r.file_name,
        r.agency,
        r.dataset,
        r.period,
        t.rows,
        t.clients,
        t.errors,
        t.warnings,
        t.mismatches,
        t.load_percent,
        t.data_quality_percent
    );
}

/// Writes the reports asked for, each audited: they name clients and their values.
fn write_reports(
    store: &mut ndtms_store::Store,
    r: &ndtms_submission::PreTransferReport,
    csv: Option<&Path>,
    html: Option<&Path>,
) -> Result<()> {
    // Reports name clients and their values: written as privately as the extract.
    if let Some(path) = csv {
        let mut bytes = Vec::new();
        ndtms_submission::report::write_findings_csv(&mut bytes, &r.report.findings)
            .map_err(|e| CliError::io(path, "write", e))?;
        crate::private_file(path, &bytes)?;
        store.audit_submission("report_exported", &path.display().to_string(), "")?;
    }
    if let Some(path) = html {
        crate::private_file(path, ndtms_submission::report::to_html(r).as_bytes())?;
        store.audit_submission("report_exported", &path.display().to_string(), "")?;
    }
    Ok(())
}

pub fn extract(a: ExtractArgs, login: &Login) -> Result<ExitCode> {
    let period = crate::period::of(a.month, a.end)?;
    let mut store = login.open()?;
    let now = chrono::Utc::now();
    let p = ndtms_submission::prepare(&mut store, &period, &a.pattern, now)?;
    print_totals(&p.report);
    write_reports(
        &mut store,
        &p.report,
        a.report_csv.as_deref(),
        a.report_html.as_deref(),
    )?;
    let (path, manifest) = ndtms_submission::save(&mut store, &p, &a.out, a.offline, now)?;
    println!(
        "Saved {} ({} bytes, SHA-256 {})",
        path.display(),
        p.bytes.len(),
        p.sha256
    );
    if manifest.is_some() {
        println!(
            "Manifest: {}",
            path.with_file_name(ndtms_submission::offline::manifest_name(&p.file_name))
                .display()
        );
    }
    Ok(if p.report.report.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn transfer(a: TransferArgs, login: &Login) -> Result<ExitCode> {
    let password = zeroize::Zeroizing::new(env_secret("NDTMS_PORTAL_PASSWORD")?);
    let otp = zeroize::Zeroizing::new(env_secret("NDTMS_PORTAL_OTP")?);
    let client = ndtms_submission::HttpPortal::new(
        &a.portal,
        ndtms_submission::RetryPolicy {
            attempts: a.attempts,
            pause: std::time::Duration::from_secs(2),
            timeout: std::time::Duration::from_secs(a.timeout),
        },
    )?;
    let period = crate::period::of(a.month, a.end)?;
    let mut store = login.open()?;
    let p = ndtms_submission::prepare(&mut store, &period, &a.pattern, chrono::Utc::now())?;
    print_totals(&p.report);
    let creds = ndtms_submission::Credentials::new(&a.portal_user, &password, &otp);
    let mut last_pct = 0;
    let receipt = ndtms_submission::transfer(
        &mut store,
        &p,
        &client,
        &creds,
        a.accept_errors,
        &mut |progress| match progress {
            ndtms_submission::Progress::LoggingIn => eprintln!("Logging in to the portal..."),
            ndtms_submission::Progress::Uploading { sent, total } => {
                let pct = if *total == 0 { 100 } else { sent * 100 / total };
                if pct >= last_pct + 25 || (pct == 100 && last_pct != 100) {
                    last_pct = pct;
                    eprintln!("Sent {pct}% ({sent} of {total} bytes)");
                }
            }
            ndtms_submission::Progress::WaitingForReport => {
                eprintln!("Waiting for the portal's report...")
            }
            ndtms_submission::Progress::Retrying {
                attempt,
                of,
                reason,
            } => {
                last_pct = 0;
                eprintln!("{reason}; trying again ({attempt} of {of})")
            }
        },
    )?;
    println!(
        "Transferred {}: receipt {} at {}. Portal: {} rows, {} errors, {} warnings, {} mismatches; load {:.1}%, data quality {:.1}%. {}",
        p.file_name,
        receipt.receipt_id,
        receipt.received_at,
        receipt.rows,
        receipt.errors,
        receipt.warnings,
        receipt.mismatches,
        receipt.load_percent,
        receipt.data_quality_percent,
        receipt.message
    );
    println!(
        "The period {} is now locked: changes inside it need a data lead.",
        ndtms_submission::extract::format_period(&period)
    );
    Ok(ExitCode::SUCCESS)
}

pub fn confirm_upload(a: ConfirmArgs, login: &Login) -> Result<ExitCode> {
    let mut store = login.open()?;
    let (_, manifest) = ndtms_submission::confirm_upload(&mut store, &a.file)?;
    println!(
        "Recorded the upload of {} ({} to {}, {} rows): the period is locked",
        a.file.display(),
        manifest.period_start,
        manifest.period_end,
        manifest.rows
    );
    Ok(ExitCode::SUCCESS)
}

pub fn history(login: &Login) -> Result<ExitCode> {
    let mut store = login.open()?;
    let list = store.submissions()?;
    if list.is_empty() {
        println!("No extracts or transfers yet.");
    }
    for s in list {
        println!(
            "{} {:<8} {} to {} {} by {}: {} rows, {} clients, SHA-256 {}{}",
            s.created_at,
            match s.kind {
                ndtms_store::SubmissionKind::Extract => "extract",
                ndtms_store::SubmissionKind::Transfer => "transfer",
            },
            s.period_start,
            s.period_end,
            s.file_name,
            s.user,
            s.rows,
            s.clients,
            s.sha256,
            if s.locks_period {
                " (period locked)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
