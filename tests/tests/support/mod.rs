//! What the end-to-end tests share: a database made the way set-up makes it, on the passphrase
//! route (so no keychain entry is needed to reopen it), for tests that start after set-up; and
//! the app opened on it, up to the log-in screen.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use ndtms_dataset::{
    Dataset, GenerateOptions, Generated, ReferenceData, ReportingPeriod, generate,
};
use ndtms_e2e::App;
use ndtms_store::{Agency, KeyRoute, NewUser, Role, Setup, Store, SystemKeychain};

const WAIT: Duration = Duration::from_secs(30);

/// The first administrator's password in every such database.
pub const PASSWORD: &str = "a long password 1";

/// Creates the database of agency N0852 ("Riverside Recovery") with the administrator `ada`
/// ("Ada Admin"), kept with `passphrase`; hands back the open store.
pub fn passphrase_database(data: &Path, passphrase: &str, dataset: Dataset) -> Store {
    Store::create(
        data,
        &Setup {
            route: KeyRoute::Passphrase,
            passphrase: Some(passphrase),
            agency: Agency {
                code: "N0852".into(),
                dataset,
                name: "Riverside Recovery".into(),
            },
            admin: NewUser {
                username: "ada",
                display_name: "Ada Admin",
                role: Role::Administrator,
                password: PASSWORD,
            },
        },
        &SystemKeychain,
    )
    .expect("create the database")
    .0
}

/// Starts the app on the database in `data` and unlocks it with `passphrase`, as a person
/// would; returns at the log-in screen.
pub fn launch_and_unlock(data: &Path, passphrase: &str) -> App {
    launch_and_unlock_with(data, passphrase, &[])
}

/// [`launch_and_unlock`], with more of the app's environment (a shorter portal time-out).
pub fn launch_and_unlock_with(data: &Path, passphrase: &str, env: &[(&str, &str)]) -> App {
    let mut all = vec![("NDTMS_DESK_DATA_DIR", data.to_str().expect("utf8"))];
    all.extend_from_slice(env);
    let app = App::launch(&all).expect("launch the app");
    app.wait_for_text("#unlock-title", "Open the database", WAIT)
        .expect("unlock screen");
    app.type_text("#unlock-secret", passphrase)
        .expect("passphrase");
    app.click("[data-testid=unlock] button[type=submit]")
        .expect("open");
    app.wait_for_text("#login-title", "Log in", WAIT)
        .expect("log-in screen");
    app
}

/// `clients` generated clients of `dataset` whose episodes fall in `period`, laid out by the
/// shipped reference data in force at its end (a share `error_rate` of records with an error).
pub fn generated(
    dataset: Dataset,
    clients: usize,
    seed: u64,
    error_rate: f64,
    period: ReportingPeriod,
) -> Generated {
    let reference = ReferenceData::shipped().expect("reference data");
    let cat = &reference.version_on(period.end).expect("version").catalogue;
    generate(
        cat,
        &GenerateOptions {
            dataset,
            clients,
            seed,
            error_rate,
            period,
        },
    )
}

/// Imports generated records as the administrator `ada`.
pub fn import(store: &mut Store, g: &Generated) {
    store.login("ada", PASSWORD).expect("log in");
    store.import_rows(&g.headers, &g.rows).expect("import");
}

/// Types a user name and password into the log-in form (the test presses the button).
pub fn type_log_in(app: &App, user: &str, password: &str) {
    app.retype("#login-user", user).expect("user");
    app.retype("#login-password", password).expect("password");
}

/// Adds a user who has already chosen their own password (for tests that start after that),
/// then logs the administrator `ada` back in.
pub fn add_ready_user(store: &mut Store, username: &str, name: &str, role: Role, password: &str) {
    const FIRST: &str = "a first password 1";
    store.login("ada", PASSWORD).expect("the administrator");
    store
        .add_user(&NewUser {
            username,
            display_name: name,
            role,
            password: FIRST,
        })
        .expect("add the user");
    store.login(username, FIRST).expect("first log-in");
    store
        .change_password(FIRST, password, password)
        .expect("their own password");
    store
        .login("ada", PASSWORD)
        .expect("the administrator again");
}

/// Fails with the serious and critical axe-core violations of the screen shown.
pub fn no_axe_violations(app: &App, screen: &str) {
    let v = app.accessibility_violations().expect("axe");
    assert!(v.is_empty(), "{screen}: {v:?}");
}

/// Logs in from the log-in screen and waits for the caseload, the home after log-in.
pub fn log_in(app: &App, user: &str, password: &str) {
    app.wait_for_text("#login-title", "Log in", WAIT)
        .expect("log-in screen");
    type_log_in(app, user, password);
    app.click("[data-testid=login] button[type=submit]")
        .expect("log in");
    app.wait_for_text("#caseload-title", "Caseload", WAIT)
        .expect("the caseload after log-in");
}

/// From a client's record: records an NDTMS refusal on its own page, which says what it means
/// before it is recorded (axe-checked there), and sees it and its consequence on the record.
pub fn record_ndtms_refusal(app: &App) {
    app.click("[data-testid=record-ndtms]").expect("record");
    app.wait_for_text("#consent-page-title", "NDTMS consent", WAIT)
        .expect("consent page");
    app.click("#consent-refused").expect("refused");
    app.wait_for_text(
        "[data-testid=consent-warning]",
        "only the agency code, the consent answer and the client reference will be sent",
        WAIT,
    )
    .expect("the consequence, before recording");
    no_axe_violations(app, "consent page");
    app.screenshot("consent-refusal").expect("screenshot");
    app.click("[data-testid=record-consent] button[type=submit]")
        .expect("submit");
    app.wait_for_text(
        "[data-testid=client-confirm]",
        "NDTMS consent: refused",
        WAIT,
    )
    .expect("confirmation");
    app.wait_for_text("[data-testid=consent-ndtms]", "Refused", WAIT)
        .expect("refused now");
    app.wait_for_text(
        "[data-testid=consent-consequence]",
        "Only the agency code",
        WAIT,
    )
    .expect("the consequence stays on the record");
}
