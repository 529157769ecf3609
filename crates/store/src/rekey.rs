//! Re-keying the database so that no failure can lock it: both keys reachable before the change,
//! one settled after, and an interrupted re-key settled on the next open.
//!
//! The steps, each durable before the next: (1) a key file holding the new secrets, the previous
//! file, and each key wrapped under the other, written and synced with its folder; (2) the new
//! key kept in the keychain (keychain route); (3) `PRAGMA rekey`, one SQLite transaction; (4) the
//! settled key file and the old keychain entry dropped. Whichever step a crash stops at, the old secrets or the new
//! ones reach whichever key the database has, and `open_either` tries both. An interrupted re-key
//! is then undone (the database put back on its old key if it had reached the new one), because
//! the new recovery key was never shown: the old passphrase, recovery key and keychain entry
//! stay the ones that work.

use std::path::Path;

use rusqlite::Connection;

use crate::auth::Permission;
use crate::error::{Result, StoreError};
use crate::key::{self, DatabaseKey, KeyFile, KeyRoute, Keychain, RecoveryKey};
use crate::{Store, Unlock, db};

/// A point a re-key can be stopped at, to prove each leaves a database that opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    BothKeysWritten,
    NewKeyKept,
    DatabaseRekeyed,
}

fn unlock_with(
    kf: &KeyFile,
    dir: &Path,
    unlock: &Unlock<'_>,
    keychain: &dyn Keychain,
) -> Result<DatabaseKey> {
    match unlock {
        Unlock::Keychain => key::keychain_load(keychain, &kf.keychain_account),
        Unlock::Passphrase(p) => kf.unwrap_with_passphrase(dir, p),
        Unlock::Recovery(r) => kf.unwrap_with_recovery(r),
    }
}

/// Opens the database with whichever key it has: the key file's own, or mid re-key the other,
/// which is then undone.
pub(crate) fn open_either(
    dir: &Path,
    path: &Path,
    kf: &KeyFile,
    unlock: &Unlock<'_>,
    keychain: &dyn Keychain,
) -> Result<(DatabaseKey, Connection)> {
    let (key, conn, keys) = open_with_any(dir, path, kf, unlock, keychain)?;
    let Some(previous) = kf.previous() else {
        return Ok((key, conn));
    };
    let old = keys
        .into_iter()
        .find(|k| k.fingerprint() == previous.fingerprint)
        .ok_or_else(|| StoreError::Internal("the re-key's old key is not reachable".into()))?;
    if key.fingerprint() != old.fingerprint() {
        conn.execute_batch(&format!("PRAGMA rekey = {};", old.pragma_literal()))?;
    }
    settle(dir, kf, &old, keychain)?;
    Ok((old, conn))
}

fn open_with_any(
    dir: &Path,
    path: &Path,
    kf: &KeyFile,
    unlock: &Unlock<'_>,
    keychain: &dyn Keychain,
) -> Result<(DatabaseKey, Connection, Vec<DatabaseKey>)> {
    let keys = match unlock_with(kf, dir, unlock, keychain) {
        Ok(k) => kf.candidates(k),
        Err(first) => match kf.previous().map(|p| unlock_with(p, dir, unlock, keychain)) {
            Some(Ok(k)) => kf.candidates(k),
            _ => return Err(first),
        },
    };
    let mut wrong = None;
    for k in &keys {
        match db::open(path, k, false) {
            Ok(conn) => return Ok((k.clone(), conn, keys)),
            Err(e @ StoreError::WrongKey(_)) => wrong = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(wrong.unwrap_or_else(|| StoreError::WrongKey(path.to_path_buf())))
}

/// Settles a re-key once the database is known to have `key`: the file for that key is written
/// alone, then the other key's keychain entry is dropped (never before, so a crash between the
/// two still finds the key the file names).
pub(crate) fn settle(
    dir: &Path,
    kf: &KeyFile,
    key: &DatabaseKey,
    keychain: &dyn Keychain,
) -> Result<KeyFile> {
    let settled = kf.settled_for(key).ok_or_else(|| {
        StoreError::Internal("the key that opened the database is not in its key file".into())
    })?;
    let abandoned = if settled.fingerprint == kf.fingerprint {
        kf.previous().map(|p| p.keychain_account.clone())
    } else {
        Some(kf.keychain_account.clone())
    };
    settled.write(dir)?;
    if let Some(account) = abandoned
        && settled.route == KeyRoute::Keychain
        && account != settled.keychain_account
    {
        let _ = keychain.delete(&account);
    }
    Ok(settled)
}

impl Store {
    /// Re-keys the database: a new random key, kept the same way, and a new recovery key to show
    /// (administrators). Backups made before still restore: the old key is kept under the new.
    pub fn rekey(
        &mut self,
        passphrase: Option<&str>,
        keychain: &dyn Keychain,
    ) -> Result<RecoveryKey> {
        self.rekey_until(passphrase, keychain, None)
    }

    /// A new recovery key in place of the old (administrators), shown once: for a key lost or
    /// seen by someone who should not have it. The database key stays, so nothing is re-written
    /// but the key file; backups made before keep the old one in their own key files.
    pub fn new_recovery_key(&mut self) -> Result<RecoveryKey> {
        let s = self.authorize(Permission::ManageKeys)?;
        let recovery = RecoveryKey::generate()?;
        let kf = KeyFile::read(&self.dir)?.with_recovery(&self.key, &recovery)?;
        kf.write(&self.dir)?;
        self.record(
            s.user_id,
            "new_recovery_key",
            "database",
            &kf.fingerprint,
            "",
        )?;
        self.anchor_audit()?;
        Ok(recovery)
    }

    /// The re-key, stopped short after `stop` as a crash would stop it (for the fault tests).
    pub(crate) fn rekey_until(
        &mut self,
        passphrase: Option<&str>,
        keychain: &dyn Keychain,
        stop: Option<Step>,
    ) -> Result<RecoveryKey> {
        let halt = |at: Step| match stop {
            Some(s) if s == at => Err(StoreError::Internal(format!("stopped after {at:?}"))),
            _ => Ok(()),
        };
        let s = self.authorize(Permission::ManageKeys)?;
        let old = KeyFile::read(&self.dir)?;
        let key = DatabaseKey::generate()?;
        let recovery = RecoveryKey::generate()?;
        let account = format!("database {}", key.fingerprint());
        let fresh = KeyFile::new(old.route, &account, &key, passphrase, &recovery)?;
        let both = old.rekeyed(&self.key, fresh, &key, &recovery)?;
        both.write(&self.dir)?;
        halt(Step::BothKeysWritten)?;
        // The new key goes to the keychain only once the file naming it is safe: a crash
        // before leaves no stray entry, and one after is settled like any other.
        if old.route == KeyRoute::Keychain {
            key::keychain_store(keychain, &account, &key)?;
        }
        halt(Step::NewKeyKept)?;
        self.conn
            .execute_batch(&format!("PRAGMA rekey = {};", key.pragma_literal()))?;
        self.key = key;
        halt(Step::DatabaseRekeyed)?;
        let settled = settle(&self.dir, &both, &self.key, keychain)?;
        self.record(s.user_id, "rekey", "database", &settled.fingerprint, "")?;
        self.anchor_audit()?;
        Ok(recovery)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Entity, Fields, RecordKey};
    use crate::{Agency, NewUser, Role, Setup};

    const OLD: &str = "the old long passphrase";

    fn setup(route: KeyRoute, passphrase: Option<&'static str>) -> Setup<'static> {
        Setup {
            route,
            passphrase,
            agency: Agency {
                code: "AG123".into(),
                dataset: ndtms_dataset::Dataset::AD,
                name: "Test".into(),
            },
            admin: NewUser {
                username: "admin",
                display_name: "Admin",
                role: Role::Administrator,
                password: "a long admin password",
            },
        }
    }
    const NEW: &str = "the new long passphrase";

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("dir");
        for e in std::fs::read_dir(from).expect("read") {
            let p = e.expect("entry").path();
            std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
        }
    }

    fn has_client(dir: &Path, unlock: &Unlock<'_>) -> Result<bool> {
        let mut store = Store::open(dir, unlock, &crate::SystemKeychain)?;
        store.login("admin", "a long admin password")?;
        Ok(store.client("K1").is_ok())
    }

    /// Each step a re-key can stop at (a crash, a full disk, a killed process) leaves a
    /// database that opens with the old secrets, and with the new ones once they were written;
    /// the first open settles the key file.
    #[test]
    fn a_rekey_stopped_at_any_step_leaves_a_database_that_opens() {
        for step in [
            Step::NewKeyKept,
            Step::BothKeysWritten,
            Step::DatabaseRekeyed,
        ] {
            let root = tempfile::tempdir().expect("temp");
            let dir = root.path().join("db");
            let setup = setup(KeyRoute::Passphrase, Some(OLD));
            let (mut store, old_recovery) =
                Store::create(&dir, &setup, &crate::SystemKeychain).expect("create");
            let original = KeyFile::read(&dir).expect("key file").fingerprint;
            store
                .login("admin", "a long admin password")
                .expect("login");
            let f: Fields = [("CLIENTID".to_owned(), "K1".to_owned())].into();
            store
                .save(Entity::Client, &RecordKey::client("K1"), &f)
                .expect("save");
            let e = store
                .rekey_until(Some(NEW), &crate::SystemKeychain, Some(step))
                .expect_err("stopped");
            assert!(e.to_string().contains("stopped after"), "{e}");
            drop(store);
            let first = |n: usize| {
                let copy = root.path().join(format!("copy{step:?}{n}"));
                copy_dir(&dir, &copy);
                copy
            };
            // The old secrets open it, with the client kept, and it is settled on its old key.
            let copy = first(0);
            assert!(has_client(&copy, &Unlock::Passphrase(OLD)).expect("old passphrase"));
            let kf = KeyFile::read(&copy).expect("key file");
            assert!(!kf.is_rekeying(), "{step:?}: settled on open");
            assert_eq!(kf.fingerprint, original, "{step:?}: back on the old key");
            assert!(has_client(&copy, &Unlock::Recovery(&old_recovery)).expect("recovery"));
            let copy = first(1);
            assert!(has_client(&copy, &Unlock::Recovery(&old_recovery)).expect("recovery"));
            // The new passphrase, written before anything else changed, opens it too; after
            // that the old is the one.
            let copy = first(2);
            let got = has_client(&copy, &Unlock::Passphrase(NEW));
            assert!(got.is_ok(), "{step:?}: {got:?}");
            assert!(has_client(&copy, &Unlock::Passphrase(OLD)).expect("old after"));
        }
    }

    /// The OS keychain in memory, for stopping a keychain-route re-key part-way.
    #[derive(Debug, Default)]
    struct MemoryKeychain(std::sync::Mutex<std::collections::HashMap<String, String>>);

    impl Keychain for MemoryKeychain {
        fn get(&self, account: &str) -> std::result::Result<Option<String>, String> {
            Ok(self.0.lock().expect("lock").get(account).cloned())
        }
        fn set(&self, account: &str, secret: &str) -> std::result::Result<(), String> {
            self.0
                .lock()
                .expect("lock")
                .insert(account.to_owned(), secret.to_owned());
            Ok(())
        }
        fn delete(&self, account: &str) -> std::result::Result<(), String> {
            self.0.lock().expect("lock").remove(account);
            Ok(())
        }
    }

    /// On the keychain route too: stopped after any step, the database opens from the
    /// keychain, and once settled the keychain holds the one entry its key file names.
    #[test]
    fn a_keychain_rekey_stopped_at_any_step_opens_from_the_keychain() {
        for step in [
            Step::BothKeysWritten,
            Step::NewKeyKept,
            Step::DatabaseRekeyed,
        ] {
            let root = tempfile::tempdir().expect("temp");
            let dir = root.path().join("db");
            let keychain = MemoryKeychain::default();
            let setup = setup(KeyRoute::Keychain, None);
            let (mut store, _) = Store::create(&dir, &setup, &keychain).expect("create");
            store
                .login("admin", "a long admin password")
                .expect("login");
            let f: Fields = [("CLIENTID".to_owned(), "K1".to_owned())].into();
            store
                .save(Entity::Client, &RecordKey::client("K1"), &f)
                .expect("save");
            store
                .rekey_until(None, &keychain, Some(step))
                .expect_err("stopped");
            drop(store);
            let mut store = Store::open(&dir, &Unlock::Keychain, &keychain).expect("opens");
            store
                .login("admin", "a long admin password")
                .expect("login");
            assert!(store.client("K1").is_ok(), "{step:?}");
            let kf = KeyFile::read(&dir).expect("key file");
            let entries: Vec<String> = keychain.0.lock().expect("lock").keys().cloned().collect();
            assert_eq!(
                entries,
                std::slice::from_ref(&kf.keychain_account),
                "{step:?}"
            );
            // And a re-key that runs to the end after it works as usual.
            store.rekey(None, &keychain).expect("rekey");
            drop(store);
            drop(Store::open(&dir, &Unlock::Keychain, &keychain).expect("opens after"));
        }
    }
}
