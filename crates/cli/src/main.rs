//! `ndtms`: the command-line face of NDTMS Desk's core crates.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use ndtms_dataset::{Dataset, GenerateOptions, ReferenceData, ReportingPeriod, Validator};
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
        /// Write the shipped reference data into this new or empty folder, to start a
        /// provider's own copy.
        #[arg(long, value_name = "FOLDER")]
        export: Option<PathBuf>,
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
    },
    /// Build the extract for a data month from the database, check it, and save it for upload.
    Extract {
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
    },
    /// Build, check and send the extract to the portal. The portal password and the YubiKey
    /// one-time code are read from NDTMS_PORTAL_PASSWORD and NDTMS_PORTAL_OTP, and never stored.
    Transfer {
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
    },
    /// List the extracts and transfers made, newest first.
    History,
    /// Show the reference-data folder the database uses, or (administrators) choose one; it is
    /// loaded and checked first. --shipped goes back to the copy shipped with the program.
    ReferenceFolder {
        folder: Option<PathBuf>,
        #[arg(long, conflicts_with = "folder")]
        shipped: bool,
    },
    /// Record that a file saved with --offline has been uploaded to the portal by hand (from a
    /// secure setting): checks it against its manifest and this database's history, then locks
    /// its period and keeps its attributors for next month's mismatch check, as a transfer does.
    ConfirmUpload {
        /// The carried extract (its manifest beside it).
        file: PathBuf,
    },
    /// Import a CDS-R CSV file (one row per client, episode and child records) into the database.
    Import { file: PathBuf },
    /// Print the field catalogue as a Frictionless Table Schema or a JSON Schema.
    Schema {
        #[arg(long, value_parser = ["table-schema", "json-schema"])]
        format: String,
        #[arg(long, value_parser = parse_dataset)]
        dataset: Dataset,
        /// Code lists as valid on this date (dd/mm/yyyy; default today).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
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

impl Command {
    /// The commands that open the encrypted database (run by `run_store`).
    fn uses_database(&self) -> bool {
        matches!(
            self,
            Command::Init { .. }
                | Command::Audit { .. }
                | Command::Backup { .. }
                | Command::Restore { .. }
                | Command::Extract { .. }
                | Command::Transfer { .. }
                | Command::History
                | Command::ConfirmUpload { .. }
                | Command::ReferenceFolder { .. }
                | Command::Import { .. }
        )
    }
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
        Command::Extract {
            month,
            end,
            out,
            pattern,
            offline,
            report_csv,
            report_html,
        } => {
            let (mut store, data, info, cat_period) = submission_context(cli, *month, *end)?;
            let cat = &data
                .version_on(cat_period.end)
                .map_err(|e| e.to_string())?
                .catalogue;
            let now = chrono::Utc::now();
            let p = ndtms_submission::prepare(&mut store, cat, &info, &cat_period, pattern, now)
                .map_err(|e| e.to_string())?;
            print_totals(&p.report);
            write_reports(&p.report, report_csv.as_deref(), report_html.as_deref())?;
            let (path, manifest) =
                ndtms_submission::save(&mut store, &info, &p, out, *offline, now)
                    .map_err(|e| e.to_string())?;
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
        Command::Transfer {
            month,
            end,
            portal,
            portal_user,
            accept_errors,
            attempts,
            timeout,
            pattern,
        } => {
            let password = zeroize::Zeroizing::new(env_secret("NDTMS_PORTAL_PASSWORD")?);
            let otp = zeroize::Zeroizing::new(env_secret("NDTMS_PORTAL_OTP")?);
            let client = ndtms_submission::HttpPortal::new(
                portal,
                ndtms_submission::RetryPolicy {
                    attempts: *attempts,
                    pause: std::time::Duration::from_secs(2),
                    timeout: std::time::Duration::from_secs(*timeout),
                },
            )
            .map_err(|e| e.to_string())?;
            let (mut store, data, info, period) = submission_context(cli, *month, *end)?;
            let cat = &data
                .version_on(period.end)
                .map_err(|e| e.to_string())?
                .catalogue;
            let p = ndtms_submission::prepare(
                &mut store,
                cat,
                &info,
                &period,
                pattern,
                chrono::Utc::now(),
            )
            .map_err(|e| e.to_string())?;
            print_totals(&p.report);
            let creds = ndtms_submission::Credentials::new(portal_user, &password, &otp);
            let mut last_pct = 0;
            let receipt = ndtms_submission::transfer(
                &mut store,
                cat,
                &p,
                &client,
                &creds,
                *accept_errors,
                &mut |progress| match progress {
                    ndtms_submission::Progress::LoggingIn => {
                        eprintln!("Logging in to the portal...")
                    }
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
            )
            .map_err(|e| e.to_string())?;
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
        Command::Import { file } => {
            let mut store = open_store(cli)?;
            let data = database_reference(cli, &mut store)?;
            let cat = &data
                .version_on(ndtms_dataset::model::today())
                .map_err(|e| e.to_string())?
                .catalogue;
            let mut reader = csv::ReaderBuilder::new()
                .from_path(file)
                .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| format!("{}: {e}", file.display()))?
                .iter()
                .map(str::to_owned)
                .collect();
            let mut rows = Vec::new();
            for r in reader.records() {
                let r = r.map_err(|e| format!("{}: {e}", file.display()))?;
                rows.push(r.iter().map(str::to_owned).collect::<Vec<_>>());
            }
            store.use_catalogue(cat);
            let n = store
                .import_rows(cat, &headers, &rows)
                .map_err(|e| e.to_string())?;
            println!(
                "Imported {n} records from {} rows of {}",
                rows.len(),
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::History => {
            let mut store = open_store(cli)?;
            let list = store.submissions().map_err(|e| e.to_string())?;
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
        Command::ReferenceFolder { folder, shipped } => {
            let mut store = open_store(cli)?;
            let (now, data) = if folder.is_some() || *shipped {
                store.set_reference_folder(folder.as_deref())
            } else {
                store.reference_data()
            }
            .map_err(|e| e.to_string())?;
            let info = data
                .info_on(ndtms_dataset::model::today())
                .map_err(|e| e.to_string())?;
            println!(
                "Reference data: {} (CDS-{} {}, SHA-256 {})",
                now.map_or_else(
                    || "the copy shipped with NDTMS Desk".to_owned(),
                    |f| format!("the folder {}", f.display())
                ),
                info.letter,
                info.release,
                info.sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::ConfirmUpload { file } => {
            let mut store = open_store(cli)?;
            let data = database_reference(cli, &mut store)?;
            let (_, manifest) = ndtms_submission::confirm_upload(&mut store, &data, file)
                .map_err(|e| e.to_string())?;
            println!(
                "Recorded the upload of {} ({} to {}, {} rows): the period is locked",
                file.display(),
                manifest.period_start,
                manifest.period_end,
                manifest.rows
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => Err("not a database command".into()),
    }
}

type Context = (
    Store,
    ReferenceData,
    ndtms_dataset::ReferenceInfo,
    ReportingPeriod,
);

/// The reference data a database command uses: `--reference-data` when given, else the folder
/// chosen for the database, else the shipped copy.
fn database_reference(cli: &Cli, store: &mut Store) -> Result<ReferenceData, String> {
    match &cli.reference_data {
        Some(d) => ReferenceData::from_dir(d).map_err(|e| e.to_string()),
        None => Ok(store.reference_data().map_err(|e| e.to_string())?.1),
    }
}

/// The store, the reference data in force at the period's end, and the period.
fn submission_context(
    cli: &Cli,
    month: Option<(i32, u32)>,
    end: Option<NaiveDate>,
) -> Result<Context, String> {
    let mut period = match month {
        Some((y, m)) => ReportingPeriod::for_data_month(y, m).map_err(|e| e.to_string())?,
        None => ReportingPeriod::last_complete_month(ndtms_dataset::model::today()),
    };
    if let Some(end) = end {
        period = period.with_end(end).map_err(|e| e.to_string())?;
    }
    let mut store = open_store(cli)?;
    let data = database_reference(cli, &mut store)?;
    let info = data.info_on(period.end).map_err(|e| e.to_string())?;
    store.use_catalogue(
        &data
            .version_on(period.end)
            .map_err(|e| e.to_string())?
            .catalogue,
    );
    Ok((store, data, info, period))
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

fn write_reports(
    r: &ndtms_submission::PreTransferReport,
    csv: Option<&std::path::Path>,
    html: Option<&std::path::Path>,
) -> Result<(), String> {
    if let Some(path) = csv {
        let f = std::fs::File::create(path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        ndtms_submission::report::write_findings_csv(
            std::io::BufWriter::new(f),
            &r.report.findings,
        )
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(path) = html {
        std::fs::write(path, ndtms_submission::report::to_html(r))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    if cli.command.uses_database() {
        return run_store(&cli);
    }
    let data =
        ReferenceData::from_setting(cli.reference_data.as_deref()).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Schema {
            format,
            dataset,
            as_of,
        } => {
            let as_of = as_of.unwrap_or_else(ndtms_dataset::model::today);
            let cat = &data.version_on(as_of).map_err(|e| e.to_string())?.catalogue;
            let schema = if format == "table-schema" {
                ndtms_dataset::schema::table_schema(cat, dataset, as_of)
            } else {
                ndtms_dataset::schema::json_schema(cat, dataset, as_of)
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Reference {
            export: Some(dir), ..
        } => {
            ndtms_dataset::FileSet::shipped()
                .write_to(&dir)
                .map_err(|e| e.to_string())?;
            println!(
                "Wrote the shipped reference data to {}: check a changed copy with `ndtms --reference-data {} reference`",
                dir.display(),
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Reference { json, .. } => {
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
            report_csv,
            report_html,
            threads,
        } => {
            let as_of = as_of.unwrap_or_else(ndtms_dataset::model::today);
            let version = data.version_on(as_of).map_err(|e| e.to_string())?;
            let validator = Validator::new(&version.catalogue, dataset, as_of);
            let reader = std::fs::File::open(&file)
                .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
            let mut csv_out = match &report_csv {
                Some(path) => Some(csv::Writer::from_writer(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
                ))),
                None => None,
            };
            if let Some(w) = csv_out.as_mut() {
                w.write_record(ndtms_submission::report::FINDINGS_CSV_HEADER)
                    .map_err(|e| e.to_string())?;
            }
            let mut csv_failed = None;
            let result =
                validator.check_csv_with(std::io::BufReader::with_capacity(1 << 16, reader), |c| {
                    let mut c = c.keep_at_most(limit);
                    if let Some(n) = threads {
                        c = c.threads(n, 256);
                    }
                    match csv_out.as_mut() {
                        Some(w) => c.with_sink(|f| {
                            if csv_failed.is_none()
                                && let Err(e) =
                                    w.write_record(ndtms_submission::report::finding_record(f))
                            {
                                csv_failed = Some(e.to_string());
                            }
                        }),
                        None => c,
                    }
                });
            let report = result.map_err(|e| format!("{}: {e}", file.display()))?;
            if let Some(mut w) = csv_out {
                w.flush().map_err(|e| e.to_string())?;
            }
            if let Some(e) = csv_failed {
                return Err(format!("cannot write the findings CSV: {e}"));
            }
            if let Some(path) = &report_html {
                let info = data.info_on(as_of).map_err(|e| e.to_string())?;
                let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
                let page =
                    ndtms_submission::report::to_html(&ndtms_submission::PreTransferReport {
                        agency: String::new(),
                        dataset: dataset.code().to_owned(),
                        period: String::new(),
                        file_name: format!("{} ({bytes} bytes)", file.display()),
                        sha256: String::new(),
                        reference_version: format!("CDS-{} {}", info.letter, info.release),
                        reference_sha256: info.sha256.clone(),
                        checked_on: ndtms_dataset::values::format_date(as_of),
                        report: report.clone(),
                    });
                std::fs::write(path, page)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
                );
            } else {
                for f in report.findings.iter().take(limit) {
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
                        if report_csv.is_some() {
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
        _ => unreachable!("database commands are run by run_store"),
    }
}
