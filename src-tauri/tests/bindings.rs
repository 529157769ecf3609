//! Fails when `ui/src/bindings/` no longer matches the Rust types that cross the IPC boundary.
//!
//! Run with `UPDATE_BINDINGS=1` to regenerate the files, then commit them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

fn export_all(dir: &Path) {
    let cfg = Config::new().with_out_dir(dir);
    ndtms_desk::bindings::export_all(&cfg).expect("ts-rs export");
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "ts") {
                let name = path
                    .file_name()
                    .expect("file name")
                    .to_string_lossy()
                    .into_owned();
                files.insert(name, std::fs::read_to_string(&path).expect("read binding"));
            }
        }
    }
    files
}

#[test]
fn committed_bindings_match_the_rust_types() {
    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
    let fresh_dir = tempfile::tempdir().expect("temp dir");
    export_all(fresh_dir.path());
    let fresh = read_dir(fresh_dir.path());
    assert!(
        fresh.contains_key("AppInfo.ts"),
        "export produced {:?}",
        fresh.keys()
    );

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(&committed_dir).expect("create bindings dir");
        for old in read_dir(&committed_dir).keys() {
            std::fs::remove_file(committed_dir.join(old)).expect("remove stale binding");
        }
        for (name, text) in &fresh {
            std::fs::write(committed_dir.join(name), text).expect("write binding");
        }
        return;
    }
    let committed = read_dir(&committed_dir);
    let mut stale = Vec::new();
    for (name, text) in &fresh {
        match committed.get(name) {
            Some(c) if c == text => {}
            Some(_) => stale.push(format!("{name} differs")),
            None => stale.push(format!("{name} is missing")),
        }
    }
    for name in committed.keys().filter(|n| !fresh.contains_key(*n)) {
        stale.push(format!("{name} no longer matches any Rust type"));
    }
    assert!(
        stale.is_empty(),
        "ui/src/bindings is stale: {}.\nRegenerate with: UPDATE_BINDINGS=1 cargo test -p ndtms-desk --test bindings",
        stale.join("; ")
    );
}

#[test]
fn app_error_binding_has_a_typed_code_and_a_message() {
    let decl = ndtms_desk::bindings::AppError::decl(&Config::new());
    assert!(
        decl.contains("code: ErrorCode") && decl.contains("message: string"),
        "{decl}"
    );
}

#[test]
fn every_command_has_a_typed_wrapper() {
    let dir = tempfile::tempdir().expect("temp dir");
    export_all(dir.path());
    let ts = std::fs::read_to_string(dir.path().join("commands.ts")).expect("commands.ts");
    let sigs = ndtms_desk::ipc::signatures(&Config::new());
    assert!(sigs.len() >= 9, "{} commands", sigs.len());
    for s in &sigs {
        assert!(
            ts.contains(&format!("call(\"{}\"", s.name)),
            "{} has no wrapper",
            s.name
        );
    }
    // Tauri takes arguments in camelCase; the wrapper must send them so.
    assert!(
        ts.contains("unlock: (passphrase: string | null, recoveryKey: string | null)"),
        "{ts}"
    );
}
