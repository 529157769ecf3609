//! The `ndtms` binary: help, version, reference data, periods, and generate → validate round trips.

use std::process::{Command, Output};

fn ndtms(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ndtms"))
        .args(args)
        .output()
        .expect("run ndtms")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn help_and_version() {
    let help = ndtms(&["--help"]);
    assert!(help.status.success());
    let text = stdout(&help);
    for cmd in ["reference", "period", "generate", "validate"] {
        assert!(text.contains(cmd), "--help lists {cmd}: {text}");
    }
    let version = ndtms(&["--version"]);
    assert_eq!(
        stdout(&version).trim(),
        format!("ndtms {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn reference_reports_version_checksum_and_provenance() {
    let out = ndtms(&["reference", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(info["letter"], "R");
    assert_eq!(info["sha256"].as_str().map(str::len), Some(64));
    assert!(
        info["provenance"]
            .as_array()
            .is_some_and(|p| p.iter().any(|t| t["tag"] == "assumed"))
    );
}

#[test]
fn a_broken_reference_folder_is_named_with_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("versions.csv"), "letter,name,release,effective_from,effective_to,folder,provenance,note\nR,x,1,2024-99-01,,cds-r,seed,\n").expect("write");
    let out = ndtms(&[
        "--reference-data",
        dir.path().to_str().expect("utf8"),
        "reference",
    ]);
    // Exit 4: the reference data cannot be used; the code is printed for scripts.
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[reference_invalid]"), "{err}");
    assert!(
        err.contains("versions.csv, line 2, column effective_from, value '2024-99-01'"),
        "{err}"
    );
    assert!(
        err.contains("cds-r/fields.csv: the file is missing"),
        "{err}"
    );
}

#[test]
fn seed_period_example() {
    let out = ndtms(&["period", "--month", "2023-06", "--end", "14/07/2023"]);
    assert_eq!(stdout(&out).trim(), "01/01/2021 to 14/07/2023");
    let out = ndtms(&["period", "--month", "2023-08"]);
    assert_eq!(stdout(&out).trim(), "01/01/2022 to 31/08/2023");
    // A moved end before the data month begins, or after today, is refused with its reason.
    let out = ndtms(&["period", "--month", "2023-06", "--end", "31/05/2023"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("before the data month begins (01/06/2023)"),
        "{err}"
    );
    let out = ndtms(&["period", "--month", "2023-06", "--end", "01/01/2100"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is after today"), "{err}");
}

#[test]
fn generated_clean_file_validates_and_injected_errors_fail() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clean = dir.path().join("clean.csv");
    let bad = dir.path().join("bad.csv");
    let c = clean.to_str().expect("utf8");
    let b = bad.to_str().expect("utf8");
    let common = [
        "--dataset",
        "YP",
        "--clients",
        "40",
        "--seed",
        "5",
        "--month",
        "2025-09",
    ];
    assert!(
        ndtms(&[&["generate"][..], &common, &["-o", c]].concat())
            .status
            .success()
    );
    assert!(
        ndtms(
            &[
                &["generate"][..],
                &common,
                &["-o", b, "--error-rate", "0.3"]
            ]
            .concat()
        )
        .status
        .success()
    );

    let ok = ndtms(&["validate", c, "--dataset", "YP", "--as-of", "30/09/2025"]);
    assert!(ok.status.success(), "{}", stdout(&ok));
    assert!(
        stdout(&ok)
            .contains("0 errors, 0 warnings, 0 mismatches; load 100.0%, data quality 100.0%"),
        "{}",
        stdout(&ok)
    );

    let fail = ndtms(&["validate", b, "--dataset", "YP", "--as-of", "30/09/2025"]);
    assert_eq!(fail.status.code(), Some(1));
    let text = stdout(&fail);
    assert!(text.contains(": error "), "{text}");
    assert!(text.contains("line "), "{text}");
    // One thread or several: the same report, finding for finding.
    let every = [
        "validate",
        b,
        "--dataset",
        "YP",
        "--as-of",
        "30/09/2025",
        "--limit",
        "100000",
    ];
    let all = ndtms(&every);
    for threads in ["0", "1", "3"] {
        let again = ndtms(&[&every[..], &["--threads", threads]].concat());
        assert_eq!(again.status.code(), Some(1));
        assert_eq!(stdout(&again), stdout(&all), "--threads {threads}");
    }

    // The same file judged as another dataset: its fields are in the wrong columns.
    let wrong = ndtms(&[
        "validate",
        c,
        "--dataset",
        "AD",
        "--as-of",
        "30/09/2025",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&wrong.stdout).expect("json");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&"AGE-001") && rules.contains(&"DS-001"),
        "{rules:?}"
    );
}

#[test]
fn same_seed_same_bytes() {
    let a = ndtms(&[
        "generate",
        "--dataset",
        "SA",
        "--clients",
        "30",
        "--seed",
        "9",
        "--month",
        "2025-01",
    ]);
    let b = ndtms(&[
        "generate",
        "--dataset",
        "SA",
        "--clients",
        "30",
        "--seed",
        "9",
        "--month",
        "2025-01",
    ]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert!(a.stdout.starts_with(b"AGENCY,CONSENT,CLIENTID,"));
}

#[test]
fn bad_arguments_are_explained() {
    let out = ndtms(&["validate", "/no/such.csv", "--dataset", "AD"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "exit 3: the input given is not acceptable"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error[file_io]: cannot open /no/such.csv"),
        "{err}"
    );
    let out = ndtms(&["generate", "--dataset", "XX", "--clients", "1"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("'XX' is not a dataset"));
}
