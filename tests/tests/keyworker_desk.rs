//! The keyworker's desk in the real window: a keyworker adds a client (a value the catalogue
//! refuses is explained at its field as it is typed; a second client with the same details is
//! shown as a possible duplicate before saving), records an NDTMS refusal and sees what it
//! means, finds the client again by initials with the keyboard only, and is refused a data
//! lead's commands called straight from the page. The data lead then reads the record's history
//! and deletes a client after being told what goes with it. axe passes on every screen.

use std::time::Duration;

use ndtms_dataset::Dataset;
use ndtms_e2e::{App, keys};
use ndtms_store::Role;
use serde_json::Value;
use support::no_axe_violations;

mod support;

const WAIT: Duration = Duration::from_secs(20);
const PASSPHRASE: &str = "harbour lantern quiet moss";
const KIM: &str = "kims own words 12";
const DEE: &str = "dees own words 12";

fn click(app: &App, css: &str) {
    app.click(css)
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Opens a client's record by its address, as a link would.
fn open_client(app: &App, reference: &str) {
    app.execute(
        "location.hash = '#/clients/' + arguments[0];",
        &[Value::from(reference)],
    )
    .expect("open the client");
    app.wait_for_text("#client-title", reference, WAIT)
        .expect("the client's record");
    // The heading comes first; the record's parts (and their links) when it has been read.
    app.wait_for_text("[data-testid=consent]", "Consent", WAIT)
        .expect("the record read");
}

fn invoke(app: &App, command: &str, args: &str) -> Value {
    app.execute_async(
        &format!(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('{command}', {args})
               .then(() => done('allowed'), (e) => done(e.code));"
        ),
        &[],
    )
    .expect("invoke")
}

/// Chooses a radio answer with the keyboard: focus, then space.
fn choose(app: &App, css: &str) {
    app.focus(css)
        .unwrap_or_else(|e| panic!("focus {css}: {e}"));
    app.press_keys(" ").expect("space");
}

/// Presses a button with the keyboard (focus, then Enter): no pointer to land on a moved page.
fn press_button(app: &App, css: &str) {
    app.focus(css)
        .unwrap_or_else(|e| panic!("focus {css}: {e}"));
    app.press_keys(keys::ENTER).expect("Enter");
}

/// Types the client's details into the new-client form (consent given).
fn fill_client(app: &App, first: &str, surname: &str, born: &str) {
    choose(app, "#field-CONSENT");
    app.retype("#field-FINITIAL", first).expect("first initial");
    app.retype("#field-SINITIAL", surname)
        .expect("surname initial");
    app.retype("#field-DOB", born).expect("date of birth");
    choose(app, "#field-SEX-F");
}

#[test]
fn a_keyworker_adds_finds_and_records_consent_and_a_data_lead_deletes_with_care() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    {
        let mut store = support::passphrase_database(&data, PASSPHRASE, Dataset::AD);
        support::add_ready_user(&mut store, "kim", "Kim Keyworker", Role::Keyworker, KIM);
        support::add_ready_user(&mut store, "dee", "Dee Datalead", Role::DataLead, DEE);
        past_client(&mut store);
    }
    let app = support::launch_and_unlock(&data, PASSPHRASE);
    support::log_in(&app, "kim", KIM);
    app.wait_for_text("[data-testid=caseload-count]", "0 of 1 clients", WAIT)
        .expect("no open work yet (the one client was discharged)");

    // "n" starts a new client; the form is the catalogue's, consent asked first.
    click(&app, "#caseload-title");
    app.press_keys("n").expect("n");
    app.wait_for_text("#new-client-title", "New client", WAIT)
        .expect("new client form");
    app.wait_for_text("#group-consent", "Consent", WAIT)
        .expect("consent first");
    let reference = app
        .execute(
            "return document.getElementById('client-reference').value;",
            &[],
        )
        .expect("reference");
    assert_eq!(reference, Value::from("C00101"), "a suggested reference");
    no_axe_violations(&app, "new client");

    // An impossible date is explained at its field as it is typed, by the core's rule.
    fill_client(&app, "J", "S", "31/02/1987");
    app.wait_for_text("[data-testid=message-DOB]", "", WAIT)
        .expect("a message at the date of birth");
    let said = app.text("[data-testid=message-DOB]").expect("message");
    assert!(said.to_lowercase().contains("date"), "{said}");
    app.screenshot("new-client-live-error").expect("screenshot");
    app.retype("#field-DOB", "14/03/1987")
        .expect("date of birth");
    app.wait_until_gone("[data-testid=message-DOB]", WAIT)
        .expect("the message goes when the date is right");
    press_button(&app, "[data-testid=save-client]");
    app.wait_for_text("[data-testid=client-confirm]", "Client C00101 added", WAIT)
        .expect("saved");
    app.wait_for_text("[data-testid=consent-ndtms]", "Given", WAIT)
        .expect("consent recorded with the client");
    app.wait_for_text("[data-testid=keyworker-name]", "Kim Keyworker", WAIT)
        .expect("held by who added them");
    app.wait_for_text("[data-testid=findings]", "To complete or fix", WAIT)
        .expect("what is still to do");
    no_axe_violations(&app, "client record");
    app.screenshot("client-added").expect("screenshot");

    // A second client with the same details: shown as a possible duplicate before saving.
    click(&app, "[data-testid=nav-clients-new]");
    app.wait_for_text("#new-client-title", "New client", WAIT)
        .expect("new client form");
    app.wait_for_text("#client-reference", "", WAIT)
        .expect("ref");
    fill_client(&app, "J", "S", "14/03/1987");
    app.wait_for_text(
        "[data-testid=possible-duplicates]",
        "Open client C00101",
        WAIT,
    )
    .expect("the possible duplicate, with a link");
    no_axe_violations(&app, "new client with a possible duplicate");
    app.execute(
        "document.querySelector('[data-testid=possible-duplicates]').scrollIntoView({ block: 'start' });",
        &[],
    )
    .expect("scroll");
    app.screenshot("new-client-duplicate").expect("screenshot");
    // Not the same person after all (another surname): the warning goes, and it is saved.
    app.retype("#field-SINITIAL", "T").expect("surname initial");
    app.wait_until_gone("[data-testid=possible-duplicates]", WAIT)
        .expect("no duplicate once the details differ");
    let second = app
        .execute(
            "return document.getElementById('client-reference').value;",
            &[],
        )
        .expect("reference");
    assert_eq!(second, Value::from("C00102"));
    press_button(&app, "[data-testid=save-client]");
    app.wait_for_text("[data-testid=client-confirm]", "Client C00102 added", WAIT)
        .expect("saved");

    // An NDTMS refusal for the first client: its consequence said before and after.
    open_client(&app, "C00101");
    support::record_ndtms_refusal(&app);

    // Found again from the caseload with the keyboard only: "/" to search, initials, Enter.
    click(&app, "[data-testid=nav-caseload]");
    app.wait_for_text("[data-testid=caseload-count]", "2 of 3 clients", WAIT)
        .expect("both new clients, the discharged one not shown");
    // Each row says what is still to give (the catalogue's "should" items), from the core's check.
    // (A client who refused consent has nothing more to send, so nothing to do.)
    let row_text = |reference: &str| {
        app.execute(
            "const row = Array.from(document.querySelectorAll('[data-testid=caseload-row]'))
               .find(r => r.querySelector('.ref').textContent === arguments[0]);
             return row ? row.textContent : '';",
            &[Value::from(reference)],
        )
        .expect("row")
        .as_str()
        .unwrap_or_default()
        .to_owned()
    };
    let mut second_row = String::new();
    for _ in 0..100 {
        second_row = row_text("C00102");
        if second_row.contains("add (warnings)") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        second_row.contains("add (warnings)"),
        "C00102: {second_row}"
    );
    let first_row = row_text("C00101");
    assert!(
        first_row.contains("Refused") && !first_row.contains("(warnings)"),
        "C00101: {first_row}"
    );
    app.screenshot("caseload-to-do").expect("screenshot");
    click(&app, "#caseload-title");
    app.press_keys("/").expect("/");
    assert_eq!(app.focused_id().expect("focus"), "caseload-search");
    app.press_keys("js").expect("initials");
    app.wait_for_text("[data-testid=caseload-count]", "1 of 3 clients", WAIT)
        .expect("one client with those initials");
    app.press_keys(keys::ENTER).expect("Enter");
    app.wait_for_text("#client-title", "C00101", WAIT)
        .expect("opened with Enter");
    app.wait_for_text("[data-testid=consent-ndtms]", "Refused", WAIT)
        .expect("the refusal");
    app.screenshot("client-refused").expect("screenshot");

    // A data lead's commands, called straight from a keyworker's page: refused by the core.
    assert_eq!(
        invoke(&app, "record_history", "{ reference: 'C00101' }"),
        Value::from("auth_forbidden")
    );
    assert_eq!(
        invoke(
            &app,
            "delete_record",
            "{ entity: 'client', key: { client: 'C00101', episode: null, intervention: null, child: null } }"
        ),
        Value::from("auth_forbidden")
    );
    // Nor does the page offer them, even by URL.
    assert!(app.find("[data-testid=delete-client]").is_err());
    app.execute("location.hash = '#/clients/C00101/history';", &[])
        .expect("url");
    app.wait_for_text("[data-testid=home-title]", "Welcome, Kim", WAIT)
        .expect("sent home");

    // The data lead reads who did what, then deletes the second client, told what goes first.
    click(&app, ".topbar-button");
    support::log_in(&app, "dee", DEE);
    open_client(&app, "C00101");
    click(&app, "[data-testid=record-history]");
    app.wait_for_text("[data-testid=history-table]", "Consent recorded", WAIT)
        .expect("the history");
    app.wait_for_text("[data-testid=history-table]", "Kim Keyworker", WAIT)
        .expect("who");
    no_axe_violations(&app, "record history");
    app.screenshot("record-history").expect("screenshot");
    open_client(&app, "C00102");
    click(&app, "[data-testid=delete-client]");
    app.wait_for_text("[data-testid=goes-with]", "1 consent decision", WAIT)
        .expect("what goes with it");
    no_axe_violations(&app, "delete a client");
    app.screenshot("delete-client").expect("screenshot");
    click(&app, "[data-testid=confirm-delete]");
    app.wait_for_text(
        "[data-testid=caseload-confirm]",
        "Client C00102 deleted",
        WAIT,
    )
    .expect("deleted");
    app.wait_for_text("[data-testid=caseload-count]", "1 of 2 clients", WAIT)
        .expect("one new client left");

    // An earlier client's episodes as treatment journeys (the 21-day rule), each with what is
    // under it; deleting one episode names what goes with it.
    open_client(&app, "C00100");
    app.wait_for_text("[data-testid=journeys]", "Journey 2 (latest)", WAIT)
        .expect("two journeys");
    app.wait_for_text("[data-testid=episode-E1]", "Intervention I1", WAIT)
        .expect("the intervention under its episode");
    // What is due, by the reference data's schedules: neither episode has a TOP.
    app.wait_for_text(
        "[data-testid=due-E2]",
        "A TOP at the start of treatment",
        WAIT,
    )
    .expect("the start TOP, due");
    app.wait_for_text("[data-testid=due-E2]", "Overdue", WAIT)
        .expect("and late");
    no_axe_violations(&app, "client record with journeys");
    app.execute(
        "document.querySelector('[data-testid=journeys]').scrollIntoView({ block: 'start' });",
        &[],
    )
    .expect("scroll");
    app.screenshot("client-journeys").expect("screenshot");
    click(&app, "[data-testid=delete-episode-E1]");
    app.wait_for_text("#delete-title", "Delete episode E1 of client C00100", WAIT)
        .expect("delete page");
    app.wait_for_text("[data-testid=goes-with]", "1 intervention", WAIT)
        .expect("what goes with it");
    click(&app, "[data-testid=confirm-delete]");
    app.wait_for_text("[data-testid=client-confirm]", "Episode E1 deleted", WAIT)
        .expect("deleted");
    app.wait_until_gone("[data-testid=episode-E1]", WAIT)
        .expect("the episode is gone");
    app.wait_for_text("[data-testid=journeys]", "Journey 1 (latest)", WAIT)
        .expect("one journey left");
}

/// A client from before: two discharged episodes a year apart (two treatment journeys), each
/// with an intervention.
fn past_client(store: &mut ndtms_store::Store) {
    use ndtms_store::records::{Entity, Fields, RecordKey};
    let f = |pairs: &[(&str, &str)]| -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    store.login("ada", support::PASSWORD).expect("log in");
    let client = RecordKey::client("C00100");
    store
        .save(
            Entity::Client,
            &client,
            &f(&[
                ("CONSENT", "Y"),
                ("FINITIAL", "P"),
                ("SINITIAL", "Q"),
                ("DOB", "02/02/1970"),
                ("SEX", "M"),
            ]),
        )
        .expect("client");
    for (ep, referred, started, discharged) in [
        ("E1", "01/01/2024", "08/01/2024", "01/03/2024"),
        ("E2", "01/01/2025", "08/01/2025", "01/03/2025"),
    ] {
        let key = RecordKey {
            episode: Some(ep.into()),
            ..client.clone()
        };
        store
            .save(
                Entity::Episode,
                &key,
                &f(&[("REFLD", referred), ("DISD", discharged), ("DISRSN", "80")]),
            )
            .expect("episode");
        store
            .save(
                Entity::Intervention,
                &RecordKey {
                    child: Some(if ep == "E1" { "I1" } else { "I2" }.into()),
                    ..key
                },
                &f(&[("MODST", started), ("MODAL", "95")]),
            )
            .expect("intervention");
    }
}
