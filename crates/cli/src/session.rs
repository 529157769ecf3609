//! Opening the encrypted database for a command: the folder, the unlock route and the log-in.
//! Secrets come from the environment, never from the command line.

use std::path::{Path, PathBuf};

use ndtms_errors::ErrorCode;
use ndtms_store::{KeyRoute, RecoveryKey, Store, SystemKeychain, Unlock};

use crate::error::{CliError, Result};

/// Who a database command runs as, and on which database.
#[derive(Debug)]
pub struct Login {
    pub data_dir: Option<PathBuf>,
    pub user: Option<String>,
}

pub fn env_secret(name: &str) -> Result<String> {
    std::env::var(name).map_err(|_| {
        CliError::new(
            ErrorCode::UsageInvalid,
            format!("set {name} (it is read from the environment, never from the command line)"),
        )
    })
}

impl Login {
    pub fn dir(&self) -> Result<&Path> {
        self.data_dir.as_deref().ok_or_else(|| {
            CliError::new(
                ErrorCode::UsageInvalid,
                "give --data-dir or set NDTMS_DESK_DATA_DIR",
            )
        })
    }

    /// Opens the store in the data folder and logs in, unlocking by the route its key file
    /// names (or with NDTMS_RECOVERY_KEY when set).
    pub fn open(&self) -> Result<Store> {
        let dir = self.dir()?;
        let keychain = SystemKeychain;
        let recovery = std::env::var("NDTMS_RECOVERY_KEY")
            .ok()
            .map(|r| RecoveryKey::parse(&r))
            .transpose()?;
        let mut store = match (&recovery, Store::route(dir)?) {
            (Some(r), _) => Store::open(dir, &Unlock::Recovery(r), &keychain),
            (None, KeyRoute::Passphrase) => Store::open(
                dir,
                &Unlock::Passphrase(&env_secret("NDTMS_PASSPHRASE")?),
                &keychain,
            ),
            (None, KeyRoute::Keychain) => Store::open(dir, &Unlock::Keychain, &keychain),
        }?;
        let user = self
            .user
            .as_deref()
            .ok_or_else(|| CliError::new(ErrorCode::UsageInvalid, "give --user"))?;
        store.login(user, &env_secret("NDTMS_PASSWORD")?)?;
        Ok(store)
    }
}
