//! The encrypted local store: one SQLCipher database per installation, its key in the OS keychain
//! or wrapped with a passphrase, a recovery key, users and roles, consent history, a hash-chained
//! audit trail, drafts and backups. No Tauri here: the app and the `ndtms` CLI both use it.

pub mod assignment;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod backup_schedule;
pub mod caseload;
pub mod client_view;
pub mod consent;
pub mod db;
pub mod deletion;
mod drafts;
pub mod error;
pub mod import;
pub mod key;
pub mod model;
pub mod new_client;
pub mod period_lock;
pub mod record_form;
pub mod records;
pub mod reference;
mod rekey;
pub mod settings;
pub mod submissions;
pub mod transfer_attempts;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use ndtms_dataset::{Dataset, ReferenceData};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

pub use auth::{Permission, Role, Session};
pub use error::{ErrorCode, Result, StoreError};
pub use key::{DatabaseKey, KeyFile, KeyRoute, Keychain, RecoveryKey, SystemKeychain};
pub use submissions::{NewSubmission, Submission, SubmissionKind};

pub const DB_FILE: &str = "ndtms-desk.db";

/// The agency this installation reports for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Agency {
    pub code: String,
    pub dataset: Dataset,
    pub name: String,
}

/// The first administrator, created by the first-run wizard.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

/// How to unlock an existing database.
#[derive(Debug, Clone)]
pub enum Unlock<'a> {
    /// The key file says which route; use the keychain entry it names.
    Keychain,
    Passphrase(&'a str),
    Recovery(&'a RecoveryKey),
}

/// A user's row as the log-in reads it: id, display name, role, hash, active, failures, last failure.
type UserRow = (i64, String, String, String, i64, u32, Option<String>, bool);

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// An open store. Every operation checks the logged-in user's role and records what it did.
pub struct Store {
    pub(crate) conn: Connection,
    dir: PathBuf,
    key: DatabaseKey,
    session: Option<Session>,
    idle_minutes: u64,
    clock: Clock,
    /// The reference data in force for this database, loaded on first use (see `reference.rs`).
    reference: Option<reference::InUse>,
    /// The caseload as last built, kept while the database does not change (see `caseload.rs`).
    caseload: Option<Arc<caseload::Caseload>>,
    /// Failed log-ins under user names nobody has, by name: throttled as a known user's are,
    /// so guessing names is no faster than guessing passwords.
    unknown_logins: auth::UnknownNames,
    /// When this session's listing of the caseload was last audited (see `caseload.rs`).
    caseload_viewed: Option<DateTime<Utc>>,
    /// Seals the audit trail (its key comes from the key file; see `audit.rs`).
    pub(crate) seal: audit::Seal,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Options for creating a store.
#[derive(Debug)]
pub struct Setup<'a> {
    pub route: KeyRoute,
    pub passphrase: Option<&'a str>,
    pub agency: Agency,
    pub admin: NewUser<'a>,
}

impl Store {
    pub fn db_path(dir: &Path) -> PathBuf {
        dir.join(DB_FILE)
    }

    pub fn exists(dir: &Path) -> bool {
        Self::db_path(dir).exists()
    }

    /// First run: makes the key, keeps it (keychain or passphrase), creates the database, the
    /// agency and the first administrator, and returns the recovery key to show once.
    pub fn create(
        dir: &Path,
        setup: &Setup<'_>,
        keychain: &dyn Keychain,
    ) -> Result<(Self, RecoveryKey)> {
        let path = Self::db_path(dir);
        // Never over a database or a key file already there: either may be the only way into
        // someone's records.
        if path.exists() || KeyFile::path(dir).exists() {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        ndtms_files::private_dir(dir)?;
        check_agency(&setup.agency)?;
        auth::check_username(setup.admin.username)?;
        auth::check_password(setup.admin.password)?;
        if setup.route == KeyRoute::Passphrase {
            key::check_passphrase(setup.passphrase.unwrap_or(""))?;
        }
        let key = DatabaseKey::generate()?;
        let recovery = RecoveryKey::generate()?;
        let account = format!("database {}", key.fingerprint());
        if setup.route == KeyRoute::Keychain {
            key::keychain_store(keychain, &account, &key)?;
        }
        let mut kf = KeyFile::new(setup.route, &account, &key, setup.passphrase, &recovery)?;
        let audit_key = kf.seal_audit(&key, 1)?;
        kf.write(dir)?;
        let result = (|| {
            // Made private before SQLite opens it; its -wal and -shm take the same mode.
            drop(ndtms_files::create_new(&path)?);
            let mut conn = db::open(&path, &key, false)?;
            db::migrate(&mut conn)?;
            let mut store = Store {
                conn,
                dir: dir.to_path_buf(),
                key: key.clone(),
                session: None,
                idle_minutes: 15,
                clock: system_clock(),
                reference: None,
                caseload: None,
                unknown_logins: Default::default(),
                caseload_viewed: None,
                seal: audit::Seal::new(Some(audit_key), 1),
            };
            let now = store.now();
            let tx = store.conn.transaction()?;
            tx.execute(
                "INSERT INTO agency (id, code, dataset, name, created_at) VALUES (1, ?1, ?2, ?3, ?4)",
                params![setup.agency.code, setup.agency.dataset.code(), setup.agency.name, now],
            )?;
            let hash = auth::hash_password(setup.admin.password)?;
            tx.execute(
                "INSERT INTO user (username, display_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![setup.admin.username, setup.admin.display_name, setup.admin.role.code(), hash, now],
            )?;
            let uid = tx.last_insert_rowid();
            audit::append(
                &tx,
                &store.seal,
                &now,
                &audit::Entry {
                    user_id: Some(uid),
                    action: "create",
                    entity: "agency",
                    record_key: &setup.agency.code,
                    ..Default::default()
                },
            )?;
            audit::append(
                &tx,
                &store.seal,
                &now,
                &audit::Entry {
                    user_id: Some(uid),
                    action: "create",
                    entity: "user",
                    record_key: setup.admin.username,
                    field: "role",
                    new_value: setup.admin.role.code(),
                    ..Default::default()
                },
            )?;
            tx.commit()?;
            store.anchor_audit()?;
            Ok(store)
        })();
        match result {
            Ok(store) => Ok((store, recovery)),
            Err(e) => {
                // Leave nothing half made: the next attempt starts clean.
                for f in [
                    path.clone(),
                    path.with_extension("db-wal"),
                    path.with_extension("db-shm"),
                    KeyFile::path(dir),
                ] {
                    let _ = std::fs::remove_file(f);
                }
                let _ = keychain.delete(&account);
                Err(e)
            }
        }
    }

    /// Opens an existing store. With the recovery key, the key is also put back where the key
    /// file says it lives (the keychain), so the next open works as usual. A re-key that was
    /// interrupted is settled here, whichever key the database turned out to have.
    pub fn open(dir: &Path, unlock: &Unlock<'_>, keychain: &dyn Keychain) -> Result<Self> {
        let path = Self::db_path(dir);
        if !path.exists() {
            return Err(StoreError::NotFound(dir.to_path_buf()));
        }
        ndtms_files::narrow_dir(dir)?;
        let (key, mut conn) =
            rekey::open_either(dir, &path, &KeyFile::read(dir)?, unlock, keychain)?;
        let mut kf = KeyFile::read(dir)?;
        // A database of an earlier version (a new version of the app installed over an old
        // one) is copied as it is before anything changes it.
        let version = db::user_version(&conn)?;
        let upgraded = if version > 0 && version < db::SCHEMA_VERSION {
            let now = Utc::now();
            let stamp = format!("before-upgrade-{}", now.format("%Y%m%d-%H%M%S%.3f"));
            let folder = backup_schedule::default_folder(dir);
            let now = now.to_rfc3339_opts(SecondsFormat::Millis, true);
            Some(backup::write_backup(
                &conn, &key, dir, &folder, &stamp, &now,
            )?)
        } else {
            None
        };
        db::migrate(&mut conn)?;
        if matches!(unlock, Unlock::Recovery(_)) && kf.route == KeyRoute::Keychain {
            key::keychain_store(keychain, &kf.keychain_account, &key)?;
        }
        let seal = match (kf.audit_key(&key), kf.audit_keyed_from()) {
            (Some(k), Some(from)) => audit::Seal::new(Some(k), from),
            // A database from before the trail was sealed: seal from the next entry on, so
            // what was written before keeps its plain chain and everything after is keyed.
            _ => {
                let from = audit::next_seq(&conn)?;
                let k = kf.seal_audit(&key, from)?;
                kf.write(dir)?;
                audit::Seal::new(Some(k), from)
            }
        };
        let store = Store {
            conn,
            dir: dir.to_path_buf(),
            key,
            session: None,
            idle_minutes: 15,
            clock: system_clock(),
            reference: None,
            caseload: None,
            unknown_logins: Default::default(),
            caseload_viewed: None,
            seal,
        };
        if let Some(r) = kf.restoring {
            store.settle_restore(&r)?;
        }
        if let Some(path) = upgraded {
            audit::append(
                &store.conn,
                &store.seal,
                &store.now(),
                &audit::Entry {
                    action: "upgrade",
                    entity: "database",
                    record_key: &path.display().to_string(),
                    old_value: &format!("schema {version}"),
                    new_value: &format!("schema {}", db::SCHEMA_VERSION),
                    ..Default::default()
                },
            )?;
            store.anchor_audit()?;
        }
        Ok(store)
    }

    /// A second handle on the same database, with the same user's session and permission `p`
    /// checked first: for long reads done in the background (the month's extract), so the
    /// handle the window uses is not held while they run. WAL lets it read beside the writer.
    pub fn beside(&mut self, p: Permission) -> Result<Self> {
        let session = self.authorize(p)?;
        let conn = db::open(&Self::db_path(&self.dir), &self.key, false)?;
        Ok(Store {
            conn,
            dir: self.dir.clone(),
            key: self.key.clone(),
            session: Some(session),
            idle_minutes: self.idle_minutes,
            clock: self.clock.clone(),
            reference: self.reference.clone(),
            caseload: None,
            unknown_logins: Default::default(),
            caseload_viewed: None,
            seal: self.seal.clone(),
        })
    }

    /// Which route the database in `dir` uses, to choose the unlock screen.
    pub fn route(dir: &Path) -> Result<KeyRoute> {
        Ok(KeyFile::read(dir)?.route)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn set_idle_minutes(&mut self, minutes: u64) {
        self.idle_minutes = minutes.max(1);
    }

    /// Appends one audit entry for an action on a whole thing (the database, a file, a user).
    pub(crate) fn record(
        &self,
        user_id: i64,
        action: &str,
        entity: &str,
        record_key: &str,
        new_value: &str,
    ) -> Result<()> {
        let now = self.now();
        audit::append(
            &self.conn,
            &self.seal,
            &now,
            &audit::Entry {
                user_id: Some(user_id),
                action,
                entity,
                record_key,
                new_value,
                ..Default::default()
            },
        )
    }

    pub(crate) fn now(&self) -> String {
        (self.clock)().to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn agency(&self) -> Result<Agency> {
        let (code, ds, name): (String, String, String) = self.conn.query_row(
            "SELECT code, dataset, name FROM agency WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let dataset = Dataset::parse(&ds).ok_or_else(|| {
            StoreError::Internal(format!("the database names an unknown dataset {ds}"))
        })?;
        Ok(Agency {
            code,
            dataset,
            name,
        })
    }

    /// Logs in; after three failures in a row each further attempt must wait longer.
    pub fn login(&mut self, username: &str, password: &str) -> Result<Session> {
        let now = (self.clock)();
        let row: Option<UserRow> = self
            .conn
            .query_row(
                "SELECT id, display_name, role, password_hash, active, failed_logins, last_failed_at, must_change_password FROM user WHERE username = ?1",
                [username],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
            )
            .optional()?;
        let Some((id, display_name, role, hash, active, failures, last_failed, must_change)) = row
        else {
            if let Some(wait) = self.unknown_logins.wait(username, now) {
                return Err(StoreError::LoginThrottled(wait));
            }
            // Spend the same time as a real check, so user names cannot be discovered by timing.
            let _ = auth::verify_password(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$YXNkZmFzZGZhc2RmYXNkZmFzZGZhc2RmYXNkZmFzZGY",
            );
            self.unknown_logins.failed(username, now);
            // Audited without the name typed: it may be a password typed in the wrong box.
            audit::append(
                &self.conn,
                &self.seal,
                &self.now(),
                &audit::Entry {
                    user_id: None,
                    action: "login_failed",
                    entity: "user",
                    record_key: "",
                    new_value: "a user name nobody has",
                    ..Default::default()
                },
            )?;
            return Err(StoreError::BadLogin);
        };
        if let Some(wait) = last_failed
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .and_then(|last| auth::throttle_wait(failures, last.with_timezone(&Utc), now))
        {
            return Err(StoreError::LoginThrottled(wait));
        }
        let at = self.now();
        if active == 0 || !auth::verify_password(password, &hash) {
            self.conn.execute("UPDATE user SET failed_logins = failed_logins + 1, last_failed_at = ?1 WHERE id = ?2", params![at, id])?;
            self.record(id, "login_failed", "user", username, "")?;
            return Err(StoreError::BadLogin);
        }
        let role = Role::parse(&role).ok_or_else(|| {
            StoreError::Internal(format!("the database names an unknown role {role}"))
        })?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE user SET failed_logins = 0, last_failed_at = NULL WHERE id = ?1",
            [id],
        )?;
        audit::append(
            &tx,
            &self.seal,
            &at,
            &audit::Entry {
                user_id: Some(id),
                action: "login",
                entity: "user",
                record_key: username,
                ..Default::default()
            },
        )?;
        tx.commit()?;
        self.anchor_audit()?;
        let session = Session {
            user_id: id,
            username: username.to_owned(),
            display_name,
            role,
            last_activity: now,
            locked: false,
            must_change_password: must_change,
            permissions: role.permissions(),
        };
        self.session = Some(session.clone());
        self.caseload_viewed = None;
        self.idle_minutes = self.idle_minutes_setting()?;
        Ok(session)
    }

    pub fn logout(&mut self) -> Result<()> {
        if let Some(s) = self.session.take() {
            self.record(s.user_id, "logout", "user", &s.username, "")?;
            self.anchor_audit()?;
        }
        Ok(())
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The session as it stands now, locked if it has been idle too long, without counting
    /// the question as activity: the window asks this on a timer, so the lock shows as soon as
    /// it happens rather than at the next click.
    pub fn session_now(&mut self) -> Option<Session> {
        let now = (self.clock)();
        let idle = chrono::Duration::minutes(self.idle_minutes as i64);
        let s = self.session.as_mut()?;
        if now - s.last_activity > idle {
            s.locked = true;
        }
        Some(s.clone())
    }

    /// The idle lock's minutes in force for this session.
    pub fn idle_minutes(&self) -> u64 {
        self.idle_minutes
    }

    /// Checks the session is live and allows `p`; marks activity. Every operation starts here.
    /// A user who must choose a new password is allowed nothing until they have.
    pub(crate) fn authorize(&mut self, p: Permission) -> Result<Session> {
        let s = self.live_session()?;
        if s.must_change_password {
            return Err(StoreError::invalid(
                ErrorCode::PasswordChangeRequired,
                "choose a new password first (the one you were given is for the first log-in only)",
            ));
        }
        if !s.role.allows(p) {
            return Err(StoreError::Forbidden {
                role: s.role.label().into(),
                action: p.describe().into(),
            });
        }
        Ok(s)
    }

    /// Checks the session allows `p`, for work a caller does away from the database (sending a
    /// file to the portal) that must still be refused to the wrong role or a locked session.
    pub fn require(&mut self, p: Permission) -> Result<()> {
        self.authorize(p).map(drop)
    }

    /// The session, if it is live (not locked by idleness); marks activity.
    pub(crate) fn live_session(&mut self) -> Result<Session> {
        let now = (self.clock)();
        let idle = self.idle_minutes;
        let s = self.session.as_mut().ok_or(StoreError::BadLogin)?;
        if s.locked || now - s.last_activity > chrono::Duration::minutes(idle as i64) {
            s.locked = true;
            return Err(StoreError::SessionLocked(idle));
        }
        s.last_activity = now;
        Ok(s.clone())
    }

    /// Walks the audit chain (data leads and administrators).
    pub fn verify_audit(&mut self) -> Result<(u64, Vec<audit::AuditProblem>)> {
        let s = self.authorize(Permission::VerifyAudit)?;
        let anchor = KeyFile::read(&self.dir)?.audit_head;
        let found = audit::verify(&self.conn, &self.seal, anchor.as_ref())?;
        self.record(
            s.user_id,
            "verify_audit",
            "database",
            "",
            &format!("{} entries, {} problems", found.0, found.1.len()),
        )?;
        Ok(found)
    }

    /// Anchors the audit trail's head in the key file, outside the database: after log-in and
    /// log-out, backups, restores, re-keys, deletions and submissions, so a trail cut short or
    /// a database put back from an older copy is found by `verify_audit`. The anchor only moves
    /// forward along the same trail: a trail that no longer holds the anchored entry leaves the
    /// anchor where it was, so the break stays found (a restore through NDTMS Desk re-anchors).
    pub(crate) fn anchor_audit(&self) -> Result<()> {
        self.anchor(false)
    }

    pub(crate) fn anchor(&self, restored: bool) -> Result<()> {
        let Some(head) = audit::head(&self.conn, &self.now())? else {
            return Ok(());
        };
        // The benchmark's unencrypted store has no key file to anchor in.
        #[cfg(feature = "plaintext-benchmark")]
        if !KeyFile::path(&self.dir).exists() {
            return Ok(());
        }
        let mut kf = KeyFile::read(&self.dir)?;
        if let Some(a) = &kf.audit_head
            && !restored
            && !audit::holds(&self.conn, a)?
        {
            return Ok(());
        }
        kf.audit_head = Some(head);
        if restored {
            kf.restoring = None;
        }
        kf.write(&self.dir)
    }

    /// The audit trail's head as now anchored (for an extract's manifest).
    pub fn audit_head(&mut self) -> Result<Option<key::AuditHead>> {
        self.authorize(Permission::Submit)?;
        self.anchor_audit()?;
        Ok(KeyFile::read(&self.dir)?.audit_head)
    }

    pub fn integrity(&self) -> Result<Vec<String>> {
        db::integrity(&self.conn)
    }

    /// Records an extract or transfer in the audit trail.
    pub fn audit_submission(&mut self, action: &str, file_name: &str, sha256: &str) -> Result<()> {
        let s = self.authorize(Permission::Submit)?;
        self.record(s.user_id, action, "submission", file_name, sha256)?;
        self.anchor_audit()
    }

    pub fn audit_entries(
        &mut self,
        entity: &str,
        record_key: &str,
    ) -> Result<Vec<audit::AuditEntry>> {
        self.authorize(Permission::VerifyAudit)?;
        audit::entries_for(&self.conn, entity, record_key)
    }

    /// The same store without encryption, for the benchmark's comparison only.
    #[cfg(feature = "plaintext-benchmark")]
    pub fn create_unencrypted_for_benchmark(
        dir: &Path,
        agency: &Agency,
        admin: &NewUser<'_>,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let mut conn = db::open_unencrypted_for_benchmark(&Self::db_path(dir))?;
        db::migrate(&mut conn)?;
        let now = Utc::now().to_rfc3339();
        conn.execute(
            "INSERT INTO agency (id, code, dataset, name, created_at) VALUES (1, ?1, ?2, '', ?3)",
            params![agency.code, agency.dataset.code(), now],
        )?;
        conn.execute(
            "INSERT INTO user (username, display_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![admin.username, admin.display_name, admin.role.code(), auth::hash_password(admin.password)?, now],
        )?;
        Ok(Store {
            conn,
            dir: dir.to_path_buf(),
            key: DatabaseKey::generate()?,
            session: None,
            idle_minutes: 15,
            clock: system_clock(),
            reference: None,
            caseload: None,
            unknown_logins: Default::default(),
            caseload_viewed: None,
            seal: audit::Seal::default(),
        })
    }

    /// Direct access for tests that damage data on purpose; only with the `test-hatch`
    /// feature, which only dev-dependencies enable, so no app or CLI build has it.
    #[cfg(feature = "test-hatch")]
    #[doc(hidden)]
    pub fn connection_for_tests(&self) -> &Connection {
        &self.conn
    }
}

/// The agency code checked by the agency field of the shipped catalogue in force today (the
/// one rule for it; a new database has no folder of its own yet). The first error's message and
/// fix are the answer.
pub fn check_agency(a: &Agency) -> Result<()> {
    let data = ReferenceData::shipped()?;
    let version = data.version_on(ndtms_dataset::model::today())?;
    let validator =
        ndtms_dataset::Validator::new(&version.catalogue, a.dataset, ndtms_dataset::model::today());
    let findings = validator.check_key(ndtms_dataset::model::KeyRole::Agency, &a.code);
    match findings
        .iter()
        .find(|f| f.severity == ndtms_dataset::Severity::Error)
    {
        None => Ok(()),
        Some(f) => Err(StoreError::invalid(
            ErrorCode::AgencyCodeInvalid,
            format!("{} {}", f.message, f.fix).trim().to_owned(),
        )),
    }
}
