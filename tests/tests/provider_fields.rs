//! A provider's own reference-data folder changes the forms with no code change: a field the
//! folder adds is asked in the new-client form, and a code it adds to a list is offered.

use std::path::Path;
use std::time::Duration;

use ndtms_dataset::Dataset;
use ndtms_e2e::repo_root;
use support::no_axe_violations;

mod support;

const WAIT: Duration = Duration::from_secs(20);
const PASSPHRASE: &str = "meadow copper signal rain";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn append(path: &Path, line: &str) {
    let mut text = std::fs::read_to_string(path).expect("read");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    std::fs::write(path, text).expect("write");
}

#[test]
fn a_field_and_a_code_from_the_providers_folder_appear_in_the_form() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    let folder = tmp.path().join("our-reference-data");
    copy_dir(&repo_root().join("reference-data"), &folder);
    append(
        &folder.join("cds-r/fields.csv"),
        "LOCALREF,client,Our local reference,The reference our old paper files used.,text,,,,12,,,O,O,O,O,,,,vendor-Z,Added by this provider.",
    );
    append(
        &folder.join("cds-r/codelists/SEXUALO.csv"),
        "K,Our own answer,,,vendor-Z",
    );
    {
        let mut store = support::passphrase_database(&data, PASSPHRASE, Dataset::AD);
        store.login("ada", support::PASSWORD).expect("log in");
        store
            .set_reference_folder(Some(&folder))
            .expect("the provider's folder loads");
    }
    let app = support::launch_and_unlock(&data, PASSPHRASE);
    support::log_in(&app, "ada", support::PASSWORD);
    app.execute("location.hash = '#/clients/new';", &[])
        .expect("new client");
    app.wait_for_text(
        "[data-testid=form-field-LOCALREF]",
        "Our local reference",
        WAIT,
    )
    .expect("the provider's own field");
    app.wait_for_text(
        "[data-testid=form-field-SEXUALO]",
        "Sexual orientation",
        WAIT,
    )
    .expect("the list");
    let offered = app
        .execute(
            "const box = document.getElementById('field-SEXUALO');
             if (box.getAttribute('role') === 'combobox') {
               const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
               set.call(box, 'our own');
               box.dispatchEvent(new Event('input', { bubbles: true }));
               return null;
             }
             return document.querySelector('[data-testid=form-field-SEXUALO]').textContent;",
            &[],
        )
        .expect("the list's answers");
    if offered.is_null() {
        app.wait_for_text(".typeahead-list", "Our own answer", WAIT)
            .expect("the provider's own code, offered as it is typed");
    } else {
        assert!(
            offered
                .as_str()
                .is_some_and(|t| t.contains("Our own answer")),
            "{offered}"
        );
    }
    no_axe_violations(&app, "new client with the provider's field");
    app.execute(
        "document.querySelector('[data-testid=form-field-SEXUALO]').scrollIntoView({ block: 'start' });",
        &[],
    )
    .expect("scroll");
    app.screenshot("provider-field").expect("screenshot");
}
