//! SIGKILL during a re-key, a backup or a restore (issue 18 item 8): over many kills at varying
//! moments, the database always opens (with the secrets in force before or after), nothing
//! acknowledged is lost, every backup under its final name is whole, and the audit trail checks.
//!
//! As in `crash.rs`, the test re-runs its own binary as the child (`crash_child_safekeeping`,
//! which reads its folder and mode from the environment), reads what the child acknowledges,
//! kills it, then reopens and checks.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use ndtms_store::records::{Entity, RecordKey};
use ndtms_store::{Store, SystemKeychain, Unlock};

const DIR: &str = "NDTMS_SAFEKEEPING_CHILD_DIR";
const MODE: &str = "NDTMS_SAFEKEEPING_CHILD_MODE";
const OTHER: &str = "a second long passphrase";

fn add(store: &mut Store, reference: &str) {
    store
        .save(
            Entity::Client,
            &RecordKey::client(reference),
            &fields(&[("CLIENTID", reference)]),
        )
        .expect("save");
}

fn other(p: &str) -> &'static str {
    if p == PASSPHRASE { OTHER } else { PASSPHRASE }
}

/// Runs only as the child: a write, then the operation, forever, acknowledging each.
#[test]
fn crash_child_safekeeping() {
    let (Some(dir), Ok(mode)) = (std::env::var_os(DIR), std::env::var(MODE)) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let mut passphrase: &str = &std::env::var("NDTMS_CHILD_PASSPHRASE").expect("passphrase");
    let start: usize = std::env::var("NDTMS_CHILD_START")
        .expect("start")
        .parse()
        .expect("number");
    let mut store =
        Store::open(&dir, &Unlock::Passphrase(passphrase), &SystemKeychain).expect("open");
    store.login("admin", ADMIN_PASSWORD).expect("login");
    for i in start.. {
        let reference = format!("K{i:06}");
        add(&mut store, &reference);
        println!("committed {i}");
        match mode.as_str() {
            "rekey" => {
                let next = other(passphrase);
                store.rekey(Some(next), &SystemKeychain).expect("rekey");
                passphrase = next;
                println!("passphrase {passphrase}");
            }
            "backup" => {
                let path = store.backup_to(&dir.join("backups")).expect("backup");
                println!("backup {}", path.display());
            }
            "restore" => {
                store
                    .restore_from(&dir.join("keep").join("base.db"))
                    .expect("restore");
                println!("restored");
            }
            other => panic!("unknown mode {other}"),
        }
    }
}

/// What the child acknowledged before it was killed.
#[derive(Debug, Default)]
struct Acknowledged {
    writes: usize,
    passphrase: Option<String>,
    backups: Vec<PathBuf>,
    restored: bool,
}

fn run_child(dir: &Path, mode: &str, passphrase: &str, start: usize, want: usize) -> Acknowledged {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "crash_child_safekeeping",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(DIR, dir)
        .env(MODE, mode)
        .env("NDTMS_CHILD_PASSPHRASE", passphrase)
        .env("NDTMS_CHILD_START", start.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut ack = Acknowledged {
        writes: start,
        ..Default::default()
    };
    let read = |line: &str, ack: &mut Acknowledged| {
        if let Some(n) = line.strip_prefix("committed ") {
            ack.writes = ack.writes.max(n.parse::<usize>().expect("number") + 1);
        } else if let Some(p) = line.strip_prefix("passphrase ") {
            ack.passphrase = Some(p.to_owned());
        } else if let Some(p) = line.strip_prefix("backup ") {
            ack.backups.push(PathBuf::from(p));
        } else if line == "restored" {
            ack.restored = true;
        }
    };
    // Kill part-way through an operation: after `want` lines, plus a varying few milliseconds.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut seen = 0;
    while seen < want && Instant::now() < deadline {
        match lines.next() {
            Some(Ok(line)) => {
                read(&line, &mut ack);
                seen += 1;
            }
            _ => break,
        }
    }
    std::thread::sleep(Duration::from_millis((want as u64 * 13) % 40));
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    for line in lines.map_while(Result::ok) {
        read(&line, &mut ack);
    }
    assert!(seen > 0, "{mode}: the child acknowledged nothing");
    ack
}

/// Opens with `first`, else the other passphrase; answers with the store and the one that did.
fn open_either(dir: &Path, first: &str) -> (Store, String) {
    match Store::open(dir, &Unlock::Passphrase(first), &SystemKeychain) {
        Ok(s) => (s, first.to_owned()),
        Err(e) => {
            let second = other(first);
            let s = Store::open(dir, &Unlock::Passphrase(second), &SystemKeychain)
                .unwrap_or_else(|e2| panic!("opens with neither passphrase: {e}; {e2}"));
            (s, second.to_owned())
        }
    }
}

fn check(dir: &Path, passphrase: &str, writes: usize, round: usize, mode: &str) -> (Store, String) {
    let (mut store, used) = open_either(dir, passphrase);
    assert_eq!(
        store.integrity().expect("integrity"),
        ["ok"],
        "{mode} {round}"
    );
    store.login("admin", ADMIN_PASSWORD).expect("login");
    let (_, problems) = store.verify_audit().expect("audit");
    assert!(problems.is_empty(), "{mode} {round}: {problems:?}");
    let clients = store.clients().expect("clients");
    if mode != "restore" {
        for i in 0..writes {
            let r = format!("K{i:06}");
            assert!(
                clients.iter().any(|c| c.reference == r),
                "{mode} {round}: acknowledged write {r} is missing"
            );
        }
    }
    (store, used)
}

#[test]
fn sigkill_during_rekey_keeps_every_write_and_the_database_opens_with_the_old_or_new_passphrase() {
    let dir = tempfile::tempdir().expect("temp");
    drop(new_store(dir.path()));
    let mut passphrase = PASSPHRASE.to_owned();
    let mut writes = 0;
    for round in 0..12 {
        let ack = run_child(dir.path(), "rekey", &passphrase, writes, 2 + round % 5);
        writes = ack.writes;
        let expected = ack.passphrase.unwrap_or(passphrase.clone());
        let (store, used) = check(dir.path(), &expected, writes, round, "rekey");
        drop(store);
        passphrase = used;
    }
    assert!(writes >= 8);
}

#[test]
fn sigkill_during_backups_keeps_every_write_and_leaves_only_whole_backups() {
    let dir = tempfile::tempdir().expect("temp");
    drop(new_store(dir.path()));
    let mut writes = 0;
    let mut acknowledged = Vec::new();
    for round in 0..12 {
        let ack = run_child(dir.path(), "backup", PASSPHRASE, writes, 3 + round % 6);
        writes = ack.writes;
        acknowledged.extend(ack.backups);
        let (mut store, _) = check(dir.path(), PASSPHRASE, writes, round, "backup");
        // Every backup under its final name, acknowledged or not, is whole and restores here.
        let all = ndtms_store::backup::list_backups(&dir.path().join("backups")).expect("list");
        for b in &acknowledged {
            assert!(
                all.contains(b),
                "round {round}: acknowledged {} is gone",
                b.display()
            );
        }
        for b in &all {
            let c = store
                .inspect_backup(b)
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert_eq!(c.integrity, "ok");
            assert!(
                ndtms_store::backup::key_file_of(b).is_file(),
                "{}",
                b.display()
            );
        }
    }
    assert!(acknowledged.len() >= 8);
}

#[test]
fn sigkill_during_restores_leaves_the_database_before_or_after_and_the_trail_checked() {
    let dir = tempfile::tempdir().expect("temp");
    let (mut store, _) = new_store(dir.path());
    add(&mut store, "BASE1");
    let made = store.backup_to(&dir.path().join("keep")).expect("backup");
    std::fs::rename(&made, dir.path().join("keep").join("base.db")).expect("name");
    std::fs::rename(
        ndtms_store::backup::key_file_of(&made),
        dir.path().join("keep").join("base.keys.json"),
    )
    .expect("name");
    drop(store);
    let mut writes = 0;
    let mut restores = 0;
    for round in 0..12 {
        let ack = run_child(dir.path(), "restore", PASSPHRASE, writes, 2 + round % 5);
        writes = ack.writes;
        restores += usize::from(ack.restored);
        let (mut store, _) = check(dir.path(), PASSPHRASE, writes, round, "restore");
        // Before or after a restore: the backup's client is there, with at most the one write
        // made since the last restore finished.
        let clients = store.clients().expect("clients");
        assert!(
            clients.iter().any(|c| c.reference == "BASE1"),
            "round {round}"
        );
        assert!(clients.len() <= 2, "round {round}: {clients:?}");
    }
    assert!(restores > 0);
}
