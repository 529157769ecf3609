//! The administrators' safekeeping commands: backups and their schedule, restore, re-key, a new
//! recovery key, the audit trail's check, and the agency's own settings.

use std::path::Path;

use ndtms_errors::ErrorCode;
use ndtms_store::audit::AuditProblem;
use ndtms_store::backup::{BackupCheck, BackupFile};
use ndtms_store::backup_schedule::BackupSchedule;
use ndtms_store::{KeyRoute, SystemKeychain};
use serde::Serialize;
use ts_rs::TS;

use super::{Answer, with_store};
use crate::AppState;
use crate::bindings::AppError;

/// A recovery key shown once, as it is to be written down.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RecoveryKeyShown {
    pub recovery_key: String,
}

/// The audit trail's check: how many entries, and every problem found.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditCheck {
    #[ts(type = "number")]
    pub entries: u64,
    pub problems: Vec<AuditProblem>,
}

/// The settings of the agency and this installation that administrators change here.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AgencySettings {
    pub name: String,
    #[ts(type = "number")]
    pub idle_minutes: u64,
    /// How the database key is kept: a re-key asks for a new passphrase on that route.
    pub passphrase_route: bool,
}

pub fn backup_schedule(state: &AppState) -> Answer<BackupSchedule> {
    with_store(state, |store| Ok(store.backup_schedule()?))
}

pub fn save_backup_schedule(
    state: &AppState,
    folder: String,
    keep: String,
    every_days: String,
) -> Answer<BackupSchedule> {
    with_store(state, |store| {
        Ok(store.set_backup_schedule(&folder, &keep, &every_days)?)
    })
}

pub fn backup_now(state: &AppState) -> Answer<BackupFile> {
    with_store(state, |store| {
        let folder = store.backup_schedule()?.folder;
        let path = store.backup_to(Path::new(&folder))?;
        Ok(ndtms_store::backup::describe(&path))
    })
}

pub fn backups(state: &AppState) -> Answer<Vec<BackupFile>> {
    with_store(state, |store| {
        let folder = store.backup_schedule()?.folder;
        Ok(store.backups_in(Path::new(&folder))?)
    })
}

fn backup_path(path: &str) -> Answer<&Path> {
    let p = Path::new(path.trim());
    if !p.is_absolute() {
        return Err(AppError::new(
            ErrorCode::FolderMissing,
            "Choose a backup from the list, or type its full path",
        ));
    }
    Ok(p)
}

pub fn check_backup(state: &AppState, path: String) -> Answer<BackupCheck> {
    let p = backup_path(&path)?;
    with_store(state, |store| Ok(store.inspect_backup(p)?))
}

pub fn restore_backup(state: &AppState, path: String) -> Answer<()> {
    let p = backup_path(&path)?;
    // The month's file was built from the data being replaced.
    state.month.clear();
    with_store(state, |store| Ok(store.restore_from(p)?))
}

pub fn rekey(
    state: &AppState,
    passphrase: Option<String>,
    passphrase_again: Option<String>,
) -> Answer<RecoveryKeyShown> {
    if passphrase != passphrase_again {
        return Err(AppError::new(
            ErrorCode::PassphrasesDiffer,
            "The two passphrases are not the same.",
        ));
    }
    with_store(state, |store| {
        let recovery = store.rekey(passphrase.as_deref(), &SystemKeychain)?;
        Ok(RecoveryKeyShown {
            recovery_key: recovery.display(),
        })
    })
}

pub fn new_recovery_key(state: &AppState) -> Answer<RecoveryKeyShown> {
    with_store(state, |store| {
        Ok(RecoveryKeyShown {
            recovery_key: store.new_recovery_key()?.display(),
        })
    })
}

pub fn verify_audit(state: &AppState) -> Answer<AuditCheck> {
    with_store(state, |store| {
        let (entries, problems) = store.verify_audit()?;
        Ok(AuditCheck { entries, problems })
    })
}

fn agency_settings_of(store: &mut ndtms_store::Store) -> Answer<AgencySettings> {
    store.require(ndtms_store::Permission::ManageSettings)?;
    Ok(AgencySettings {
        name: store.agency()?.name,
        idle_minutes: store.idle_minutes_setting()?,
        passphrase_route: ndtms_store::Store::route(store.dir())? == KeyRoute::Passphrase,
    })
}

pub fn agency_settings(state: &AppState) -> Answer<AgencySettings> {
    with_store(state, agency_settings_of)
}

pub fn save_agency_settings(
    state: &AppState,
    name: String,
    idle_minutes: String,
) -> Answer<AgencySettings> {
    with_store(state, |store| {
        store.set_agency_name(&name)?;
        store.set_idle_minutes_setting(&idle_minutes)?;
        agency_settings_of(store)
    })
}

pub fn unfinished_transfers(
    state: &AppState,
) -> Answer<Vec<ndtms_store::transfer_attempts::UnfinishedTransfer>> {
    with_store(state, |store| Ok(store.unfinished_transfers()?))
}

/// A new machine, or one whose database and key file were lost: a backup and its recovery key
/// make the data folder again (before any log-in; only where no database is).
pub fn restore_new(state: &AppState, backup: String, recovery_key: String) -> Answer<()> {
    let backup = backup_path(&backup)?;
    let recovery = ndtms_store::RecoveryKey::parse(&recovery_key)?;
    let mut guard = super::lock(state)?;
    if guard.is_some() {
        return Err(AppError::new(
            ErrorCode::StoreExists,
            "A database is already open here; restore from the Backups screen instead",
        ));
    }
    let store =
        ndtms_store::Store::restore_new(backup, &state.data_dir, &recovery, &SystemKeychain)?;
    *guard = Some(store);
    Ok(())
}
