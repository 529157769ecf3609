//! The encrypted store end to end: encryption at rest, keys, migrations, roles, consent, audit, drafts, backups.

mod common;

use std::path::Path;

use common::*;
use ndtms_store::records::{ConsentScope, ConsentStatus, Entity, RecordKey};
use ndtms_store::{KeyRoute, NewUser, Role, Store, SystemKeychain, Unlock, db};
use sha2::{Digest, Sha256};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        if e.path().is_dir() {
            out.extend(files_in(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

fn digest(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).expect("read")).to_vec()
}

#[test]
fn no_plaintext_client_data_in_the_database_its_wal_or_backups() {
    let dir = tempfile::tempdir().expect("temp");
    let backups = dir.path().join("backups");
    let (mut store, _) = new_store(dir.path());
    add_marked_client(&mut store, "MARKER-CLIENT-7731");
    store.backup_to(&backups).expect("backup");
    // Look while the WAL still holds recent writes, and again after the store closes.
    let markers: [&[u8]; 5] = [
        b"MARKER-CLIENT-7731",
        b"17/03/1981",
        b"ZX99",
        b"\"FINITIAL\":\"Q\"",
        b"EP-1",
    ];
    let check = |when: &str| {
        let files = files_in(dir.path());
        assert!(
            files.iter().any(|f| f.to_string_lossy().ends_with("-wal")) || when == "closed",
            "{files:?}"
        );
        for f in &files {
            let bytes = std::fs::read(f).expect("read");
            for m in markers {
                assert!(
                    !contains(&bytes, m),
                    "{when}: {} holds {:?} in plain text",
                    f.display(),
                    String::from_utf8_lossy(m)
                );
            }
        }
        assert!(files.iter().any(|f| f.starts_with(&backups)));
    };
    check("open");
    drop(store);
    check("closed");
    // The markers are really there, behind the key.
    let mut store =
        Store::open(dir.path(), &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("open");
    store.login("admin", ADMIN_PASSWORD).expect("login");
    let c = store.client("MARKER-CLIENT-7731").expect("client");
    assert_eq!(c.fields["DOB"], "17/03/1981");
    assert_eq!(c.episodes[0].interventions[0].fields["MODAL"], "95");
}

#[test]
fn a_wrong_passphrase_or_key_fails_clearly_and_changes_no_byte() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    add_marked_client(&mut store, "C1");
    drop(store);
    let db_file = Store::db_path(dir.path());
    let before: Vec<_> = files_in(dir.path())
        .iter()
        .map(|f| (f.clone(), digest(f)))
        .collect();

    let e = Store::open(
        dir.path(),
        &Unlock::Passphrase("not the passphrase at all"),
        &SystemKeychain,
    )
    .expect_err("wrong passphrase");
    assert_eq!(e.code().as_str(), "store_wrong_passphrase");
    let other_key = ndtms_store::DatabaseKey::generate().expect("key");
    let e = db::open(&db_file, &other_key, false).expect_err("wrong key");
    assert_eq!(e.code().as_str(), "store_wrong_key");
    assert!(
        e.to_string()
            .starts_with("wrong key, or not an NDTMS Desk database"),
        "{e}"
    );
    let wrong_recovery = ndtms_store::RecoveryKey::generate().expect("key");
    let e = Store::open(
        dir.path(),
        &Unlock::Recovery(&wrong_recovery),
        &SystemKeychain,
    )
    .expect_err("wrong recovery key");
    assert_eq!(e.code().as_str(), "store_wrong_recovery_key");

    let after: Vec<_> = files_in(dir.path())
        .iter()
        .map(|f| (f.clone(), digest(f)))
        .collect();
    assert_eq!(
        before, after,
        "a failed open must not change or add any file"
    );

    // Not a database at all.
    let junk = dir.path().join("junk");
    std::fs::create_dir_all(&junk).expect("mkdir");
    std::fs::write(
        Store::db_path(&junk),
        b"hello, I am not a database, just some text...",
    )
    .expect("write");
    let e = db::open(&Store::db_path(&junk), &other_key, false).expect_err("junk");
    assert_eq!(e.code().as_str(), "store_wrong_key");
}

#[test]
fn the_recovery_key_reopens_a_passphrase_database() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, recovery) = new_store(dir.path());
    add_marked_client(&mut store, "C1");
    drop(store);
    let typed = recovery.display().to_lowercase().replace('-', " ");
    let parsed = ndtms_store::RecoveryKey::parse(&typed).expect("parse");
    let mut store = Store::open(dir.path(), &Unlock::Recovery(&parsed), &SystemKeychain)
        .expect("open with recovery key");
    store.login("admin", ADMIN_PASSWORD).expect("login");
    assert_eq!(store.clients().expect("clients").len(), 1);
}

#[test]
fn an_older_schema_is_migrated_forward_keeping_its_data() {
    for version in 1..db::SCHEMA_VERSION {
        let dir = tempfile::tempdir().expect("temp");
        let (store, _) = new_store(dir.path());
        drop(store);
        // Rebuild the database as schema `version` would have made it, with a client in it.
        let kf = ndtms_store::KeyFile::read(dir.path()).expect("key file");
        let key = kf
            .unwrap_with_passphrase(dir.path(), PASSPHRASE)
            .expect("key");
        std::fs::remove_file(Store::db_path(dir.path())).expect("remove");
        {
            let mut conn = db::open(&Store::db_path(dir.path()), &key, true).expect("open");
            db::migrate_to(&mut conn, version).expect("old schema");
            conn.execute_batch(
                "INSERT INTO agency (id, code, dataset, name, created_at) VALUES (1, 'N0852', 'AD', '', '2024-05-01');
                 INSERT INTO user (username, display_name, role, password_hash, created_at) VALUES ('admin', 'A', 'administrator', 'x', '2024-05-01');
                 INSERT INTO client (client_ref, fields, created_at, updated_at) VALUES ('OLD-1', '{\"DOB\":\"01/01/1990\"}', '2024-05-01', '2024-05-01');",
            )
            .expect("old data");
            let v: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .expect("version");
            assert_eq!(v, version);
        }
        let store = Store::open(dir.path(), &Unlock::Passphrase(PASSPHRASE), &SystemKeychain)
            .expect("open migrates");
        let conn = store.connection_for_tests();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, db::SCHEMA_VERSION);
        let dob: String = conn
            .query_row(
                "SELECT json_extract(fields, '$.DOB') FROM client WHERE client_ref = 'OLD-1'",
                [],
                |r| r.get(0),
            )
            .expect("client kept");
        assert_eq!(dob, "01/01/1990");
        assert_eq!(store.integrity().expect("check"), ["ok"]);
        // The database as it was is kept first, whole, in the backups folder.
        let backups: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
            .expect("a backups folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "db"))
            .collect();
        assert_eq!(backups.len(), 1, "{backups:?}");
        let name = backups[0]
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(name.contains("before-upgrade"), "{name}");
        assert!(ndtms_store::backup::key_file_of(&backups[0]).is_file());
        let old = db::open(&backups[0], &key, false).expect("the backup opens with the key");
        let v: i64 = old
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, version, "the backup holds the earlier version");
        drop(old);
        let upgrade: String = conn
            .query_row(
                "SELECT new_value FROM audit_log WHERE action = 'upgrade'",
                [],
                |r| r.get(0),
            )
            .expect("the upgrade is in the trail");
        assert_eq!(upgrade, format!("schema {}", db::SCHEMA_VERSION));
        // Opening again (now current) takes no second copy.
        drop(store);
        drop(
            Store::open(dir.path(), &Unlock::Passphrase(PASSPHRASE), &SystemKeychain)
                .expect("open"),
        );
        let n = std::fs::read_dir(dir.path().join("backups"))
            .expect("backups")
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "db"))
            .count();
        assert_eq!(n, 1);
    }
}

#[test]
fn every_operation_checks_the_role() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    add_user_ready(&mut store, "kim", Role::Keyworker, "keyworker pass 1");
    add_data_lead(&mut store);
    store.logout().expect("logout");

    // Logged out: nothing is allowed.
    assert_eq!(
        store.clients().expect_err("no session").code().as_str(),
        "auth_bad_login"
    );

    store.login("kim", "keyworker pass 1").expect("login");
    add_marked_client(&mut store, "C1");
    let forbidden = store
        .backup_to(&dir.path().join("b"))
        .expect_err("keyworker cannot back up");
    assert_eq!(forbidden.code().as_str(), "auth_forbidden");
    assert!(forbidden.to_string().contains("keyworker"), "{forbidden}");
    assert_eq!(
        store.verify_audit().expect_err("no audit").code().as_str(),
        "auth_forbidden"
    );
    assert_eq!(
        store
            .add_user(&NewUser {
                username: "x1",
                display_name: "X",
                role: Role::Administrator,
                password: "some password"
            })
            .expect_err("no")
            .code()
            .as_str(),
        "auth_forbidden"
    );
    store.logout().expect("logout");

    store.login("dee", "datalead pass 1").expect("login");
    store
        .backup_to(&dir.path().join("b"))
        .expect("data lead backs up");
    store
        .verify_audit()
        .expect("data lead checks the audit trail");
    assert_eq!(
        store
            .rekey(Some("another long passphrase"), &SystemKeychain)
            .expect_err("no")
            .code()
            .as_str(),
        "auth_forbidden"
    );
    assert_eq!(
        store
            .add_user(&NewUser {
                username: "x2",
                display_name: "X",
                role: Role::Keyworker,
                password: "some password"
            })
            .expect_err("no")
            .code()
            .as_str(),
        "auth_forbidden"
    );
}

#[test]
fn failed_logins_slow_down_and_idle_sessions_lock() {
    let dir = tempfile::tempdir().expect("temp");
    let (store, _) = new_store(dir.path());
    let clock = TestClock::new();
    let mut store = store.with_clock(clock.clock());
    store.logout().expect("logout");
    for _ in 0..3 {
        assert_eq!(
            store
                .login("admin", "wrong password!")
                .expect_err("bad")
                .code()
                .as_str(),
            "auth_bad_login"
        );
    }
    // The fourth attempt must wait, even with the right password.
    let e = store.login("admin", ADMIN_PASSWORD).expect_err("throttled");
    assert_eq!(e.code().as_str(), "auth_throttled");
    clock.advance(3);
    store
        .login("admin", ADMIN_PASSWORD)
        .expect("allowed after the wait");
    // An unknown user gets the same answer as a wrong password, and is slowed down the same
    // way: guessing names is no faster than guessing passwords.
    let refused = |store: &mut Store, name: &str| {
        store
            .login(name, "whatever it is")
            .expect_err("refused")
            .code()
            .as_str()
            .to_owned()
    };
    for _ in 0..3 {
        assert_eq!(refused(&mut store, "nobody"), "auth_bad_login");
    }
    assert_eq!(refused(&mut store, "Nobody"), "auth_throttled");
    clock.advance(3);
    assert_eq!(refused(&mut store, "nobody"), "auth_bad_login");

    store.login("admin", ADMIN_PASSWORD).expect("login");
    store.set_idle_minutes(10);
    clock.advance(9 * 60);
    store.clients().expect("still active");
    clock.advance(11 * 60);
    let e = store.clients().expect_err("locked");
    assert_eq!(e.code().as_str(), "auth_locked");
    assert_eq!(
        store.clients().expect_err("stays locked").code().as_str(),
        "auth_locked"
    );
    store.login("admin", ADMIN_PASSWORD).expect("log in again");
    store.clients().expect("unlocked");
}

#[test]
fn consent_history_is_kept_for_ndtms_and_ips_separately() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    add_marked_client(&mut store, "C1");
    store
        .record_consent(
            "C1",
            ConsentScope::Ndtms,
            ConsentStatus::Given,
            "05/01/2025",
        )
        .expect("given");
    store
        .record_consent(
            "C1",
            ConsentScope::Ips,
            ConsentStatus::Refused,
            "05/01/2025",
        )
        .expect("refused");
    store
        .record_consent(
            "C1",
            ConsentScope::Ndtms,
            ConsentStatus::Withdrawn,
            "01/03/2025",
        )
        .expect("withdrawn");
    assert_eq!(
        store.consent("C1", ConsentScope::Ndtms).expect("ndtms"),
        Some(ConsentStatus::Withdrawn)
    );
    assert_eq!(
        store.consent("C1", ConsentScope::Ips).expect("ips"),
        Some(ConsentStatus::Refused)
    );
    let history = store.client("C1").expect("client").consent;
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|e| e.recorded_by == "admin"));
    assert_eq!(
        store
            .record_consent(
                "C1",
                ConsentScope::Ndtms,
                ConsentStatus::Given,
                "2025-03-01"
            )
            .expect_err("bad date")
            .code()
            .as_str(),
        "date_invalid"
    );
    assert_eq!(
        store
            .record_consent(
                "NOPE",
                ConsentScope::Ndtms,
                ConsentStatus::Given,
                "01/03/2025"
            )
            .expect_err("no client")
            .code()
            .as_str(),
        "not_found"
    );
}

#[test]
fn the_audit_trail_records_changes_and_views_and_detects_tampering() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    add_marked_client(&mut store, "C1");
    store
        .save(
            Entity::Client,
            &RecordKey::client("C1"),
            &fields(&[
                ("CLIENTID", "C1"),
                ("FINITIAL", "R"),
                ("SINITIAL", "Z"),
                ("DOB", "17/03/1981"),
                ("PC", "ZX99"),
                ("SEX", "F"),
            ]),
        )
        .expect("update");
    store.client("C1").expect("view");
    let entries = store.audit_entries("client", "C1").expect("entries");
    assert!(
        entries.iter().any(|e| e.action == "update"
            && e.field == "FINITIAL"
            && e.old_value == "Q"
            && e.new_value == "R"),
        "{entries:#?}"
    );
    assert!(entries.iter().any(|e| e.action == "view"));
    assert!(
        entries
            .iter()
            .any(|e| e.action == "create" && e.new_value.contains("\"DOB\":\"17/03/1981\"")),
    );
    let (count, problems) = store.verify_audit().expect("verify");
    assert!(count > 6 && problems.is_empty(), "{count} {problems:?}");

    let conn = store.connection_for_tests();
    // Altered.
    conn.execute(
        "UPDATE audit_log SET new_value = 'S' WHERE action = 'update' AND field = 'FINITIAL'",
        [],
    )
    .expect("tamper");
    let seq: i64 = conn
        .query_row("SELECT seq FROM audit_log WHERE new_value = 'S'", [], |r| {
            r.get(0)
        })
        .expect("seq");
    let (_, problems) = store.verify_audit().expect("verify");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].seq, seq);
    assert!(problems[0].problem.contains("altered"), "{problems:?}");
    let conn = store.connection_for_tests();
    conn.execute("UPDATE audit_log SET new_value = 'R' WHERE seq = ?1", [seq])
        .expect("undo");
    // Deleted.
    conn.execute("DELETE FROM audit_log WHERE seq = 5", [])
        .expect("delete");
    let (_, problems) = store.verify_audit().expect("verify");
    assert!(
        problems
            .iter()
            .any(|p| p.seq == 5 && p.problem.contains("entry 5 deleted")),
        "{problems:?}"
    );
    // Inserted (with a made-up hash, into the gap).
    let conn = store.connection_for_tests();
    conn.execute("INSERT INTO audit_log (seq, at, user_id, action, entity, record_key, prev_hash, hash) VALUES (5, 'x', 1, 'view', 'client', 'C1', 'ab', 'cd')", []).expect("insert");
    let (_, problems) = store.verify_audit().expect("verify");
    assert!(
        problems
            .iter()
            .any(|p| p.seq == 5 && p.problem.contains("altered")),
        "{problems:?}"
    );
}

#[test]
fn drafts_survive_closing_and_reopen_where_they_were() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    store
        .save_draft(
            Entity::Client,
            "new",
            &fields(&[("FINITIAL", "J")]),
            "FINITIAL",
        )
        .expect("draft");
    store
        .save_draft(
            Entity::Client,
            "new",
            &fields(&[("FINITIAL", "J"), ("SINITIAL", "K")]),
            "SINITIAL",
        )
        .expect("draft");
    drop(store);
    let mut store =
        Store::open(dir.path(), &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("open");
    store.login("admin", ADMIN_PASSWORD).expect("login");
    let drafts = store.drafts().expect("drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].fields["SINITIAL"], "K");
    assert_eq!(drafts[0].focus, "SINITIAL");
    store.discard_draft(Entity::Client, "new").expect("discard");
    assert!(store.drafts().expect("drafts").is_empty());
}

#[test]
fn backups_restore_only_after_key_and_integrity_checks() {
    let dir = tempfile::tempdir().expect("temp");
    let folder = dir.path().join("backups");
    let (mut store, _) = new_store(dir.path());
    add_marked_client(&mut store, "C1");
    let good = store.backup_to(&folder).expect("backup");
    add_marked_client(&mut store, "C2");
    assert_eq!(store.clients().expect("clients").len(), 2);

    // A damaged copy is refused and nothing changes.
    let damaged = folder.join("damaged.db");
    let mut bytes = std::fs::read(&good).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid..mid + 64].iter_mut().for_each(|b| *b ^= 0xA5);
    std::fs::write(&damaged, &bytes).expect("write");
    let e = store.restore_from(&damaged).expect_err("damaged");
    assert_eq!(e.code().as_str(), "backup_unusable");
    assert_eq!(store.clients().expect("clients").len(), 2);

    // A backup of another database (another key) is refused.
    let other_dir = tempfile::tempdir().expect("temp");
    let (mut other, _) = new_store(other_dir.path());
    let foreign = other
        .backup_to(&other_dir.path().join("b"))
        .expect("backup");
    let e = store.restore_from(&foreign).expect_err("foreign");
    assert!(
        e.to_string().contains("not made with this database's key"),
        "{e}"
    );
    assert_eq!(store.clients().expect("clients").len(), 2);

    // The good backup brings back the data as it was.
    store.restore_from(&good).expect("restore");
    let refs: Vec<_> = store
        .clients()
        .expect("clients")
        .into_iter()
        .map(|c| c.reference)
        .collect();
    assert_eq!(refs, ["C1"]);
    assert_eq!(store.integrity().expect("integrity"), ["ok"]);

    // Automatic backups keep the last N.
    let auto = dir.path().join("auto");
    for _ in 0..5 {
        store.auto_backup(&auto, 3).expect("auto backup");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(
        ndtms_store::backup::list_backups(&auto)
            .expect("list")
            .len(),
        3
    );
}

#[test]
fn rekeying_changes_the_key_and_the_new_recovery_key_works() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, old_recovery) = new_store(dir.path());
    add_marked_client(&mut store, "C1");
    let new_recovery = store
        .rekey(Some("a brand new passphrase"), &SystemKeychain)
        .expect("rekey");
    drop(store);
    assert_eq!(
        Store::open(dir.path(), &Unlock::Passphrase(PASSPHRASE), &SystemKeychain)
            .expect_err("old")
            .code()
            .as_str(),
        "store_wrong_passphrase"
    );
    assert_eq!(
        Store::open(
            dir.path(),
            &Unlock::Recovery(&old_recovery),
            &SystemKeychain
        )
        .expect_err("old")
        .code()
        .as_str(),
        "store_wrong_recovery_key"
    );
    let mut store = Store::open(
        dir.path(),
        &Unlock::Passphrase("a brand new passphrase"),
        &SystemKeychain,
    )
    .expect("new passphrase");
    store.login("admin", ADMIN_PASSWORD).expect("login");
    assert_eq!(store.clients().expect("clients").len(), 1);
    drop(store);
    Store::open(
        dir.path(),
        &Unlock::Recovery(&new_recovery),
        &SystemKeychain,
    )
    .expect("new recovery key");
}

#[test]
fn set_up_refuses_bad_input_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("temp");
    let mut s = setup(KeyRoute::Passphrase);
    s.agency.code = "bad".into();
    let e = Store::create(dir.path(), &s, &SystemKeychain).expect_err("bad agency");
    // The catalogue's agency field is the one rule: its message and fix are the answer.
    assert_eq!(e.code().as_str(), "agency_code_invalid", "{e}");
    assert!(e.to_string().contains("'bad'"), "{e}");
    s.agency.code = String::new();
    let e = Store::create(dir.path(), &s, &SystemKeychain).expect_err("no agency");
    assert_eq!(e.code().as_str(), "agency_code_invalid", "{e}");
    let mut s = setup(KeyRoute::Passphrase);
    s.passphrase = Some("short");
    assert_eq!(
        Store::create(dir.path(), &s, &SystemKeychain)
            .expect_err("short")
            .code()
            .as_str(),
        "passphrase_too_short"
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
    let (_store, _) =
        Store::create(dir.path(), &setup(KeyRoute::Passphrase), &SystemKeychain).expect("create");
    assert_eq!(
        Store::create(dir.path(), &setup(KeyRoute::Passphrase), &SystemKeychain)
            .expect_err("twice")
            .code()
            .as_str(),
        "store_exists"
    );
}

/// A copy of the shipped reference data in `to`.
fn copy_reference_data(to: &Path) {
    ndtms_dataset::FileSet::shipped()
        .write_to(to)
        .expect("write the shipped reference data");
}

#[test]
fn the_reference_folder_is_checked_before_it_is_kept_and_only_an_administrator_sets_it() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    assert_eq!(store.reference_folder().expect("read"), None);

    // A folder the loader refuses is not kept, and the error says where the problem is.
    let broken = dir.path().join("broken");
    copy_reference_data(&broken);
    let fields = broken.join("cds-r/fields.csv");
    let text = std::fs::read_to_string(&fields).expect("fields");
    let second = text.lines().nth(1).expect("a field").to_owned();
    std::fs::write(&fields, format!("{text}{second}\n")).expect("write");
    let e = store
        .set_reference_folder(Some(&broken))
        .expect_err("duplicate header refused");
    assert_eq!(e.code().as_str(), "reference_invalid", "{e}");
    assert!(e.to_string().contains("fields.csv"), "{e}");
    assert_eq!(store.reference_folder().expect("read"), None);
    let e = store
        .set_reference_folder(Some(&dir.path().join("no such folder")))
        .expect_err("missing folder refused");
    assert_eq!(e.code().as_str(), "reference_not_found", "{e}");

    let good = dir.path().join("provider-reference");
    copy_reference_data(&good);
    let kept = store
        .set_reference_folder(Some(&good))
        .expect("a good folder is kept")
        .folder
        .expect("a folder");
    assert_eq!(kept, good.canonicalize().expect("canonical"));
    assert_eq!(store.reference_folder().expect("read"), Some(kept.clone()));

    add_data_lead(&mut store);
    store.logout().expect("logout");
    store.login("dee", "datalead pass 1").expect("login");
    assert_eq!(store.reference_folder().expect("read"), Some(kept.clone()));
    let e = store
        .set_reference_folder(None)
        .expect_err("a data lead may not");
    assert_eq!(e.code().as_str(), "auth_forbidden");
    store.logout().expect("logout");
    drop(store);

    // Kept in the database, and every change is in the audit trail.
    let mut store =
        Store::open(dir.path(), &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("open");
    store.login("admin", ADMIN_PASSWORD).expect("login");
    assert_eq!(store.reference_folder().expect("read"), Some(kept.clone()));
    assert_eq!(
        store.set_reference_folder(None).expect("reset").folder,
        None
    );
    assert_eq!(store.reference_folder().expect("read"), None);
    let trail = store
        .audit_entries("setting", "reference_folder")
        .expect("audit");
    assert_eq!(trail.len(), 2, "{trail:?}");
    assert!(
        trail
            .iter()
            .any(|e| e.new_value == kept.display().to_string()),
        "{trail:?}"
    );
}

#[test]
fn administrators_manage_users_and_one_administrator_always_stays() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    let code = |e: ndtms_store::StoreError| e.code().as_str();
    let new = |username: &'static str, name: &'static str, password: &'static str| NewUser {
        username,
        display_name: name,
        role: Role::Keyworker,
        password,
    };
    // Bad input is refused, each with its own code.
    assert_eq!(
        code(
            store
                .add_user(&new("kim", "Kim", "short"))
                .expect_err("weak")
        ),
        "password_too_short"
    );
    assert_eq!(
        code(
            store
                .add_user(&new("kim", " ", "a long password 2"))
                .expect_err("no name")
        ),
        "display_name_missing"
    );
    assert_eq!(
        code(
            store
                .add_user(&new("k m", "Kim", "a long password 2"))
                .expect_err("bad name")
        ),
        "username_invalid"
    );
    store
        .add_user(&new("kim", "Kim Keyworker", "a long password 2"))
        .expect("add");
    assert_eq!(
        code(
            store
                .add_user(&new("KIM", "Kim", "a long password 2"))
                .expect_err("taken")
        ),
        "username_taken"
    );
    let users = store.users().expect("list");
    assert_eq!(
        users
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        ["admin", "kim"]
    );
    assert!(users[1].must_change_password && users[1].active);
    assert!(!users[0].must_change_password);

    // The last active administrator can be neither disabled nor demoted.
    assert_eq!(
        code(store.set_user_active("admin", false).expect_err("last")),
        "last_administrator"
    );
    assert_eq!(
        code(store.set_role("admin", Role::DataLead).expect_err("last")),
        "last_administrator"
    );
    assert_eq!(
        code(store.set_role("nobody", Role::DataLead).expect_err("who")),
        "not_found"
    );
    store.set_role("kim", Role::Administrator).expect("promote");
    store
        .set_role("admin", Role::DataLead)
        .expect("now another is there");
    store.set_role("admin", Role::Administrator).expect("back");
    store.set_role("kim", Role::Keyworker).expect("back");

    // A first password allows nothing but choosing one's own.
    store
        .login("kim", "a long password 2")
        .expect("first log-in");
    assert!(store.session().expect("session").must_change_password);
    assert_eq!(
        code(store.clients().expect_err("not yet")),
        "password_change_required"
    );
    assert_eq!(
        code(
            store
                .change_password("not it at all", "my own password 3", "my own password 3")
                .expect_err("wrong")
        ),
        "password_wrong"
    );
    assert_eq!(
        code(
            store
                .change_password(
                    "a long password 2",
                    "a long password 2",
                    "a long password 2"
                )
                .expect_err("same")
        ),
        "password_unchanged"
    );
    assert_eq!(
        code(
            store
                .change_password(
                    "a long password 2",
                    "my own password 3",
                    "my own password 4"
                )
                .expect_err("differ")
        ),
        "passwords_differ"
    );
    store
        .change_password(
            "a long password 2",
            "my own password 3",
            "my own password 3",
        )
        .expect("own password");
    store.clients().expect("now allowed");
    assert_eq!(
        code(store.users().expect_err("keyworker")),
        "auth_forbidden"
    );

    // Disabled: cannot log in; enabled again: can. A reset asks for a new password again.
    store.login("admin", ADMIN_PASSWORD).expect("admin");
    store.set_user_active("kim", false).expect("disable");
    assert_eq!(
        code(
            store
                .login("kim", "my own password 3")
                .expect_err("disabled")
        ),
        "auth_bad_login"
    );
    store.login("admin", ADMIN_PASSWORD).expect("admin");
    store.set_user_active("kim", true).expect("enable");
    store
        .reset_password("kim", "a reset password 5")
        .expect("reset");
    store
        .login("kim", "a reset password 5")
        .expect("log in after reset");
    assert!(store.session().expect("session").must_change_password);

    // Every change is audited, and no password appears in the trail.
    store.login("admin", ADMIN_PASSWORD).expect("admin");
    let trail = store.audit_entries("user", "kim").expect("audit");
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "create",
        "set_role",
        "change_password",
        "disable",
        "enable",
        "reset_password",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let text = format!("{trail:?}");
    assert!(
        !text.contains("password 5") && !text.contains("password 3"),
        "{text}"
    );
    let (_, problems) = store.verify_audit().expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn the_caseload_is_searched_and_filtered_in_the_core_and_follows_every_change() {
    use ndtms_store::caseload::{CaseloadFilter, CaseloadQuery};
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    let client = |store: &mut Store, id: &str, fi: &str, si: &str, dob: &str, sex: &str| {
        store
            .save(
                Entity::Client,
                &RecordKey::client(id),
                &fields(&[
                    ("CLIENTID", id),
                    ("FINITIAL", fi),
                    ("SINITIAL", si),
                    ("DOB", dob),
                    ("SEX", sex),
                ]),
            )
            .expect("client");
    };
    let episode = |store: &mut Store, id: &str, ep: &str, start: &str, end: &str| {
        store
            .save(
                Entity::Episode,
                &RecordKey {
                    episode: Some(ep.into()),
                    ..RecordKey::client(id)
                },
                &fields(&[("EPISODEID", ep), ("REFLD", start), ("DISD", end)]),
            )
            .expect("episode");
    };
    client(&mut store, "RR-001", "A", "B", "17/03/1981", "1");
    store
        .save(
            Entity::Client,
            &RecordKey::client("RR-001"),
            &fields(&[
                ("CLIENTID", "RR-001"),
                ("FINITIAL", "A"),
                ("SINITIAL", "B"),
                ("DOB", "17/03/1981"),
                ("SEX", "1"),
                ("CONSENT", "Y"),
            ]),
        )
        .expect("consent field");
    client(&mut store, "RR-002", "C", "D", "02/11/1990", "2");
    client(&mut store, "XQ-003", "A", "Z", "17/03/1981", "1");
    episode(&mut store, "RR-001", "E1", "01/02/2025", "");
    episode(&mut store, "RR-001", "E0", "01/02/2020", "01/06/2020");
    episode(&mut store, "RR-002", "E1", "01/02/2024", "01/06/2024");
    store
        .record_consent(
            "RR-002",
            ConsentScope::Ndtms,
            ConsentStatus::Given,
            "01/02/2024",
        )
        .expect("consent");
    store
        .record_consent(
            "RR-002",
            ConsentScope::Ndtms,
            ConsentStatus::Refused,
            "01/05/2024",
        )
        .expect("refusal");

    let q = |store: &mut Store, text: &str, filter| {
        store
            .caseload(&CaseloadQuery {
                text: text.into(),
                mine: false,
                filter,
                offset: 0,
                limit: 50,
            })
            .expect("caseload")
    };
    let all = q(&mut store, "", CaseloadFilter::All);
    assert_eq!((all.total, all.clients), (3, 3));
    assert_eq!(
        all.columns[..4],
        ["First initial", "Surname initial", "Date of birth", "Sex"]
    );
    let r1 = &all.rows[0];
    assert_eq!(r1.reference, "RR-001");
    let open = r1.open_episode.as_ref().expect("open episode");
    assert_eq!(
        (open.reference.as_str(), open.start.as_str()),
        ("E1", "01/02/2025")
    );
    assert_eq!(r1.episodes, 2);
    assert!(r1.age.is_some_and(|a| a >= 44));
    assert_eq!(all.rows[1].consent, Some(ConsentStatus::Refused));
    // No consent event: the record's consent field says it; neither: not recorded.
    assert_eq!(r1.consent, Some(ConsentStatus::Given));
    assert_eq!(all.rows[2].consent, None);

    let refs = |p: &ndtms_store::caseload::CaseloadPage| {
        p.rows
            .iter()
            .map(|r| r.reference.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        refs(&q(&mut store, "rr-", CaseloadFilter::All)),
        ["RR-001", "RR-002"]
    );
    assert_eq!(refs(&q(&mut store, "ab", CaseloadFilter::All)), ["RR-001"]);
    assert_eq!(
        refs(&q(&mut store, "a", CaseloadFilter::All)),
        ["RR-001", "XQ-003"]
    );
    assert_eq!(
        refs(&q(&mut store, "17/03/1981", CaseloadFilter::All)),
        ["RR-001", "XQ-003"]
    );
    // Open: in treatment, or new with their first episode to come.
    assert_eq!(
        refs(&q(&mut store, "", CaseloadFilter::Open)),
        ["RR-001", "XQ-003"]
    );
    assert_eq!(
        refs(&q(&mut store, "", CaseloadFilter::Discharged)),
        ["RR-002"]
    );
    assert_eq!(q(&mut store, "nobody", CaseloadFilter::All).total, 0);

    // A window of the matches, with the total.
    let page = store
        .caseload(&CaseloadQuery {
            text: String::new(),
            mine: false,
            filter: CaseloadFilter::All,
            offset: 1,
            limit: 1,
        })
        .expect("page");
    assert_eq!((refs(&page), page.total), (vec!["RR-002".to_owned()], 3));

    // A change is seen at once: the list is rebuilt when the database changes.
    client(&mut store, "RR-004", "E", "F", "05/05/2005", "2");
    assert_eq!(q(&mut store, "rr-", CaseloadFilter::All).total, 3);
    episode(&mut store, "RR-002", "E2", "01/10/2026", "");
    assert_eq!(
        refs(&q(&mut store, "", CaseloadFilter::Open)),
        ["RR-001", "RR-002", "RR-004", "XQ-003"]
    );
    // Another connection's change (the CLI while the app is open) is seen too.
    assert_eq!(q(&mut store, "", CaseloadFilter::All).total, 4);
    let mut other =
        Store::open(dir.path(), &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("open");
    other.login("admin", ADMIN_PASSWORD).expect("login");
    client(&mut other, "ZZ-005", "G", "H", "06/06/2006", "1");
    drop(other);
    assert_eq!(q(&mut store, "", CaseloadFilter::All).total, 5);
}

#[test]
fn the_client_view_shows_attributors_by_label_and_consent_with_its_history() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    add_marked_client(&mut store, "C1");
    let view = store.client_view("C1").expect("view");
    let date_of_birth = view
        .attributors
        .iter()
        .find(|a| a.label == "Date of birth")
        .expect("date of birth");
    assert_eq!(date_of_birth.value, "17/03/1981");
    // Codes are shown by their labels, from the catalogue.
    assert!(
        view.attributors
            .iter()
            .any(|a| a.label == "Sex" && a.value != "F")
    );
    assert_eq!((view.ndtms, view.ips), (None, None));
    assert_eq!(view.episodes, 1);

    store
        .record_consent(
            "C1",
            ConsentScope::Ndtms,
            ConsentStatus::Given,
            "01/02/2024",
        )
        .expect("given");
    store
        .record_consent(
            "C1",
            ConsentScope::Ndtms,
            ConsentStatus::Withdrawn,
            "01/03/2024",
        )
        .expect("withdrawn");
    store
        .record_consent(
            "C1",
            ConsentScope::Ips,
            ConsentStatus::Refused,
            "01/02/2024",
        )
        .expect("ips refused");
    let e = store
        .record_consent("C1", ConsentScope::Ips, ConsentStatus::Given, "01/01/2099")
        .expect_err("future");
    assert_eq!(e.code().as_str(), "date_invalid", "{e}");
    let view = store.client_view("C1").expect("view");
    assert_eq!(view.ndtms, Some(ConsentStatus::Withdrawn));
    assert_eq!(view.ips, Some(ConsentStatus::Refused));
    assert_eq!(view.history.len(), 3);
    assert_eq!(view.history[0].date, "01/03/2024", "newest first");
    assert!(view.history.iter().all(|e| e.recorded_by == "admin"));
    let opened = store.audit_entries("client", "C1").expect("audit");
    assert!(opened.iter().any(|e| e.action == "view"), "{opened:?}");
}
