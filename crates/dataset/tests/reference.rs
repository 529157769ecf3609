//! Loading reference data: the shipped copy, a provider's folder, versions by date, and every kind of broken file.

use std::path::Path;

use chrono::NaiveDate;
use ndtms_dataset::{Dataset, FileSet, ReferenceData, ReferenceError, Validator};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

/// Writes the shipped reference data into a fresh folder to edit.
fn copy_shipped() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, bytes) in FileSet::shipped().files {
        let target = dir.path().join(&path);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
    dir
}

fn edit(dir: &Path, file: &str, f: impl FnOnce(String) -> String) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, f(text)).expect("write");
}

fn problems(dir: &Path) -> Vec<ndtms_dataset::ReferenceProblem> {
    match ReferenceData::from_dir(dir) {
        Err(ReferenceError::Invalid(p)) => p,
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn shipped_data_loads_and_a_copy_has_the_same_checksum() {
    let shipped = ReferenceData::shipped().expect("shipped loads");
    let dir = copy_shipped();
    let copy = ReferenceData::from_dir(dir.path()).expect("copy loads");
    assert_eq!(shipped.sha256, copy.sha256);
    assert_eq!(shipped.sha256.len(), 64);
    let info = copy.info_on(d(2025, 1, 1)).expect("in force");
    assert!(!info.shipped);
    assert_eq!(info.source, dir.path().display().to_string());
    let total: u32 = info.provenance.iter().map(|p| p.fields).sum();
    assert_eq!(total, info.field_count);
}

#[test]
fn a_provider_folder_replaces_the_shipped_tables() {
    let dir = copy_shipped();
    edit(dir.path(), "cds-r/codelists/SEX.csv", |t| {
        format!("{t}X,Indeterminate,,,seed\n")
    });
    let data = ReferenceData::from_dir(dir.path()).expect("loads");
    assert_ne!(
        data.sha256,
        ReferenceData::shipped().expect("shipped").sha256
    );
    let cat = &data.version_on(d(2025, 1, 1)).expect("in force").catalogue;
    let v = Validator::new(cat, Dataset::AD, d(2025, 1, 1));
    assert!(
        v.check_field("SEX", "X").is_empty(),
        "the provider's code is accepted"
    );
    let shipped = ReferenceData::shipped().expect("shipped");
    let v = Validator::new(&shipped.versions[0].catalogue, Dataset::AD, d(2025, 1, 1));
    assert_eq!(v.check_field("SEX", "X")[0].rule, "FLD-002");
}

#[test]
fn the_version_in_force_is_chosen_by_date() {
    let dir = copy_shipped();
    // Add a later dataset letter beside R, as the next review would: data only.
    let from = dir.path().join("cds-r");
    let to = dir.path().join("cds-s");
    for entry in walk(&from) {
        let target = to.join(entry.strip_prefix(&from).expect("prefix"));
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&entry, &target).expect("copy");
    }
    edit(dir.path(), "versions.csv", |t| {
        let t = t.replace(",2024-04-01,,cds-r,", ",2024-04-01,2026-03-31,cds-r,");
        format!("{t}S,Core Dataset S (CDS-S),test.1,2026-04-01,,cds-s,assumed,\n")
    });
    let data = ReferenceData::from_dir(dir.path()).expect("loads");
    assert_eq!(data.version_on(d(2025, 6, 1)).expect("R").letter, "R");
    assert_eq!(data.version_on(d(2026, 4, 1)).expect("S").letter, "S");
    assert_eq!(data.version_on(d(2026, 3, 31)).expect("R").letter, "R");
    assert!(matches!(
        data.version_on(d(2020, 1, 1)),
        Err(ReferenceError::NoVersionInForce(_))
    ));

    // Two versions in force on the same day are refused.
    edit(dir.path(), "versions.csv", |t| {
        t.replace(",2024-04-01,2026-03-31,cds-r,", ",2024-04-01,,cds-r,")
    });
    let p = problems(dir.path());
    assert!(
        p.iter()
            .any(|x| x.file == "versions.csv" && x.message.contains("still in force")),
        "{p:?}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn broken_reference_data_names_file_line_and_value_for_every_problem() {
    let dir = copy_shipped();
    edit(dir.path(), "cds-r/fields.csv", |t| {
        let mut t = t.replace(
            "ETHNIC,client,Ethnicity,Client's self-defined ethnicity.,code,ETHNIC,",
            "ETHNIC,client,Ethnicity,Client's self-defined ethnicity.,code,ETHNICITY,",
        );
        // A duplicate header, and a conditional requirement with no condition.
        t.push_str("SEX,client,Sex again,,code,SEX,,,,,,S,S,S,S,,,,assumed,\n");
        // "Not answered" given as one of the field's own codes.
        t.push_str("NAFLD,client,Not answered clash,,code,YN,,,,,Y,O,O,O,O,,,,assumed,\n");
        t.push_str("NEWFLD,client,New field,,text,,,,5,,,C,,,,,,,assumed,\n");
        t
    });
    edit(dir.path(), "cds-r/rules.csv", |t| {
        format!(
            "{t}X-003,warning,overdue,\"CLIENTID,EPISODID\",due=NO-SUCH-SCHEDULE,Bad.,Fix.,assumed,\nX-004,error,date_order,\"DOB,REFLD\",datasets=AD|ZZ,Bad.,Fix.,assumed,\nX-001,error,date_order,\"DOB,NOSUCHFIELD\",,Bad.,Fix.,assumed,\nX-002,error,no_such_kind,,,Bad.,Fix.,assumed,\n"
        )
    });
    edit(dir.path(), "cds-r/codelists/YN.csv", |t| {
        format!("{t}U,Unknown,2024-13-01,,assumed\n")
    });
    let p = problems(dir.path());
    let has = |file: &str, line: u64, value: &str, msg: &str| {
        p.iter().any(|x| {
            x.file == file && x.line == line && x.value == value && x.message.contains(msg)
        })
    };
    let fields_lines = std::fs::read_to_string(dir.path().join("cds-r/fields.csv"))
        .expect("read")
        .lines()
        .count() as u64;
    let ethnic_line = std::fs::read_to_string(dir.path().join("cds-r/fields.csv"))
        .expect("read")
        .lines()
        .position(|l| l.starts_with("ETHNIC,"))
        .expect("ETHNIC row") as u64
        + 1;
    assert!(
        has(
            "cds-r/fields.csv",
            ethnic_line,
            "ETHNICITY",
            "unknown code list"
        ),
        "{p:#?}"
    );
    assert!(
        has(
            "cds-r/fields.csv",
            fields_lines - 2,
            "SEX",
            "duplicate header"
        ),
        "{p:#?}"
    );
    assert!(
        has(
            "cds-r/fields.csv",
            fields_lines,
            "",
            "contradictory requirements"
        ),
        "{p:#?}"
    );
    let rules_lines = std::fs::read_to_string(dir.path().join("cds-r/rules.csv"))
        .expect("read")
        .lines()
        .count() as u64;
    assert!(
        has(
            "cds-r/rules.csv",
            rules_lines - 1,
            "NOSUCHFIELD",
            "unknown field"
        ),
        "{p:#?}"
    );
    assert!(
        has(
            "cds-r/rules.csv",
            rules_lines,
            "no_such_kind",
            "unknown rule kind"
        ),
        "{p:#?}"
    );
    assert!(
        has(
            "cds-r/rules.csv",
            rules_lines - 3,
            "NO-SUCH-SCHEDULE",
            "no schedule of due.csv"
        ),
        "{p:#?}"
    );
    assert!(
        has("cds-r/rules.csv", rules_lines - 2, "ZZ", "datasets="),
        "{p:#?}"
    );
    assert!(
        has(
            "cds-r/fields.csv",
            fields_lines - 1,
            "Y",
            "not one of the field's codes"
        ),
        "{p:#?}"
    );
    let yn_lines = std::fs::read_to_string(dir.path().join("cds-r/codelists/YN.csv"))
        .expect("read")
        .lines()
        .count() as u64;
    assert!(
        has(
            "cds-r/codelists/YN.csv",
            yn_lines,
            "2024-13-01",
            "not a date"
        ),
        "{p:#?}"
    );
    // The error's text lists them all, each with its place.
    let text = ReferenceData::from_dir(dir.path())
        .expect_err("invalid")
        .to_string();
    assert!(text.contains(&format!("{} problem(s)", p.len())), "{text}");
    assert!(
        text.contains(&format!(
            "cds-r/rules.csv, line {rules_lines}, column kind, value 'no_such_kind'"
        )),
        "{text}"
    );
}

#[test]
fn missing_files_and_folders_are_reported() {
    let err = ReferenceData::from_dir(Path::new("/no/such/folder")).expect_err("missing");
    assert_eq!(err.code().as_str(), "reference_not_found");
    let dir = copy_shipped();
    std::fs::remove_file(dir.path().join("cds-r/rules.csv")).expect("remove");
    let p = problems(dir.path());
    assert!(
        p.iter()
            .any(|x| x.file == "cds-r/rules.csv" && x.message.contains("missing")),
        "{p:?}"
    );
}

#[test]
fn a_field_being_typed_is_checked_on_its_own() {
    let data = ReferenceData::shipped().expect("shipped");
    let cat = &data.versions[0].catalogue;
    let v = Validator::new(cat, Dataset::AD, d(2025, 6, 30));
    assert!(v.check_field("DOB", "01/02/1990").is_empty());
    assert_eq!(v.check_field("DOB", "1990-02-01")[0].rule, "FLD-001");
    assert_eq!(v.check_field("DOB", "01/07/2025")[0].rule, "DATE-001");
    assert_eq!(v.check_field("ALCDDAYS", "29")[0].rule, "FLD-003");
    assert_eq!(v.check_field("ALCDDAYS", "2x")[0].rule, "FLD-001");
    assert_eq!(v.check_field("ETHNIC", "White British")[0].rule, "FLD-002");
    assert_eq!(v.check_field("PC", "SW1A 1AA")[0].rule, "FLD-004");
    assert_eq!(v.check_field("FINITIAL", "j")[0].rule, "FLD-005");
    assert_eq!(v.check_field("YPSMHS", "Y")[0].rule, "DS-001");
    assert!(
        v.check_field("ETHNIC", "").is_empty(),
        "an empty field is not judged on its own"
    );
    let f = &v.check_field("ALCDDAYS", "29")[0];
    assert_eq!(f.field, "ALCDDAYS");
    assert!(f.message.contains("between 0 and 28"), "{}", f.message);
}

/// The header strings the seed (the CDS-R requirements specification) itself names: the only
/// ones a field may be tagged `seed` for. An item the seed describes but whose header comes
/// from elsewhere is tagged by where the header comes from (`vendor-K`, `assumed`).
const SEED_HEADERS: [&str; 3] = ["AGENCY", "CONSENT", "CLIENTID"];

#[test]
fn a_field_is_tagged_seed_only_where_the_seed_names_its_header() {
    let data = ReferenceData::shipped().expect("shipped");
    for v in &data.versions {
        let over: Vec<&str> = v
            .catalogue
            .fields
            .iter()
            .filter(|f| f.provenance.0 == "seed" && !SEED_HEADERS.contains(&f.header.as_str()))
            .map(|f| f.header.as_str())
            .collect();
        assert!(
            over.is_empty(),
            "tagged seed, but the seed does not name these headers: {over:?}"
        );
        // The attributor rules define what the seed only says exists.
        for id in ["ATT-001", "ATT-002"] {
            let rule = v.catalogue.rules.iter().find(|r| r.id == id).expect(id);
            assert_eq!(rule.provenance.0, "assumed", "{id}");
        }
    }
}
