//! What the end-to-end tests share: a database made the way set-up makes it, on the passphrase
//! route (so no keychain entry is needed to reopen it), for tests that start after set-up.

use std::path::Path;

use ndtms_dataset::Dataset;
use ndtms_store::{Agency, KeyRoute, NewUser, Role, Setup, Store, SystemKeychain};

/// The first administrator's password in every such database.
pub const PASSWORD: &str = "a long password 1";

/// Creates the database of agency N0852 ("Riverside Recovery") with the administrator `ada`
/// ("Ada Admin"), kept with `passphrase`; hands back the open store.
pub fn passphrase_database(data: &Path, passphrase: &str, dataset: Dataset) -> Store {
    Store::create(
        data,
        &Setup {
            route: KeyRoute::Passphrase,
            passphrase: Some(passphrase),
            agency: Agency {
                code: "N0852".into(),
                dataset,
                name: "Riverside Recovery".into(),
            },
            admin: NewUser {
                username: "ada",
                display_name: "Ada Admin",
                role: Role::Administrator,
                password: PASSWORD,
            },
        },
        &SystemKeychain,
    )
    .expect("create the database")
    .0
}
