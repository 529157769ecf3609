//! Encrypted backups through SQLite's online backup API, on demand or kept to the last N; checked restores.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::Backup;

use crate::auth::Permission;
use crate::error::{Result, StoreError};
use crate::key::DatabaseKey;
use crate::{Store, db};

const PREFIX: &str = "ndtms-desk-backup-";

impl Store {
    /// Copies the live database, still encrypted with its key, into `folder`.
    pub fn backup_to(&mut self, folder: &Path) -> Result<PathBuf> {
        let s = self.authorize(Permission::Backup)?;
        std::fs::create_dir_all(folder).map_err(|e| StoreError::io(folder, e))?;
        let stamp = (self.clock)().format("%Y%m%d-%H%M%S%.3f").to_string();
        let path = folder.join(format!("{PREFIX}{stamp}.db"));
        let tmp = path.with_extension("db.partial");
        let _ = std::fs::remove_file(&tmp);
        {
            let mut dest = db::open(&tmp, &self.key, true)?;
            copy(&self.conn, &mut dest)?;
            // One self-contained file: no -wal or -shm beside it.
            dest.execute_batch("PRAGMA journal_mode = DELETE;")?;
        }
        std::fs::rename(&tmp, &path).map_err(|e| StoreError::io(&path, e))?;
        self.record(
            s.user_id,
            "backup",
            "database",
            &path.display().to_string(),
            "",
        )?;
        Ok(path)
    }

    /// A backup that keeps only the newest `keep` backups in `folder`.
    pub fn auto_backup(&mut self, folder: &Path, keep: usize) -> Result<PathBuf> {
        let path = self.backup_to(folder)?;
        let mut all = list_backups(folder)?;
        all.sort();
        let excess = all.len().saturating_sub(keep.max(1));
        for old in all.into_iter().take(excess) {
            std::fs::remove_file(&old).map_err(|e| StoreError::io(&old, e))?;
        }
        Ok(path)
    }

    /// Replaces the live data with a backup, after checking that the backup opens with this
    /// database's key and passes `PRAGMA integrity_check`. Nothing is replaced if either fails.
    pub fn restore_from(&mut self, backup: &Path) -> Result<()> {
        let s = self.authorize(Permission::Restore)?;
        let source = check_backup(backup, &self.key)?;
        copy(&source, &mut self.conn)?;
        drop(source);
        db::migrate(&mut self.conn)?;
        self.record(
            s.user_id,
            "restore",
            "database",
            &backup.display().to_string(),
            "",
        )
    }
}

/// Copies every page of `from` into `to` with SQLite's online backup API.
fn copy(from: &rusqlite::Connection, to: &mut rusqlite::Connection) -> Result<()> {
    Backup::new(from, to)?.run_to_completion(256, Duration::from_millis(0), None)?;
    Ok(())
}

/// Opens a backup read-only and checks key, integrity and schema version.
pub fn check_backup(backup: &Path, key: &DatabaseKey) -> Result<rusqlite::Connection> {
    let bad = |reason: String| StoreError::BadBackup {
        path: backup.to_path_buf(),
        reason,
    };
    let conn = db::open_read_only(backup, key).map_err(|e| match e {
        StoreError::NotFound(_) => bad("the file does not exist".into()),
        StoreError::WrongKey(_) => bad(
            "it was not made with this database's key, or it is not an NDTMS Desk backup".into(),
        ),
        other => bad(other.to_string()),
    })?;
    let problems = db::integrity(&conn).map_err(|e| bad(e.to_string()))?;
    if problems != ["ok"] {
        return Err(bad(format!("it is damaged: {}", problems.join("; "))));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > db::SCHEMA_VERSION || version == 0 {
        return Err(bad(format!(
            "its schema version {version} is not one this program can restore"
        )));
    }
    Ok(conn)
}

pub fn list_backups(folder: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(|e| StoreError::io(folder, e))? {
        let p = entry.map_err(|e| StoreError::io(folder, e))?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with(PREFIX) && name.ends_with(".db") {
            out.push(p);
        }
    }
    Ok(out)
}
