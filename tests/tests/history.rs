//! The data lead's history in the real window: a transfer is listed with its period, counts,
//! who sent it and its checksum; a keyworker is not offered the screen and the core refuses
//! them the list when the page asks for it directly.

use std::time::Duration;

use chrono::NaiveDate;
use ndtms_dataset::Dataset;
use ndtms_store::{NewSubmission, Role, SubmissionKind};
use serde_json::Value;
use support::no_axe_violations;

mod support;

const WAIT: Duration = Duration::from_secs(20);
const PASSPHRASE: &str = "lantern willow granite dawn";
const KIM: &str = "kims own words 12";

#[test]
fn a_transfer_is_in_the_history_for_the_data_lead_and_not_for_a_keyworker() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    {
        let mut store = support::passphrase_database(&data, PASSPHRASE, Dataset::AD);
        support::add_ready_user(&mut store, "kim", "Kim Keyworker", Role::Keyworker, KIM);
        store
            .record_submission(&NewSubmission {
                kind: SubmissionKind::Transfer,
                period_start: NaiveDate::from_ymd_opt(2025, 4, 1).expect("date"),
                period_end: NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
                file_name: "N0852_AD_202610.csv",
                sha256: "9f2c0e5a7b1d4c3e8f6a9b2c1d0e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e",
                rows: 4461,
                clients: 1234,
                report: "{}",
                receipt: "{}",
                attributors: &[],
            })
            .expect("a transfer");
    }
    let app = support::launch_and_unlock(&data, PASSPHRASE);
    support::log_in(&app, "ada", support::PASSWORD);
    app.click("[data-testid=nav-history]").expect("history");
    app.wait_for_text("[data-testid=history-row]", "Transferred", WAIT)
        .expect("the transfer");
    let row = app.text("[data-testid=history-row]").expect("row");
    for said in [
        "01/04/2025 to 31/10/2026",
        "4,461",
        "1,234",
        "ada",
        "N0852_AD_202610.csv",
        "9f2c0e5a7b1d4c3e",
        "period locked",
    ] {
        assert!(row.contains(said), "{said} in {row}");
    }
    no_axe_violations(&app, "history");
    app.screenshot("history").expect("screenshot");

    // A keyworker: no History in the navigation, and the list refused by the core.
    app.click(".topbar-button").expect("log out");
    support::log_in(&app, "kim", KIM);
    assert!(app.find("[data-testid=nav-history]").is_err());
    let refused = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('submissions', {}).then(() => done('allowed'), (e) => done(e.code));",
            &[],
        )
        .expect("invoke");
    assert_eq!(refused, Value::from("auth_forbidden"));
}
