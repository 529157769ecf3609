//! The real app window opens to its first screen, showing the version and the reference data in force.

use std::time::Duration;

use ndtms_e2e::App;

/// Launches the app on a fresh, empty data folder (kept alive by the returned guard).
fn launch_fresh() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp data dir");
    let app = App::launch(&[("NDTMS_DESK_DATA_DIR", dir.path().to_str().expect("utf8"))])
        .expect("launch the app");
    (app, dir)
}

const WAIT: Duration = Duration::from_secs(20);

fn expected_reference() -> ndtms_dataset::ReferenceInfo {
    ndtms_dataset::ReferenceData::shipped()
        .expect("shipped reference data loads")
        .info_on(ndtms_dataset::model::today())
        .expect("a version is in force today")
}

#[test]
fn first_screen_shows_version_and_reference_data() {
    let (app, _dir) = launch_fresh();
    let expected = expected_reference();

    let version = app.wait_for_text("[data-testid=app-version]", env!("CARGO_PKG_VERSION"), WAIT);
    let shot = app.screenshot("first-screen");
    assert!(shot.is_ok(), "screenshot: {shot:?}");
    assert_eq!(
        version.expect("version shown"),
        format!("version {}", env!("CARGO_PKG_VERSION"))
    );

    let name = app
        .text("[data-testid=ref-name]")
        .expect("dataset name shown");
    assert_eq!(
        name,
        format!("{} — release {}", expected.name, expected.release)
    );
    assert_eq!(
        app.text("[data-testid=ref-sha256]")
            .expect("checksum shown"),
        expected.sha256
    );
    let contents = app
        .text("[data-testid=ref-contents]")
        .expect("contents shown");
    assert!(
        contents.starts_with(&format!("{} fields", expected.field_count)),
        "{contents}"
    );
    assert_eq!(app.text("h1").expect("heading"), "Welcome to NDTMS Desk");

    let assumed = expected
        .provenance
        .iter()
        .find(|p| p.tag == "assumed")
        .expect("assumed items exist");
    let row = app
        .text("[data-testid=prov-assumed]")
        .expect("assumed row shown");
    assert!(row.contains(&assumed.fields.to_string()), "{row}");
}

#[test]
fn first_screen_has_no_serious_accessibility_violations() {
    let (app, _dir) = launch_fresh();
    app.wait_for_text(
        "[data-testid=reference-panel]",
        "Reference data in force",
        WAIT,
    )
    .expect("first screen rendered");
    let violations = app.accessibility_violations().expect("axe-core ran");
    app.screenshot("first-screen-axe").expect("screenshot");
    assert!(
        violations.is_empty(),
        "accessibility violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn harness_reports_when_the_window_shows_something_else() {
    let (app, _dir) = launch_fresh();
    app.wait_for_text(
        "[data-testid=reference-panel]",
        "Reference data in force",
        WAIT,
    )
    .expect("first screen rendered");
    let wrong = app.wait_for_text(
        "[data-testid=ref-name]",
        "Core Dataset Z",
        Duration::from_secs(1),
    );
    let err = wrong.expect_err("a wrong expectation must fail");
    assert!(err.contains("should contain \"Core Dataset Z\""), "{err}");
    assert!(
        err.contains("CDS-R"),
        "the failure names what was shown: {err}"
    );
}
