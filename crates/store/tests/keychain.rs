//! The keychain route against the real OS keychain (Secret Service on Linux, started by the test
//! command under `dbus-run-session` with an unlocked gnome-keyring).

mod common;

use common::*;
use ndtms_store::{KeyFile, KeyRoute, Keychain, Store, SystemKeychain, Unlock};

#[test]
fn keychain_route_with_recovery_after_the_entry_is_deleted() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, recovery) =
        Store::create(dir.path(), &setup(KeyRoute::Keychain), &SystemKeychain).expect(
            "create with the real keychain (is a Secret Service running? see scripts/desk.sh)",
        );
    store.login("admin", ADMIN_PASSWORD).expect("login");
    add_marked_client(&mut store, "C1");
    drop(store);

    let kf = KeyFile::read(dir.path()).expect("key file");
    assert_eq!(kf.route, KeyRoute::Keychain);
    let stored = SystemKeychain
        .get(&kf.keychain_account)
        .expect("keychain answers");
    assert!(
        stored.is_some_and(|s| s.len() == 64),
        "the key is in the keychain"
    );
    let text = std::fs::read_to_string(KeyFile::path(dir.path())).expect("read key file");
    assert!(
        !text.contains(
            &SystemKeychain
                .get(&kf.keychain_account)
                .expect("get")
                .expect("some")
        ),
        "the key file never holds the key"
    );

    Store::open(dir.path(), &Unlock::Keychain, &SystemKeychain).expect("open from the keychain");

    SystemKeychain
        .delete(&kf.keychain_account)
        .expect("delete the entry");
    let e = Store::open(dir.path(), &Unlock::Keychain, &SystemKeychain).expect_err("entry gone");
    assert_eq!(e.code().as_str(), "store_key_not_in_keychain");
    assert!(e.to_string().contains("recovery key"), "{e}");

    let mut store = Store::open(dir.path(), &Unlock::Recovery(&recovery), &SystemKeychain)
        .expect("recovery key");
    store.login("admin", ADMIN_PASSWORD).expect("login");
    assert_eq!(
        store.client("C1").expect("client").fields["DOB"],
        "17/03/1981"
    );
    drop(store);
    // The recovery put the key back: the usual route works again.
    Store::open(dir.path(), &Unlock::Keychain, &SystemKeychain).expect("keychain again");
    SystemKeychain
        .delete(&kf.keychain_account)
        .expect("clean up");
}
