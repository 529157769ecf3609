//! The generator's clean output passes validation, and every error it injects is found.

use ndtms_dataset::{
    Dataset, GenerateOptions, ReferenceData, ReportingPeriod, Severity, Validator, generate,
};

fn check(
    ds: Dataset,
    clients: usize,
    seed: u64,
    error_rate: f64,
) -> (ndtms_dataset::Generated, ndtms_dataset::FileReport) {
    let data = ReferenceData::shipped().expect("shipped reference data");
    let period = ReportingPeriod::for_data_month(2025, 10).expect("valid month");
    let cat = &data
        .version_on(period.end)
        .expect("version in force")
        .catalogue;
    let generated = generate(
        cat,
        &GenerateOptions {
            dataset: ds,
            clients,
            seed,
            error_rate,
            period,
        },
    );
    let validator = Validator::new(cat, ds, period.end);
    let mut csv = Vec::new();
    generated.write_csv(&mut csv).expect("write csv");
    let report = validator.check_csv(csv.as_slice()).expect("readable");
    (generated, report)
}

#[test]
fn clean_output_has_no_errors_warnings_or_mismatches_in_every_dataset() {
    for ds in Dataset::ALL {
        let (generated, report) = check(ds, 300, 7, 0.0);
        assert!(
            generated.rows.len() >= 300,
            "{ds}: {} rows",
            generated.rows.len()
        );
        let sample: Vec<_> = report.findings.iter().take(5).collect();
        assert_eq!(
            report.findings.len(),
            0,
            "{ds}: {} findings, e.g. {sample:#?}",
            report.findings.len()
        );
        assert_eq!(report.load_percent, 100.0);
        assert_eq!(report.data_quality_percent, 100.0);
        assert_eq!(report.clients, 300);
    }
}

#[test]
fn output_is_reproducible_from_the_seed() {
    let (a, _) = check(Dataset::AD, 50, 42, 0.1);
    let (b, _) = check(Dataset::AD, 50, 42, 0.1);
    let (c, _) = check(Dataset::AD, 50, 43, 0.1);
    assert_eq!(a.rows, b.rows);
    assert_eq!(a.injected, b.injected);
    assert_ne!(a.rows, c.rows);
}

#[test]
fn every_injected_error_is_found() {
    for ds in Dataset::ALL {
        let (generated, report) = check(ds, 400, 11, 0.05);
        assert!(
            generated.injected.len() > 20,
            "{ds}: only {} injected",
            generated.injected.len()
        );
        let kinds: std::collections::BTreeSet<_> =
            generated.injected.iter().map(|i| i.kind.as_str()).collect();
        assert!(kinds.len() >= 6, "{ds}: too few kinds injected: {kinds:?}");
        assert!(
            kinds.contains("ClientHas"),
            "{ds}: a client without its outcome record is among them: {kinds:?}"
        );
        for inj in &generated.injected {
            let found = report.findings.iter().any(|f| {
                f.line == Some(inj.line)
                    && inj.rules.contains(&f.rule)
                    && (f.field == inj.field || inj.kind == "DuplicateKey")
            });
            assert!(
                found,
                "{ds}: injected {inj:?} not found; findings on that line: {:#?}",
                report
                    .findings
                    .iter()
                    .filter(|f| f.line == Some(inj.line))
                    .collect::<Vec<_>>()
            );
        }
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.severity == Severity::Error)
        );
        assert!(report.load_percent < 100.0);
    }
}

#[test]
fn findings_carry_the_file_line() {
    let data = ReferenceData::shipped().expect("shipped reference data");
    let cat = &data.versions[0].catalogue;
    let headers: Vec<&str> = cat.headers().collect();
    let mut csv = headers.join(",");
    csv.push_str("\r\n");
    for _ in 0..2 {
        csv.push_str(&vec![""; headers.len()].join(","));
        csv.push_str("\r\n");
    }
    let v = Validator::new(
        cat,
        Dataset::AD,
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
    );
    let report = v.check_csv(csv.as_bytes()).expect("readable");
    let lines: std::collections::BTreeSet<_> =
        report.findings.iter().filter_map(|f| f.line).collect();
    assert_eq!(lines.into_iter().collect::<Vec<_>>(), vec![2, 3]);
}

#[test]
fn clean_output_fills_every_item_of_each_dataset_somewhere() {
    let data = ReferenceData::shipped().expect("shipped reference data");
    let period = ReportingPeriod::for_data_month(2025, 10).expect("valid month");
    let cat = &data.version_on(period.end).expect("version").catalogue;
    for ds in Dataset::ALL {
        let (generated, report) = check(ds, 300, 7, 0.0);
        assert!(report.findings.is_empty());
        let empty: Vec<&str> = cat
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.requirement(ds).in_dataset())
            .filter(|(c, _)| generated.rows.iter().all(|r| r[*c].is_empty()))
            .map(|(_, f)| f.header.as_str())
            .collect();
        assert!(empty.is_empty(), "{ds}: never filled: {empty:?}");
        // Where a question may go unanswered, some are.
        let na = cat
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.requirement(ds).in_dataset())
            .filter_map(|(c, f)| f.not_answered.as_ref().map(|na| (c, na)))
            .any(|(c, na)| generated.rows.iter().any(|r| r[c] == *na));
        let allows = cat
            .fields
            .iter()
            .any(|f| f.requirement(ds).in_dataset() && f.not_answered.is_some());
        assert_eq!(na, allows, "{ds}: not answered given where allowed");
    }
}
