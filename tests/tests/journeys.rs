//! One keyworker journey per dataset (AD, YP, SA, SY) in the real window: a new client, an
//! episode, an intervention and the dataset's outcome record (TOP for adults, YPOR for young
//! people), typed into the forms from a clean generated client of that dataset (so the values
//! hang together as a real client's would). On the way a live error is shown at its field,
//! listed in the summary after saving, followed from the summary's link and put right. The
//! client's rows then go into the month's file with no findings at all.

use std::time::Duration;

use ndtms_dataset::{Dataset, ReportingPeriod};
use ndtms_e2e::{App, keys};
use ndtms_store::records::{ClientRecord, Fields};
use ndtms_store::{Role, Store, SystemKeychain, Unlock};
use serde_json::Value;
use support::no_axe_violations;

mod support;

const WAIT: Duration = Duration::from_secs(20);
const PASSPHRASE: &str = "meadow copper lantern tide";
const KIM: &str = "kims own words 12";

/// A client of `dataset` with consent, one episode, an intervention and an outcome record of
/// the dataset's kind, from a clean generated caseload.
fn a_whole_client(dataset: Dataset, period: ReportingPeriod, kind: &str) -> ClientRecord {
    // Generated caseloads differ by seed; a few are tried until one holds such a client.
    for seed in 31..41 {
        let tmp = tempfile::tempdir().expect("temp");
        let mut scratch =
            support::passphrase_database(&tmp.path().join("scratch"), PASSPHRASE, dataset);
        let g = support::generated(dataset, 80, seed, 0.0, period);
        support::import(&mut scratch, &g);
        let refs: Vec<String> = scratch
            .clients()
            .expect("clients")
            .into_iter()
            .map(|c| c.reference)
            .collect();
        let found = refs
            .iter()
            .map(|r| scratch.client(r).expect("client"))
            .find(|c| {
                c.fields.get("CONSENT").map(String::as_str) == Some("Y")
                    && c.episodes.len() == 1
                    && c.episodes[0].interventions.len() == 1
                    && c.episodes[0].interventions[0].reviews.is_empty()
                    && c.episodes[0].outcomes.len() == 1
                    && c.episodes[0].outcomes[0].kind == kind
                    && c.episodes[0].reviews.is_empty()
            });
        if let Some(c) = found {
            return c;
        }
    }
    panic!(
        "no whole {} client in ten generated caseloads",
        dataset.code()
    )
}

/// Fills the open form's fields with `fields`, as a keyworker would: text typed, a short list's
/// answer clicked, a long list's code typed and left (the box takes an exact code). A field
/// shown only once another is answered is filled on the second pass.
fn fill(app: &App, fields: &Fields) {
    for _ in 0..2 {
        let shown = app
            .execute(
                "return [...document.querySelectorAll('[data-testid^=form-field-]')]
                   .map((e) => e.dataset.testid.slice('form-field-'.length));",
                &[],
            )
            .expect("the form's fields");
        for header in shown
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let Some(value) = fields.get(header).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            let kind = app
                .execute(
                    "const box = document.querySelector(`[data-testid=form-field-${arguments[0]}]`);
                     if (!box) return 'gone';
                     if (box.querySelector('input[type=radio]')) return 'radio';
                     if (box.querySelector('[role=combobox]')) return 'list';
                     return 'text';",
                    &[Value::from(header)],
                )
                .expect("the field's kind");
            match kind.as_str() {
                // Hidden by an answer given since (its condition no longer holds).
                Some("gone") => {}
                Some("radio") => app
                    .click(&format!("input[name=\"{header}\"][value=\"{value}\"]"))
                    .unwrap_or_else(|e| panic!("{header} = {value}: {e}")),
                Some("list") => {
                    let css = format!("#field-{header}");
                    app.retype(&css, value).expect("typed");
                    app.press_keys(keys::TAB).expect("left");
                }
                _ => {
                    let css = format!("#field-{header}");
                    let now = app
                        .execute(
                            "return document.querySelector(arguments[0]).value;",
                            &[Value::from(css.as_str())],
                        )
                        .expect("value");
                    if now.as_str() != Some(value.as_str()) {
                        app.retype(&css, value).expect("typed");
                    }
                }
            }
        }
    }
}

/// Saves the open form and waits for the client's record to say so.
fn save(app: &App, saved: &str) {
    app.click("[data-testid=save-record]").expect("save");
    app.wait_for_text("[data-testid=client-confirm]", saved, WAIT)
        .unwrap_or_else(|e| panic!("{saved}: {e}"));
}

fn journey(dataset: Dataset, outcome: &str) {
    let period = ReportingPeriod::last_complete_month(ndtms_dataset::model::today());
    let client = a_whole_client(dataset, period, outcome);
    let episode = &client.episodes[0];
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    {
        let mut store = support::passphrase_database(&data, PASSPHRASE, dataset);
        support::add_ready_user(&mut store, "kim", "Kim Keyworker", Role::Keyworker, KIM);
    }
    let app = support::launch_and_unlock(&data, PASSPHRASE);
    support::log_in(&app, "kim", KIM);
    let code = dataset.code().to_lowercase();

    // The client.
    app.click("[data-testid=nav-clients-new]")
        .expect("new client");
    app.wait_for_text("#new-client-title", "New client", WAIT)
        .expect("the new-client form");
    app.retype("#client-reference", &client.reference)
        .expect("reference");
    fill(&app, &client.fields);
    no_axe_violations(&app, &format!("new {code} client"));
    app.click("[data-testid=save-client]").expect("save");
    app.wait_for_text("[data-testid=add-episode]", "Add an episode", WAIT)
        .expect("the client's record");

    // The episode, with a referral date that is not a date: said at the field as it is typed,
    // listed in the summary once saved (saved all the same), followed from there and put right.
    app.click("[data-testid=add-episode]")
        .expect("add an episode");
    app.wait_for_text("#record-title", "New episode", WAIT)
        .expect("the episode form");
    fill(&app, &episode.fields);
    app.retype("#field-REFLD", "31/02/2026")
        .expect("a bad date");
    app.wait_for_text("[data-testid=message-REFLD]", "not a real date", WAIT)
        .expect("the error, at the field, as typed");
    app.press_keys(keys::ENTER).expect("Enter saves");
    app.wait_for_text("[data-testid=record-saved-with-problems]", "Saved", WAIT)
        .expect("saved all the same");
    app.wait_for_text("[data-testid=error-summary]", "Referral date", WAIT)
        .expect("the error, in the summary");
    no_axe_violations(&app, &format!("{code} episode with an error"));
    app.screenshot(&format!("journey-{code}-error"))
        .expect("screenshot");
    app.click("[data-testid=error-summary] a[href='#field-REFLD']")
        .expect("the summary's link");
    assert_eq!(app.focused_id().expect("focus"), "field-REFLD");
    let referral = episode.fields.get("REFLD").expect("a referral date");
    app.retype("#field-REFLD", referral).expect("put right");
    if let Err(e) = app.wait_until_gone("[data-testid=message-REFLD]", WAIT) {
        app.screenshot("journey-debug").ok();
        panic!(
            "no message once it is a date: {e}: {:?}",
            app.text("[data-testid=message-REFLD]")
        );
    }
    save(&app, "Episode E1 saved");

    // Its intervention and its outcome record.
    app.click("[data-testid=add-intervention-E1]")
        .expect("add an intervention");
    app.wait_for_text("#record-title", "New intervention", WAIT)
        .expect("the intervention form");
    fill(&app, &episode.interventions[0].fields);
    no_axe_violations(&app, &format!("{code} intervention"));
    save(&app, "Intervention I1 saved");
    app.click(&format!("[data-testid=add-{outcome}-E1]"))
        .expect("add the outcome record");
    app.wait_for_text("#record-title", "New", WAIT)
        .expect("the outcome form");
    fill(&app, &episode.outcomes[0].fields);
    no_axe_violations(&app, &format!("{code} {outcome}"));
    app.click("[data-testid=save-record]").expect("save");
    app.wait_for_text("[data-testid=client-confirm]", "saved", WAIT)
        .expect("the outcome record saved");
    app.screenshot(&format!("journey-{code}-client"))
        .expect("screenshot");
    app.wait_for_text(
        "[data-testid=findings-summary]",
        "Nothing to complete or fix.",
        WAIT,
    )
    .expect("nothing left to fix on the client");
    drop(app);

    // The month's file: the client's rows are in it and nothing is found.
    let mut store =
        Store::open(&data, &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("the database");
    store.login("ada", support::PASSWORD).expect("data lead");
    let p = ndtms_submission::prepare(
        &mut store,
        &period,
        ndtms_submission::DEFAULT_FILE_PATTERN,
        chrono::Utc::now(),
    )
    .expect("the month's file");
    assert_eq!(
        p.extract.clients,
        1,
        "{}: the client is sent",
        dataset.code()
    );
    assert!(
        p.report.report.findings.is_empty(),
        "{}: {:#?}",
        dataset.code(),
        p.report.report.findings
    );
    println!(
        "{}: the client, an episode, an intervention and a {outcome} typed in; {} rows sent, no findings",
        dataset.code(),
        p.extract.rows.len()
    );
}

#[test]
fn a_keyworker_records_a_whole_episode_in_each_dataset() {
    for (dataset, outcome) in [
        (Dataset::AD, "top"),
        (Dataset::YP, "ypor"),
        (Dataset::SA, "top"),
        (Dataset::SY, "ypor"),
    ] {
        journey(dataset, outcome);
    }
}
