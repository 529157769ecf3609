//! Shared helpers for the CLI's integration tests: run `ndtms` against a data folder.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `ndtms` with the test database's secrets and any extra environment.
pub fn ndtms_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ndtms"));
    c.args(args)
        .env("NDTMS_DESK_DATA_DIR", dir)
        .env("NDTMS_PASSWORD", "admin password 1")
        .env("NDTMS_PASSPHRASE", "correct horse battery staple")
        .env_remove("NDTMS_RECOVERY_KEY")
        .env_remove("NDTMS_PORTAL_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run ndtms")
}

pub fn ndtms(dir: &Path, args: &[&str]) -> Output {
    ndtms_with(dir, args, &[])
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `ndtms init` of agency N0852 (dataset AD) with the user `admin`, on the passphrase route;
/// fails the test if it fails, and returns what it printed (the recovery key among it).
pub fn init_agency(dir: &Path) -> String {
    let o = ndtms(
        dir,
        &[
            "init",
            "--agency",
            "N0852",
            "--dataset",
            "AD",
            "--admin",
            "admin",
            "--passphrase",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

/// Generates `clients` AD clients for October 2026 into `file` (with any further `generate`
/// options) and imports them as `admin`; fails the test if either step fails.
pub fn import_generated(dir: &Path, file: &Path, clients: &str, seed: &str, extra: &[&str]) {
    let file = file.to_str().expect("UTF-8 path");
    let mut args = vec![
        "generate",
        "--dataset",
        "AD",
        "--clients",
        clients,
        "--seed",
        seed,
        "--month",
        "2026-10",
        "--output",
        file,
    ];
    args.extend_from_slice(extra);
    let o = ndtms(dir, &args);
    assert!(o.status.success(), "{}", text(&o));
    let o = ndtms(dir, &["--user", "admin", "import", file]);
    assert!(o.status.success(), "{}", text(&o));
}
