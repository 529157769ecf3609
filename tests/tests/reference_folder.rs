//! An administrator points the database at a provider's reference-data folder in the real
//! window: a broken folder is refused with its problems shown, a good one is used, and the
//! shipped copy can be taken back.

use std::path::Path;
use std::time::Duration;

use ndtms_dataset::{Dataset, FileSet};
use ndtms_e2e::App;
use support::PASSWORD;

mod support;

const WAIT: Duration = Duration::from_secs(20);
const PASSPHRASE: &str = "river stone lantern moss";

/// A copy of the shipped reference data whose release is called `release`.
fn reference_copy(to: &Path, release: &str) {
    FileSet::shipped()
        .write_to(to)
        .expect("write the shipped reference data");
    let versions = to.join("versions.csv");
    let text = std::fs::read_to_string(&versions).expect("versions");
    std::fs::write(&versions, text.replace("ndtms-desk-r.1", release)).expect("write");
}

fn click(app: &App, css: &str) {
    app.click(css)
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

#[test]
fn an_administrator_chooses_a_reference_folder_and_a_broken_one_is_refused() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    support::passphrase_database(&data, PASSPHRASE, Dataset::AD);
    let broken = tmp.path().join("broken-reference");
    reference_copy(&broken, "provider-1");
    let fields = broken.join("cds-r/fields.csv");
    let text = std::fs::read_to_string(&fields).expect("fields");
    let first = text.lines().nth(1).expect("a field").to_owned();
    std::fs::write(&fields, format!("{text}{first}\n")).expect("write");
    let good = tmp.path().join("provider-reference");
    reference_copy(&good, "provider-1");

    let app = support::launch_and_unlock(&data, PASSPHRASE);
    support::type_log_in(&app, "ada", PASSWORD);
    click(&app, "[data-testid=login] button[type=submit]");
    app.wait_for_text("#caseload-title", "Caseload", WAIT)
        .expect("the caseload after log-in");
    app.click("[data-testid=nav-home]").expect("home");
    app.wait_for_text("[data-testid=home-title]", "Welcome", WAIT)
        .expect("home after log-in");
    click(&app, "[data-testid=nav-settings]");
    app.wait_for_text(
        "[data-testid=ref-folder-now]",
        "shipped with NDTMS Desk",
        WAIT,
    )
    .expect("the shipped copy at first");
    app.wait_for_text("[data-testid=ref-name]", "ndtms-desk-r.1", WAIT)
        .expect("shipped release");

    // A broken folder: refused, its problem named by file, and nothing changed.
    app.retype("#ref-folder", broken.to_str().expect("utf8"))
        .expect("type folder");
    click(&app, "[data-testid=use-folder]");
    let refused = app
        .wait_for_text("[data-testid=ref-folder-error]", "fields.csv", WAIT)
        .expect("refusal shown");
    assert!(refused.contains("Nothing was changed"), "{refused}");
    assert!(
        app.text("[data-testid=ref-name]")
            .expect("name")
            .contains("ndtms-desk-r.1")
    );
    app.screenshot("reference-folder-refused")
        .expect("screenshot");

    // A good folder: used, and the panel shows its release and where it comes from.
    app.retype("#ref-folder", good.to_str().expect("utf8"))
        .expect("type folder");
    click(&app, "[data-testid=use-folder]");
    app.wait_for_text("[data-testid=ref-name]", "provider-1", WAIT)
        .expect("the provider's release in force");
    let now = app.text("[data-testid=ref-folder-now]").expect("now");
    assert!(now.contains("provider-reference"), "{now}");
    assert!(
        app.find("[data-testid=ref-folder-error]").is_err(),
        "the old refusal is gone"
    );
    app.screenshot("reference-folder-provider")
        .expect("screenshot");
    let violations = app.accessibility_violations().expect("axe");
    assert!(violations.is_empty(), "reference folder: {violations:?}");

    // Back to the shipped copy.
    click(&app, "[data-testid=use-shipped]");
    app.wait_for_text("[data-testid=ref-name]", "ndtms-desk-r.1", WAIT)
        .expect("shipped again");
    app.wait_for_text(
        "[data-testid=ref-folder-now]",
        "shipped with NDTMS Desk",
        WAIT,
    )
    .expect("says so");
}
