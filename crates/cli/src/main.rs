//! `ndtms`: the command-line face of NDTMS Desk's core crates.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ndtms_dataset::ReferenceData;

#[derive(Parser, Debug)]
#[command(
    name = "ndtms",
    version,
    about = "NDTMS Desk command line: reference data, validation and extracts for NDTMS CDS-R",
    long_about = None
)]
struct Cli {
    /// Use this reference-data folder instead of the copy shipped with the program.
    #[arg(long, global = true, value_name = "FOLDER")]
    reference_data: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load and check the reference data, then print its version, checksum and provenance counts.
    Reference {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("ndtms: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let data =
        ReferenceData::from_setting(cli.reference_data.as_deref()).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Reference { json } => {
            let today = chrono::Local::now().date_naive();
            let info = data.info_on(today).map_err(|e| e.to_string())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&info).map_err(|e| e.to_string())?
                );
            } else {
                println!(
                    "Reference data: {} ({}), release {}",
                    info.name, info.letter, info.release
                );
                println!("In force from:  {}", info.effective_from);
                println!("Source:         {}", info.source);
                println!("SHA-256:        {}", info.sha256);
                println!(
                    "Contents:       {} fields, {} code lists ({} codes), {} rules",
                    info.field_count, info.codelist_count, info.code_count, info.rule_count
                );
                println!("Provenance (fields / codes / rules):");
                for p in &info.provenance {
                    println!(
                        "  {:<10} {:>4} / {:>4} / {:>4}",
                        p.tag, p.fields, p.codes, p.rules
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
