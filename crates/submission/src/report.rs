//! The pre-transfer report: the validator run on exactly the rows to be sent, with the load and
//! data-quality percentages the portal would give, exported as CSV and as a readable HTML page.

use std::collections::HashMap;
use std::io::Write;

use chrono::NaiveDate;
use ndtms_dataset::{
    Catalogue, FileCheck, FileReport, Finding, ReferenceInfo, Severity, Validator,
};
use serde::Serialize;
use ts_rs::TS;

use crate::extract::{Extract, format_period};

/// What the data lead sees before sending: the totals, every finding, and what they describe.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PreTransferReport {
    pub agency: String,
    pub dataset: String,
    pub period: String,
    pub file_name: String,
    pub sha256: String,
    pub reference_version: String,
    pub reference_sha256: String,
    pub checked_on: String,
    pub report: FileReport,
}

/// How the percentages are worked out, shown with every report (assumed portal formulas).
pub const FORMULAS: &str = "Load % = rows without an error ÷ all rows × 100. \
Data quality % = rows with neither an error nor a warning ÷ all rows × 100. \
Mismatches (attributors that differ from the last transfer) lower neither, but the regional team asks about them. \
These formulas are this project's reading of the portal's behaviour (DATASET-NOTES section 5), not published NDTMS formulas.";

/// Checks the rows of `extract` as the portal would, including mismatches against `previous`
/// (client id -> attributors last transferred).
pub fn check(
    cat: &Catalogue,
    extract: &Extract,
    today: NaiveDate,
    previous: &HashMap<String, Vec<String>>,
) -> FileReport {
    let v = validator(cat, extract, today);
    check_by(&v, extract, previous)
}

/// The portal's check of a month's file: what is overdue is judged as of the month's end.
fn validator<'c>(cat: &'c Catalogue, extract: &Extract, today: NaiveDate) -> Validator<'c> {
    Validator::new(cat, extract.dataset, today).due_on(extract.period.end.min(today))
}

/// [`check`] with a validator of the caller's (a screen may leave some rules out).
pub fn check_by(
    v: &Validator<'_>,
    extract: &Extract,
    previous: &HashMap<String, Vec<String>>,
) -> FileReport {
    let mut c = file_check(v, extract, previous);
    c.rows_of(extract.rows.iter());
    c.finish()
}

/// The portal's check of `extract`'s file, with the attributors last transferred.
fn file_check<'c>(
    v: &'c Validator<'c>,
    extract: &Extract,
    previous: &'c HashMap<String, Vec<String>>,
) -> FileCheck<'c> {
    v.file(extract.headers.iter().map(String::as_str))
        .with_previous_attributors(previous)
}

/// How many rows are checked between two progress reports.
const ROWS_PER_STEP: usize = 5000;

/// [`check`], telling `step` how many rows are done every few thousand; `step` answers false
/// to stop, and then there is no report.
pub fn check_with(
    cat: &Catalogue,
    extract: &Extract,
    today: NaiveDate,
    previous: &HashMap<String, Vec<String>>,
    step: &mut dyn FnMut(crate::Step) -> bool,
) -> Option<FileReport> {
    let v = validator(cat, extract, today);
    let mut c = file_check(&v, extract, previous);
    let rows = extract.rows.len();
    let mut done = 0;
    while done < rows {
        if !step(crate::Step::Checking {
            rows_done: done as u64,
            rows: rows as u64,
        }) {
            return None;
        }
        let end = (done + ROWS_PER_STEP).min(rows);
        c.rows_of((done..end).map(|i| extract.rows.row(i)));
        done = end;
    }
    step(crate::Step::Checking {
        rows_done: rows as u64,
        rows: rows as u64,
    });
    Some(c.finish())
}

impl PreTransferReport {
    pub fn new(
        extract: &Extract,
        file_name: &str,
        sha256: &str,
        reference: &ReferenceInfo,
        today: NaiveDate,
        report: FileReport,
    ) -> Self {
        Self {
            agency: extract.agency.clone(),
            dataset: extract.dataset.code().to_owned(),
            period: format_period(&extract.period),
            file_name: file_name.to_owned(),
            sha256: sha256.to_owned(),
            reference_version: format!(
                "CDS-{} {} ({})",
                reference.letter, reference.name, reference.release
            ),
            reference_sha256: reference.sha256.clone(),
            checked_on: ndtms_dataset::values::format_date(today),
            report,
        }
    }

    /// The totals alone, as JSON, for the submission history.
    pub fn totals_json(&self) -> String {
        let r = &self.report;
        serde_json::json!({
            "rows": r.rows,
            "clients": r.clients,
            "errors": r.errors,
            "warnings": r.warnings,
            "mismatches": r.mismatches,
            "load_percent": r.load_percent,
            "data_quality_percent": r.data_quality_percent,
        })
        .to_string()
    }
}

/// The header of the findings CSV.
pub const FINDINGS_CSV_HEADER: [&str; 10] = [
    "severity",
    "rule",
    "line",
    "client_id",
    "episode_id",
    "child_id",
    "field",
    "value",
    "message",
    "fix",
];

/// One finding as a CSV record, in the order of [`FINDINGS_CSV_HEADER`].
pub fn finding_record(f: &Finding) -> [String; 10] {
    [
        severity_word(f.severity).to_owned(),
        f.rule.clone(),
        f.line.map(|l| l.to_string()).unwrap_or_default(),
        f.client_id.clone(),
        f.episode_id.clone(),
        f.child_id.clone(),
        f.field.clone(),
        f.value.clone(),
        f.message.clone(),
        f.fix.clone(),
    ]
}

/// Writes findings as CSV: one line each, with the rule, severity, record key, field, message and fix.
pub fn write_findings_csv<'a>(
    out: impl Write,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(FINDINGS_CSV_HEADER)?;
    for f in findings {
        w.write_record(finding_record(f))?;
    }
    w.flush()
}

pub fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Mismatch => "mismatch",
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A self-contained HTML page (no scripts, no external files) that prints cleanly.
pub fn to_html(r: &PreTransferReport) -> String {
    let t = &r.report;
    let mut h = String::new();
    h.push_str("<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">");
    h.push_str(&format!(
        "<title>Pre-transfer report {} {}</title>",
        esc(&r.agency),
        esc(&r.period)
    ));
    h.push_str("<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1b1b}h1{font-size:1.5rem}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #b1b4b6;padding:.35rem .6rem;text-align:left;vertical-align:top}th{background:#f3f2f1}.error{color:#a4141a;font-weight:600}.warning{color:#7a4a00;font-weight:600}.mismatch{color:#1d4f91;font-weight:600}.big{font-size:1.25rem;font-weight:700}p.note{max-width:60rem;color:#505a5f}</style></head><body>\n");
    h.push_str(&format!(
        "<h1>Pre-transfer report: agency {} ({} dataset)</h1>\n",
        esc(&r.agency),
        esc(&r.dataset)
    ));
    h.push_str("<table><tbody>");
    for (k, v) in [
        ("Reporting period", r.period.clone()),
        ("File", r.file_name.clone()),
        ("SHA-256", r.sha256.clone()),
        (
            "Reference data",
            format!("{} (SHA-256 {})", r.reference_version, r.reference_sha256),
        ),
        ("Checked on", r.checked_on.clone()),
        ("Rows", t.rows.to_string()),
        ("Clients", t.clients.to_string()),
    ] {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{k}</th><td>{}</td></tr>",
            esc(&v)
        ));
    }
    h.push_str(&format!(
        "<tr><th scope=\"row\">Load</th><td class=\"big\">{:.1}%</td></tr><tr><th scope=\"row\">Data quality</th><td class=\"big\">{:.1}%</td></tr>",
        t.load_percent, t.data_quality_percent
    ));
    h.push_str(&format!(
        "<tr><th scope=\"row\">Errors</th><td class=\"error\">{} (in {} rows)</td></tr><tr><th scope=\"row\">Warnings</th><td class=\"warning\">{} (in {} rows)</td></tr><tr><th scope=\"row\">Mismatches</th><td class=\"mismatch\">{}</td></tr>",
        t.errors, t.rows_with_errors, t.warnings, t.rows_with_warnings, t.mismatches
    ));
    h.push_str("</tbody></table>\n");
    h.push_str(&format!("<p class=\"note\">{}</p>\n", esc(FORMULAS)));
    if t.findings.is_empty() {
        h.push_str("<p>No errors, warnings or mismatches.</p>");
    } else {
        h.push_str("<h2>Findings</h2>\n<table><thead><tr><th>Severity</th><th>Line</th><th>Client</th><th>Episode</th><th>Record</th><th>Field</th><th>Rule</th><th>What is wrong</th><th>How to fix it</th></tr></thead><tbody>\n");
        let mut sorted: Vec<&Finding> = t.findings.iter().collect();
        sorted.sort_by_key(|f| (f.severity as u8, f.line));
        for f in sorted {
            let sev = severity_word(f.severity);
            h.push_str(&format!(
                "<tr><td class=\"{sev}\">{sev}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                f.line.map(|l| l.to_string()).unwrap_or_default(),
                esc(&f.client_id),
                esc(&f.episode_id),
                esc(&f.child_id),
                esc(&f.field),
                esc(&f.rule),
                esc(&f.message),
                esc(&f.fix)
            ));
        }
        h.push_str("</tbody></table>\n");
        if t.findings_not_kept > 0 {
            h.push_str(&format!(
                "<p>{} more findings are counted above but not listed.</p>",
                t.findings_not_kept
            ));
        }
    }
    h.push_str("</body></html>\n");
    h
}
