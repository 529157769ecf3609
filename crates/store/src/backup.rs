//! Encrypted backups through SQLite's online backup API, each with the key file that opens it
//! with the recovery key; on demand or kept to the last N; checked restores, in place or onto a
//! new machine.
//!
//! A backup is two private files: `ndtms-desk-backup-STAMP.db` (the database, still encrypted
//! with its key) and `ndtms-desk-backup-STAMP.keys.json` (the key file as it was, wrapped copies
//! only, with the audit trail's head anchored at the backup). So a backup restores after the
//! database and its key file are lost, and one made before a re-key still restores: the live key
//! file keeps earlier keys under the present one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::Backup;
use serde::Serialize;
use ts_rs::TS;

use crate::auth::Permission;
use crate::error::{Result, StoreError};
use crate::key::{DatabaseKey, KeyFile, Keychain, RecoveryKey};
use crate::{Store, Unlock, audit, db};

pub(crate) const PREFIX: &str = "ndtms-desk-backup-";

/// One backup in a folder, as the backups screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupFile {
    pub path: String,
    pub file_name: String,
    /// When it was made (from its name), "2026-12-03 21:30:05".
    pub made: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Whether its key file is beside it (without it, it restores only on this installation).
    pub has_key_file: bool,
}

/// What restoring a backup would do, for the check-your-answers step: the checks it passed and
/// what it would replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupCheck {
    pub backup: BackupFile,
    /// "this database's key" or "a key this database had before a re-key".
    pub key: String,
    /// `PRAGMA integrity_check`'s answer ("ok").
    pub integrity: String,
    pub schema_version: i64,
    #[ts(type = "number")]
    pub clients: u64,
    #[ts(type = "number")]
    pub audit_entries: u64,
    /// The same counts of the database now, which the restore replaces.
    #[ts(type = "number")]
    pub clients_now: u64,
    #[ts(type = "number")]
    pub audit_entries_now: u64,
}

fn counts(conn: &rusqlite::Connection) -> Result<(u64, u64)> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM client), (SELECT count(*) FROM audit_log)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// The key file that travels with a backup.
pub fn key_file_of(backup: &Path) -> PathBuf {
    backup.with_extension("keys.json")
}

impl Store {
    /// Copies the live database, still encrypted with its key, into `folder`, with its key file
    /// (data leads and administrators).
    pub fn backup_to(&mut self, folder: &Path) -> Result<PathBuf> {
        let s = self.authorize(Permission::Backup)?;
        self.make_backup(s.user_id, folder, "backup")
    }

    /// The backup itself, for whoever the caller has allowed; audited as `action`.
    pub(crate) fn make_backup(
        &mut self,
        user: i64,
        folder: &Path,
        action: &str,
    ) -> Result<PathBuf> {
        let stamp = (self.clock)().format("%Y%m%d-%H%M%S%.3f").to_string();
        let path = write_backup(
            &self.conn,
            &self.key,
            &self.dir,
            folder,
            &stamp,
            &self.now(),
        )?;
        self.record(user, action, "database", &path.display().to_string(), "")?;
        self.anchor_audit()?;
        Ok(path)
    }

    /// A backup that keeps only the newest `keep` backups in `folder`.
    pub fn auto_backup(&mut self, folder: &Path, keep: usize) -> Result<PathBuf> {
        let path = self.backup_to(folder)?;
        prune(folder, keep)?;
        Ok(path)
    }
}

/// Copies the database behind `conn`, still encrypted with `key`, into `folder` as a backup
/// named by `stamp`, with its key file (the one in `dir`, its trail's head as of the copy):
/// written under a temporary name and put in place whole, or not at all.
pub(crate) fn write_backup(
    conn: &rusqlite::Connection,
    key: &DatabaseKey,
    dir: &Path,
    folder: &Path,
    stamp: &str,
    now: &str,
) -> Result<PathBuf> {
    ndtms_files::private_dir(folder)?;
    let name = format!("{PREFIX}{stamp}.db");
    let path = folder.join(&name);
    let tmp = folder.join(format!(".{name}.partial"));
    let _ = std::fs::remove_file(&tmp);
    let made = (|| {
        drop(ndtms_files::create_new(&tmp)?);
        let mut dest = db::open(&tmp, key, false)?;
        copy(conn, &mut dest)?;
        // One self-contained file: no -wal or -shm beside it.
        dest.execute_batch("PRAGMA journal_mode = DELETE;")?;
        let mut kf = KeyFile::read(dir)?;
        // A database of an earlier version may keep its trail otherwise: no head then.
        kf.audit_head = audit::head(&dest, now).ok().flatten();
        kf.restoring = None;
        drop(dest);
        ndtms_files::write_new(
            folder,
            &format!("{PREFIX}{stamp}.keys.json"),
            &kf.to_bytes()?,
        )?;
        place(&tmp, &path)
    })();
    if let Err(e) = made {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(path)
}

/// Removes all but the newest `keep` backups in `folder`, each with its key file.
pub(crate) fn prune(folder: &Path, keep: usize) -> Result<()> {
    {
        let mut all = list_backups(folder)?;
        all.sort();
        let excess = all.len().saturating_sub(keep.max(1));
        for old in all.into_iter().take(excess) {
            std::fs::remove_file(&old).map_err(|e| StoreError::io(&old, e))?;
            let _ = std::fs::remove_file(key_file_of(&old));
        }
        Ok(())
    }
}

impl Store {
    /// The backups in `folder`, newest first (data leads and administrators).
    pub fn backups_in(&mut self, folder: &Path) -> Result<Vec<BackupFile>> {
        self.authorize(Permission::Backup)?;
        if !folder.exists() {
            return Ok(Vec::new());
        }
        let mut out: Vec<BackupFile> = list_backups(folder)?
            .into_iter()
            .map(|p| describe(&p))
            .collect();
        out.sort_by(|a, b| b.file_name.cmp(&a.file_name));
        Ok(out)
    }

    /// Checks a backup as restoring it would, and says what it holds and what it would replace
    /// (data leads and administrators); nothing is changed.
    pub fn inspect_backup(&mut self, backup: &Path) -> Result<BackupCheck> {
        self.authorize(Permission::Restore)?;
        let earlier = KeyFile::read(&self.dir)?.earlier_keys(&self.key);
        let (conn, key) = match check_backup(backup, &self.key) {
            Ok(c) => (c, "this database's key"),
            Err(first) => match check_with_any(backup, &earlier) {
                Ok(c) => (c, "a key this database had before a re-key"),
                Err(_) => return Err(first),
            },
        };
        let schema_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let (clients, audit_entries) = counts(&conn)?;
        let (clients_now, audit_entries_now) = counts(&self.conn)?;
        Ok(BackupCheck {
            backup: describe(backup),
            key: key.to_owned(),
            integrity: "ok".to_owned(),
            schema_version,
            clients,
            audit_entries,
            clients_now,
            audit_entries_now,
        })
    }

    /// Replaces the live data with a backup, after checking that it opens with this database's
    /// key or one it had before a re-key and passes `PRAGMA integrity_check`. Nothing is replaced
    /// if either fails. The trail it replaced is recorded in the restore's audit entry.
    pub fn restore_from(&mut self, backup: &Path) -> Result<()> {
        let s = self.authorize(Permission::Restore)?;
        let mut keys = vec![self.key.clone()];
        keys.extend(KeyFile::read(&self.dir)?.earlier_keys(&self.key));
        let source = check_with_any(backup, &keys)?;
        let note = match audit::head(&self.conn, &self.now())? {
            Some(h) => format!(
                "replaced a trail that ended at entry {} ({}) with records at change {}",
                h.seq,
                &h.hash[..12.min(h.hash.len())],
                h.stamp
            ),
            None => String::new(),
        };
        // Said outside the database first, so a restore cut short once the data is back is
        // finished on the next open rather than taken for a rollback.
        if let Some(head) = audit::head(&source, &self.now())? {
            let mut kf = KeyFile::read(&self.dir)?;
            kf.restoring = Some(crate::key::Restoring {
                from: backup.display().to_string(),
                head,
                replaced: note.clone(),
            });
            kf.write(&self.dir)?;
        }
        copy(&source, &mut self.conn)?;
        drop(source);
        db::migrate(&mut self.conn)?;
        self.caseload = None;
        self.audit_restore(Some(s.user_id), &backup.display().to_string(), &note, "")
    }

    /// The restore's audit entry, then the trail re-anchored where the backup left it.
    fn audit_restore(
        &self,
        user: Option<i64>,
        from: &str,
        replaced: &str,
        how: &str,
    ) -> Result<()> {
        audit::append(
            &self.conn,
            &self.seal,
            &self.now(),
            &audit::Entry {
                user_id: user,
                action: "restore",
                entity: "database",
                record_key: from,
                old_value: replaced,
                new_value: how,
                ..Default::default()
            },
        )?;
        self.anchor(true)
    }

    /// Finishes a restore cut short: if the backup's data is in place (its trail's end is
    /// here and the anchor's is not), the restore is audited and anchored now; otherwise the
    /// database was never replaced and only the note is dropped.
    pub(crate) fn settle_restore(&self, r: &crate::key::Restoring) -> Result<()> {
        let kf = KeyFile::read(&self.dir)?;
        let anchored = match &kf.audit_head {
            Some(a) => audit::holds(&self.conn, a)?,
            None => true,
        };
        if audit::holds(&self.conn, &r.head)? && !anchored {
            return self.audit_restore(
                None,
                &r.from,
                &r.replaced,
                "finished when the database was next opened (the restore was interrupted)",
            );
        }
        let mut kf = kf;
        kf.restoring = None;
        kf.write(&self.dir)
    }

    /// Restores a backup into `dir`, a folder with no database or key file, with the recovery
    /// key current when the backup was made: onto a new machine, or after the database and its
    /// key file were lost. The key goes back where the backup's key file says (the keychain, or
    /// the passphrase it had). Returns the store opened, not logged in.
    pub fn restore_new(
        backup: &Path,
        dir: &Path,
        recovery: &RecoveryKey,
        keychain: &dyn Keychain,
    ) -> Result<Self> {
        if Self::db_path(dir).exists() || KeyFile::path(dir).exists() {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        let sidecar = key_file_of(backup);
        let bytes = ndtms_files::read_plain(&sidecar).map_err(|_| StoreError::BadBackup {
            path: backup.to_path_buf(),
            reason: format!(
                "its key file {} is not beside it (it is made with every backup); without it the backup restores only over the database it came from",
                sidecar.display()
            ),
        })?;
        let kf = KeyFile::from_bytes(&sidecar, &bytes)?;
        let mut keys = vec![kf.unwrap_with_recovery(recovery)?];
        keys.extend(kf.earlier_keys_with_recovery(recovery));
        let source = check_with_any(backup, &keys)?;
        ndtms_files::private_dir(dir)?;
        let path = Self::db_path(dir);
        let made = (|| {
            drop(ndtms_files::create_new(&path)?);
            let mut dest = db::open(&path, &keys[0], false)?;
            copy(&source, &mut dest)?;
            kf.write(dir)
        })();
        drop(source);
        if let Err(e) = made {
            for f in [
                path.clone(),
                path.with_extension("db-wal"),
                path.with_extension("db-shm"),
            ] {
                let _ = std::fs::remove_file(f);
            }
            return Err(e);
        }
        let store = Store::open(dir, &Unlock::Recovery(recovery), keychain)?;
        store.audit_restore(
            None,
            &backup.display().to_string(),
            "",
            "into a new folder with the recovery key",
        )?;
        Ok(store)
    }
}

/// Links a finished temporary file into place without replacing anything, then syncs the folder.
fn place(tmp: &Path, path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(ndtms_files::FileError::Exists(path.to_path_buf()).into());
    }
    match std::fs::hard_link(tmp, path) {
        Ok(()) => {
            let _ = std::fs::remove_file(tmp);
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ndtms_files::FileError::Exists(path.to_path_buf()).into());
        }
        // A drive without links (FAT): the name was checked free just above.
        Err(_) => std::fs::rename(tmp, path).map_err(|e| StoreError::io(path, e))?,
    }
    if let Some(dir) = path.parent() {
        ndtms_files::sync_dir(dir)?;
    }
    Ok(())
}

/// A backup file as the backups screen lists it.
pub fn describe(p: &Path) -> BackupFile {
    let file_name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let stamp = file_name
        .trim_start_matches(PREFIX)
        .trim_end_matches(".db")
        .to_owned();
    let made = chrono::NaiveDateTime::parse_from_str(&stamp, "%Y%m%d-%H%M%S%.3f")
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or(stamp);
    BackupFile {
        path: p.display().to_string(),
        bytes: std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
        has_key_file: key_file_of(p).is_file(),
        file_name,
        made,
    }
}

/// Copies every page of `from` into `to` with SQLite's online backup API.
fn copy(from: &rusqlite::Connection, to: &mut rusqlite::Connection) -> Result<()> {
    Backup::new(from, to)?.run_to_completion(256, Duration::from_millis(0), None)?;
    Ok(())
}

/// Checks a backup with each key in turn until one opens it.
fn check_with_any(backup: &Path, keys: &[DatabaseKey]) -> Result<rusqlite::Connection> {
    let mut last = None;
    for k in keys {
        match check_backup(backup, k) {
            Ok(c) => return Ok(c),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| StoreError::BadBackup {
        path: backup.to_path_buf(),
        reason: "no key to try".into(),
    }))
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
