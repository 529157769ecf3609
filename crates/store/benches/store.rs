//! Store speed, encrypted against plain: insert 10,000 generated clients with all their records,
//! load one client with everything, list the caseload, build the caseload screen's list and
//! search it keystroke by keystroke; back up, check, restore, re-key and check the audit trail on
//! that store; and the open time by keychain and passphrase.
//!
//! Run: `cargo bench -p ndtms-store --features plaintext-benchmark --bench store`
//! (needs a Secret Service for the keychain figure; without one it is skipped and says so).

use std::time::{Duration, Instant};

use ndtms_dataset::{Dataset, GenerateOptions, ReferenceData, ReportingPeriod, generate};
use ndtms_store::{Agency, KeyRoute, NewUser, Role, Setup, Store, SystemKeychain, Unlock};

const CLIENTS: usize = 10_000;
const RUNS: usize = 3;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

const MEASURES: [&str; 6] = [
    "insert 10,000 clients (all records)",
    "load one client with everything",
    "list the caseload of 10,000",
    "caseload screen: first list",
    "caseload search keystroke, median",
    "caseload search keystroke, 95th pct",
];

/// One search keystroke: the first 100 rows of what matches `text`, as the screen asks.
fn search(store: &mut Store, text: &str) -> Duration {
    use ndtms_store::caseload::{CaseloadFilter, CaseloadQuery};
    let t = Instant::now();
    let page = store
        .caseload(&CaseloadQuery {
            text: text.to_owned(),
            mine: false,
            filter: CaseloadFilter::All,
            offset: 0,
            limit: 100,
        })
        .expect("caseload");
    assert!(page.clients as usize == CLIENTS);
    t.elapsed()
}

fn workload(
    store: &mut Store,
    _cat: &ndtms_dataset::Catalogue,
    g: &ndtms_dataset::Generated,
) -> [Duration; 6] {
    store.login("admin", "admin password 1").expect("login");
    let t = Instant::now();
    store.import_rows(&g.headers, &g.rows).expect("import");
    let insert = t.elapsed();
    let t = Instant::now();
    let mut n = 0;
    for i in (0..CLIENTS).step_by(CLIENTS / 100) {
        n += store
            .client(&format!("C{i:06}"))
            .map(|c| c.episodes.len())
            .unwrap_or(0);
    }
    let load_one = t.elapsed() / 100;
    assert!(n > 0);
    let t = Instant::now();
    let list = store.clients().expect("list");
    let list_all = t.elapsed();
    assert_eq!(list.len(), CLIENTS);
    let first = search(store, "");
    // Typing references, initials and a date of birth, one character at a time.
    let mut keys = Vec::new();
    for word in [
        "c0012",
        "ab",
        "c00999",
        "17/03/1981",
        "zz",
        "c000",
        "m",
        "c0099",
    ] {
        for end in 1..=word.len() {
            keys.push(search(store, &word[..end]));
        }
        keys.push(search(store, ""));
    }
    keys.sort();
    let p95 = keys[keys.len() * 95 / 100];
    [insert, load_one, list_all, first, median(keys), p95]
}

const SAFEKEEPING: [&str; 5] = [
    "back up (copy, check, key sidecar)",
    "check a backup before restoring",
    "restore a backup in place",
    "re-key (new passphrase)",
    "check the audit trail",
];

/// What an administrator waits for on the Backups and Security screens, on the full store.
fn safekeeping(store: &mut Store, dir: &std::path::Path) -> [Duration; 5] {
    let folder = dir.join("backups");
    let t = Instant::now();
    let backup = store.backup_to(&folder).expect("backup");
    let back_up = t.elapsed();
    let t = Instant::now();
    store.inspect_backup(&backup).expect("inspect");
    let inspect = t.elapsed();
    let t = Instant::now();
    store.restore_from(&backup).expect("restore");
    let restore = t.elapsed();
    store
        .login("admin", "admin password 1")
        .expect("login after restore");
    let t = Instant::now();
    store
        .rekey(Some("another benchmark passphrase"), &SystemKeychain)
        .expect("rekey");
    let rekey = t.elapsed();
    let t = Instant::now();
    let (entries, problems) = store.verify_audit().expect("verify");
    let verify = t.elapsed();
    assert!(entries > 0 && problems.is_empty(), "{problems:?}");
    [back_up, inspect, restore, rekey, verify]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let data = ReferenceData::shipped().expect("reference data");
    let period = ReportingPeriod::for_data_month(2025, 10).expect("month");
    let cat = &data.version_on(period.end).expect("version").catalogue;
    let g = generate(
        cat,
        &GenerateOptions {
            dataset: Dataset::AD,
            clients: CLIENTS,
            seed: 4,
            error_rate: 0.0,
            period,
        },
    );
    println!(
        "workload: {CLIENTS} clients, {} rows, every record kind",
        g.rows.len()
    );
    let agency = Agency {
        code: "N0852".into(),
        dataset: Dataset::AD,
        name: String::new(),
    };
    let admin = NewUser {
        username: "admin",
        display_name: "Admin",
        role: Role::Administrator,
        password: "admin password 1",
    };
    let mut enc: Vec<Vec<Duration>> = vec![vec![]; MEASURES.len()];
    let mut plain: Vec<Vec<Duration>> = vec![vec![]; MEASURES.len()];
    let mut safe: Vec<Vec<Duration>> = vec![vec![]; SAFEKEEPING.len()];
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().expect("temp");
        let setup = Setup {
            route: KeyRoute::Passphrase,
            passphrase: Some("benchmark passphrase"),
            agency: agency.clone(),
            admin: admin.clone(),
        };
        let (mut s, _) = Store::create(dir.path(), &setup, &SystemKeychain).expect("create");
        for (i, d) in workload(&mut s, cat, &g).into_iter().enumerate() {
            enc[i].push(d);
        }
        for (i, d) in safekeeping(&mut s, dir.path()).into_iter().enumerate() {
            safe[i].push(d);
        }
        let dir = tempfile::tempdir().expect("temp");
        let mut s =
            Store::create_unencrypted_for_benchmark(dir.path(), &agency, &admin).expect("plain");
        for (i, d) in workload(&mut s, cat, &g).into_iter().enumerate() {
            plain[i].push(d);
        }
    }
    println!(
        "{:<38} {:>12} {:>12} {:>7}",
        "median of 3", "encrypted", "plain", "ratio"
    );
    for ((name, e), p) in MEASURES.iter().zip(enc).zip(plain) {
        let (e, p) = (median(e), median(p));
        println!(
            "{name:<38} {:>12} {:>12} {:>7.2}",
            ms(e),
            ms(p),
            e.as_secs_f64() / p.as_secs_f64()
        );
    }

    println!("on the encrypted store of {CLIENTS} clients, median of {RUNS}:");
    for (name, d) in SAFEKEEPING.iter().zip(safe) {
        println!("{name:<38} {:>12}", ms(median(d)));
    }

    // Open times.
    let dir = tempfile::tempdir().expect("temp");
    let setup = Setup {
        route: KeyRoute::Passphrase,
        passphrase: Some("benchmark passphrase"),
        agency: agency.clone(),
        admin: admin.clone(),
    };
    drop(Store::create(dir.path(), &setup, &SystemKeychain).expect("create"));
    let times: Vec<_> = (0..5)
        .map(|_| {
            let t = Instant::now();
            drop(
                Store::open(
                    dir.path(),
                    &Unlock::Passphrase("benchmark passphrase"),
                    &SystemKeychain,
                )
                .expect("open"),
            );
            t.elapsed()
        })
        .collect();
    println!(
        "open with passphrase (Argon2id 64 MiB, t=3): {}",
        ms(median(times))
    );
    let dir = tempfile::tempdir().expect("temp");
    let setup = Setup {
        route: KeyRoute::Keychain,
        passphrase: None,
        agency,
        admin,
    };
    match Store::create(dir.path(), &setup, &SystemKeychain) {
        Ok((s, _)) => {
            drop(s);
            let times: Vec<_> = (0..5)
                .map(|_| {
                    let t = Instant::now();
                    drop(
                        Store::open(dir.path(), &Unlock::Keychain, &SystemKeychain).expect("open"),
                    );
                    t.elapsed()
                })
                .collect();
            println!(
                "open with keychain key (Secret Service): {}",
                ms(median(times))
            );
            let kf = ndtms_store::KeyFile::read(dir.path()).expect("key file");
            let _ = ndtms_store::Keychain::delete(&SystemKeychain, &kf.keychain_account);
        }
        Err(e) => println!("open with keychain key: not measured ({e})"),
    }
}
