//! `ndtms init`, `backup`, `restore` and `audit verify` on a real encrypted database.

mod common;

use std::process::Command;

use common::{init_agency, ndtms, text};

#[test]
fn init_backup_verify_tamper_and_restore() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("data");
    let shown = init_agency(&dir);
    let recovery = shown
        .lines()
        .find(|l| l.starts_with("  "))
        .expect("recovery key line")
        .trim()
        .to_owned();
    assert_eq!(recovery.len(), 64, "{shown}");

    let backups = tmp.path().join("backups");
    let out = ndtms(
        &dir,
        &[
            "--user",
            "admin",
            "backup",
            "--to",
            backups.to_str().expect("utf8"),
            "--keep",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let backup_file = text(&out)
        .trim()
        .trim_start_matches("Backed up to ")
        .to_owned();

    let out = ndtms(&dir, &["--user", "admin", "audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("the chain is intact"), "{}", text(&out));

    // Wrong password: refused with a clear message.
    let out = Command::new(env!("CARGO_BIN_EXE_ndtms"))
        .args(["--user", "admin", "audit", "verify"])
        .env("NDTMS_DESK_DATA_DIR", &dir)
        .env("NDTMS_PASSWORD", "not the password")
        .env("NDTMS_PASSPHRASE", "correct horse battery staple")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(6));
    assert!(
        text(&out).contains("wrong user name or password"),
        "{}",
        text(&out)
    );

    // Tamper with the trail directly, as someone with the key and a SQL tool could.
    {
        let store = ndtms_store::Store::open(
            &dir,
            &ndtms_store::Unlock::Passphrase("correct horse battery staple"),
            &ndtms_store::SystemKeychain,
        )
        .expect("open");
        store
            .connection_for_tests()
            .execute(
                "UPDATE audit_log SET record_key = 'someone else' WHERE seq = 2",
                [],
            )
            .expect("tamper");
    }
    let out = ndtms(&dir, &["--user", "admin", "audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("entry 2: entry 2 altered"),
        "{}",
        text(&out)
    );

    // Restoring the backup brings back the untampered trail.
    let out = ndtms(&dir, &["--user", "admin", "restore", &backup_file]);
    assert!(out.status.success(), "{}", text(&out));
    let out = ndtms(&dir, &["--user", "admin", "audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));

    // The recovery key opens it without the passphrase.
    let out = Command::new(env!("CARGO_BIN_EXE_ndtms"))
        .args(["--user", "admin", "audit", "verify"])
        .env("NDTMS_DESK_DATA_DIR", &dir)
        .env("NDTMS_PASSWORD", "admin password 1")
        .env_remove("NDTMS_PASSPHRASE")
        .env("NDTMS_RECOVERY_KEY", &recovery)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));

    // The machine is lost: the backup and the recovery key alone restore it into a new folder,
    // which then opens with its passphrase as before.
    std::fs::remove_dir_all(&dir).expect("lose the data folder");
    let new_dir = tmp.path().join("new-machine");
    let restore_into = || {
        Command::new(env!("CARGO_BIN_EXE_ndtms"))
            .args([
                "restore",
                &backup_file,
                "--into",
                new_dir.to_str().expect("utf8"),
            ])
            .env("NDTMS_RECOVERY_KEY", &recovery)
            .output()
            .expect("run")
    };
    let out = restore_into();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Restored"), "{}", text(&out));
    let out = ndtms(&new_dir, &["--user", "admin", "audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("the chain is intact"), "{}", text(&out));
    // Never over a database already there.
    let out = restore_into();
    assert!(!out.status.success());
    assert!(text(&out).contains("already exists"), "{}", text(&out));
}

#[test]
fn database_commands_explain_what_is_missing() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = Command::new(env!("CARGO_BIN_EXE_ndtms"))
        .args(["audit", "verify"])
        .env_remove("NDTMS_DESK_DATA_DIR")
        .output()
        .expect("run");
    assert!(text(&out).contains("give --data-dir"), "{}", text(&out));
    let out = ndtms(tmp.path(), &["--user", "admin", "audit", "verify"]);
    assert!(
        text(&out).contains("there is no NDTMS Desk database in"),
        "{}",
        text(&out)
    );
}

/// A copy of the shipped reference data in `to` (written by `ndtms reference --export`), its
/// release renamed `release`.
fn reference_copy(to: &std::path::Path, release: &str) {
    let o = ndtms(
        to.parent().expect("parent"),
        &["reference", "--export", to.to_str().expect("utf8")],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Wrote the shipped reference data"),
        "{}",
        text(&o)
    );
    let versions = to.join("versions.csv");
    let text = std::fs::read_to_string(&versions).expect("versions");
    std::fs::write(&versions, text.replace("ndtms-desk-r.1", release)).expect("write");
}

#[test]
fn the_database_keeps_its_reference_folder_and_database_commands_use_it() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("data");
    init_agency(&dir);
    let run = |args: &[&str]| ndtms(&dir, args);
    let o = run(&["--user", "admin", "reference-folder"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("the copy shipped with NDTMS Desk"),
        "{}",
        text(&o)
    );

    let broken = tmp.path().join("broken");
    reference_copy(&broken, "provider-1");
    std::fs::write(broken.join("cds-r/rules.csv"), "not,the,rules,header\n").expect("break");
    let o = run(&[
        "--user",
        "admin",
        "reference-folder",
        broken.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("rules.csv"), "{}", text(&o));

    let good = tmp.path().join("provider");
    reference_copy(&good, "provider-1");
    // Exporting never writes over a folder that has files.
    let o = run(&["reference", "--export", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("not empty"), "{}", text(&o));
    let o = run(&[
        "--user",
        "admin",
        "reference-folder",
        good.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["--user", "admin", "reference-folder"]);
    assert!(
        text(&o).contains("provider-1") && text(&o).contains("the folder"),
        "{}",
        text(&o)
    );
    // The database commands check with it: a folder gone since is named, not skipped over.
    std::fs::rename(&good, tmp.path().join("moved")).expect("move");
    let o = run(&[
        "--user", "admin", "extract", "--month", "2026-10", "--out", ".",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("provider"), "{}", text(&o));
    // The database's reference data has one owner: a command-line folder cannot replace it
    // (it would change which dates the period lock protects).
    let o = run(&[
        "--reference-data",
        tmp.path().join("moved").to_str().unwrap(),
        "--user",
        "admin",
        "history",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("error[usage_invalid]"), "{}", text(&o));
    let o = run(&["--user", "admin", "reference-folder", "--shipped"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("shipped"), "{}", text(&o));
}

#[test]
fn an_administrator_manages_users_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("data");
    init_agency(&dir);
    let first = [("NDTMS_NEW_PASSWORD", "a first password 9")];
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["--user", "admin", "user"];
        all.extend_from_slice(args);
        common::ndtms_with(&dir, &all, env)
    };
    let o = run(
        &[
            "add",
            "kim",
            "--name",
            "Kim Keyworker",
            "--role",
            "keyworker",
        ],
        &first,
    );
    assert!(o.status.success(), "{}", text(&o));
    // A taken name, a weak password and an unknown role are each named.
    let o = run(
        &["add", "kim", "--name", "Kim", "--role", "keyworker"],
        &first,
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("error[username_taken]"), "{}", text(&o));
    let o = run(
        &["add", "lee", "--name", "Lee", "--role", "data-lead"],
        &[("NDTMS_NEW_PASSWORD", "short")],
    );
    assert!(
        text(&o).contains("error[password_too_short]"),
        "{}",
        text(&o)
    );
    let o = run(&["add", "lee", "--name", "Lee", "--role", "boss"], &first);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("'boss' is not a role"), "{}", text(&o));
    // The password is never taken from the command line.
    let o = run(&["add", "lee", "--name", "Lee", "--role", "data-lead"], &[]);
    assert!(text(&o).contains("NDTMS_NEW_PASSWORD"), "{}", text(&o));

    let o = run(&["set-role", "kim", "data-lead"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["disable", "admin"], &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("error[last_administrator]"),
        "{}",
        text(&o)
    );
    let o = run(&["disable", "kim"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["list"], &[]);
    let list = text(&o);
    let kim = list
        .lines()
        .find(|l| l.starts_with("kim"))
        .expect("kim listed");
    assert!(
        kim.contains("data lead") && kim.contains("disabled"),
        "{list}"
    );
    assert!(kim.contains("first password not yet changed"), "{list}");
    let o = run(&["enable", "kim"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &["reset-password", "kim"],
        &[("NDTMS_NEW_PASSWORD", "another first 10")],
    );
    assert!(o.status.success(), "{}", text(&o));
    // Kim's first password works for log-in only: nothing else until it is changed.
    let o = common::ndtms_with(
        &dir,
        &["--user", "kim", "history"],
        &[("NDTMS_PASSWORD", "another first 10")],
    );
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    assert!(
        text(&o).contains("error[password_change_required]"),
        "{}",
        text(&o)
    );
}
