//! The automatic backup an administrator sets (folder, how often, how many to keep), taken when
//! due as someone logs in, so a service that never thinks of backups still has them.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::Store;
use crate::auth::Permission;
use crate::backup::{BackupFile, describe, list_backups, prune};
use crate::error::{ErrorCode, Result, StoreError};
use crate::settings::whole_number;

/// How the automatic backup is set, and where it has got to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupSchedule {
    pub folder: String,
    /// How many backups the folder keeps (the oldest go first).
    pub keep: u32,
    /// Days between automatic backups; 0 means none are taken.
    pub every_days: u32,
    /// The newest backup in the folder.
    pub last: Option<BackupFile>,
    /// Whether the next log-in will take one.
    pub due: bool,
    /// Whether the folder is inside the data folder (lost with the machine, so say so).
    pub beside_the_database: bool,
}

/// Unset, backups go daily into the data folder's `backups`, the last 7 kept.
const DEFAULTS: (u32, u32) = (7, 1);

/// Where backups go unless a folder is chosen: the data folder's `backups`.
pub(crate) fn default_folder(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

impl Store {
    fn schedule_values(&mut self) -> Result<(PathBuf, u32, u32)> {
        let folder = self
            .setting("backup_folder")?
            .map_or_else(|| default_folder(self.dir()), PathBuf::from);
        let keep = self
            .setting("backup_keep")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULTS.0);
        let every = self
            .setting("backup_every_days")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULTS.1);
        Ok((folder, keep, every))
    }

    /// The automatic backup's settings and its latest backup (data leads and administrators).
    pub fn backup_schedule(&mut self) -> Result<BackupSchedule> {
        self.authorize(Permission::Backup)?;
        let (folder, keep, every_days) = self.schedule_values()?;
        let last = newest(&folder)?;
        let due = is_due(last.as_deref(), every_days, (self.clock)());
        Ok(BackupSchedule {
            folder: folder.display().to_string(),
            keep,
            every_days,
            last: last.as_deref().map(describe),
            due,
            beside_the_database: folder.starts_with(self.dir()),
        })
    }

    /// Sets the automatic backup (administrators), each value checked first; nothing is saved
    /// unless all three are right.
    pub fn set_backup_schedule(
        &mut self,
        folder: &str,
        keep: &str,
        every_days: &str,
    ) -> Result<BackupSchedule> {
        self.authorize(Permission::ManageSettings)?;
        let folder = folder.trim();
        if !Path::new(folder).is_absolute() {
            return Err(StoreError::invalid(
                ErrorCode::FolderMissing,
                "Type the full path of the backup folder (for example /media/backup/ndtms)",
            ));
        }
        let keep = whole_number(
            ErrorCode::BackupKeepInvalid,
            "How many to keep",
            keep,
            1..=365,
        )?;
        let every = whole_number(
            ErrorCode::BackupEveryInvalid,
            "Days between backups",
            every_days,
            0..=31,
        )?;
        self.set_setting("backup_folder", folder)?;
        self.set_setting("backup_keep", &keep.to_string())?;
        self.set_setting("backup_every_days", &every.to_string())?;
        self.backup_schedule()
    }

    /// Takes the automatic backup if one is due (any logged-in user: it was set by an
    /// administrator, and is audited under whoever's log-in brought it about).
    pub fn backup_if_due(&mut self) -> Result<Option<PathBuf>> {
        let s = self.authorize(Permission::ViewClients)?;
        let (folder, keep, every) = self.schedule_values()?;
        if !is_due(newest(&folder)?.as_deref(), every, (self.clock)()) {
            return Ok(None);
        }
        let path = self.make_backup(s.user_id, &folder, "scheduled_backup")?;
        prune(&folder, keep as usize)?;
        Ok(Some(path))
    }
}

fn newest(folder: &Path) -> Result<Option<PathBuf>> {
    if !folder.is_dir() {
        return Ok(None);
    }
    Ok(list_backups(folder)?.into_iter().max())
}

/// Due when backups are on and the newest is older than the days between (by its name's time).
fn is_due(newest: Option<&Path>, every_days: u32, now: chrono::DateTime<chrono::Utc>) -> bool {
    if every_days == 0 {
        return false;
    }
    let Some(p) = newest else { return true };
    let made = p
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix(crate::backup::PREFIX))
        .and_then(|n| n.strip_suffix(".db"))
        .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y%m%d-%H%M%S%.3f").ok());
    match made {
        Some(t) => now.naive_utc() - t >= chrono::Duration::days(i64::from(every_days)),
        None => true,
    }
}
