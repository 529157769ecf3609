//! The extract from a real encrypted store: selection, layout, consent, byte-identical output,
//! the pre-transfer report and its exports, offline export, safe writing, history and the lock.

use std::collections::{BTreeMap, HashMap};

use chrono::{TimeZone, Utc};
use ndtms_dataset::model::KeyRole;
use ndtms_dataset::{Catalogue, Dataset, ReportingPeriod};
use ndtms_store::records::{ConsentScope, ConsentStatus, Entity, RecordKey};
use ndtms_store::{NewSubmission, Role, Store, SubmissionKind};
use ndtms_submission::{DEFAULT_FILE_PATTERN, extract, offline, prepare, report};

mod common;
use common::*;

/// Child record id -> its section's values, from rows (how a file says what it holds).
fn children(
    cat: &Catalogue,
    headers: &[String],
    rows: &[Vec<String>],
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (k, key) in cat
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.key == Some(KeyRole::Child))
    {
        let kc = headers.iter().position(|h| *h == key.header).unwrap();
        let cols: Vec<usize> = cat
            .fields
            .iter()
            .filter(|x| x.section == cat.fields[k].section)
            .map(|x| headers.iter().position(|h| *h == x.header).unwrap())
            .collect();
        for r in rows {
            if !r[kc].is_empty() {
                out.insert(
                    format!("{}:{}", key.header, r[kc]),
                    cols.iter().map(|&c| r[c].clone()).collect(),
                );
            }
        }
    }
    out
}

#[test]
fn the_extract_carries_every_record_validates_clean_and_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, g) = filled(dir.path(), 120);
    let (data, _) = reference();
    let cat = &data.version_on(period().end).unwrap().catalogue;
    let a = prepare(&mut s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
    let b = prepare(&mut s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
    assert_eq!(a.bytes, b.bytes, "same data, same bytes");
    assert_eq!(a.sha256, extract::sha256_hex(&a.bytes));
    assert_eq!(a.file_name, "N0852_AD_20261031_20261105T093000.csv");
    // The exact header set, in catalogue order.
    let first_line = a.bytes.split(|&c| c == b'\n').next().unwrap();
    let expected: Vec<String> = cat.headers().map(|h| format!("\"{h}\"")).collect();
    assert_eq!(String::from_utf8_lossy(first_line), expected.join(","));
    // Every child record generated is in the extract with the same values.
    let consented: Vec<Vec<String>> = g
        .rows
        .iter()
        .filter(|r| !r[cat.column("EPISODID").unwrap()].is_empty())
        .cloned()
        .collect();
    assert_eq!(
        children(cat, &g.headers, &consented),
        children(cat, &a.extract.headers, &a.extract.rows.to_vecs())
    );
    let r = &a.report.report;
    assert_eq!(
        (r.errors, r.warnings, r.mismatches),
        (0, 0, 0),
        "{:?}",
        &r.findings[..r.findings.len().min(5)]
    );
    assert_eq!(r.load_percent, 100.0);
    assert_eq!(r.rows, a.extract.rows.len() as u64);
    // Rows of one client are together, clients in id order.
    let cc = cat.column("CLIENTID").unwrap();
    let rows = a.extract.rows.to_vecs();
    let ids: Vec<&String> = rows.iter().map(|r| &r[cc]).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

#[test]
fn selection_by_period_and_consent_as_three_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let (data, _) = reference();
    let cat = &data.version_on(period().end).unwrap().catalogue;
    let add = |s: &mut Store, id: &str, refld: &str, disd: &str| {
        let key = RecordKey::client(id);
        s.save(
            Entity::Client,
            &key,
            &f(&[
                ("CLIENTID", id),
                ("CONSENT", "Y"),
                ("FINITIAL", "A"),
                ("SINITIAL", "B"),
                ("DOB", "01/02/1980"),
                ("SEX", "F"),
            ]),
        )
        .unwrap();
        let mut ep = f(&[("EPISODID", "E1"), ("REFLD", refld)]);
        if !disd.is_empty() {
            ep.insert("DISD".into(), disd.into());
            ep.insert("DISRSN".into(), "80".into());
        }
        s.save(
            Entity::Episode,
            &RecordKey {
                episode: Some("E1".into()),
                ..key
            },
            &ep,
        )
        .unwrap();
    };
    add(&mut s, "OLD", "01/03/2023", "30/06/2024"); // discharged before the period starts
    add(&mut s, "LATE", "02/11/2026", ""); // referred after the period ends
    add(&mut s, "IN", "15/06/2025", "");
    add(&mut s, "EDGE", "01/02/2024", "01/01/2025"); // discharged on the first day
    add(&mut s, "WITHDRAWN", "15/06/2025", "");
    add(&mut s, "REFUSED-LATER", "15/06/2025", "");
    s.record_consent(
        "WITHDRAWN",
        ConsentScope::Ndtms,
        ConsentStatus::Given,
        "15/06/2025",
    )
    .unwrap();
    s.record_consent(
        "WITHDRAWN",
        ConsentScope::Ndtms,
        ConsentStatus::Withdrawn,
        "01/09/2026",
    )
    .unwrap();
    // A refusal after the period end does not change what the period sends.
    s.record_consent(
        "REFUSED-LATER",
        ConsentScope::Ndtms,
        ConsentStatus::Refused,
        "03/11/2026",
    )
    .unwrap();
    let p = prepare(&mut s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
    let cc = cat.column("CLIENTID").unwrap();
    let rows = p.extract.rows.to_vecs();
    let ids: Vec<&str> = rows.iter().map(|r| r[cc].as_str()).collect();
    assert_eq!(ids, ["EDGE", "IN", "REFUSED-LATER", "WITHDRAWN"]);
    assert_eq!(p.extract.clients, 4);
    let withdrawn = &rows[3];
    let filled: Vec<&str> = cat
        .fields
        .iter()
        .zip(withdrawn)
        .filter(|(_, v)| !v.is_empty())
        .map(|(f, _)| f.header.as_str())
        .collect();
    assert_eq!(filled, ["AGENCY", "CONSENT", "CLIENTID"]);
    assert_eq!(withdrawn[cat.column("CONSENT").unwrap()], "N");
    assert_eq!(withdrawn[cat.column("AGENCY").unwrap()], "N0852");
    assert_eq!(rows[2][cat.column("CONSENT").unwrap()], "Y");
    assert_eq!(rows[2][cat.column("EPISODID").unwrap()], "E1");
    // The program names itself and its version on a consented client's rows; no keyworker
    // typed them (the client was saved without them).
    let software = cat.key_column(KeyRole::Software).unwrap();
    let version = cat.key_column(KeyRole::SoftwareVersion).unwrap();
    assert_eq!(cat.fields[software].header, "SWSYSTEM");
    assert_eq!(rows[2][software], "NDTMS Desk");
    assert_eq!(rows[2][version], env!("CARGO_PKG_VERSION"));
    assert!(
        p.report
            .report
            .findings
            .iter()
            .all(|f| f.field != "SWSYSTEM" && f.field != "SWVERSION"),
        "{:?}",
        p.report.report.findings
    );
}

#[test]
fn the_report_names_each_finding_and_exports_as_csv_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let (_, info) = reference();
    let key = RecordKey::client("C<1>");
    s.save(
        Entity::Client,
        &key,
        &f(&[
            ("CONSENT", "Y"),
            ("FINITIAL", "a"),
            ("DOB", "01/02/1980"),
            ("SEX", "F"),
        ]),
    )
    .unwrap();
    s.save(
        Entity::Episode,
        &RecordKey {
            episode: Some("E1".into()),
            ..key
        },
        &f(&[("REFLD", "15/06/2025"), ("DISRSN", "80")]),
    )
    .unwrap();
    let p = prepare(&mut s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
    let r = &p.report.report;
    assert!(r.errors > 0);
    assert_eq!(r.load_percent, 0.0, "the only row has errors");
    let lower = r
        .findings
        .iter()
        .find(|f| f.field == "FINITIAL")
        .expect("FINITIAL finding");
    assert_eq!(
        (
            lower.client_id.as_str(),
            lower.episode_id.as_str(),
            lower.line
        ),
        ("C<1>", "E1", Some(2))
    );
    let mut csv = Vec::new();
    report::write_findings_csv(&mut csv, &r.findings).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("severity,rule,line,client_id"));
    assert_eq!(csv.lines().count(), r.findings.len() + 1);
    let html = report::to_html(&p.report);
    assert!(
        html.contains("C&lt;1&gt;") && !html.contains("C<1>"),
        "values are escaped"
    );
    assert!(html.contains("Load") && html.contains("0.0%"));
    assert!(html.contains(&p.sha256));
    assert!(
        html.contains(&info.sha256),
        "the reference data checksum is shown"
    );
}

#[test]
fn offline_export_writes_file_and_manifest_and_detects_damage() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = filled(dir.path(), 20);
    let (_, info) = reference();
    let p = prepare(&mut s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
    let drive = dir.path().join("usb");
    let (path, manifest) = ndtms_submission::save(&mut s, &p, &drive, true, now()).unwrap();
    let m = manifest.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), p.bytes);
    assert_eq!(
        (m.rows, m.clients, m.size_bytes),
        (
            p.extract.rows.len() as u64,
            p.extract.clients,
            p.bytes.len() as u64
        )
    );
    assert_eq!(
        (m.agency.as_str(), m.dataset.as_str(), m.period_end.as_str()),
        ("N0852", "AD", "31/10/2026")
    );
    assert_eq!(m.reference_sha256, info.sha256);
    assert_eq!(m.software, "NDTMS Desk");
    assert_eq!(offline::verify(&path).unwrap(), m);
    // Saving again never overwrites.
    let e = ndtms_submission::save(&mut s, &p, &drive, true, now()).unwrap_err();
    assert_eq!(e.code().as_str(), "submission_file_exists");
    let hist = s.submissions().unwrap();
    assert_eq!(hist.len(), 1, "a failed save is not recorded");
    assert_eq!(hist[0].kind, SubmissionKind::Extract);
    assert!(!hist[0].locks_period);
    // A damaged copy is caught.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(
        offline::verify(&path).unwrap_err().code().as_str(),
        "submission_verify_failed"
    );
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(&drive)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "{names:?}");
}

#[test]
fn an_upload_by_hand_is_confirmed_from_the_carried_file_and_locks_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = filled(dir.path(), 20);
    add_keyworker(&mut s);
    let (data, info) = reference();
    let cat = &data.version_on(period().end).unwrap().catalogue;
    let p = prepare(&mut s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
    let drive = dir.path().join("usb");
    let (path, _) = ndtms_submission::save(&mut s, &p, &drive, true, now()).unwrap();
    assert!(s.previous_attributors().unwrap().is_empty());

    // A file with a good manifest that this database never saved: refused.
    let elsewhere = dir.path().join("elsewhere");
    let mut other = p.bytes.clone();
    other.extend_from_slice(b"N0852,Y,ZZ9\n");
    let (other_path, _, _) = offline::save(
        &elsewhere,
        &p.file_name,
        &other,
        &p.extract,
        &info,
        "now",
        None,
    )
    .unwrap();
    let e = ndtms_submission::confirm_upload(&mut s, &other_path).unwrap_err();
    assert_eq!(e.code().as_str(), "submission_not_saved_here", "{e}");

    // Only a data lead or administrator may confirm.
    s.logout().unwrap();
    s.login("kim", "keyworker pass 1").unwrap();
    let e = ndtms_submission::confirm_upload(&mut s, &path).unwrap_err();
    assert_eq!(e.code().as_str(), "auth_forbidden", "{e}");
    s.logout().unwrap();
    s.login("admin", ADMIN).unwrap();

    let id = ndtms_submission::confirm_upload(&mut s, &path).unwrap().0;
    let hist = s.submissions().unwrap();
    assert_eq!(hist.len(), 2);
    let t = &hist[0];
    assert_eq!(
        (t.id, t.kind, t.locks_period),
        (id, SubmissionKind::Transfer, true)
    );
    assert_eq!(
        (t.sha256.as_str(), t.rows),
        (p.sha256.as_str(), p.extract.rows.len() as u64)
    );
    assert_eq!(
        (t.period_start.as_str(), t.period_end.as_str()),
        (hist[1].period_start.as_str(), hist[1].period_end.as_str())
    );
    assert!(
        t.receipt.contains("\"uploaded_by_hand\":true"),
        "{}",
        t.receipt
    );
    // The attributors kept are the ones the file carried, for next month's mismatch check.
    let kept = s.previous_attributors().unwrap();
    let carried = p.extract.attributors(cat);
    assert!(!carried.is_empty());
    assert_eq!(kept.len(), carried.len());
    for (client, values) in &carried {
        assert_eq!(&kept[client], values, "{client}");
    }
    assert_eq!(s.last_transfer().unwrap().map(|t| t.id), Some(id));

    // Confirming twice changes nothing.
    let e = ndtms_submission::confirm_upload(&mut s, &path).unwrap_err();
    assert_eq!(e.code().as_str(), "submission_already_confirmed", "{e}");
    assert_eq!(s.submissions().unwrap().len(), 2);

    // A copy damaged on the way is caught before anything is recorded.
    let damaged = dir.path().join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    let mut bytes = p.bytes.clone();
    bytes[60] ^= 1;
    std::fs::write(damaged.join(&p.file_name), bytes).unwrap();
    std::fs::copy(
        path.with_file_name(offline::manifest_name(&p.file_name)),
        damaged.join(offline::manifest_name(&p.file_name)),
    )
    .unwrap();
    let e = ndtms_submission::confirm_upload(&mut s, &damaged.join(&p.file_name)).unwrap_err();
    assert_eq!(e.code().as_str(), "submission_verify_failed", "{e}");
}

#[test]
fn a_failed_write_leaves_no_file_under_the_final_name() {
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("not-a-folder");
    std::fs::write(&blocked, b"a file where a folder should be").unwrap();
    let e = extract::write_atomic(&blocked, "x.csv", b"data").unwrap_err();
    assert_eq!(e.code().as_str(), "submission_io");
    assert!(e.to_string().contains("not-a-folder"), "{e}");
    let ok = extract::write_atomic(dir.path(), "x.csv", b"data").unwrap();
    assert_eq!(std::fs::read(&ok).unwrap(), b"data");
    let e = extract::write_atomic(dir.path(), "x.csv", b"other").unwrap_err();
    assert_eq!(e.code().as_str(), "submission_file_exists");
    assert_eq!(std::fs::read(&ok).unwrap(), b"data", "nothing overwritten");
}

#[test]
fn file_name_patterns() {
    let p = period();
    let name = extract::file_name("{agency}-{month}.csv", "N0852", Dataset::YP, &p, now()).unwrap();
    assert_eq!(name, "N0852-202610.csv");
    for bad in [
        "{agency}/{month}.csv",
        "{agency}.txt",
        "{nope}.csv",
        "../x.csv",
    ] {
        let e = extract::file_name(bad, "N0852", Dataset::YP, &p, now()).unwrap_err();
        assert_eq!(e.code().as_str(), "submission_bad_file_name", "{bad}");
    }
}

#[test]
fn a_transfer_locks_its_period_for_keyworkers_and_keeps_attributors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    add_keyworker(&mut s);
    add_user_ready(&mut s, "lee", Role::DataLead, "data lead pass 1");
    let key = RecordKey::client("C1");
    s.save(
        Entity::Client,
        &key,
        &f(&[("CONSENT", "Y"), ("FINITIAL", "A"), ("SEX", "F")]),
    )
    .unwrap();
    let ep = RecordKey {
        episode: Some("E1".into()),
        ..key.clone()
    };
    s.save(
        Entity::Episode,
        &ep,
        &f(&[("REFLD", "15/06/2026"), ("TRIAGED", "20/06/2026")]),
    )
    .unwrap();
    s.record_submission(&NewSubmission {
        kind: SubmissionKind::Transfer,
        period_start: period().start,
        period_end: period().end,
        file_name: "N0852.csv",
        sha256: "ab",
        rows: 1,
        clients: 1,
        report: "{}",
        receipt: "{}",
        attributors: &[(
            "C1".into(),
            vec!["A".into(), "".into(), "".into(), "F".into(), "".into()],
        )],
    })
    .unwrap();
    assert_eq!(s.previous_attributors().unwrap()["C1"][3], "F");
    s.logout().unwrap();
    s.login("kim", "keyworker pass 1").unwrap();
    // Changing a recorded value of an episode that began in the transferred period: refused.
    let e = s
        .save(
            Entity::Episode,
            &ep,
            &f(&[("REFLD", "15/06/2026"), ("TRIAGED", "21/06/2026")]),
        )
        .unwrap_err();
    assert_eq!(e.code().as_str(), "period_locked", "{e}");
    assert!(
        e.to_string().contains("TRIAGED") || e.to_string().contains("REFLD"),
        "{e}"
    );
    // Back-dating a discharge into the period: refused. Discharging after it: ordinary work.
    let e = s
        .save(
            Entity::Episode,
            &ep,
            &f(&[
                ("REFLD", "15/06/2026"),
                ("TRIAGED", "20/06/2026"),
                ("DISD", "30/10/2026"),
                ("DISRSN", "80"),
            ]),
        )
        .unwrap_err();
    assert_eq!(e.code().as_str(), "period_locked");
    s.save(
        Entity::Episode,
        &ep,
        &f(&[
            ("REFLD", "15/06/2026"),
            ("TRIAGED", "20/06/2026"),
            ("DISD", "20/11/2026"),
            ("DISRSN", "80"),
        ]),
    )
    .unwrap();
    // Deleting it: not a keyworker's to do. A client's details (no date in the period): allowed.
    assert_eq!(
        s.delete(Entity::Episode, &ep).unwrap_err().code().as_str(),
        "auth_forbidden"
    );
    s.save(
        Entity::Client,
        &key,
        &f(&[("CONSENT", "Y"), ("FINITIAL", "B"), ("SEX", "F")]),
    )
    .unwrap();
    // A data lead may change it, and the override is audited; no one may delete what was sent.
    s.logout().unwrap();
    s.login("lee", "data lead pass 1").unwrap();
    let e = s.delete(Entity::Episode, &ep).unwrap_err();
    assert_eq!(e.code().as_str(), "period_locked");
    assert!(e.to_string().contains("cannot be deleted"), "{e}");
    // Nor the client: the lock is checked on every record the delete would take with it.
    let e = s.delete(Entity::Client, &key).unwrap_err();
    assert_eq!(e.code().as_str(), "period_locked");
    s.save(
        Entity::Episode,
        &ep,
        &f(&[
            ("REFLD", "15/06/2026"),
            ("TRIAGED", "21/06/2026"),
            ("DISD", "20/11/2026"),
            ("DISRSN", "80"),
        ]),
    )
    .unwrap();
    let trail = s.audit_entries("episode", "C1/E1").unwrap();
    assert!(
        trail.iter().any(|e| e.action == "edit_locked_period"),
        "{trail:?}"
    );
    let hist = s.submissions().unwrap();
    assert!(hist[0].locks_period);
    let _: HashMap<String, Vec<String>> = s.previous_attributors().unwrap();
}

#[test]
fn attributors_changed_since_the_last_transfer_are_mismatches() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = filled(dir.path(), 30);
    let (data, _) = reference();
    let cat = &data.version_on(period().end).unwrap().catalogue;
    let first = prepare(&mut s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
    assert_eq!(first.report.report.mismatches, 0);
    let sent = first.extract.attributors(cat);
    assert_eq!(sent.len() as u64, first.extract.clients);
    s.record_submission(&NewSubmission {
        kind: SubmissionKind::Transfer,
        period_start: period().start,
        period_end: period().end,
        file_name: &first.file_name,
        sha256: &first.sha256,
        rows: first.extract.rows.len() as u64,
        clients: first.extract.clients,
        report: &first.report.totals_json(),
        receipt: "{}",
        attributors: &sent,
    })
    .unwrap();
    // One client's first initial is corrected after the transfer.
    let (client, values) = &sent[0];
    let at = cat
        .attributor_columns()
        .iter()
        .position(|&c| cat.fields[c].header == "FINITIAL")
        .unwrap();
    let mut record = s.client(client).unwrap().fields;
    let new_initial = if values[at] == "Q" { "W" } else { "Q" };
    record.insert("FINITIAL".into(), new_initial.into());
    s.save(Entity::Client, &RecordKey::client(client), &record)
        .unwrap();
    let next = ReportingPeriod::for_data_month(2026, 11).unwrap();
    let later = Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap();
    let second = prepare(&mut s, &next, DEFAULT_FILE_PATTERN, later).unwrap();
    let m: Vec<_> = second
        .report
        .report
        .findings
        .iter()
        .filter(|f| f.rule == "ATT-002")
        .collect();
    assert!(!m.is_empty(), "{:?}", second.report.report.findings);
    assert!(
        m.iter()
            .all(|f| f.client_id == *client && f.field == "FINITIAL" && f.value == new_initial)
    );
    assert_eq!(second.report.report.errors, 0, "a mismatch is not an error");
}

#[test]
fn a_clients_findings_are_counted_for_the_caseload_and_listed_on_their_page() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = filled(dir.path(), 12);
    let clean = ndtms_submission::client_page::caseload_flags(&mut s).unwrap();
    // A client whose records make several rows of the extract.
    let first = s
        .clients()
        .unwrap()
        .into_iter()
        .map(|c| c.reference)
        .find(|r| {
            let c = s.client(r).unwrap();
            c.episodes
                .iter()
                .map(|e| e.interventions.len() + e.outcomes.len() + e.reviews.len())
                .sum::<usize>()
                >= 2
        })
        .expect("a client with two or more child records");
    assert!(
        clean.iter().all(|f| f.reference != first || f.errors == 0),
        "{clean:?}"
    );
    // An impossible code on one client: an error for that client alone.
    let key = RecordKey::client(&first);
    let mut fields = s.client(&first).unwrap().fields;
    fields.insert("SEX".into(), "X".into());
    s.save(Entity::Client, &key, &fields).unwrap();
    let flags = ndtms_submission::client_page::caseload_flags(&mut s).unwrap();
    let mine = flags
        .iter()
        .find(|f| f.reference == first)
        .expect("flagged");
    assert!(mine.errors >= 1, "{mine:?}");
    for f in &flags {
        if f.reference != first {
            let before = clean.iter().find(|c| c.reference == f.reference);
            assert_eq!(before.map(|b| b.errors), Some(f.errors), "{f:?}");
        }
    }
    // The same finding, with its message, on the client's page: once, however many rows the
    // client's episodes and interventions make.
    let page = ndtms_submission::client_page::client_page(&mut s, &first).unwrap();
    let sex: Vec<_> = page.findings.iter().filter(|f| f.field == "SEX").collect();
    assert_eq!(sex.len(), 1, "{:?}", page.findings);
    assert_eq!(sex[0].severity, ndtms_dataset::Severity::Error);
    assert!(
        sex[0].episode_id.is_empty(),
        "about the client, not an episode"
    );
    // A new client with no episode yet: their own details are checked (a blank sex is an error).
    s.save(
        Entity::Client,
        &RecordKey::client("NEW-1"),
        &f(&[("CONSENT", "Y"), ("FINITIAL", "A"), ("SINITIAL", "B")]),
    )
    .unwrap();
    let flags = ndtms_submission::client_page::caseload_flags(&mut s).unwrap();
    let new = flags
        .iter()
        .find(|f| f.reference == "NEW-1")
        .expect("new one flagged");
    assert!(new.errors >= 1, "{new:?}");
    let page = ndtms_submission::client_page::client_page(&mut s, "NEW-1").unwrap();
    assert!(
        page.findings.iter().any(|f| f.field == "DOB"),
        "{:?}",
        page.findings
    );
}

#[test]
fn a_client_without_an_outcome_record_lowers_data_quality_not_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = reference();
    let cat = &data.version_on(period().end).unwrap().catalogue;
    let mut g = ndtms_dataset::generate(
        cat,
        &ndtms_dataset::GenerateOptions {
            dataset: Dataset::AD,
            clients: 40,
            seed: 11,
            error_rate: 0.0,
            period: period(),
        },
    );
    // One consenting client's outcome records are taken out before the rows go in.
    let (cc, top) = (
        cat.column("CLIENTID").unwrap(),
        cat.column("TOPID").unwrap(),
    );
    let client = g
        .rows
        .iter()
        .find(|r| !r[top].is_empty())
        .map(|r| r[cc].clone())
        .expect("a client with a TOP");
    let section = cat.fields[top].section;
    for row in g.rows.iter_mut().filter(|r| r[cc] == client) {
        for (c, f) in cat.fields.iter().enumerate() {
            if f.section == section {
                row[c].clear();
            }
        }
    }
    let mut s = store(dir.path());
    s.import_rows(&g.headers, &g.rows).unwrap();
    let p = prepare(&mut s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
    let r = &p.report.report;
    let about: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.client_id == client)
        .collect();
    let outcome = about
        .iter()
        .find(|f| f.rule == "OUT-002")
        .unwrap_or_else(|| panic!("OUT-002 for {client}: {about:#?}"));
    assert_eq!(outcome.severity, ndtms_dataset::Severity::Warning);
    assert!(outcome.message.contains("TOP"), "{}", outcome.message);
    // The start of treatment is long past, so the start TOP is overdue too.
    assert!(about.iter().any(|f| f.rule == "TIM-001"), "{about:#?}");
    // Nothing else in the month has a finding.
    assert_eq!(about.len(), r.findings.len(), "{:#?}", &r.findings);
    assert_eq!(r.errors, 0);
    assert_eq!(r.load_percent, 100.0);
    assert!(r.data_quality_percent < 100.0);
    assert!(r.rows_with_warnings >= 1);
    // The caseload and the client's page show what is late from the schedules, and the
    // missing record once among the findings: the overdue rules are not counted again there.
    let flags = ndtms_submission::client_page::caseload_flags(&mut s).unwrap();
    let mine = flags
        .iter()
        .find(|f| f.reference == client)
        .expect("flagged");
    assert!(mine.overdue >= 1, "{mine:?}");
    assert_eq!(mine.warnings, 1, "OUT-002 alone: {mine:?}");
    let page = ndtms_submission::client_page::client_page(&mut s, &client).unwrap();
    assert!(
        page.findings.iter().any(|f| f.rule == "OUT-002"),
        "{:?}",
        page.findings
    );
    assert!(
        page.findings.iter().all(|f| !f.rule.starts_with("TIM-")),
        "{:?}",
        page.findings
    );
}
