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
