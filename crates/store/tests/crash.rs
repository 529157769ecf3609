//! A writer killed with SIGKILL mid-stream loses no committed write and leaves a sound database.
//!
//! The test re-runs its own binary as the writer (`crash_child_writer` reads its folder from the
//! environment), reads each acknowledged write from the child's output, kills it at a random
//! moment, then reopens the database and checks every acknowledged write and `integrity_check`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use ndtms_store::records::{Entity, RecordKey};
use ndtms_store::{Store, SystemKeychain, Unlock};

const CHILD_ENV: &str = "NDTMS_CRASH_CHILD_DIR";

/// Runs only as the child: writes records and drafts forever, acknowledging each commit.
#[test]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let mut store =
        Store::open(&dir, &Unlock::Passphrase(PASSPHRASE), &SystemKeychain).expect("open");
    store.login("admin", ADMIN_PASSWORD).expect("login");
    let start: usize = std::env::var("NDTMS_CRASH_START")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    for i in start.. {
        let reference = format!("K{i:06}");
        store
            .save(
                Entity::Client,
                &RecordKey::client(&reference),
                &fields(&[("CLIENTID", &reference), ("DOB", "01/02/1990")]),
            )
            .expect("save");
        store
            .save_draft(
                Entity::Client,
                "typing",
                &fields(&[("NOTE", &reference)]),
                "NOTE",
            )
            .expect("draft");
        println!("committed {i}");
    }
}

#[test]
fn sigkill_during_writes_keeps_every_committed_write() {
    let dir = tempfile::tempdir().expect("temp");
    let (store, _) = new_store(dir.path());
    drop(store);
    let exe = std::env::current_exe().expect("test binary");
    let mut acknowledged = 0usize;
    let rounds = 12;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_writer",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(CHILD_ENV, dir.path())
            .env("NDTMS_CRASH_START", acknowledged.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn writer");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Kill after a varying number of acknowledged writes.
        let want = 5 + (round * 7) % 23;
        let mut got = 0;
        let deadline = Instant::now() + Duration::from_secs(60);
        while got < want && Instant::now() < deadline {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("committed ") => {
                    let i: usize = line["committed ".len()..].parse().expect("number");
                    acknowledged = acknowledged.max(i + 1);
                    got += 1;
                }
                Some(Ok(_)) => {}
                _ => break,
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        assert!(got > 0, "round {round}: the writer acknowledged nothing");
        // Drain what the child wrote before it died: those writes were committed too.
        for line in lines.map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("committed ") {
                acknowledged = acknowledged.max(n.parse::<usize>().expect("number") + 1);
            }
        }
        let mut store = Store::open(dir.path(), &Unlock::Passphrase(PASSPHRASE), &SystemKeychain)
            .expect("reopen after kill");
        assert_eq!(
            store.integrity().expect("integrity"),
            ["ok"],
            "round {round}"
        );
        store.login("admin", ADMIN_PASSWORD).expect("login");
        let clients = store.clients().expect("clients");
        for i in 0..acknowledged {
            let r = format!("K{i:06}");
            assert!(
                clients.iter().any(|c| c.reference == r),
                "round {round}: acknowledged write {r} is missing"
            );
        }
        let (_, problems) = store.verify_audit().expect("audit");
        assert!(problems.is_empty(), "round {round}: {problems:?}");
    }
    assert!(
        acknowledged >= rounds,
        "only {acknowledged} writes acknowledged"
    );
}
