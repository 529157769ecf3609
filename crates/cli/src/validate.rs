//! `ndtms validate`: every error, warning and mismatch in a CDS-R file; exit 1 when it has errors.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use ndtms_dataset::{Dataset, ReferenceData, Validator};
use ndtms_errors::ErrorCode;

use crate::args::{parse_dataset, parse_date};
use crate::error::{CliError, Result, to_json};

#[derive(clap::Args, Debug)]
pub struct Args {
    file: PathBuf,
    /// The dataset of the agency the file is for.
    #[arg(long, value_parser = parse_dataset)]
    dataset: Dataset,
    /// Judge future dates and code validity on this date (dd/mm/yyyy; default today).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Print the full report as JSON.
    #[arg(long)]
    json: bool,
    /// Print (and keep in memory) at most this many findings; the totals always count all.
    #[arg(long, default_value_t = 200)]
    limit: usize,
    /// Write every finding, however many, to this CSV file (streamed).
    #[arg(long, value_name = "FILE")]
    report_csv: Option<PathBuf>,
    /// Write the report as a readable HTML page (listing the first --limit findings).
    #[arg(long, value_name = "FILE")]
    report_html: Option<PathBuf>,
    /// Threads for each row's own checks besides the one reading the file (0: one thread
    /// does everything; default: one per core when there is more than one). The report
    /// is the same either way.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

pub fn run(a: Args, data: &ReferenceData) -> Result<ExitCode> {
    let file = &a.file;
    let as_of = a.as_of.unwrap_or_else(ndtms_dataset::model::today);
    let version = data.version_on(as_of)?;
    let validator = Validator::new(&version.catalogue, a.dataset, as_of);
    let reader = std::fs::File::open(file).map_err(|e| CliError::io(file, "open", e))?;
    let mut csv_out = match &a.report_csv {
        // Findings quote values from the file: private (0600) and never over another file.
        Some(path) => Some(csv::Writer::from_writer(std::io::BufWriter::new(
            ndtms_files::create_new(path).map_err(|e| CliError::io(path, "create", e))?,
        ))),
        None => None,
    };
    let csv_err = |e: &dyn std::fmt::Display| {
        CliError::new(
            ErrorCode::FileIo,
            format!("cannot write the findings CSV: {e}"),
        )
    };
    if let Some(w) = csv_out.as_mut() {
        w.write_record(ndtms_submission::report::FINDINGS_CSV_HEADER)
            .map_err(|e| csv_err(&e))?;
    }
    let mut csv_failed = None;
    let result =
        validator.check_csv_with(std::io::BufReader::with_capacity(1 << 16, reader), |c| {
            let mut c = c.keep_at_most(a.limit);
            if let Some(n) = a.threads {
                c = c.threads(n, 256);
            }
            match csv_out.as_mut() {
                Some(w) => c.with_sink(|f| {
                    if csv_failed.is_none()
                        && let Err(e) = w.write_record(ndtms_submission::report::finding_record(f))
                    {
                        csv_failed = Some(e.to_string());
                    }
                }),
                None => c,
            }
        });
    let report = result.map_err(|e| {
        let e = CliError::from(e);
        CliError::new(e.code, format!("{}: {}", file.display(), e.message))
    })?;
    if let Some(mut w) = csv_out {
        w.flush().map_err(|e| csv_err(&e))?;
    }
    if let Some(e) = csv_failed {
        return Err(csv_err(&e));
    }
    if let Some(path) = &a.report_html {
        let info = data.info_on(as_of)?;
        let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        let page = ndtms_submission::report::to_html(&ndtms_submission::PreTransferReport {
            agency: String::new(),
            dataset: a.dataset.code().to_owned(),
            period: String::new(),
            file_name: format!("{} ({bytes} bytes)", file.display()),
            sha256: String::new(),
            reference_version: format!("CDS-{} {}", info.letter, info.release),
            reference_sha256: info.sha256.clone(),
            checked_on: ndtms_dataset::values::format_date(as_of),
            report: report.clone(),
        });
        crate::private_file(path, page.as_bytes())?;
    }
    if a.json {
        println!("{}", to_json(&report)?);
    } else {
        for f in report.findings.iter().take(a.limit) {
            let sev = ndtms_submission::report::severity_word(f.severity);
            let line = f.line.map_or(String::new(), |l| format!("line {l}: "));
            let key = [&f.client_id, &f.episode_id, &f.child_id]
                .iter()
                .filter(|k| !k.is_empty())
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join("/");
            println!(
                "{}:{line}{sev} {} [{key}] {}: {} Fix: {}",
                file.display(),
                f.rule,
                f.field,
                f.message,
                f.fix
            );
        }
        if report.findings_not_kept > 0 {
            println!(
                "... and {} more findings{}",
                report.findings_not_kept,
                if a.report_csv.is_some() {
                    " (all are in the CSV report)"
                } else {
                    " (use --report-csv to list them all)"
                }
            );
        }
        println!(
            "{} rows, {} clients: {} errors, {} warnings, {} mismatches; load {:.1}%, data quality {:.1}%",
            report.rows,
            report.clients,
            report.errors,
            report.warnings,
            report.mismatches,
            report.load_percent,
            report.data_quality_percent
        );
    }
    Ok(if report.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
