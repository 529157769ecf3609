//! The app's frame in the real window: each screen has its own URL (opened directly, back and
//! forward work), the navigation shows what the user's role allows, a screen the role does not
//! allow is not opened, and the window answers other commands while a slow one runs.

use std::time::Duration;

use ndtms_dataset::Dataset;
use ndtms_e2e::App;
use ndtms_store::{NewUser, Role, Store, SystemKeychain, Unlock};
use serde_json::Value;
use support::PASSWORD;

mod support;

const WAIT: Duration = Duration::from_secs(20);
const PASSPHRASE: &str = "harbour lamp orchard quill";
const KIM_PASSWORD: &str = "kims own password 2";

fn click(app: &App, css: &str) {
    app.click(css)
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

fn go(app: &App, hash: &str) {
    app.execute("location.hash = arguments[0];", &[Value::from(hash)])
        .expect("navigate");
}

fn nav(app: &App) -> Vec<String> {
    app.execute(
        "return Array.from(document.querySelectorAll('[data-testid=nav] a')).map(a => a.textContent);",
        &[],
    )
    .expect("nav")
    .as_array()
    .expect("array")
    .iter()
    .map(|v| v.as_str().unwrap_or_default().to_owned())
    .collect()
}

fn log_in(app: &App, user: &str, password: &str) {
    support::log_in(app, user, password);
    app.click("[data-testid=nav-home]").expect("home");
    app.wait_for_text("[data-testid=home-title]", "Welcome", WAIT)
        .expect("home after log-in");
}

#[test]
fn screens_have_urls_the_navigation_follows_the_role_and_slow_commands_do_not_block() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    let mut store = support::passphrase_database(&data, PASSPHRASE, Dataset::SA);
    store.login("ada", PASSWORD).expect("admin");
    store
        .add_user(&NewUser {
            username: "kim",
            display_name: "Kim Keyworker",
            role: Role::Keyworker,
            password: PASSWORD,
        })
        .expect("keyworker");
    // Kim has chosen their own password already (the first log-in is tested in users.rs).
    store.login("kim", PASSWORD).expect("kim's first log-in");
    store
        .change_password(PASSWORD, KIM_PASSWORD, KIM_PASSWORD)
        .expect("kim's own password");
    drop(store);
    Store::open(&data, &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("reopens");

    let app = App::launch(&[("NDTMS_DESK_DATA_DIR", data.to_str().expect("utf8"))])
        .expect("launch the app");
    app.wait_for_text("#unlock-title", "Open the database", WAIT)
        .expect("unlock screen");

    // A slow command (the passphrase's Argon2id key derivation, 64 MiB) runs on a worker: a
    // second command sent after it is answered before it finishes. Were commands run on the
    // window's main thread, the second would wait for the first.
    let timing = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const ipc = window.__TAURI_INTERNALS__;
             const t0 = performance.now();
             const slow = ipc.invoke('unlock', { passphrase: 'not the passphrase at all', recoveryKey: null })
               .then(() => 'opened', (e) => e.code).then((code) => ({ code, ms: performance.now() - t0 }));
             ipc.invoke('store_status', {}).then((s) => {
               const quick = { state: s.state, ms: performance.now() - t0 };
               slow.then((slowResult) => done({ quick, slow: slowResult }));
             }, (e) => done({ error: String(e && e.code) }));",
            &[],
        )
        .expect("timing script");
    let quick = timing["quick"]["ms"].as_f64().unwrap_or(f64::MAX);
    let slow = timing["slow"]["ms"].as_f64().unwrap_or(0.0);
    assert_eq!(timing["slow"]["code"], "store_wrong_passphrase", "{timing}");
    assert_eq!(timing["quick"]["state"], "unlock", "{timing}");
    assert!(
        quick < slow,
        "store_status waited for unlock: {quick:.0} ms vs {slow:.0} ms ({timing})"
    );
    println!("while unlock took {slow:.0} ms, store_status answered in {quick:.0} ms");

    app.type_text("#unlock-secret", PASSPHRASE)
        .expect("passphrase");
    click(&app, "[data-testid=unlock] button[type=submit]");

    // Before log-in, a screen's URL leads back to the start, not into the data.
    go(&app, "#/caseload");
    log_in(&app, "kim", KIM_PASSWORD);
    assert_eq!(nav(&app), ["Home", "Caseload", "New client", "Drafts"]);
    app.screenshot("frame-keyworker-home").expect("screenshot");

    // A screen opened by its URL; one the role does not allow goes home instead.
    go(&app, "#/caseload");
    app.wait_for_text("#caseload-title", "Caseload", WAIT)
        .expect("caseload by URL");
    go(&app, "#/settings");
    app.wait_for_text("[data-testid=home-title]", "Welcome, Kim", WAIT)
        .expect("settings refused to a keyworker");
    // Back and forward move between screens.
    click(&app, "[data-testid=nav-drafts]");
    app.wait_for_text("#drafts-title", "Drafts", WAIT)
        .expect("drafts");
    app.execute("history.back();", &[]).expect("back");
    app.wait_for_text("[data-testid=home-title]", "Welcome, Kim", WAIT)
        .expect("back to home");
    app.execute("history.forward();", &[]).expect("forward");
    app.wait_for_text("#drafts-title", "Drafts", WAIT)
        .expect("forward to drafts");
    let violations = app.accessibility_violations().expect("axe");
    assert!(violations.is_empty(), "{violations:?}");

    click(&app, ".topbar-button");
    log_in(&app, "ada", PASSWORD);
    assert_eq!(
        nav(&app),
        [
            "Home",
            "Caseload",
            "New client",
            "Drafts",
            "Transfer data",
            "Reports",
            "History",
            "Users",
            "Backups",
            "Audit trail and keys",
            "Settings"
        ]
    );
    go(&app, "#/settings");
    app.wait_for_text("[data-testid=ref-folder-now]", "shipped", WAIT)
        .expect("settings for an administrator");
    app.screenshot("frame-administrator-settings")
        .expect("screenshot");
}
