//! `ndtms`: the command-line face of NDTMS Desk's core crates.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use ndtms_dataset::{
    Dataset, GenerateOptions, ReferenceData, ReportingPeriod, Severity, Validator,
};
use ndtms_store::{
    Agency, KeyRoute, NewUser, RecoveryKey, Role, Setup, Store, SystemKeychain, Unlock,
};

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

    /// The folder of the encrypted database (or set NDTMS_DESK_DATA_DIR).
    #[arg(
        long,
        global = true,
        value_name = "FOLDER",
        env = "NDTMS_DESK_DATA_DIR"
    )]
    data_dir: Option<PathBuf>,

    /// The user to log in as for database commands; the password is read from NDTMS_PASSWORD.
    #[arg(long, global = true)]
    user: Option<String>,

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
    /// Print the reporting period of a data month (start rolls with the August data month).
    Period {
        /// The data month, as YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: (i32, u32),
        /// Move the end date (for example the June-part-July submission), as dd/mm/yyyy.
        #[arg(long, value_parser = parse_date)]
        end: Option<NaiveDate>,
    },
    /// Write realistic synthetic CDS-R rows (reproducible from the seed), optionally with known errors.
    Generate {
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
    },
    /// Check a CDS-R CSV file and report every error, warning and mismatch; exits 1 when there are errors.
    Validate {
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
        /// Print at most this many findings (the totals always count all of them).
        #[arg(long, default_value_t = 200)]
        limit: usize,
    },
    /// Create the encrypted database: agency, first administrator, key; prints the recovery key once.
    /// The administrator's password comes from NDTMS_PASSWORD; with --passphrase the key is wrapped
    /// with the passphrase in NDTMS_PASSPHRASE instead of being kept in the system keychain.
    Init {
        #[arg(long)]
        agency: String,
        #[arg(long, value_parser = parse_dataset)]
        dataset: Dataset,
        #[arg(long)]
        admin: String,
        #[arg(long)]
        passphrase: bool,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Make an encrypted backup into a folder (keeping the newest N with --keep).
    Backup {
        #[arg(long)]
        to: PathBuf,
        #[arg(long)]
        keep: Option<usize>,
    },
    /// Replace the data with a backup, after checking its key and integrity.
    Restore { backup: PathBuf },
}

fn env_secret(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| {
        format!("set {name} (it is read from the environment, never from the command line)")
    })
}

/// Opens the store in the data folder and logs in, unlocking by the route its key file names.
fn open_store(cli: &Cli) -> Result<Store, String> {
    let dir = cli
        .data_dir
        .as_deref()
        .ok_or("give --data-dir or set NDTMS_DESK_DATA_DIR")?;
    let keychain = SystemKeychain;
    let recovery = std::env::var("NDTMS_RECOVERY_KEY")
        .ok()
        .map(|r| RecoveryKey::parse(&r))
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut store = match (&recovery, Store::route(dir).map_err(|e| e.to_string())?) {
        (Some(r), _) => Store::open(dir, &Unlock::Recovery(r), &keychain),
        (None, KeyRoute::Passphrase) => Store::open(
            dir,
            &Unlock::Passphrase(&env_secret("NDTMS_PASSPHRASE")?),
            &keychain,
        ),
        (None, KeyRoute::Keychain) => Store::open(dir, &Unlock::Keychain, &keychain),
    }
    .map_err(|e| e.to_string())?;
    let user = cli.user.as_deref().ok_or("give --user")?;
    store
        .login(user, &env_secret("NDTMS_PASSWORD")?)
        .map_err(|e| e.to_string())?;
    Ok(store)
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the hash chain and name every altered, inserted or deleted entry; exits 1 if any.
    Verify,
}

fn parse_month(s: &str) -> Result<(i32, u32), String> {
    let (y, m) = s.split_once('-').ok_or("expected YYYY-MM")?;
    let y = y.parse().map_err(|_| format!("'{y}' is not a year"))?;
    let m = m.parse().map_err(|_| format!("'{m}' is not a month"))?;
    Ok((y, m))
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    ndtms_dataset::values::parse_date(s)
        .ok_or_else(|| format!("'{s}' is not a date in the form dd/mm/yyyy"))
}

fn parse_dataset(s: &str) -> Result<Dataset, String> {
    Dataset::parse(s).ok_or_else(|| format!("'{s}' is not a dataset: use AD, YP, SA or SY"))
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

/// The commands that work on the encrypted database.
fn run_store(cli: &Cli) -> Result<ExitCode, String> {
    match &cli.command {
        Command::Init {
            agency,
            dataset,
            admin,
            passphrase,
        } => {
            let dir = cli
                .data_dir
                .as_deref()
                .ok_or("give --data-dir or set NDTMS_DESK_DATA_DIR")?;
            let password = env_secret("NDTMS_PASSWORD")?;
            let phrase = if *passphrase {
                Some(env_secret("NDTMS_PASSPHRASE")?)
            } else {
                None
            };
            let setup = Setup {
                route: if *passphrase {
                    KeyRoute::Passphrase
                } else {
                    KeyRoute::Keychain
                },
                passphrase: phrase.as_deref(),
                agency: Agency {
                    code: agency.clone(),
                    dataset: *dataset,
                    name: String::new(),
                },
                admin: NewUser {
                    username: admin,
                    display_name: admin,
                    role: Role::Administrator,
                    password: &password,
                },
            };
            let (_, recovery) =
                Store::create(dir, &setup, &SystemKeychain).map_err(|e| e.to_string())?;
            println!("Created the NDTMS Desk database in {}.", dir.display());
            println!("Recovery key (print it and lock it away; it is shown only once):");
            println!("  {}", recovery.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let mut store = open_store(cli)?;
            let (count, problems) = store.verify_audit().map_err(|e| e.to_string())?;
            for p in &problems {
                println!("entry {}: {}", p.seq, p.problem);
            }
            let verdict = if problems.is_empty() {
                "the chain is intact".to_owned()
            } else {
                format!("{} problem(s)", problems.len())
            };
            println!("{count} audit entries checked: {verdict}");
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Backup { to, keep } => {
            let mut store = open_store(cli)?;
            let path = match keep {
                Some(n) => store.auto_backup(to, *n),
                None => store.backup_to(to),
            }
            .map_err(|e| e.to_string())?;
            println!("Backed up to {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { backup } => {
            let mut store = open_store(cli)?;
            store.restore_from(backup).map_err(|e| e.to_string())?;
            println!("Restored from {}", backup.display());
            Ok(ExitCode::SUCCESS)
        }
        _ => Err("not a database command".into()),
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    if matches!(
        cli.command,
        Command::Init { .. }
            | Command::Audit { .. }
            | Command::Backup { .. }
            | Command::Restore { .. }
    ) {
        return run_store(&cli);
    }
    let data =
        ReferenceData::from_setting(cli.reference_data.as_deref()).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Init { .. }
        | Command::Audit { .. }
        | Command::Backup { .. }
        | Command::Restore { .. } => {
            unreachable!("database commands are run by run_store")
        }
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
        Command::Period { month, end } => {
            let mut p =
                ReportingPeriod::for_data_month(month.0, month.1).map_err(|e| e.to_string())?;
            if let Some(end) = end {
                p = p.with_end(end).map_err(|e| e.to_string())?;
            }
            println!(
                "{} to {}",
                p.start.format("%d/%m/%Y"),
                p.end.format("%d/%m/%Y")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            dataset,
            clients,
            seed,
            error_rate,
            month,
            output,
            injected,
        } => {
            if !(0.0..=1.0).contains(&error_rate) {
                return Err(format!(
                    "--error-rate must be between 0 and 1, not {error_rate}"
                ));
            }
            let period = match month {
                Some((y, m)) => ReportingPeriod::for_data_month(y, m).map_err(|e| e.to_string())?,
                None => ReportingPeriod::last_complete_month(ndtms_dataset::model::today()),
            };
            let version = data.version_on(period.end).map_err(|e| e.to_string())?;
            let generated = ndtms_dataset::generate(
                &version.catalogue,
                &GenerateOptions {
                    dataset,
                    clients,
                    seed,
                    error_rate,
                    period,
                },
            );
            let write_err = |e: &dyn std::fmt::Display| format!("cannot write the CSV: {e}");
            match output {
                Some(path) => {
                    let file = std::fs::File::create(&path)
                        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                    generated
                        .write_csv(std::io::BufWriter::new(file))
                        .map_err(|e| write_err(&e))?;
                }
                None => generated
                    .write_csv(std::io::stdout().lock())
                    .map_err(|e| write_err(&e))?,
            }
            if let Some(path) = injected {
                let json =
                    serde_json::to_string_pretty(&generated.injected).map_err(|e| e.to_string())?;
                std::fs::write(&path, json)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            eprintln!(
                "{} rows, {} injected errors",
                generated.rows.len(),
                generated.injected.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate {
            file,
            dataset,
            as_of,
            json,
            limit,
        } => {
            let as_of = as_of.unwrap_or_else(ndtms_dataset::model::today);
            let version = data.version_on(as_of).map_err(|e| e.to_string())?;
            let validator = Validator::new(&version.catalogue, dataset, as_of);
            let reader = std::fs::File::open(&file)
                .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
            let report = validator
                .check_csv(std::io::BufReader::with_capacity(1 << 16, reader))
                .map_err(|e| format!("{}: {e}", file.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
                );
            } else {
                for f in report.findings.iter().take(limit) {
                    let sev = match f.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                        Severity::Mismatch => "mismatch",
                    };
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
                if report.findings.len() > limit {
                    println!("... and {} more findings", report.findings.len() - limit);
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
    }
}
