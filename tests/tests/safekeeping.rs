//! Administrators' safekeeping in the real window (issue 18 item 7): backups (the automatic one
//! taken at log-in, the schedule with its checks, one on demand, the list, a restore checked and
//! confirmed), the audit trail's check, a new recovery key and a re-key each shown once, the
//! service's settings, and the idle lock shown as soon as it happens; then a keychain holding the
//! wrong key leads to the recovery screen. Screens are axe-checked and photographed.

use std::time::Duration;

use ndtms_dataset::Dataset;
use ndtms_e2e::App;
use ndtms_store::records::{Entity, RecordKey};
use ndtms_store::{KeyFile, Keychain, RecoveryKey, Store, SystemKeychain, Unlock};
use support::{PASSWORD, no_axe_violations};

mod support;

const WAIT: Duration = Duration::from_secs(20);
const PASSPHRASE: &str = "harbour lantern quiet moss";
const NEW_PASSPHRASE: &str = "orchard kettle amber frost";

fn click(app: &App, css: &str) {
    app.click(css)
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

fn add_client(store: &mut Store, reference: &str) {
    store
        .save(
            Entity::Client,
            &RecordKey::client(reference),
            &[("CLIENTID".to_owned(), reference.to_owned())].into(),
        )
        .expect("client");
}

fn shown_recovery_key(app: &App) -> String {
    let key = app
        .wait_for_text("[data-testid=recovery-key]", "-", WAIT)
        .expect("recovery key shown");
    click(app, "[data-testid=recovery-stored]");
    click(app, "[data-testid=recovery-done]");
    key.trim().to_owned()
}

#[test]
fn an_administrator_backs_up_restores_checks_the_trail_and_changes_the_keys() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    let mut store = support::passphrase_database(&data, PASSPHRASE, Dataset::AD);
    store.login("ada", PASSWORD).expect("log in");
    add_client(&mut store, "KEEP1");
    drop(store);

    let app = support::launch_and_unlock(&data, PASSPHRASE);
    support::log_in(&app, "ada", PASSWORD);

    // The log-in took the automatic backup into the data folder, which the screen warns of.
    click(&app, "[data-testid=nav-backups]");
    app.wait_for_text("#backups-title", "Backups", WAIT)
        .expect("backups");
    app.wait_for_text(
        "[data-testid=last-backup]",
        "The last backup was made",
        WAIT,
    )
    .expect("the automatic backup at log-in");
    app.wait_for_text("[data-testid=backup-beside]", "same disk", WAIT)
        .expect("warned that the folder is beside the database");
    no_axe_violations(&app, "backups");

    // The schedule's checks, then a folder elsewhere.
    let elsewhere = tmp.path().join("drive").join("ndtms-backups");
    app.retype("#backup-folder-input", elsewhere.to_str().expect("utf8"))
        .expect("folder");
    app.retype("#backup-keep", "0").expect("keep");
    click(&app, "[data-testid=save-schedule]");
    app.wait_for_text(
        "[data-testid=error-summary]",
        "How many to keep must be a whole number from 1 to 365",
        WAIT,
    )
    .expect("keep refused in the summary");
    app.wait_for_text("#backup-keep-error", "from 1 to 365", WAIT)
        .expect("and at the field");
    app.retype("#backup-keep", "3").expect("keep");
    click(&app, "[data-testid=save-schedule]");
    app.wait_for_text("[data-testid=schedule-saved]", "Saved", WAIT)
        .expect("saved");
    app.wait_for_text(
        "[data-testid=last-backup]",
        "No backup has been made yet",
        WAIT,
    )
    .expect("the new folder is empty");

    click(&app, "[data-testid=backup-now]");
    app.wait_for_text("[data-testid=backup-made]", "Backed up", WAIT)
        .expect("backed up");
    app.wait_for_text(
        "[data-testid=backup-list]",
        "Yes, with the recovery key",
        WAIT,
    )
    .expect("listed with its key file");
    app.screenshot("backups").expect("screenshot");

    // A client added after the backup: the restore will take it away, and says so first.
    let mut beside =
        Store::open(&data, &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("open");
    beside.login("ada", PASSWORD).expect("log in");
    add_client(&mut beside, "LATER2");
    drop(beside);
    click(&app, "[data-testid=restore-link]");
    app.wait_for_text("#restore-title", "Restore a backup", WAIT)
        .expect("restore");
    app.wait_for_text("[data-testid=restore-integrity]", "Passed", WAIT)
        .expect("checked");
    app.wait_for_text(
        "[data-testid=restore-clients]",
        "1 in the backup; 2 now",
        WAIT,
    )
    .expect("what it replaces");
    no_axe_violations(&app, "restore check");
    app.screenshot("restore-check").expect("screenshot");
    click(&app, "[data-testid=restore-confirm]");
    app.wait_for_text(
        "[data-testid=backups-restored]",
        "Restored from the backup made",
        WAIT,
    )
    .expect("restored");

    // The audit trail, intact after all of it.
    click(&app, "[data-testid=nav-security]");
    app.wait_for_text("#security-title", "Audit trail and keys", WAIT)
        .expect("security");
    no_axe_violations(&app, "security");
    click(&app, "[data-testid=audit-run]");
    app.wait_for_text(
        "[data-testid=audit-result]",
        "The audit trail is intact",
        WAIT,
    )
    .expect("intact");
    app.screenshot("audit-check").expect("screenshot");

    // A new recovery key, shown once.
    click(&app, "[data-testid=recovery-new]");
    app.wait_for_text("#new-recovery-title", "Your recovery key", WAIT)
        .expect("shown");
    app.screenshot("new-recovery-key").expect("screenshot");
    let _replaced = shown_recovery_key(&app);
    app.wait_for_text(
        "[data-testid=security-changed]",
        "A new recovery key was made",
        WAIT,
    )
    .expect("said");

    // Re-key: the two passphrases must match; then the key changes and its recovery key shows.
    app.type_text("#rekey-passphrase", NEW_PASSPHRASE)
        .expect("passphrase");
    app.type_text("#rekey-passphrase-again", "not the same one at all")
        .expect("again");
    click(&app, "[data-testid=rekey-run]");
    app.wait_for_text(
        "[data-testid=error-summary]",
        "The two passphrases are not the same",
        WAIT,
    )
    .expect("refused");
    app.retype("#rekey-passphrase-again", NEW_PASSPHRASE)
        .expect("again");
    click(&app, "[data-testid=rekey-run]");
    let recovery = shown_recovery_key(&app);
    app.wait_for_text(
        "[data-testid=security-changed]",
        "The database key was changed",
        WAIT,
    )
    .expect("said");

    // The service's settings; the idle lock set to a minute, then shown without a click.
    click(&app, "[data-testid=nav-settings]");
    app.wait_for_text("#agency-settings-title", "The service", WAIT)
        .expect("settings");
    app.retype("#idle-minutes", "90").expect("idle");
    click(&app, "[data-testid=save-agency-settings]");
    app.wait_for_text("#idle-minutes-error", "from 1 to 60", WAIT)
        .expect("refused");
    app.retype("#agency-name", "Riverside Recovery North")
        .expect("name");
    app.retype("#idle-minutes", "1").expect("idle");
    click(&app, "[data-testid=save-agency-settings]");
    app.wait_for_text("[data-testid=agency-settings-saved]", "Saved", WAIT)
        .expect("saved");
    no_axe_violations(&app, "settings");
    app.wait_for_text(
        "[data-testid=idle-locked]",
        "not used for a while",
        Duration::from_secs(100),
    )
    .expect("the idle lock shown by itself");
    app.screenshot("idle-locked").expect("screenshot");
    drop(app);

    // After the app: the new passphrase and the recovery key shown at the re-key open it; the
    // restore took LATER2 away and kept KEEP1; the name is saved.
    let mut store = Store::open(&data, &Unlock::Passphrase(NEW_PASSPHRASE), &SystemKeychain)
        .expect("new passphrase");
    store.login("ada", PASSWORD).expect("log in");
    assert!(store.client("KEEP1").is_ok() && store.client("LATER2").is_err());
    assert_eq!(
        store.agency().expect("agency").name,
        "Riverside Recovery North"
    );
    let (_, problems) = store.verify_audit().expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
    drop(store);
    let r = RecoveryKey::parse(&recovery).expect("recovery key");
    drop(Store::open(&data, &Unlock::Recovery(&r), &SystemKeychain).expect("recovery key opens"));
}

#[test]
fn a_keychain_holding_the_wrong_key_leads_to_the_recovery_screen() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    let setup = ndtms_store::Setup {
        route: ndtms_store::KeyRoute::Keychain,
        passphrase: None,
        agency: ndtms_store::Agency {
            code: "N0852".into(),
            dataset: Dataset::AD,
            name: "Riverside Recovery".into(),
        },
        admin: ndtms_store::NewUser {
            username: "ada",
            display_name: "Ada Admin",
            role: ndtms_store::Role::Administrator,
            password: PASSWORD,
        },
    };
    let (store, recovery) = Store::create(&data, &setup, &SystemKeychain).expect("create");
    drop(store);
    let account = KeyFile::read(&data).expect("key file").keychain_account;
    // Another database's key under this one's name.
    SystemKeychain
        .set(&account, &"ab".repeat(32))
        .expect("a wrong key in the keychain");

    let app =
        App::launch(&[("NDTMS_DESK_DATA_DIR", data.to_str().expect("utf8"))]).expect("launch");
    app.wait_for_text("[data-testid=unlock]", "does not open this database", WAIT)
        .expect("the recovery screen, saying why");
    no_axe_violations(&app, "recovery");
    app.screenshot("recover-wrong-keychain-key")
        .expect("screenshot");
    app.type_text("#unlock-secret", &recovery.display())
        .expect("recovery key");
    click(&app, "[data-testid=unlock] button[type=submit]");
    app.wait_for_text("#login-title", "Log in", WAIT)
        .expect("opened with the recovery key");
    drop(app);
    // The right key is back in the keychain: the next start needs nothing typed.
    drop(Store::open(&data, &Unlock::Keychain, &SystemKeychain).expect("keychain opens again"));
    let _ = SystemKeychain.delete(&account);
}

#[test]
fn a_new_computer_is_set_up_from_a_backup_and_its_recovery_key() {
    let tmp = tempfile::tempdir().expect("temp");
    let old = tmp.path().join("old-computer");
    let (mut store, recovery) = Store::create(
        &old,
        &ndtms_store::Setup {
            route: ndtms_store::KeyRoute::Passphrase,
            passphrase: Some(PASSPHRASE),
            agency: ndtms_store::Agency {
                code: "N0852".into(),
                dataset: Dataset::AD,
                name: "Riverside Recovery".into(),
            },
            admin: ndtms_store::NewUser {
                username: "ada",
                display_name: "Ada Admin",
                role: ndtms_store::Role::Administrator,
                password: PASSWORD,
            },
        },
        &SystemKeychain,
    )
    .expect("create");
    store.login("ada", PASSWORD).expect("log in");
    add_client(&mut store, "MOVED1");
    let backup = store
        .backup_to(&tmp.path().join("memory-stick"))
        .expect("backup");
    drop(store);
    std::fs::remove_dir_all(&old).expect("the old computer is gone");

    let data = tmp.path().join("new-computer");
    let app =
        App::launch(&[("NDTMS_DESK_DATA_DIR", data.to_str().expect("utf8"))]).expect("launch");
    app.wait_for_text("#restore-new-title", "Moving to this computer", WAIT)
        .expect("offered beside set-up");
    click(&app, "[data-testid=restore-new-open]");
    app.wait_for_text("#restore-new-title", "Restore from a backup", WAIT)
        .expect("restore form");
    app.type_text("#restore-backup", backup.to_str().expect("utf8"))
        .expect("backup");
    app.type_text("#restore-recovery", &"A".repeat(52))
        .expect("a wrong recovery key");
    click(&app, "[data-testid=restore-new-run]");
    app.wait_for_text(
        "[data-testid=error-summary]",
        "recovery key is not right",
        WAIT,
    )
    .expect("refused");
    assert!(!data.join(ndtms_store::DB_FILE).exists(), "nothing made");
    no_axe_violations(&app, "restore onto a new computer");
    app.screenshot("restore-new-computer").expect("screenshot");
    app.retype("#restore-recovery", &recovery.display())
        .expect("recovery key");
    click(&app, "[data-testid=restore-new-run]");
    support::log_in(&app, "ada", PASSWORD);
    let start = std::time::Instant::now();
    let listed = loop {
        let refs = app
            .execute(
                "return Array.from(document.querySelectorAll('[data-testid=caseload-row] .ref')).map(e => e.textContent).join(',');",
                &[],
            )
            .expect("rows");
        if refs.as_str().is_some_and(|r| r.contains("MOVED1")) || start.elapsed() > WAIT {
            break refs;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        listed.as_str().is_some_and(|r| r.contains("MOVED1")),
        "the client came with the backup: {listed}"
    );
}
