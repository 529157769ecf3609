//! Keys, backups and the audit trail that can be trusted (issue 18): backups that restore on their
//! own with the recovery key, before and after a re-key; a sealed, anchored audit trail; private
//! files; set-up that never overwrites.

mod common;

use std::path::Path;

use common::*;
use ndtms_store::records::{Entity, RecordKey};
use ndtms_store::{KeyFile, KeyRoute, Keychain, Store, StoreError, SystemKeychain, Unlock};
use sha2::{Digest, Sha256};

fn save_client(store: &mut Store, reference: &str) {
    store
        .save(
            Entity::Client,
            &RecordKey::client(reference),
            &fields(&[("CLIENTID", reference), ("DOB", "01/02/1990")]),
        )
        .expect("save");
}

fn has(store: &mut Store, reference: &str) -> bool {
    store.client(reference).is_ok()
}

fn problems(store: &mut Store) -> Vec<String> {
    store
        .verify_audit()
        .expect("verify")
        .1
        .into_iter()
        .map(|p| p.problem)
        .collect()
}

#[test]
fn a_backup_restores_on_a_new_machine_with_its_recovery_key_and_backups_from_before_a_rekey_still_restore()
 {
    let root = tempfile::tempdir().expect("temp");
    let dir = root.path().join("live");
    let backups = root.path().join("backups");
    let (mut store, first_recovery) = new_store(&dir);
    save_client(&mut store, "K1");
    let before = store.backup_to(&backups).expect("backup before re-key");
    assert!(ndtms_store::backup::key_file_of(&before).is_file());

    let second_recovery = store
        .rekey(Some("a second long passphrase"), &SystemKeychain)
        .expect("re-key");
    save_client(&mut store, "K2");
    let after = store.backup_to(&backups).expect("backup after re-key");
    let listed = store.backups_in(&backups).expect("list");
    assert_eq!(listed.len(), 2);
    assert!(listed[0].made >= listed[1].made && listed.iter().all(|b| b.has_key_file));

    // In place: the backup from before the re-key opens with the key the database had then.
    store
        .restore_from(&before)
        .expect("restore the older backup");
    assert!(has(&mut store, "K1") && !has(&mut store, "K2"));
    assert_eq!(problems(&mut store), Vec::<String>::new());
    let last = store
        .audit_entries("database", &before.display().to_string())
        .expect("entries");
    assert!(
        last.iter().any(|e| e.action == "restore"
            && e.old_value.contains("replaced a trail that ended at entry")),
        "the restore says what it overwrote: {last:?}"
    );
    drop(store);

    // The machine is lost: no database, no key file. Each backup restores into a new folder
    // with the recovery key current when it was made, and opens with its passphrase after.
    std::fs::remove_dir_all(&dir).expect("lose everything");
    let new_dir = root.path().join("new-machine");
    let mut restored =
        Store::restore_new(&after, &new_dir, &second_recovery, &SystemKeychain).expect("restore");
    restored.login("admin", ADMIN_PASSWORD).expect("log in");
    assert!(has(&mut restored, "K1") && has(&mut restored, "K2"));
    assert_eq!(problems(&mut restored), Vec::<String>::new());
    drop(restored);
    let mut again = Store::open(
        &new_dir,
        &Unlock::Passphrase("a second long passphrase"),
        &SystemKeychain,
    )
    .expect("opens with the passphrase it had");
    again.login("admin", ADMIN_PASSWORD).expect("log in");
    assert!(has(&mut again, "K2"));

    let older_dir = root.path().join("older");
    let mut older = Store::restore_new(&before, &older_dir, &first_recovery, &SystemKeychain)
        .expect("the backup from before the re-key, with the recovery key of then");
    older.login("admin", ADMIN_PASSWORD).expect("log in");
    assert!(has(&mut older, "K1") && !has(&mut older, "K2"));

    // Wrong recovery key, a folder already in use, and a backup without its key file.
    let e = Store::restore_new(
        &after,
        &root.path().join("x"),
        &first_recovery,
        &SystemKeychain,
    )
    .expect_err("wrong recovery key");
    assert!(matches!(e, StoreError::WrongRecoveryKey), "{e}");
    assert!(!root.path().join("x").join(ndtms_store::DB_FILE).exists());
    let e = Store::restore_new(&after, &older_dir, &second_recovery, &SystemKeychain)
        .expect_err("never over a database");
    assert!(matches!(e, StoreError::AlreadyExists(_)), "{e}");
    std::fs::remove_file(ndtms_store::backup::key_file_of(&after)).expect("lose the key file");
    let e = Store::restore_new(
        &after,
        &root.path().join("y"),
        &second_recovery,
        &SystemKeychain,
    )
    .expect_err("no key file");
    assert!(e.to_string().contains("key file"), "{e}");
}

#[test]
fn a_keychain_backup_restores_after_the_keychain_entry_and_the_folder_are_gone() {
    let root = tempfile::tempdir().expect("temp");
    let dir = root.path().join("live");
    let (mut store, recovery) =
        Store::create(&dir, &setup(KeyRoute::Keychain), &SystemKeychain).expect("create");
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    save_client(&mut store, "K7");
    let backup = store.backup_to(&root.path().join("b")).expect("backup");
    let account = KeyFile::read(&dir).expect("key file").keychain_account;
    drop(store);
    SystemKeychain.delete(&account).expect("forget the key");
    std::fs::remove_dir_all(&dir).expect("lose the folder");
    let target = root.path().join("restored");
    drop(Store::restore_new(&backup, &target, &recovery, &SystemKeychain).expect("restore"));
    // The key is back in the keychain: the next start needs nothing typed.
    let mut s = Store::open(&target, &Unlock::Keychain, &SystemKeychain).expect("open");
    s.login("admin", ADMIN_PASSWORD).expect("log in");
    assert!(has(&mut s, "K7"));
    let _ = SystemKeychain.delete(&account);
}

#[test]
fn set_up_never_overwrites_a_key_file() {
    let root = tempfile::tempdir().expect("temp");
    let dir = root.path().join("db");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(KeyFile::path(&dir), b"{\"someone's\": \"key file\"}").expect("key file");
    let e =
        Store::create(&dir, &setup(KeyRoute::Passphrase), &SystemKeychain).expect_err("refused");
    assert!(matches!(e, StoreError::AlreadyExists(_)), "{e}");
    assert_eq!(
        std::fs::read(KeyFile::path(&dir)).expect("kept"),
        b"{\"someone's\": \"key file\"}"
    );
}

#[cfg(unix)]
#[test]
fn the_data_folder_database_key_file_and_backups_are_readable_by_the_user_alone() {
    let root = tempfile::tempdir().expect("temp");
    let dir = root.path().join("data");
    let (mut store, _) = new_store(&dir);
    save_client(&mut store, "K1");
    let backup = store.backup_to(&root.path().join("b")).expect("backup");
    let mode = |p: &Path| ndtms_files::mode(p).expect("exists");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&root.path().join("b")), 0o700);
    for f in [
        Store::db_path(&dir),
        dir.join("ndtms-desk.db-wal"),
        KeyFile::path(&dir),
        backup.clone(),
        ndtms_store::backup::key_file_of(&backup),
    ] {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    // An older installation's folder is narrowed when opened.
    drop(store);
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("widen");
    drop(Store::open(&dir, &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("open"));
    assert_eq!(mode(&dir), 0o700);
}

/// The plain SHA-256 an entry would have without the seal: what someone editing the database
/// with SQL, who knows the chain's layout but not the audit key, can compute.
fn unsealed_hash(conn: &rusqlite::Connection, seq: i64) -> String {
    let (at, user, action, entity, key, field, old, new, prev): (
        String,
        Option<i64>,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    ) = conn
        .query_row(
            "SELECT at, user_id, action, entity, record_key, field, old_value, new_value, prev_hash FROM audit_log WHERE seq = ?1",
            [seq],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)),
        )
        .expect("entry");
    let canonical =
        serde_json::json!([seq, at, user, action, entity, key, field, old, new, prev]).to_string();
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_sealed_trail_finds_entries_rewritten_by_sql_a_cut_tail_a_role_changed_and_a_rollback() {
    let root = tempfile::tempdir().expect("temp");
    let dir = root.path().join("data");
    let (mut store, _) = new_store(&dir);
    add_data_lead(&mut store);
    save_client(&mut store, "K1");
    assert_eq!(problems(&mut store), Vec::<String>::new());

    // Rewritten with its hash recomputed as an unkeyed chain would allow: found.
    let conn = store.connection_for_tests();
    let seq: i64 = conn
        .query_row(
            "SELECT max(seq) FROM audit_log WHERE action = 'create' AND entity = 'client'",
            [],
            |r| r.get(0),
        )
        .expect("seq");
    conn.execute(
        "UPDATE audit_log SET new_value = '{}' WHERE seq = ?1",
        [seq],
    )
    .expect("rewrite");
    let forged = unsealed_hash(conn, seq);
    conn.execute(
        "UPDATE audit_log SET hash = ?1 WHERE seq = ?2",
        rusqlite::params![forged, seq],
    )
    .expect("forge");
    let found = problems(&mut store);
    assert!(
        found
            .iter()
            .any(|p| p.contains(&format!("entry {seq} altered"))),
        "{found:?}"
    );
    drop(store);

    // A role changed by SQL.
    let (mut store, _) = new_store(&root.path().join("role"));
    add_data_lead(&mut store);
    store
        .connection_for_tests()
        .execute(
            "UPDATE user SET role = 'administrator' WHERE username = 'dee'",
            [],
        )
        .expect("promote by SQL");
    let found = problems(&mut store);
    assert!(
        found
            .iter()
            .any(|p| p.contains("user dee has the role administrator")
                && p.contains("changed outside NDTMS Desk")),
        "{found:?}"
    );
    drop(store);

    // The end of the trail deleted after it was anchored (each log-out anchors it).
    let (mut store, _) = new_store(&root.path().join("tail"));
    save_client(&mut store, "K1");
    store.logout().expect("log out");
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    let conn = store.connection_for_tests();
    let last: i64 = conn
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .expect("max");
    conn.execute("DELETE FROM audit_log WHERE seq > ?1", [last - 3])
        .expect("cut the tail");
    let found = problems(&mut store);
    assert!(
        found
            .iter()
            .any(|p| p.contains("deleted from the end of the trail")),
        "{found:?}"
    );
    drop(store);

    // An older copy of the database put back by hand (not through restore): a rollback.
    let rolled = root.path().join("rolled");
    let (mut store, _) = new_store(&rolled);
    save_client(&mut store, "K1");
    drop(store);
    let saved = root.path().join("saved-copy.db");
    std::fs::copy(Store::db_path(&rolled), &saved).expect("copy aside");
    let mut store =
        Store::open(&rolled, &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("open");
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    save_client(&mut store, "K2");
    store.logout().expect("log out");
    drop(store);
    std::fs::copy(&saved, Store::db_path(&rolled)).expect("put the old copy back");
    let mut store =
        Store::open(&rolled, &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("open");
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    let found = problems(&mut store);
    assert!(
        found
            .iter()
            .any(|p| p.contains("rolled back") && p.contains("older copy")),
        "{found:?}"
    );
}

#[test]
fn a_key_file_asking_for_a_passphrase_cost_outside_bounds_is_refused_before_trying() {
    let root = tempfile::tempdir().expect("temp");
    let dir = root.path().join("data");
    drop(new_store(&dir));
    let path = KeyFile::path(&dir);
    let text = std::fs::read_to_string(&path).expect("read");
    let cheap = text.replace("\"m_cost_kib\": 65536", "\"m_cost_kib\": 8");
    assert_ne!(cheap, text, "the key file names its cost");
    std::fs::write(&path, cheap).expect("alter");
    let e =
        Store::open(&dir, &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect_err("refused");
    assert!(matches!(e, StoreError::KeyFile { .. }), "{e}");
    assert!(e.to_string().contains("passphrase cost"), "{e}");
}

#[test]
fn the_automatic_backup_runs_when_due_keeps_the_newest_and_its_settings_are_checked() {
    let root = tempfile::tempdir().expect("temp");
    let dir = root.path().join("data");
    let (store, _) = new_store(&dir);
    let now = std::sync::Arc::new(std::sync::Mutex::new(
        chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc),
    ));
    let clock = now.clone();
    let mut store = store.with_clock(std::sync::Arc::new(move || *clock.lock().expect("clock")));
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    let plan = store.backup_schedule().expect("schedule");
    assert_eq!((plan.keep, plan.every_days, plan.due), (7, 1, true));
    assert!(plan.beside_the_database && plan.last.is_none());

    let folder = root.path().join("elsewhere");
    for (f, keep, every, says) in [
        ("relative/path", "3", "1", "full path"),
        (folder.to_str().expect("utf8"), "0", "1", "How many to keep"),
        (
            folder.to_str().expect("utf8"),
            "3",
            "x",
            "Days between backups",
        ),
    ] {
        let e = store
            .set_backup_schedule(f, keep, every)
            .expect_err("refused");
        assert!(e.to_string().contains(says), "{e}");
    }
    let plan = store
        .set_backup_schedule(folder.to_str().expect("utf8"), "2", "1")
        .expect("set");
    assert!(plan.due && !plan.beside_the_database);

    let mut taken = Vec::new();
    for day in 0..4 {
        *now.lock().expect("clock") += chrono::Duration::hours(if day == 0 { 0 } else { 25 });
        store
            .login("admin", ADMIN_PASSWORD)
            .expect("a log-in that day");
        taken.push(store.backup_if_due().expect("due").expect("taken"));
        // The same day again: not due.
        assert!(store.backup_if_due().expect("not due").is_none());
    }
    let listed = store.backups_in(&folder).expect("list");
    assert_eq!(listed.len(), 2, "only the newest two kept: {listed:?}");
    assert_eq!(listed[0].path, taken[3].display().to_string());
    assert!(!ndtms_store::backup::key_file_of(&taken[0]).exists());
    let entries = store
        .audit_entries("database", &taken[3].display().to_string())
        .expect("audit");
    assert!(entries.iter().any(|e| e.action == "scheduled_backup"));
    // Off.
    store
        .set_backup_schedule(folder.to_str().expect("utf8"), "2", "0")
        .expect("off");
    *now.lock().expect("clock") += chrono::Duration::days(30);
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    assert!(store.backup_if_due().expect("off").is_none());
}

#[test]
fn a_new_recovery_key_replaces_the_old_one_and_the_idle_lock_is_set_and_shows_at_once() {
    let root = tempfile::tempdir().expect("temp");
    let dir = root.path().join("data");
    let (mut store, old) = new_store(&dir);
    let new = store.new_recovery_key().expect("new recovery key");
    drop(store);
    let e = Store::open(&dir, &Unlock::Recovery(&old), &SystemKeychain).expect_err("old refused");
    assert!(matches!(e, StoreError::WrongRecoveryKey), "{e}");
    let store = Store::open(&dir, &Unlock::Recovery(&new), &SystemKeychain).expect("new opens");

    let now = std::sync::Arc::new(std::sync::Mutex::new(chrono::Utc::now()));
    let clock = now.clone();
    let mut store = store.with_clock(std::sync::Arc::new(move || *clock.lock().expect("clock")));
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    for bad in ["0", "61", "ten"] {
        let e = store.set_idle_minutes_setting(bad).expect_err("refused");
        assert!(e.to_string().contains("from 1 to 60"), "{e}");
    }
    assert_eq!(store.set_idle_minutes_setting(" 5 ").expect("set"), 5);
    store
        .set_agency_name("Riverside Recovery North")
        .expect("rename");
    assert_eq!(
        store.agency().expect("agency").name,
        "Riverside Recovery North"
    );
    store.logout().expect("log out");
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    assert_eq!(store.idle_minutes(), 5, "the setting applies at log-in");
    *now.lock().expect("clock") += chrono::Duration::minutes(4);
    assert!(!store.session_now().expect("session").locked);
    *now.lock().expect("clock") += chrono::Duration::minutes(2);
    // Asked on a timer, the session is found locked without anything being tried.
    assert!(store.session_now().expect("session").locked);
    assert!(matches!(store.clients(), Err(StoreError::SessionLocked(5))));
}

#[test]
fn a_transfer_is_recorded_as_pending_before_the_upload_and_one_cut_short_is_found() {
    use ndtms_store::transfer_attempts::NewAttempt;
    let root = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(&root.path().join("data"));
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
    let attempt = |file: &'static str| NewAttempt {
        file_name: file,
        sha256: "ab12",
        period_start: day("2026-04-01"),
        period_end: day("2026-10-31"),
    };
    // Failed: ended, with the reason, and not left hanging.
    let a = store
        .transfer_started(&attempt("first.csv"))
        .expect("start");
    assert_eq!(store.unfinished_transfers().expect("list").len(), 1);
    store
        .transfer_ended(a, Some("the portal refused the log-in"))
        .expect("failed");
    assert!(store.unfinished_transfers().expect("list").is_empty());
    let trail = store
        .audit_entries("submission", "first.csv")
        .expect("audit");
    assert!(
        trail.iter().any(|e| e.action == "transfer_started")
            && trail
                .iter()
                .any(|e| e.action == "transfer_failed" && e.new_value.contains("refused")),
        "{trail:?}"
    );
    // Cut short: the program stops between the start and the end.
    store
        .transfer_started(&attempt("second.csv"))
        .expect("start");
    drop(store);
    let mut store = Store::open(
        &root.path().join("data"),
        &Unlock::Passphrase(PASSPHRASE),
        &SystemKeychain,
    )
    .expect("open");
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    let left = store.unfinished_transfers().expect("list");
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].file_name, "second.csv");
    assert_eq!(left[0].by, "Ada Admin");
    assert_eq!(left[0].period_end, "2026-10-31");
}

#[test]
fn listing_the_caseload_is_audited_once_a_session_not_at_each_keystroke() {
    use ndtms_store::caseload::{CaseloadFilter, CaseloadQuery};
    let root = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(&root.path().join("data"));
    save_client(&mut store, "K1");
    for text in ["", "K", "K1"] {
        store
            .caseload(&CaseloadQuery {
                text: text.into(),
                filter: CaseloadFilter::All,
                mine: false,
                offset: 0,
                limit: 50,
            })
            .expect("search");
    }
    assert_eq!(
        store
            .audit_entries("caseload", "")
            .expect("audit")
            .iter()
            .filter(|e| e.action == "view")
            .count(),
        1
    );
    store.logout().expect("log out");
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    store
        .caseload(&CaseloadQuery {
            text: String::new(),
            filter: CaseloadFilter::All,
            mine: false,
            offset: 0,
            limit: 50,
        })
        .expect("search");
    assert_eq!(store.audit_entries("caseload", "").expect("audit").len(), 2);
}
