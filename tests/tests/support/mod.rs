//! What the end-to-end tests share: a database made the way set-up makes it, on the passphrase
//! route (so no keychain entry is needed to reopen it), for tests that start after set-up; and
//! the app opened on it, up to the log-in screen.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use ndtms_dataset::Dataset;
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
    let app = App::launch(&[("NDTMS_DESK_DATA_DIR", data.to_str().expect("utf8"))])
        .expect("launch the app");
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

/// Types a user name and password into the log-in form (the test presses the button).
pub fn type_log_in(app: &App, user: &str, password: &str) {
    app.retype("#login-user", user).expect("user");
    app.retype("#login-password", password).expect("password");
}
