//! What the submission tests share: a real encrypted store (passphrase route, so no keychain
//! is needed), filled with a generated caseload, and the users and dates the tests use.
#![allow(dead_code)]

use std::path::Path;

use chrono::{TimeZone, Utc};
use ndtms_dataset::{
    Dataset, GenerateOptions, ReferenceData, ReferenceInfo, ReportingPeriod, generate,
};
use ndtms_store::records::Fields;
use ndtms_store::{Agency, KeyRoute, NewUser, Role, Setup, Store, SystemKeychain};

pub const PASSPHRASE: &str = "correct horse battery staple";
pub const ADMIN: &str = "admin password 1";

pub fn period() -> ReportingPeriod {
    ReportingPeriod::for_data_month(2026, 10).unwrap()
}

pub fn reference() -> (ReferenceData, ReferenceInfo) {
    let data = ReferenceData::shipped().unwrap();
    let info = data.info_on(period().end).unwrap();
    (data, info)
}

pub fn store(dir: &Path) -> Store {
    let (mut s, _) = Store::create(
        dir,
        &Setup {
            route: KeyRoute::Passphrase,
            passphrase: Some(PASSPHRASE),
            agency: Agency {
                code: "N0852".into(),
                dataset: Dataset::AD,
                name: "Test service".into(),
            },
            admin: NewUser {
                username: "admin",
                display_name: "Ada Admin",
                role: Role::Administrator,
                password: ADMIN,
            },
        },
        &SystemKeychain,
    )
    .unwrap();
    s.login("admin", ADMIN).unwrap();
    s
}

/// A store holding a generated caseload, and the generated rows.
pub fn filled(dir: &Path, clients: usize) -> (Store, ndtms_dataset::Generated) {
    let (data, _) = reference();
    let cat = &data.version_on(period().end).unwrap().catalogue;
    let g = generate(
        cat,
        &GenerateOptions {
            dataset: Dataset::AD,
            clients,
            seed: 11,
            error_rate: 0.0,
            period: period(),
        },
    );
    let mut s = store(dir);
    s.import_rows(&g.headers, &g.rows).unwrap();
    (s, g)
}

/// Adds a user as the administrator does, then has them choose `password` at their first
/// log-in; the administrator is logged in again.
pub fn add_user_ready(s: &mut Store, username: &str, role: Role, password: &str) {
    const FIRST: &str = "a first password 1";
    s.add_user(&NewUser {
        username,
        display_name: username,
        role,
        password: FIRST,
    })
    .unwrap();
    s.login(username, FIRST).unwrap();
    s.change_password(FIRST, password, password).unwrap();
    s.login("admin", ADMIN).unwrap();
}

/// Adds the keyworker "kim" (password "keyworker pass 1").
pub fn add_keyworker(s: &mut Store) {
    add_user_ready(s, "kim", Role::Keyworker, "keyworker pass 1");
}

pub fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 5, 9, 30, 0).unwrap()
}

pub fn f(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
