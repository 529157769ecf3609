//! The reference data in force for a database: the folder its administrator chose, or the copy
//! shipped with the program. The open store is its one owner; the period lock, the extract, the
//! import and the app all take it from here, so no caller can check against other tables.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndtms_dataset::ReferenceData;
use rusqlite::{OptionalExtension, params};

use crate::Store;
use crate::audit;
use crate::auth::Permission;
use crate::error::{Result, StoreError};
use crate::period_lock::DatedFields;

/// The reference data a database uses, loaded once and shared (cheap to clone).
#[derive(Debug, Clone)]
pub struct InUse {
    /// The folder chosen for this database, or None for the shipped copy.
    pub folder: Option<PathBuf>,
    pub data: Arc<ReferenceData>,
    /// The dated fields of the version in force today, for the period lock.
    pub(crate) dated: Arc<DatedFields>,
}

impl InUse {
    fn load(folder: Option<PathBuf>) -> Result<Self> {
        let data = ReferenceData::from_setting(folder.as_deref())?;
        // A folder with no version in force today fails here, closed, rather than letting the
        // period lock fall back to other tables.
        let dated =
            DatedFields::from_catalogue(&data.version_on(ndtms_dataset::model::today())?.catalogue);
        Ok(Self {
            folder,
            data: Arc::new(data),
            dated: Arc::new(dated),
        })
    }
}

fn folder_setting(conn: &rusqlite::Connection) -> Result<Option<PathBuf>> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM setting WHERE key = 'reference_folder'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.map(PathBuf::from))
}

impl Store {
    /// The reference data in force, loaded on first use and kept while the store is open. A
    /// chosen folder that no longer loads is an error naming what is wrong, never a silent
    /// fallback to the shipped copy. No role is checked: callers inside the store use it for
    /// rules every user is held to.
    pub(crate) fn reference_in_force(&mut self) -> Result<InUse> {
        if let Some(r) = &self.reference {
            return Ok(r.clone());
        }
        let loaded = InUse::load(folder_setting(&self.conn)?)?;
        self.reference = Some(loaded.clone());
        Ok(loaded)
    }

    /// The folder chosen for this database, or None for the shipped copy (any logged-in user).
    pub fn reference_folder(&mut self) -> Result<Option<PathBuf>> {
        self.authorize(Permission::ViewClients)?;
        folder_setting(&self.conn)
    }

    /// The reference data this database uses (any logged-in user: every screen checks against
    /// it): its chosen folder's, or the shipped copy.
    pub fn reference_data(&mut self) -> Result<InUse> {
        self.authorize(Permission::ViewClients)?;
        self.reference_in_force()
    }

    /// Chooses the reference-data folder (None: the shipped copy); administrators only. The
    /// folder is loaded first, and one the loader refuses is not saved: the error names each
    /// problem's file, line and value. The change is audited. Returns the reference data now
    /// in use.
    pub fn set_reference_folder(&mut self, folder: Option<&Path>) -> Result<InUse> {
        let s = self.authorize(Permission::ManageSettings)?;
        // Kept absolute: the app and the CLI start from different folders.
        let folder = folder
            .map(|dir| {
                ReferenceData::from_dir(dir)?;
                dir.canonicalize().map_err(|e| StoreError::io(dir, e))
            })
            .transpose()?;
        let loaded = InUse::load(folder.clone())?;
        let old = folder_setting(&self.conn)?;
        let text = |f: &Option<PathBuf>| {
            f.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        let (old_text, new_text) = (text(&old), text(&folder));
        let now = self.now();
        let tx = self.conn.transaction()?;
        match &folder {
            Some(_) => tx.execute(
                "INSERT INTO setting (key, value) VALUES ('reference_folder', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![new_text],
            )?,
            None => tx.execute("DELETE FROM setting WHERE key = 'reference_folder'", [])?,
        };
        audit::append(
            &tx,
            &self.seal,
            &now,
            &audit::Entry {
                user_id: Some(s.user_id),
                action: "update",
                entity: "setting",
                record_key: "reference_folder",
                field: "value",
                old_value: &old_text,
                new_value: &new_text,
            },
        )?;
        tx.commit()?;
        self.reference = Some(loaded.clone());
        Ok(loaded)
    }
}
