//! `ndtms validate` on bad input, `schema`, and `import` → `extract` → `transfer` → `history`
//! on a real encrypted database against the real portal stand-in process.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;

use common::{import_generated, init_agency, ndtms, ndtms_with, text};

fn validate(file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["validate", file.to_str().unwrap(), "--dataset", "AD"];
    args.extend_from_slice(extra);
    ndtms(file.parent().unwrap(), &args)
}

fn header() -> String {
    let o = ndtms(
        Path::new("."),
        &["schema", "--format", "table-schema", "--dataset", "AD"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn bad_files_get_line_and_column_and_exit_3() {
    let tmp = tempfile::tempdir().unwrap();
    let h = header();
    let width = h.split(',').count();
    let row = |first: &str| {
        let mut v = vec![String::new(); width];
        v[0] = first.to_owned();
        v.join(",")
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not-utf8.csv",
            [
                format!("{h}\n{}\n", row("N0852")).into_bytes(),
                b"N08\xe952".to_vec(),
                b"\n".to_vec(),
            ]
            .concat(),
            "line 3, column 1: value 1 is not UTF-8 text (byte 0xE9",
        ),
        (
            "bom.csv",
            [
                b"\xef\xbb\xbf".to_vec(),
                format!("{h}\n{}\n", row("N0852")).into_bytes(),
            ]
            .concat(),
            "line 1, column 1: the file starts with a byte-order mark",
        ),
        (
            "quote.csv",
            format!("{h}\n{}\n{}\n\"N0852,\n", row("N0852"), row("N0852")).into_bytes(),
            "line 4, column 1: a quoted value opened here is never closed",
        ),
        (
            "header-only.csv",
            format!("{h}\n").into_bytes(),
            "the file has a header row but no records",
        ),
        ("empty.csv", Vec::new(), "the file is empty"),
    ];
    for (name, bytes, want) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let o = validate(&path, &[]);
        assert_eq!(o.status.code(), Some(3), "{name}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{name}: {err}");
        assert!(err.contains(name), "{name}: the file is named: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Ragged rows are findings naming each line, not a refusal.
    let path = tmp.path().join("ragged.csv");
    std::fs::write(&path, format!("{h}\n{}\nN0852,Y\n", row("N0852"))).unwrap();
    let o = validate(&path, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.contains("line 3:") && l.contains(&format!("{width}"))),
        "{out}"
    );
}

#[test]
fn two_hundred_megabytes_of_random_bytes_are_refused_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("random.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..(200 << 20) / 8 {
        // xorshift: reproducible noise without a dependency.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        f.write_all(&x.to_le_bytes()).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let started = std::time::Instant::now();
    let o = validate(&path, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 1, column"), "{err}");
    // Not a speed assertion: a reader that slurped the file would take far longer than this.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn all_findings_stream_to_csv_while_only_the_limit_is_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("errors.csv");
    let o = ndtms(
        tmp.path(),
        &[
            "generate",
            "--dataset",
            "AD",
            "--clients",
            "300",
            "--seed",
            "5",
            "--error-rate",
            "0.3",
            "--month",
            "2026-10",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report = tmp.path().join("findings.csv");
    let html = tmp.path().join("findings.html");
    let o = validate(
        &file,
        &[
            "--as-of",
            "05/11/2026",
            "--limit",
            "5",
            "--report-csv",
            report.to_str().unwrap(),
            "--report-html",
            html.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let totals = out.lines().last().unwrap();
    let errors: u64 = totals
        .split(" errors")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let warnings: u64 = totals
        .split(" warnings")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mismatches: u64 = totals
        .split(" mismatches")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let total = errors + warnings + mismatches;
    assert!(total > 5, "{totals}");
    assert_eq!(
        out.lines()
            .filter(|l| l.contains(": error ")
                || l.contains(": warning ")
                || l.contains(": mismatch "))
            .count(),
        5,
        "{out}"
    );
    let mut r = csv::Reader::from_path(&report).unwrap();
    assert_eq!(r.records().count() as u64, total);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("more findings are counted above but not listed"));
}

#[test]
fn schemas_export() {
    let o = ndtms(
        Path::new("."),
        &["schema", "--format", "json-schema", "--dataset", "YP"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(
        v["required"].as_array().unwrap().len(),
        header().split(',').count()
    );
    let o = ndtms(
        Path::new("."),
        &["schema", "--format", "xml", "--dataset", "YP"],
    );
    assert_eq!(o.status.code(), Some(2));
}

/// `ndtms extract --offline` of October 2026 into `out`, as N0852_202610.csv and its manifest.
fn offline_extract(dir: &Path, out: &Path) -> Output {
    ndtms(
        dir,
        &[
            "--user",
            "admin",
            "extract",
            "--month",
            "2026-10",
            "--out",
            out.to_str().unwrap(),
            "--offline",
            "--pattern",
            "{agency}_{month}.csv",
        ],
    )
}

struct Standin(std::process::Child);

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn import_extract_transfer_history_and_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let run = |args: &[&str]| ndtms(&dir, args);
    init_agency(&dir);
    import_generated(&dir, &tmp.path().join("caseload.csv"), "60", "3", &[]);
    let out = tmp.path().join("usb");
    let o = offline_extract(&dir, &out);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 errors"), "{}", text(&o));
    let saved = out.join("N0852_202610.csv");
    assert!(saved.is_file() && out.join("N0852_202610.csv.manifest.json").is_file());
    // The saved extract passes `ndtms validate` too.
    let o = validate(&saved, &["--as-of", "05/11/2026"]);
    assert!(o.status.success(), "{}", text(&o));

    let standin_bin = Path::new(env!("CARGO_BIN_EXE_ndtms")).with_file_name("ndtms-portal-standin");
    assert!(
        standin_bin.is_file(),
        "{} is missing: build the workspace (cargo test --workspace builds it)",
        standin_bin.display()
    );
    let mut child = Command::new(&standin_bin)
        .args(["--user", "lead:portal-pass:cccccbcdefgh"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _guard = Standin(child);
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let transfer = |otp: &str, password: &str| {
        ndtms_with(
            &dir,
            &[
                "--user",
                "admin",
                "transfer",
                "--month",
                "2026-10",
                "--portal",
                &url,
                "--portal-user",
                "lead",
                "--pattern",
                "{agency}_{month}_sent.csv",
            ],
            &[
                ("NDTMS_PORTAL_PASSWORD", password),
                ("NDTMS_PORTAL_OTP", otp),
            ],
        )
    };
    let o = transfer("cccccbcdefghcccccccccccccccccccccccccccccccb", "wrong");
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    assert!(
        text(&o).contains("the portal refused the log-in"),
        "{}",
        text(&o)
    );
    let o = transfer(
        "cccccbcdefghcccccccccccccccccccccccccccccccd",
        "portal-pass",
    );
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("receipt R000001") && t.contains("load 100.0%"),
        "{t}"
    );
    assert!(t.contains("Sent 100%"), "{t}");
    assert!(!t.contains("portal-pass"), "the password is never printed");
    let o = run(&["--user", "admin", "history"]);
    let h = text(&o);
    assert_eq!(h.lines().count(), 2, "{h}");
    assert!(
        h.lines().next().unwrap().contains("transfer") && h.contains("(period locked)"),
        "{h}"
    );
}

#[test]
fn a_file_with_errors_is_not_sent_unless_acknowledged_and_an_absent_portal_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let run = |args: &[&str]| ndtms(&dir, args);
    init_agency(&dir);
    let errors = tmp.path().join("errors.csv");
    import_generated(&dir, &errors, "40", "8", &["--error-rate", "0.3"]);
    let transfer = |extra: &[&str]| {
        let mut args = vec![
            "--user",
            "admin",
            "transfer",
            "--month",
            "2026-10",
            "--portal",
            "http://127.0.0.1:9",
            "--portal-user",
            "lead",
            "--attempts",
            "1",
        ];
        args.extend_from_slice(extra);
        ndtms_with(
            &dir,
            &args,
            &[("NDTMS_PORTAL_PASSWORD", "p"), ("NDTMS_PORTAL_OTP", "o")],
        )
    };
    let o = transfer(&[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("errors; the portal would not load those records"),
        "{}",
        text(&o)
    );
    let o = transfer(&["--accept-errors"]);
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    assert!(text(&o).contains("could not be reached"), "{}", text(&o));
    let o = run(&["--user", "admin", "history"]);
    assert!(
        text(&o).contains("No extracts or transfers yet"),
        "{}",
        text(&o)
    );
}

#[test]
fn an_offline_extract_carried_out_and_uploaded_by_hand_is_confirmed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let run = |args: &[&str]| ndtms(&dir, args);
    init_agency(&dir);
    import_generated(&dir, &tmp.path().join("caseload.csv"), "30", "5", &[]);
    let out = tmp.path().join("usb");
    let o = offline_extract(&dir, &out);
    assert!(o.status.success(), "{}", text(&o));
    let carried = out.join("N0852_202610.csv");
    let confirm = || {
        run(&[
            "--user",
            "admin",
            "confirm-upload",
            carried.to_str().unwrap(),
        ])
    };
    let o = confirm();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("the period is locked"), "{}", text(&o));
    let h = text(&run(&["--user", "admin", "history"]));
    assert_eq!(h.lines().count(), 2, "{h}");
    assert!(
        h.lines().next().unwrap().contains("transfer") && h.contains("(period locked)"),
        "{h}"
    );
    let o = confirm();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("already confirmed"), "{}", text(&o));
    // A file damaged on the way is named, and nothing is recorded.
    let mut bytes = std::fs::read(&carried).unwrap();
    bytes[70] ^= 1;
    std::fs::write(&carried, bytes).unwrap();
    let o = confirm();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("N0852_202610.csv"), "{}", text(&o));
    assert_eq!(
        text(&run(&["--user", "admin", "history"])).lines().count(),
        2
    );
}
