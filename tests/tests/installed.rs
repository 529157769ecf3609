//! The installed package (issue 19): its files are where a desktop looks for them, the installed
//! app opens its first screen, how long that takes (median of several starts), and its memory
//! with a caseload of 10,000 clients. Run by `scripts/desk.sh package` once the .deb is
//! installed, with NDTMS_APP_BINARY=/usr/bin/ndtms-desk; the test refuses any other binary.

mod support;

use std::path::Path;
use std::time::Duration;

use ndtms_dataset::{Dataset, ReportingPeriod};
use ndtms_e2e::{App, app_binary};

const WAIT: Duration = Duration::from_secs(60);
const PASSPHRASE: &str = "installed package check";
const STARTS: usize = 5;
const CLIENTS: usize = 10_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
fn the_installed_app_starts_to_its_first_screen_and_holds_a_large_caseload() {
    assert_eq!(
        app_binary(),
        Path::new("/usr/bin/ndtms-desk"),
        "run with NDTMS_APP_BINARY=/usr/bin/ndtms-desk after installing the package"
    );
    // The package's files: both programs, the desktop entry and the icon sizes it names.
    for f in ["/usr/bin/ndtms-desk", "/usr/bin/ndtms"] {
        let mode = std::fs::metadata(f).map(|m| m.is_file()).unwrap_or(false);
        assert!(mode, "{f} is installed");
    }
    let desktop = std::fs::read_dir("/usr/share/applications")
        .expect("applications folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("Exec=ndtms-desk")))
        .expect("a desktop entry that starts ndtms-desk");
    let entry = std::fs::read_to_string(&desktop).expect("read the entry");
    assert!(entry.contains("Name=NDTMS Desk"), "{entry}");
    assert!(entry.contains("Icon=ndtms-desk"), "{entry}");
    for size in ["32x32", "128x128", "256x256"] {
        let icon = format!("/usr/share/icons/hicolor/{size}/apps/ndtms-desk.png");
        assert!(Path::new(&icon).is_file(), "{icon}");
    }
    let cli = std::process::Command::new("/usr/bin/ndtms")
        .arg("reference")
        .output()
        .expect("run the installed ndtms");
    assert!(cli.status.success(), "{cli:?}");
    assert!(String::from_utf8_lossy(&cli.stdout).contains("CDS-R"));

    // Starts on an empty folder: the first screen offers set-up.
    let mut starts = Vec::new();
    let mut baseline = Vec::new();
    for i in 0..STARTS {
        let dir = tempfile::tempdir().expect("temp");
        let app = App::launch(&[("NDTMS_DESK_DATA_DIR", dir.path().to_str().expect("utf8"))])
            .expect("launch the installed app");
        app.wait_for_text("[data-testid=app-version]", env!("CARGO_PKG_VERSION"), WAIT)
            .expect("the first screen");
        starts.push(app.started.elapsed());
        if i == 0 {
            app.screenshot("installed-first-screen")
                .expect("screenshot");
            // What the window costs before any data: the baseline the caseload adds to.
            baseline = app.memory().expect("memory");
        }
    }
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let shown = |m: &[(String, u64)]| {
        let total: u64 = m.iter().map(|(_, b)| b).sum();
        let parts: Vec<String> = m
            .iter()
            .map(|(n, b)| format!("{n} {:.0} MiB", mib(*b)))
            .collect();
        format!("{:.0} MiB in all ({})", mib(total), parts.join(", "))
    };
    println!(
        "memory at the first screen, no database: {}",
        shown(&baseline)
    );
    println!(
        "installed app, start to first screen (includes WebDriver's polling): {} ms median of {STARTS}; each {:?} ms",
        median(starts.clone()).as_millis(),
        starts.iter().map(Duration::as_millis).collect::<Vec<_>>()
    );

    // A caseload of 10,000 clients, listed on screen: the memory of the app and its web views.
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    let mut store = support::passphrase_database(&data, PASSPHRASE, Dataset::AD);
    let period = ReportingPeriod::for_data_month(2026, 10).expect("month");
    support::import(
        &mut store,
        &support::generated(Dataset::AD, CLIENTS, 5, 0.0, period),
    );
    drop(store);
    let app = support::launch_and_unlock(&data, PASSPHRASE);
    support::log_in(&app, "ada", support::PASSWORD);
    app.wait_for_text("[data-testid=caseload-count]", "of 10,000 clients", WAIT)
        .expect("the caseload of 10,000");
    app.screenshot("installed-caseload").expect("screenshot");
    let memory = app.memory().expect("memory");
    assert!(memory.iter().any(|(_, b)| *b > 0), "{memory:?}");
    println!(
        "memory with the caseload of {CLIENTS} shown: {}",
        shown(&memory)
    );
}
