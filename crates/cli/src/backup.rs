//! `ndtms backup` and `ndtms restore`: encrypted copies of the database, and putting one back.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::Result;
use ndtms_store::{RecoveryKey, Store, SystemKeychain};

use crate::session::{Login, env_secret};

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[arg(long)]
    to: PathBuf,
    #[arg(long)]
    keep: Option<usize>,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    backup: PathBuf,
    /// Restore into this new folder (no database or key file in it) with the recovery key of
    /// the backup, read from NDTMS_RECOVERY_KEY: for a new machine, or after the database and
    /// its key file are lost. Without it, the backup replaces the open database's data.
    #[arg(long)]
    into: Option<PathBuf>,
}

pub fn backup(a: BackupArgs, login: &Login) -> Result<ExitCode> {
    let mut store = login.open()?;
    let path = match a.keep {
        Some(n) => store.auto_backup(&a.to, n),
        None => store.backup_to(&a.to),
    }?;
    println!("Backed up to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

pub fn restore(a: RestoreArgs, login: &Login) -> Result<ExitCode> {
    if let Some(dir) = &a.into {
        let recovery = RecoveryKey::parse(&env_secret("NDTMS_RECOVERY_KEY")?)?;
        drop(Store::restore_new(
            &a.backup,
            dir,
            &recovery,
            &SystemKeychain,
        )?);
        println!(
            "Restored {} into {}; log in as before",
            a.backup.display(),
            dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = login.open()?;
    store.restore_from(&a.backup)?;
    println!("Restored from {}", a.backup.display());
    Ok(ExitCode::SUCCESS)
}
