//! `ndtms generate`: realistic synthetic CDS-R rows, reproducible from a seed, with known errors.

use std::path::PathBuf;
use std::process::ExitCode;

use ndtms_dataset::{Dataset, GenerateOptions, ReferenceData};
use ndtms_errors::ErrorCode;

use crate::args::{parse_dataset, parse_month};
use crate::error::{CliError, Result, to_json};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_parser = parse_dataset)]
    dataset: Dataset,
    #[arg(long)]
    clients: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of rows (0 to 1) given one injected error each.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// The data month whose reporting period the data falls in, as YYYY-MM (default: last month).
    #[arg(long, value_parser = parse_month)]
    month: Option<(i32, u32)>,
    /// Write the CSV here instead of to standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Also write the injected errors as JSON here.
    #[arg(long)]
    injected: Option<PathBuf>,
}

pub fn run(a: Args, data: &ReferenceData) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&a.error_rate) {
        return Err(CliError::new(
            ErrorCode::UsageInvalid,
            format!("--error-rate must be between 0 and 1, not {}", a.error_rate),
        ));
    }
    let period = crate::period::of(a.month, None)?;
    let version = data.version_on(period.end)?;
    let generated = ndtms_dataset::generate(
        &version.catalogue,
        &GenerateOptions {
            dataset: a.dataset,
            clients: a.clients,
            seed: a.seed,
            error_rate: a.error_rate,
            period,
        },
    );
    match &a.output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| CliError::io(path, "create", e))?;
            generated
                .write_csv(std::io::BufWriter::new(file))
                .map_err(|e| CliError::io(path, "write", e))?;
        }
        None => generated
            .write_csv(std::io::stdout().lock())
            .map_err(|e| CliError::new(ErrorCode::FileIo, format!("cannot write the CSV: {e}")))?,
    }
    if let Some(path) = &a.injected {
        std::fs::write(path, to_json(&generated.injected)?)
            .map_err(|e| CliError::io(path, "write", e))?;
    }
    eprintln!(
        "{} rows, {} injected errors",
        generated.rows.len(),
        generated.injected.len()
    );
    Ok(ExitCode::SUCCESS)
}
