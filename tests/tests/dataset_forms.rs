//! The forms follow the agency's dataset: a young people's service (YP, SY) is offered the
//! YPOR and never the TOP, an adult one (AD, SA) the TOP and never the YPOR, and each outcome
//! form asks its own dataset's items.

use std::time::Duration;

use ndtms_dataset::Dataset;
use ndtms_store::records::{Entity, Fields, RecordKey};
use serde_json::Value;
use support::no_axe_violations;

mod support;

const WAIT: Duration = Duration::from_secs(20);
const PASSPHRASE: &str = "river slate amber hollow";

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn exists(app: &ndtms_e2e::App, css: &str) -> bool {
    app.execute(
        "return !!document.querySelector(arguments[0]);",
        &[Value::from(css)],
    )
    .expect("query")
        == Value::Bool(true)
}

#[test]
fn each_dataset_is_offered_its_own_outcome_record() {
    for (dataset, own, other, own_date) in [
        (Dataset::YP, "ypor", "top", "YPORDATE"),
        (Dataset::SY, "ypor", "top", "YPORDATE"),
        (Dataset::SA, "top", "ypor", "TOPDATE"),
    ] {
        let tmp = tempfile::tempdir().expect("temp");
        let data = tmp.path().join("data");
        {
            let mut store = support::passphrase_database(&data, PASSPHRASE, dataset);
            store.login("ada", support::PASSWORD).expect("log in");
            let client = RecordKey::client("C1");
            store
                .save(
                    Entity::Client,
                    &client,
                    &fields(&[("CONSENT", "Y"), ("FINITIAL", "A"), ("SINITIAL", "B")]),
                )
                .expect("client");
            store
                .save(
                    Entity::Episode,
                    &RecordKey {
                        episode: Some("E1".into()),
                        ..client
                    },
                    &fields(&[("REFLD", "01/11/2026")]),
                )
                .expect("episode");
        }
        let app = support::launch_and_unlock(&data, PASSPHRASE);
        support::log_in(&app, "ada", support::PASSWORD);
        app.execute("location.hash = '#/clients/C1';", &[])
            .expect("open");
        app.wait_for_text("[data-testid=episode-E1]", "Episode E1", WAIT)
            .expect("the episode");
        assert!(
            exists(&app, &format!("[data-testid=add-{own}-E1]")),
            "{dataset}: its own outcome record offered"
        );
        assert!(
            !exists(&app, &format!("[data-testid=add-{other}-E1]")),
            "{dataset}: the other outcome record not offered"
        );
        app.click(&format!("[data-testid=add-{own}-E1]"))
            .expect("add");
        app.wait_for_text("#record-title", "New", WAIT)
            .expect("the outcome form");
        assert!(
            exists(&app, &format!("#field-{own_date}")),
            "{dataset}: the form asks {own_date}"
        );
        no_axe_violations(&app, &format!("{dataset} outcome form"));
        app.screenshot(&format!("outcome-form-{dataset}"))
            .expect("screenshot");
    }
}
