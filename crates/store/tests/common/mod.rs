//! Shared set-up for the store's integration tests.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use ndtms_dataset::Dataset;
use ndtms_store::records::{Entity, Fields, RecordKey};
use ndtms_store::{Agency, KeyRoute, NewUser, RecoveryKey, Role, Setup, Store, SystemKeychain};

pub const PASSPHRASE: &str = "correct horse battery staple";
pub const ADMIN_PASSWORD: &str = "admin password 1";

pub fn setup(route: KeyRoute) -> Setup<'static> {
    Setup {
        route,
        passphrase: (route == KeyRoute::Passphrase).then_some(PASSPHRASE),
        agency: Agency {
            code: "N0852".into(),
            dataset: Dataset::AD,
            name: "Test service".into(),
        },
        admin: NewUser {
            username: "admin",
            display_name: "Ada Admin",
            role: Role::Administrator,
            password: ADMIN_PASSWORD,
        },
    }
}

/// A new passphrase-route store, logged in as the administrator.
pub fn new_store(dir: &Path) -> (Store, RecoveryKey) {
    let (mut store, recovery) =
        Store::create(dir, &setup(KeyRoute::Passphrase), &SystemKeychain).expect("create store");
    store.login("admin", ADMIN_PASSWORD).expect("log in");
    (store, recovery)
}

/// Adds a user as the logged-in administrator (password `ADMIN_PASSWORD`) does, then has them
/// log in once and choose `password` for their own, as a first log-in asks; the administrator
/// is logged in again at the end.
pub fn add_user_ready(store: &mut Store, username: &str, role: Role, password: &str) {
    const FIRST: &str = "a first password 1";
    let admin = store.session().expect("an administrator").username.clone();
    store
        .add_user(&NewUser {
            username,
            display_name: username,
            role,
            password: FIRST,
        })
        .expect("add the user");
    store.login(username, FIRST).expect("first log-in");
    store
        .change_password(FIRST, password, password)
        .expect("their own password");
    store
        .login(&admin, ADMIN_PASSWORD)
        .expect("the administrator again");
}

/// Adds the data lead "dee" (password "datalead pass 1").
pub fn add_data_lead(store: &mut Store) {
    add_user_ready(store, "dee", Role::DataLead, "datalead pass 1");
}

pub fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A client with one episode and one intervention, with distinctive values to search for.
pub fn add_marked_client(store: &mut Store, reference: &str) {
    let key = RecordKey::client(reference);
    store
        .save(
            Entity::Client,
            &key,
            &fields(&[
                ("CLIENTID", reference),
                ("FINITIAL", "Q"),
                ("SINITIAL", "Z"),
                ("DOB", "17/03/1981"),
                ("PC", "ZX99"),
                ("SEX", "F"),
            ]),
        )
        .expect("save client");
    let ep = RecordKey {
        episode: Some("EP-1".into()),
        ..key.clone()
    };
    store
        .save(
            Entity::Episode,
            &ep,
            &fields(&[("EPISODID", "EP-1"), ("REFLD", "02/01/2025")]),
        )
        .expect("save episode");
    let int = RecordKey {
        child: Some("INT-1".into()),
        ..ep
    };
    store
        .save(
            Entity::Intervention,
            &int,
            &fields(&[("MODID", "INT-1"), ("MODAL", "95")]),
        )
        .expect("save intervention");
}

/// A clock tests can move.
#[derive(Clone)]
pub struct TestClock(pub Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(Utc::now())))
    }
    pub fn advance(&self, seconds: i64) {
        let mut t = self.0.lock().expect("clock");
        *t += chrono::Duration::seconds(seconds);
    }
    pub fn clock(&self) -> ndtms_store::Clock {
        let c = self.0.clone();
        Arc::new(move || *c.lock().expect("clock"))
    }
}
