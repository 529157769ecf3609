//! `ndtms backup` and `ndtms restore`: encrypted copies of the database, and putting one back.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::Result;
use crate::session::Login;

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
    let mut store = login.open()?;
    store.restore_from(&a.backup)?;
    println!("Restored from {}", a.backup.display());
    Ok(ExitCode::SUCCESS)
}
