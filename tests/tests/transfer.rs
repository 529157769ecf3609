//! The data lead's month in the real window, against the portal stand-in on 127.0.0.1: the
//! month with a planted error is built with progress, the error is seen in the report and
//! followed to its record, fixed, checked again to 100%; a dropped upload, a time-out and a
//! refused log-in each say so and record nothing; the file is then sent with a password and a
//! one-time code, its receipt shown, the period locked and the transfer in the history. The
//! save-for-upload route comes first, and its upload is confirmed from the history.

use std::time::Duration;

use ndtms_dataset::{Dataset, ReportingPeriod};
use ndtms_e2e::{App, PortalStandin, keys, one_time_code};
use serde_json::Value;
use support::{PASSWORD, no_axe_violations};

mod support;

const WAIT: Duration = Duration::from_secs(30);
const PASSPHRASE: &str = "harbour lantern copper meadow";
const KEY: &str = "cccccbcdefgh";
const PORTAL_USER: &str = "lead";
const PORTAL_PASSWORD: &str = "portal pass 1";

/// The transfers in the history, asked of the core the way the History page asks.
fn transfers(app: &App) -> usize {
    let list = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('submissions', {}).then(done, (e) => done(e));",
            &[],
        )
        .expect("submissions");
    list.as_array()
        .expect("a list")
        .iter()
        .filter(|s| s["kind"] == "transfer")
        .count()
}

/// Points the app at another portal, as an administrator would in Settings.
fn set_portal(app: &App, url: &str) {
    let saved = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('save_month_settings', { portalUrl: arguments[0], deadlineDay: '10' })
               .then((s) => done(s.portal_url), (e) => done(e.message));",
            &[Value::from(url)],
        )
        .expect("settings");
    assert_eq!(saved, Value::from(url));
}

/// From the report: sends with these credentials and waits for the send to end one way or the other.
fn send(app: &App, password: &str) {
    app.click("[data-testid=go-send]").expect("send page");
    app.wait_for_text("#send-title", "Send to the portal", WAIT)
        .expect("send page");
    app.retype("#portal-user", PORTAL_USER).expect("user");
    app.retype("#portal-password", password).expect("password");
    app.retype("#portal-otp", &one_time_code(KEY))
        .expect("code");
    app.click("[data-testid=send]").expect("send");
}

#[test]
fn a_month_with_an_error_is_fixed_checked_again_and_sent_then_saved_for_upload() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    let good = PortalStandin::start(&["--user", &format!("{PORTAL_USER}:{PORTAL_PASSWORD}:{KEY}")])
        .expect("the portal stand-in");
    let dropping = PortalStandin::start(&[
        "--user",
        &format!("{PORTAL_USER}:{PORTAL_PASSWORD}:{KEY}"),
        "--drop-uploads",
        "100",
    ])
    .expect("a stand-in that drops uploads");
    let slow = PortalStandin::start(&[
        "--user",
        &format!("{PORTAL_USER}:{PORTAL_PASSWORD}:{KEY}"),
        "--delay-ms",
        "6000",
    ])
    .expect("a stand-in that answers late");

    // Thirty clients of last month, one with an impossible referral date.
    let (planted_client, planted_date) = {
        let mut store = support::passphrase_database(&data, PASSPHRASE, Dataset::AD);
        let period = ReportingPeriod::last_complete_month(ndtms_dataset::model::today());
        let mut g = support::generated(Dataset::AD, 30, 5, 0.0, period);
        let col = |h: &str| g.headers.iter().position(|x| x == h).expect(h);
        let (cid, eid, refld, consent) = (
            col("CLIENTID"),
            col("EPISODID"),
            col("REFLD"),
            col("CONSENT"),
        );
        let target = g
            .rows
            .iter()
            .find(|r| r[consent] == "Y" && !r[refld].is_empty())
            .expect("a client who consented")
            .clone();
        for row in &mut g.rows {
            if row[cid] == target[cid] && row[eid] == target[eid] {
                row[refld] = "31/02/2026".into();
            }
        }
        support::import(&mut store, &g);
        (target[cid].clone(), target[refld].clone())
    };

    let app =
        support::launch_and_unlock_with(&data, PASSPHRASE, &[("NDTMS_DESK_PORTAL_TIMEOUT", "2")]);
    support::log_in(&app, "ada", PASSWORD);

    // Settings: the portal (one that drops uploads, first) and the deadline day.
    app.click("[data-testid=nav-settings]").expect("settings");
    app.wait_for_text("#month-settings-title", "monthly submission", WAIT)
        .expect("settings");
    app.retype("#portal-url", "http://portal.example.org")
        .expect("url");
    app.retype("#deadline-day", "10").expect("day");
    app.click("[data-testid=save-month-settings]")
        .expect("save");
    app.wait_for_text(
        "[data-testid=error-summary]",
        "plain HTTP is allowed only to this machine",
        WAIT,
    )
    .expect("an address the transfer could not use is refused");
    app.retype("#portal-url", &dropping.url).expect("url");
    app.click("[data-testid=save-month-settings]")
        .expect("save");
    app.wait_for_text("[data-testid=month-settings-saved]", "Saved", WAIT)
        .expect("saved");

    // The month due, and an end date outside it refused with its reason.
    app.click("[data-testid=nav-transfer]").expect("transfer");
    app.wait_for_text("[data-testid=period]", "Reporting period", WAIT)
        .expect("the period");
    let deadline = app.text("[data-testid=month-deadline]").expect("deadline");
    assert!(deadline.contains("/"), "a deadline date: {deadline}");
    app.retype("#end-date", "01/01/2020").expect("end");
    app.wait_for_text("#end-date-error", "before the data month begins", WAIT)
        .expect("an end before the month is refused");
    no_axe_violations(&app, "transfer month");
    app.retype("#end-date", "x").expect("end");
    app.press_keys(keys::BACKSPACE).expect("cleared");
    app.wait_until_gone("#end-date-error", WAIT)
        .expect("cleared");

    // Built with progress; the planted error in the report.
    app.click("[data-testid=build-extract]").expect("build");
    app.wait_for_text("#report-title", "report", WAIT)
        .expect("the report");
    let errors = app.text("[data-testid=report-errors]").expect("errors");
    assert_ne!(errors, "0", "the planted error is found");
    let load = app.text("[data-testid=load-percent]").expect("load");
    assert_ne!(load, "100%", "a row with an error does not load");
    app.click("[data-testid=formulas] summary")
        .expect("formulas");
    app.wait_for_text(
        "[data-testid=formulas]",
        "Load % = rows without an error",
        WAIT,
    )
    .expect("the formulas");
    app.wait_for_text("[data-testid=report-findings]", &planted_client, WAIT)
        .expect("the finding names its client");
    no_axe_violations(&app, "transfer report");
    app.screenshot("transfer-report-with-error")
        .expect("screenshot");

    // Followed to the record, at the field; fixed and saved.
    app.click("[data-testid=report-finding] button")
        .expect("open the record");
    app.wait_for_text(
        "[data-testid=finding-to-fix]",
        "From the file's report",
        WAIT,
    )
    .expect("the finding above the form");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        app.focused_id().expect("focus"),
        "field-REFLD",
        "the cursor at the field"
    );
    app.screenshot("transfer-finding-opened")
        .expect("screenshot");
    app.retype("#field-REFLD", &planted_date).expect("fix");
    app.press_keys(keys::ENTER).expect("Enter saves");
    app.wait_for_text("[data-testid=findings]", "", WAIT)
        .expect("saved, on the client's record");

    // Checked again: 100%.
    app.execute("window.location.hash = '#/transfer/report';", &[])
        .expect("back to the report");
    app.wait_for_text("#report-title", "report", WAIT)
        .expect("the report");
    app.click("[data-testid=check-again]").expect("check again");
    app.wait_for_text("[data-testid=report-clean]", "every row would load", WAIT)
        .expect("no errors after the fix");
    assert_eq!(
        app.text("[data-testid=load-percent]").expect("load"),
        "100%"
    );
    assert_eq!(
        app.text("[data-testid=quality-percent]").expect("dq"),
        "100%"
    );
    app.screenshot("transfer-report-clean").expect("screenshot");

    // Saved for upload with its manifest, then the upload recorded from the history.
    let out = tmp.path().join("usb");
    app.click("[data-testid=go-save]").expect("save page");
    app.wait_for_text("#save-title", "Save for upload", WAIT)
        .expect("save page");
    app.retype("#save-folder", out.to_str().expect("utf8"))
        .expect("folder");
    app.click("[data-testid=save]").expect("save");
    app.wait_for_text("#done-title", "File saved for upload", WAIT)
        .expect("saved");
    let path = app.text("[data-testid=saved-path]").expect("path");
    assert!(std::path::Path::new(&path).is_file(), "{path} written");
    let manifest = app.text("[data-testid=saved-manifest]").expect("manifest");
    assert!(
        std::path::Path::new(&manifest).is_file(),
        "{manifest} written"
    );
    app.screenshot("transfer-saved").expect("screenshot");
    app.click("[data-testid=nav-history]").expect("history");
    app.wait_for_text("[data-testid=history-list]", "Saved for upload", WAIT)
        .expect("the saved file in the history");
    app.click("[data-testid^=confirm-upload-]")
        .expect("I have uploaded it");
    app.retype("#upload-file", &path).expect("the file");
    app.click("[data-testid=confirm-upload-submit]")
        .expect("record");
    app.wait_for_text(
        "[data-testid=upload-confirmed]",
        "the period is locked",
        WAIT,
    )
    .expect("the upload recorded");
    assert_eq!(
        transfers(&app),
        1,
        "the upload by hand recorded as a transfer"
    );
    assert!(
        app.find("[data-testid^=confirm-upload-]").is_err(),
        "an upload is recorded once"
    );

    // A dropped upload: a clear message, nothing recorded.
    app.execute("window.location.hash = '#/transfer/report';", &[])
        .expect("back to the report");
    app.wait_for_text("#report-title", "report", WAIT)
        .expect("the report");
    send(&app, PORTAL_PASSWORD);
    app.wait_for_text("[data-testid=error-summary]", "could not be reached", WAIT)
        .expect("the dropped upload said");
    assert_eq!(
        transfers(&app),
        1,
        "nothing recorded after a dropped upload"
    );
    app.screenshot("transfer-dropped").expect("screenshot");

    // A portal that answers too late: a time-out, nothing recorded.
    set_portal(&app, &slow.url);
    app.execute("window.location.hash = '#/transfer/report';", &[])
        .expect("report");
    app.wait_for_text("#report-title", "report", WAIT)
        .expect("report");
    send(&app, PORTAL_PASSWORD);
    app.wait_for_text("[data-testid=error-summary]", "no answer in time", WAIT)
        .expect("the time-out said");
    assert_eq!(transfers(&app), 1, "nothing recorded after a time-out");

    // The right portal: a wrong password refused, then sent.
    set_portal(&app, &good.url);
    app.execute("window.location.hash = '#/transfer/report';", &[])
        .expect("report");
    app.wait_for_text("#report-title", "report", WAIT)
        .expect("report");
    send(&app, "not the password");
    app.wait_for_text("[data-testid=error-summary]", "refused the log-in", WAIT)
        .expect("the refused log-in said");
    assert_eq!(
        transfers(&app),
        1,
        "nothing recorded after a refused log-in"
    );
    assert_eq!(
        app.execute("return document.querySelector('#portal-otp').value;", &[])
            .expect("otp"),
        Value::from(""),
        "a used one-time code is cleared"
    );
    no_axe_violations(&app, "send");
    app.retype("#portal-password", PORTAL_PASSWORD)
        .expect("password");
    app.retype("#portal-otp", &one_time_code(KEY))
        .expect("code");
    app.click("[data-testid=send]").expect("send");
    app.wait_for_text("#done-title", "Transfer complete", WAIT)
        .expect("the confirmation");
    let receipt = app.text("[data-testid=receipt-id]").expect("receipt");
    assert!(!receipt.is_empty(), "a receipt");
    app.wait_for_text("[data-testid=period-locked]", "locked", WAIT)
        .expect("the period locked");
    assert_eq!(transfers(&app), 2, "the transfer recorded");
    no_axe_violations(&app, "transfer done");
    app.screenshot("transfer-done").expect("screenshot");
    app.click("[data-testid=nav-history]").expect("history");
    app.wait_for_text("[data-testid=history-row]", "Transferred", WAIT)
        .expect("the transfer in the history");

    // The file's report reopened from the history, and the period unlocked with a reason.
    app.click("[data-testid=history-row] details summary")
        .expect("its report");
    app.wait_for_text("[data-testid=history-row] details", "Load 100%", WAIT)
        .expect("the kept report");
    app.click("[data-testid^=unlock-]").expect("unlock");
    app.click("[data-testid=unlock-submit]").expect("no reason");
    app.wait_for_text(
        "[data-testid=error-summary]",
        "why the period is being unlocked",
        WAIT,
    )
    .expect("a reason is asked for");
    app.retype("#unlock-because", "the region asked for it again")
        .expect("reason");
    app.click("[data-testid=unlock-submit]").expect("unlock");
    app.wait_for_text("[data-testid=upload-confirmed]", "Unlocked", WAIT)
        .expect("unlocked");
    no_axe_violations(&app, "history");
    app.screenshot("history-unlocked").expect("screenshot");
}
