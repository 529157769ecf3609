//! Items the extract never sends without their condition: the NI number and full postcode go
//! only for a client with IPS consent, whatever was typed (rules marked `extract=blank`).

use ndtms_store::records::{Entity, RecordKey};
use ndtms_submission::{DEFAULT_FILE_PATTERN, prepare};

mod common;
use common::*;

#[test]
fn the_ni_number_and_full_postcode_are_sent_only_with_ips_consent() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, g) = filled(dir.path(), 20);
    let (data, _) = reference();
    let cat = &data.version_on(period().end).unwrap().catalogue;
    let before = prepare(&mut s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
    let (cc, nino, ipspc) = (
        cat.column("CLIENTID").unwrap(),
        cat.column("NINO").unwrap(),
        cat.column("IPSPC").unwrap(),
    );
    let rows = before.extract.rows.to_vecs();
    let id = g
        .rows
        .iter()
        .map(|r| r[g.headers.iter().position(|h| h == "CLIENTID").unwrap()].clone())
        .find(|id| {
            rows.iter()
                .any(|r| &r[cc] == id && r[cat.column("CONSENT").unwrap()] == "Y")
        })
        .expect("a consenting client in the file");
    let sent = |s: &mut ndtms_store::Store, ips: &str| {
        let mut fields = s.client(&id).unwrap().fields;
        fields.insert("IPSCONS".into(), ips.into());
        fields.insert("NINO".into(), "AB123456C".into());
        fields.insert("IPSPC".into(), "SW1A 1AA".into());
        s.save(Entity::Client, &RecordKey::client(&id), &fields)
            .unwrap();
        let p = prepare(s, &period(), DEFAULT_FILE_PATTERN, now()).unwrap();
        let rows = p.extract.rows.to_vecs();
        let mine: Vec<(String, String)> = rows
            .iter()
            .filter(|r| r[cc] == id)
            .map(|r| (r[nino].clone(), r[ipspc].clone()))
            .collect();
        assert!(!mine.is_empty());
        (mine, p.report.report.findings)
    };
    // Typed, but no IPS consent: the record check would say so; the file never carries them.
    let (without, findings) = sent(&mut s, "N");
    assert!(
        without.iter().all(|(n, p)| n.is_empty() && p.is_empty()),
        "{without:?}"
    );
    assert!(
        findings
            .iter()
            .all(|f| f.rule != "IPS-001" && f.rule != "IPS-002"),
        "nothing to find in the file: {findings:?}"
    );
    // With IPS consent they are sent.
    let (with, _) = sent(&mut s, "Y");
    assert!(
        with.iter()
            .all(|(n, p)| n == "AB123456C" && p == "SW1A 1AA"),
        "{with:?}"
    );
}
