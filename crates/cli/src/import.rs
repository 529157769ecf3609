//! `ndtms import`: wide CDS-R rows from a CSV file into the database's records.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::{CliError, Result};
use crate::session::Login;

#[derive(clap::Args, Debug)]
pub struct Args {
    file: PathBuf,
}

pub fn run(a: Args, login: &Login) -> Result<ExitCode> {
    let file = &a.file;
    let mut store = login.open()?;
    let mut reader = csv::ReaderBuilder::new()
        .from_path(file)
        .map_err(|e| CliError::io(file, "open", e))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::io(file, "read", e))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| CliError::io(file, "read", e))?;
        rows.push(r.iter().map(str::to_owned).collect::<Vec<_>>());
    }
    let n = store.import_rows(&headers, &rows)?;
    println!(
        "Imported {n} records from {} rows of {}",
        rows.len(),
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}
