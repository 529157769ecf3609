//! Users in the real window: an administrator adds a keyworker (a taken name is refused in the
//! error summary, its link moving focus to the field); the keyworker logs in with the first
//! password, must choose their own before anything else, and is refused an administrator's
//! command called straight from the page; axe passes on each screen.

use std::time::Duration;

use ndtms_dataset::Dataset;
use ndtms_e2e::App;
use serde_json::Value;
use support::PASSWORD;

mod support;

const WAIT: Duration = Duration::from_secs(20);
const PASSPHRASE: &str = "willow bridge copper dusk";

fn click(app: &App, css: &str) {
    app.click(css)
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

fn no_axe_violations(app: &App, screen: &str) {
    let v = app.accessibility_violations().expect("axe");
    assert!(v.is_empty(), "{screen}: {v:?}");
}

fn log_in(app: &App, user: &str, password: &str) {
    app.wait_for_text("#login-title", "Log in", WAIT)
        .expect("log-in screen");
    support::type_log_in(app, user, password);
    click(app, "[data-testid=login] button[type=submit]");
}

#[test]
fn an_administrator_adds_a_keyworker_who_chooses_a_password_and_is_held_to_their_role() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    drop(support::passphrase_database(&data, PASSPHRASE, Dataset::AD));

    let app = support::launch_and_unlock(&data, PASSPHRASE);
    log_in(&app, "ada", PASSWORD);
    app.wait_for_text("#caseload-title", "Caseload", WAIT)
        .expect("the caseload after log-in");
    app.click("[data-testid=nav-home]").expect("home");
    app.wait_for_text("[data-testid=home-title]", "Welcome, Ada", WAIT)
        .expect("home");

    // The administrator adds Kim.
    click(&app, "[data-testid=nav-users]");
    app.wait_for_text("#users-title", "Users", WAIT)
        .expect("users screen");
    no_axe_violations(&app, "users");
    click(&app, "[data-testid=add-user-link]");
    app.wait_for_text("#add-user-title", "Add a user", WAIT)
        .expect("add user screen");
    app.type_text("#user-name", "Kim Keyworker").expect("name");
    app.type_text("#user-username", "kim").expect("user name");
    app.type_text("#user-password", "a first password 7")
        .expect("password");
    click(&app, "[data-testid=add-user] button[type=submit]");
    app.wait_for_text(
        "[data-testid=users-confirm]",
        "Kim Keyworker is added",
        WAIT,
    )
    .expect("added");
    app.wait_for_text("[data-testid=user-kim]", "First password", WAIT)
        .expect("kim listed with a first password");
    app.screenshot("users-list").expect("screenshot");

    // The same name again: the error summary names it and its link moves focus to the field.
    click(&app, "[data-testid=add-user-link]");
    app.wait_for_text("#add-user-title", "Add a user", WAIT)
        .expect("add user screen");
    app.type_text("#user-name", "Kim Other").expect("name");
    app.type_text("#user-username", "KIM").expect("user name");
    app.type_text("#user-password", "a first password 8")
        .expect("password");
    click(&app, "[data-testid=add-user] button[type=submit]");
    app.wait_for_text(
        "[data-testid=error-summary]",
        "The user name KIM is taken",
        WAIT,
    )
    .expect("taken name in the summary");
    app.wait_for_text("#user-username-error", "taken", WAIT)
        .expect("the message at the field");
    click(&app, "[data-testid=error-summary] a");
    let focused = app
        .execute(
            "return document.activeElement && document.activeElement.id;",
            &[],
        )
        .expect("focus");
    assert_eq!(focused, Value::from("user-username"));
    app.screenshot("users-add-refused").expect("screenshot");
    no_axe_violations(&app, "add user with an error");

    // Kim logs in with the first password and must choose their own before anything else.
    click(&app, ".topbar-button");
    log_in(&app, "kim", "a first password 7");
    app.wait_for_text("#cp-title", "Choose your password", WAIT)
        .expect("change-password screen first");
    no_axe_violations(&app, "change password");
    app.execute("location.hash = '#/caseload';", &[])
        .expect("try another screen");
    app.wait_for_text("#cp-title", "Choose your password", WAIT)
        .expect("held on the change-password screen");
    app.type_text("#cp-current", "a first password 7")
        .expect("current");
    app.type_text("#cp-new", "kims own words 12").expect("new");
    app.type_text("#cp-again", "kims own words 13")
        .expect("again");
    click(&app, "[data-testid=change-password] button[type=submit]");
    app.wait_for_text("#cp-again-error", "not the same", WAIT)
        .expect("the mismatch at the second field");
    app.screenshot("change-password-refused")
        .expect("screenshot");
    app.retype("#cp-again", "kims own words 12").expect("again");
    click(&app, "[data-testid=change-password] button[type=submit]");
    app.wait_for_text("#caseload-title", "Caseload", WAIT)
        .expect("the caseload after log-in");
    app.click("[data-testid=nav-home]").expect("home");
    app.wait_for_text("[data-testid=home-title]", "Welcome, Kim Keyworker", WAIT)
        .expect("home after choosing a password");

    // A keyworker's page cannot do an administrator's work: the core refuses the command.
    let refused = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('add_user', { request: {
                 username: 'mallory', display_name: 'M', role: 'administrator',
                 password: 'a long password 99' } })
               .then(() => done('allowed'), (e) => done(e.code));",
            &[],
        )
        .expect("invoke");
    assert_eq!(refused, Value::from("auth_forbidden"));
    let listed = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('users', {}).then(() => done('allowed'), (e) => done(e.code));",
            &[],
        )
        .expect("invoke");
    assert_eq!(listed, Value::from("auth_forbidden"));
    // Nor does the page offer it, even by URL.
    app.execute("location.hash = '#/users';", &[]).expect("url");
    app.wait_for_text("[data-testid=home-title]", "Welcome, Kim", WAIT)
        .expect("users screen refused to a keyworker");
}
