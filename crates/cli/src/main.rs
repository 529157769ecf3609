//! `ndtms`: the command-line face of NDTMS Desk's core crates; one module per subcommand.

mod args;
mod audit;
mod backup;
mod error;
mod generate;
mod import;
mod init;
mod period;
mod reference;
mod schema;
mod session;
mod submit;
mod user;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ndtms_dataset::ReferenceData;
use ndtms_errors::ErrorCode;

use crate::error::{CliError, Result};

#[derive(Parser, Debug)]
#[command(
    name = "ndtms",
    version,
    about = "NDTMS Desk command line: reference data, validation and extracts for NDTMS CDS-R",
    long_about = None,
    after_help = EXIT_STATUSES
)]
struct Cli {
    /// For the commands on files (reference, validate, generate, schema, period): use this
    /// reference-data folder instead of the copy shipped with the program. Database commands
    /// always use the reference data chosen for the database (see `reference-folder`).
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

/// Documented for scripts; each failure's code is printed with its message.
const EXIT_STATUSES: &str = "Exit statuses:
  0  done
  1  the check finished and found errors (validate, extract, audit verify)
  2  the arguments were not understood
  3  the input given is not acceptable (a value, a file, a folder)
  4  the reference data cannot be used
  5  the database, its key or its folder cannot be used
  6  log-in, session or role refused the action
  7  a transferred period protects the record
  8  the portal, or the way to it, failed
  70 an internal error (please report it)
Errors are printed as `ndtms: error[CODE]: message`; CODE is stable.";

#[derive(Subcommand, Debug)]
enum Command {
    /// Load and check the reference data, then print its version, checksum and provenance counts.
    Reference(reference::Args),
    /// Print the reporting period of a data month (start rolls with the August data month).
    Period(period::Args),
    /// Write realistic synthetic CDS-R rows (reproducible from the seed), optionally with known errors.
    Generate(generate::Args),
    /// Check a CDS-R CSV file and report every error, warning and mismatch; exits 1 when there are errors.
    Validate(validate::Args),
    /// Build the extract for a data month from the database, check it, and save it for upload.
    Extract(submit::ExtractArgs),
    /// Build, check and send the extract to the portal. The portal password and the YubiKey
    /// one-time code are read from NDTMS_PORTAL_PASSWORD and NDTMS_PORTAL_OTP, and never stored.
    Transfer(submit::TransferArgs),
    /// List the extracts and transfers made, newest first.
    History,
    /// Show the reference-data folder the database uses, or (administrators) choose one; it is
    /// loaded and checked first. --shipped goes back to the copy shipped with the program.
    ReferenceFolder(reference::FolderArgs),
    /// Record that a file saved with --offline has been uploaded to the portal by hand (from a
    /// secure setting): checks it against its manifest and this database's history, then locks
    /// its period and keeps its attributors for next month's mismatch check, as a transfer does.
    ConfirmUpload(submit::ConfirmArgs),
    /// Import a CDS-R CSV file (one row per client, episode and child records) into the database.
    Import(import::Args),
    /// Print the field catalogue as a Frictionless Table Schema or a JSON Schema.
    Schema(schema::Args),
    /// Create the encrypted database: agency, first administrator, key; prints the recovery key once.
    /// The administrator's password comes from NDTMS_PASSWORD; with --passphrase the key is wrapped
    /// with the passphrase in NDTMS_PASSPHRASE instead of being kept in the system keychain.
    Init(init::Args),
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: audit::Command,
    },
    /// Make an encrypted backup into a folder (keeping the newest N with --keep).
    Backup(backup::BackupArgs),
    /// Replace the data with a backup, after checking its key and integrity.
    Restore(backup::RestoreArgs),
    /// Change your own password (the current one in NDTMS_PASSWORD, the new one in
    /// NDTMS_NEW_PASSWORD); a first password must be changed before anything else.
    Password,
    /// Users and roles (administrators).
    User {
        #[command(subcommand)]
        command: user::Command,
    },
}

/// Writes a report the user asked for (it names clients and their values): readable by the
/// user alone, linked into place whole, and never over a file already there.
pub(crate) fn private_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        CliError::new(
            ErrorCode::UsageInvalid,
            format!("{} is not a file name", path.display()),
        )
    })?;
    ndtms_files::write_new(dir, name, bytes).map_err(|e| match e {
        ndtms_files::FileError::Exists(p) => CliError::new(
            ErrorCode::FileExists,
            format!(
                "{} already exists; give a new name (nothing was overwritten)",
                p.display()
            ),
        ),
        other => CliError::io(path, "write", other),
    })?;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ndtms: error[{}]: {}", e.code, e.message);
            ExitCode::from(e.exit_status())
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let Cli {
        reference_data,
        data_dir,
        user,
        command,
    } = cli;
    let db = session::Login { data_dir, user };
    // The database's reference data has one owner, the store: a command-line folder must not
    // change which tables an extract is laid out by or which dates the period lock protects.
    let files = |folder: Option<PathBuf>| ReferenceData::from_setting(folder.as_deref());
    let database = |folder: &Option<PathBuf>| match folder {
        None => Ok(&db),
        Some(_) => Err(CliError::new(
            ErrorCode::UsageInvalid,
            "--reference-data is for the commands on files; the database uses the reference data \
             chosen for it (ndtms reference-folder shows or changes it)",
        )),
    };
    match command {
        Command::Reference(a) => reference::run(a, reference_data),
        Command::Period(a) => period::run(a),
        Command::Generate(a) => generate::run(a, &files(reference_data)?),
        Command::Validate(a) => validate::run(a, &files(reference_data)?),
        Command::Schema(a) => schema::run(a, &files(reference_data)?),
        Command::Init(a) => init::run(a, database(&reference_data)?),
        Command::Extract(a) => submit::extract(a, database(&reference_data)?),
        Command::Transfer(a) => submit::transfer(a, database(&reference_data)?),
        Command::ConfirmUpload(a) => submit::confirm_upload(a, database(&reference_data)?),
        Command::History => submit::history(database(&reference_data)?),
        Command::ReferenceFolder(a) => reference::folder(a, database(&reference_data)?),
        Command::Import(a) => import::run(a, database(&reference_data)?),
        Command::Audit { command } => audit::run(command, database(&reference_data)?),
        Command::Backup(a) => backup::backup(a, database(&reference_data)?),
        Command::Restore(a) => backup::restore(a, database(&reference_data)?),
        Command::Password => user::change_own(database(&reference_data)?),
        Command::User { command } => user::run(command, database(&reference_data)?),
    }
}
