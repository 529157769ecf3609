//! The keyworker's desk in the core: new clients (reference, duplicates, consent), who holds a
//! client, the record's journeys and history, and deleting (data leads only, named first).

mod common;

use common::{add_user_ready, fields, new_store};
use ndtms_store::caseload::{CaseloadFilter, CaseloadQuery};
use ndtms_store::new_client::{DuplicateReason, NewClient};
use ndtms_store::record_form::RecordPlace;
use ndtms_store::records::{ConsentStatus, Entity, RecordKey};
use ndtms_store::{Role, Store};

const KIM: &str = "kim's own password 1";
const DEE: &str = "dee's own password 1";

fn desk(dir: &std::path::Path) -> Store {
    let (mut s, _) = new_store(dir);
    add_user_ready(&mut s, "kim", Role::Keyworker, KIM);
    add_user_ready(&mut s, "dee", Role::DataLead, DEE);
    s.logout().unwrap();
    s.login("kim", KIM).unwrap();
    s
}

fn client(reference: &str, consent: &str, initials: (&str, &str)) -> NewClient {
    NewClient {
        reference: reference.into(),
        fields: fields(&[
            ("CONSENT", consent),
            ("FINITIAL", initials.0),
            ("SINITIAL", initials.1),
            ("DOB", "14/03/1987"),
            ("SEX", "F"),
            ("ETHNIC", ""),
        ]),
        consent_date: "01/12/2026".into(),
    }
}

fn mine(s: &mut Store) -> Vec<String> {
    s.caseload(&CaseloadQuery {
        text: String::new(),
        filter: CaseloadFilter::All,
        mine: true,
        offset: 0,
        limit: 100,
    })
    .unwrap()
    .rows
    .into_iter()
    .map(|r| r.reference)
    .collect()
}

#[test]
fn a_new_client_is_saved_with_their_consent_and_held_by_who_added_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    let first = s.suggest_client_reference().unwrap();
    assert_eq!(first, "C00001");
    let new = client(&first, "Y", ("A", "B"));
    let check = s.check_new_client(&new).unwrap();
    assert!(check.reference_problem.is_none());
    assert!(check.duplicates.is_empty());
    // The IPS items are asked only with IPS consent (the catalogue's condition).
    assert!(
        check.hidden.contains(&"NINO".to_owned()),
        "{:?}",
        check.hidden
    );
    let mut ips = new.clone();
    ips.fields.insert("IPSCONS".into(), "Y".into());
    assert!(
        !s.check_new_client(&ips)
            .unwrap()
            .hidden
            .contains(&"NINO".to_owned())
    );
    // Blank values are not kept; the section's findings come from the catalogue's rules.
    assert!(
        check.findings.iter().any(|f| f.field == "ETHNIC"),
        "{:?}",
        check.findings
    );
    s.create_client(&new).unwrap();
    let view = s.client_view(&first).unwrap();
    assert_eq!(view.ndtms, Some(ConsentStatus::Given));
    assert_eq!(view.history.len(), 1);
    assert_eq!(view.history[0].recorded_by, "kim");
    assert_eq!(view.history[0].date, "01/12/2026");
    assert_eq!(
        view.keyworker.as_ref().map(|k| k.username.as_str()),
        Some("kim")
    );
    assert_eq!(s.suggest_client_reference().unwrap(), "C00002");
    assert_eq!(mine(&mut s), vec![first.clone()]);

    // A second client with the same details is a possible duplicate, named before saving.
    let second = client("C00002", "N", ("A", "B"));
    let check = s.check_new_client(&second).unwrap();
    assert_eq!(check.duplicates.len(), 1);
    assert_eq!(check.duplicates[0].reference, first);
    assert_eq!(check.duplicates[0].reason, DuplicateReason::SameDetails);
    assert!(
        check.duplicates[0]
            .details
            .iter()
            .any(|d| d == "Sex: Female"),
        "{:?}",
        check.duplicates[0].details
    );
    // Saving it anyway is the keyworker's call (twins exist); a refusal is recorded as such.
    s.create_client(&second).unwrap();
    assert_eq!(
        s.client_view("C00002").unwrap().ndtms,
        Some(ConsentStatus::Refused)
    );

    // The same reference, a blank one, and no consent answer are refused, and nothing is saved.
    let taken = client(&first, "Y", ("Z", "Z"));
    assert_eq!(
        s.check_new_client(&taken).unwrap().duplicates[0].reason,
        DuplicateReason::SameReference
    );
    let e = s.create_client(&taken).unwrap_err();
    assert_eq!(e.code().as_str(), "client_reference_taken");
    let e = s.create_client(&client("  ", "Y", ("Z", "Z"))).unwrap_err();
    assert_eq!(e.code().as_str(), "client_reference_invalid");
    let e = s
        .create_client(&client("C00009", "", ("Z", "Z")))
        .unwrap_err();
    assert_eq!(e.code().as_str(), "consent_missing");
    let mut future = client("C00010", "Y", ("Z", "Z"));
    future.consent_date = "01/01/2999".into();
    assert_eq!(
        s.create_client(&future).unwrap_err().code().as_str(),
        "date_invalid"
    );
    assert_eq!(s.clients().unwrap().len(), 2);
}

#[test]
fn a_client_is_given_to_an_active_keyworker_and_the_change_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    s.create_client(&client("C1", "Y", ("A", "B"))).unwrap();
    assert_eq!(
        s.assign_keyworker("C1", Some("nobody"))
            .unwrap_err()
            .code()
            .as_str(),
        "keyworker_unknown"
    );
    s.assign_keyworker("C1", Some("dee")).unwrap();
    assert!(mine(&mut s).is_empty());
    s.assign_keyworker("C1", Some("kim")).unwrap();
    assert_eq!(mine(&mut s), vec!["C1".to_owned()]);
    let names: Vec<String> = s
        .keyworkers()
        .unwrap()
        .into_iter()
        .map(|k| k.username)
        .collect();
    assert!(names.contains(&"kim".to_owned()) && names.contains(&"dee".to_owned()));
    // The history is a data lead's to see, not a keyworker's.
    assert_eq!(
        s.record_history("C1", 50).unwrap_err().code().as_str(),
        "auth_forbidden"
    );
    s.logout().unwrap();
    s.login("dee", DEE).unwrap();
    let history = s.record_history("C1", 50).unwrap();
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "assign").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"create") && actions.contains(&"consent"));
    assert_eq!(history[0].by, "kim", "newest first, by display name");
}

fn episode(s: &mut Store, client: &str, ep: &str, dates: &[(&str, &str)], modality: &str) {
    let key = RecordKey {
        episode: Some(ep.into()),
        ..RecordKey::client(client)
    };
    s.save(Entity::Episode, &key, &fields(dates)).unwrap();
    s.save(
        Entity::Intervention,
        &RecordKey {
            child: Some(format!("{ep}-I")),
            ..key
        },
        &fields(&[("MODST", modality), ("MODAL", "95")]),
    )
    .unwrap();
}

#[test]
fn episodes_are_grouped_into_journeys_by_the_21_day_rule() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    s.create_client(&client("C1", "Y", ("A", "B"))).unwrap();
    episode(
        &mut s,
        "C1",
        "E1",
        &[("REFLD", "01/01/2024"), ("DISD", "01/03/2024")],
        "05/01/2024",
    );
    // Back within 21 days of the discharge: the same journey.
    episode(
        &mut s,
        "C1",
        "E2",
        &[("REFLD", "10/03/2024"), ("DISD", "01/05/2024")],
        "15/03/2024",
    );
    // Months later: a new journey.
    episode(&mut s, "C1", "E3", &[("REFLD", "01/01/2025")], "10/01/2025");
    let view = s.client_view("C1").unwrap();
    let journeys: Vec<Vec<&str>> = view
        .journeys
        .iter()
        .map(|j| j.episodes.iter().map(|e| e.reference.as_str()).collect())
        .collect();
    assert_eq!(
        journeys,
        vec![vec!["E3"], vec!["E1", "E2"]],
        "newest journey first"
    );
    let e1 = &view.journeys[1].episodes[0];
    assert_eq!(e1.start, "01/01/2024");
    assert_eq!(e1.end, "01/03/2024");
    assert_eq!(e1.interventions[0].reference, "E1-I");
    assert!(
        e1.interventions[0]
            .summary
            .iter()
            .any(|x| x.value == "05/01/2024"),
        "{:?}",
        e1.interventions[0].summary
    );
}

#[test]
fn deleting_is_for_data_leads_names_what_goes_and_audits_every_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    s.create_client(&client("C1", "Y", ("A", "B"))).unwrap();
    episode(
        &mut s,
        "C1",
        "E1",
        &[("REFLD", "01/01/2024"), ("DISD", "01/03/2024")],
        "05/01/2024",
    );
    episode(&mut s, "C1", "E2", &[("REFLD", "01/01/2025")], "10/01/2025");
    let ep = RecordKey {
        episode: Some("E1".into()),
        ..RecordKey::client("C1")
    };
    assert_eq!(
        s.deletion(Entity::Episode, &ep)
            .unwrap_err()
            .code()
            .as_str(),
        "auth_forbidden"
    );
    assert_eq!(
        s.delete(Entity::Episode, &ep).unwrap_err().code().as_str(),
        "auth_forbidden"
    );
    s.logout().unwrap();
    s.login("dee", DEE).unwrap();
    let d = s.deletion(Entity::Episode, &ep).unwrap();
    assert_eq!(d.what, "episode E1 of client C1");
    assert_eq!(d.goes_with, vec!["1 intervention".to_owned()]);
    assert!(d.locked.is_none());
    let d = s
        .deletion(Entity::Client, &RecordKey::client("C1"))
        .unwrap();
    assert_eq!(
        d.goes_with,
        vec![
            "2 episodes".to_owned(),
            "2 interventions".to_owned(),
            "1 consent decision".to_owned()
        ]
    );
    s.delete(Entity::Episode, &ep).unwrap();
    assert_eq!(s.client_view("C1").unwrap().episodes, 1);
    let history = s.record_history("C1", 100).unwrap();
    for (record, field) in [
        ("C1/E1", "Referral date"),
        ("C1/E1/E1-I", "Intervention start date"),
    ] {
        assert!(
            history
                .iter()
                .any(|h| h.action == "delete" && h.record == record && h.field == field),
            "{record} {field}: {history:?}"
        );
    }
    // A record with no values at all still leaves its deletion in the trail.
    let bare = RecordKey {
        episode: Some("E3".into()),
        ..RecordKey::client("C1")
    };
    s.save(Entity::Episode, &bare, &fields(&[])).unwrap();
    s.delete(Entity::Episode, &bare).unwrap();
    let trail = s.audit_entries("episode", "C1/E3").unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "delete" && e.field.is_empty()),
        "{trail:?}"
    );
    s.delete(Entity::Client, &RecordKey::client("C1")).unwrap();
    assert!(s.clients().unwrap().is_empty());
    assert_eq!(
        s.client_view("C1").unwrap_err().code().as_str(),
        "not_found"
    );
}

fn place(section: ndtms_dataset::Section, episode: Option<&str>, id: Option<&str>) -> RecordPlace {
    RecordPlace {
        section,
        client: "C1".into(),
        episode: episode.map(str::to_owned),
        intervention: None,
        id: id.map(str::to_owned),
    }
}

#[test]
fn a_records_form_suggests_an_id_keeps_a_draft_and_files_the_record_where_it_belongs() {
    use ndtms_dataset::Section;
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    s.create_client(&client("C1", "Y", ("A", "B"))).unwrap();

    // A new episode: the catalogue's episode form, the next id, no draft yet.
    let new_episode = place(Section::Episode, None, None);
    let form = s.record_form(&new_episode).unwrap();
    assert_eq!(form.id, "E1");
    assert!(!form.exists && form.draft.is_none());
    assert!(form.form.fields.iter().any(|f| f.header == "REFLD"));
    // What is typed is kept as a draft, where the cursor was, until it is saved.
    let typed = fields(&[("REFLD", "01/11/2026"), ("DISD", "")]);
    s.keep_draft(&new_episode, &typed, "field-REFLD").unwrap();
    let again = s.record_form(&new_episode).unwrap();
    let draft = again.draft.expect("the draft");
    assert_eq!(
        draft.fields.get("REFLD").map(String::as_str),
        Some("01/11/2026")
    );
    assert_eq!(draft.focus, "field-REFLD");
    // The discharge reason is asked only with a discharge date (the catalogue's condition).
    let hidden = s.hidden_fields(&new_episode, &typed).unwrap();
    assert!(hidden.contains(&"DISRSN".to_owned()));
    // A condition on the client's own field (pregnancy, asked when the client is female) reads
    // the client's record.
    assert!(!hidden.contains(&"PREGNANT".to_owned()), "{hidden:?}");
    let discharged = fields(&[("DISD", "02/11/2026")]);
    assert!(
        !s.hidden_fields(&new_episode, &discharged)
            .unwrap()
            .contains(&"DISRSN".to_owned())
    );

    // Saved: the episode exists with its values (blanks not kept), and the draft is gone.
    assert_eq!(s.save_record(&new_episode, "E1", &typed, "").unwrap(), "E1");
    let saved = s
        .record_form(&place(Section::Episode, None, Some("E1")))
        .unwrap();
    assert!(saved.exists && saved.draft.is_none());
    assert_eq!(saved.fields, fields(&[("REFLD", "01/11/2026")]));
    assert!(s.record_form(&new_episode).unwrap().draft.is_none());
    assert_eq!(s.record_form(&new_episode).unwrap().id, "E2");
    // A new record cannot take an id already used there.
    assert_eq!(
        s.save_record(&new_episode, "E1", &typed, "")
            .unwrap_err()
            .code()
            .as_str(),
        "record_id_taken"
    );

    // A TOP under the episode: kept as an outcome record, shown with its own id.
    let top = place(Section::Top, Some("E1"), None);
    let form = s.record_form(&top).unwrap();
    assert_eq!(form.id, "TOP1");
    s.save_record(&top, "TOP1", &fields(&[("TOPDATE", "03/11/2026")]), "")
        .unwrap();
    let view = s.client_view("C1").unwrap();
    let ep = &view.journeys[0].episodes[0];
    assert_eq!(ep.outcomes[0].reference, "TOP1");
    let reopened = s
        .record_form(&place(Section::Top, Some("E1"), Some("TOP1")))
        .unwrap();
    assert_eq!(
        reopened.fields.get("TOPDATE").map(String::as_str),
        Some("03/11/2026")
    );
    // A record that is not there is said so.
    assert_eq!(
        s.record_form(&place(Section::Top, Some("E1"), Some("TOP9")))
            .unwrap_err()
            .code()
            .as_str(),
        "not_found"
    );
}

#[test]
fn the_drafts_list_says_what_each_draft_is_and_where_its_form_is() {
    use ndtms_dataset::Section;
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    s.create_client(&client("C1", "Y", ("A", "B"))).unwrap();
    assert!(s.draft_list().unwrap().is_empty());
    let new_episode = place(Section::Episode, None, None);
    s.keep_draft(
        &new_episode,
        &fields(&[("REFLD", "01/11/2026")]),
        "field-REFLD",
    )
    .unwrap();
    let list = s.draft_list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].what, "Episode (new), client C1");
    let back = list[0].place.clone().expect("its place");
    assert_eq!(back.section, Section::Episode);
    assert_eq!(back.client, "C1");
    // Reopened from the list, the form has the draft.
    assert!(s.record_form(&back).unwrap().draft.is_some());
    // Another user does not see it.
    s.logout().unwrap();
    s.login("dee", DEE).unwrap();
    assert!(s.draft_list().unwrap().is_empty());
}

#[test]
fn a_record_in_a_transferred_period_is_locked_in_its_form_and_a_data_lead_says_why() {
    use chrono::NaiveDate;
    use ndtms_dataset::Section;
    use ndtms_store::{NewSubmission, SubmissionKind};
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    s.create_client(&client("C1", "Y", ("A", "B"))).unwrap();
    let new_episode = place(Section::Episode, None, None);
    s.save_record(&new_episode, "E1", &fields(&[("REFLD", "15/06/2026")]), "")
        .unwrap();
    s.logout().unwrap();
    s.login("dee", DEE).unwrap();
    transfer_to_october(&mut s);
    s.logout().unwrap();
    s.login("kim", KIM).unwrap();
    let saved = place(Section::Episode, None, Some("E1"));
    let form = s.record_form(&saved).unwrap();
    let why = form.locked.expect("locked, and why");
    assert!(
        why.contains("Referral date (REFLD) 15/06/2026"),
        "named as people read it: {why}"
    );
    let changed = fields(&[("REFLD", "16/06/2026")]);
    assert_eq!(
        s.save_record(&saved, "E1", &changed, "")
            .unwrap_err()
            .code()
            .as_str(),
        "period_locked"
    );
    // A data lead may change it, saying why; the reason is in the record's history.
    s.logout().unwrap();
    s.login("dee", DEE).unwrap();
    assert_eq!(
        s.save_record(&saved, "E1", &changed, "  ")
            .unwrap_err()
            .code()
            .as_str(),
        "lock_reason_missing"
    );
    s.save_record(&saved, "E1", &changed, "the date was typed wrongly")
        .unwrap();
    let history = s.record_history("C1", 50).unwrap();
    assert!(
        history.iter().any(|h| h.action == "edit_locked_period"
            && h.new_value
                .contains("Reason given: the date was typed wrongly")),
        "{history:?}"
    );
    // A new record outside the period needs no reason.
    s.save_record(&new_episode, "E2", &fields(&[("REFLD", "01/11/2026")]), "")
        .unwrap();

    // Unlocking the period: data leads only, with a reason; then a keyworker may change it.
    // An earlier month's transfer inside it is unlocked with it.
    s.record_submission(&NewSubmission {
        kind: SubmissionKind::Transfer,
        period_start: NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
        period_end: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        file_name: "N0852_AD_202609.csv",
        sha256: "1",
        rows: 1,
        clients: 1,
        report: "{}",
        receipt: "{}",
        attributors: &[],
    })
    .unwrap();
    let transfer = s
        .submissions()
        .unwrap()
        .into_iter()
        .find(|x| x.file_name == "N0852_AD_202610.csv")
        .unwrap()
        .id;
    assert_eq!(
        s.unlock_period(transfer, " ").unwrap_err().code().as_str(),
        "lock_reason_missing"
    );
    s.logout().unwrap();
    s.login("kim", KIM).unwrap();
    assert_eq!(
        s.unlock_period(transfer, "asked to")
            .unwrap_err()
            .code()
            .as_str(),
        "auth_forbidden"
    );
    s.logout().unwrap();
    s.login("dee", DEE).unwrap();
    s.unlock_period(transfer, "the region asked for October again")
        .unwrap();
    assert!(s.submissions().unwrap().iter().all(|x| !x.locks_period));
    assert_eq!(
        s.unlock_period(transfer, "again")
            .unwrap_err()
            .code()
            .as_str(),
        "period_not_locked"
    );
    s.logout().unwrap();
    s.login("kim", KIM).unwrap();
    s.save_record(&saved, "E1", &fields(&[("REFLD", "17/06/2026")]), "")
        .unwrap();
    s.logout().unwrap();
    s.login("dee", DEE).unwrap();
    let audit = s
        .audit_entries("submission", "N0852_AD_202610.csv")
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "unlock_period"
                && e.new_value == "the region asked for October again"),
        "the unlock and its reason audited"
    );
}

#[test]
fn an_episode_says_what_is_due_by_the_reference_datas_schedules() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    s.create_client(&client("C1", "Y", ("A", "B"))).unwrap();
    let day = |n: i64| {
        ndtms_dataset::values::format_date(
            ndtms_dataset::model::today() - chrono::Duration::days(n),
        )
    };
    // Treatment started 60 days ago with no TOP: the start TOP is overdue.
    episode(&mut s, "C1", "E1", &[("REFLD", &day(67))], &day(60));
    let view = s.client_view("C1").unwrap();
    let due = &view.journeys[0].episodes[0].due;
    assert!(
        due.iter().any(|d| d.schedule == "TOP-START" && d.overdue),
        "{due:?}"
    );
    // A TOP three days after the start: nothing is due any more but the review to come.
    let ep = RecordKey {
        episode: Some("E1".into()),
        ..RecordKey::client("C1")
    };
    s.save(
        Entity::OutcomeRecord,
        &RecordKey {
            child: Some("top:T1".into()),
            ..ep
        },
        &fields(&[("TOPDATE", &day(57))]),
    )
    .unwrap();
    let view = s.client_view("C1").unwrap();
    let due = &view.journeys[0].episodes[0].due;
    assert!(!due.iter().any(|d| d.schedule == "TOP-START"), "{due:?}");
}

#[test]
fn a_second_handle_reads_beside_the_first_for_the_right_role_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    s.create_client(&client("C1", "Y", ("A", "B"))).unwrap();
    assert_eq!(
        s.beside(ndtms_store::Permission::Submit)
            .unwrap_err()
            .code()
            .as_str(),
        "auth_forbidden"
    );
    s.logout().unwrap();
    s.login("dee", DEE).unwrap();
    let mut reader = s.beside(ndtms_store::Permission::Submit).unwrap();
    // Written on the first handle, read on the second while the first stays usable.
    s.create_client(&client("C2", "Y", ("C", "D"))).unwrap();
    let read: Vec<String> = reader
        .extract_source()
        .unwrap()
        .into_iter()
        .map(|c| c.reference)
        .collect();
    assert_eq!(read, ["C1", "C2"]);
    // The caseload kept by the first handle sees a client the second one adds.
    let all = |s: &mut Store| {
        s.caseload(&CaseloadQuery {
            text: String::new(),
            filter: CaseloadFilter::All,
            mine: false,
            offset: 0,
            limit: 100,
        })
        .unwrap()
        .total
    };
    assert_eq!(all(&mut s), 2);
    reader
        .create_client(&client("C3", "Y", ("E", "F")))
        .unwrap();
    assert_eq!(all(&mut s), 3);
    s.logout().unwrap();
    assert!(s.extract_source().is_err(), "the first handle logged out");
}

#[test]
fn a_period_lock_that_cannot_be_read_stops_every_change_rather_than_opening_the_period() {
    use ndtms_dataset::Section;
    let dir = tempfile::tempdir().unwrap();
    let mut s = desk(dir.path());
    s.create_client(&client("C1", "Y", ("A", "B"))).unwrap();
    let new_episode = place(Section::Episode, None, None);
    s.logout().unwrap();
    s.login("dee", DEE).unwrap();
    transfer_to_october(&mut s);
    s.logout().unwrap();
    s.login("kim", KIM).unwrap();
    // Before: an episode inside the period is refused, one after it is saved.
    let inside = fields(&[("REFLD", "15/06/2026")]);
    assert_eq!(
        s.save_record(&new_episode, "E1", &inside, "")
            .unwrap_err()
            .code()
            .as_str(),
        "period_locked"
    );
    s.save_record(&new_episode, "E2", &fields(&[("REFLD", "01/11/2026")]), "")
        .unwrap();
    // The lock's dates damaged (by hand, or a fault): nothing is saved, inside the period or
    // not, and the message says what to do.
    for bad in ["not a date", "2026-13-40"] {
        s.connection_for_tests()
            .execute("UPDATE submission SET period_end = ?1", [bad])
            .unwrap();
        for (id, f) in [("E3", &inside), ("E4", &fields(&[("REFLD", "02/11/2026")]))] {
            let e = s.save_record(&new_episode, id, f, "").unwrap_err();
            assert_eq!(e.code().as_str(), "period_lock_unreadable", "{bad}: {e}");
            assert!(e.to_string().contains("no change is saved"), "{e}");
        }
    }
    s.connection_for_tests()
        .execute("UPDATE submission SET period_end = x'00ff'", [])
        .unwrap();
    assert_eq!(
        s.save_record(&new_episode, "E3", &inside, "")
            .unwrap_err()
            .code()
            .as_str(),
        "period_lock_unreadable"
    );
}

/// Records a transfer of April 2025 to October 2026 (as the data lead logged in).
fn transfer_to_october(s: &mut Store) {
    use ndtms_store::{NewSubmission, SubmissionKind};
    s.record_submission(&NewSubmission {
        kind: SubmissionKind::Transfer,
        period_start: chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
        period_end: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        file_name: "N0852_AD_202610.csv",
        sha256: "0",
        rows: 1,
        clients: 1,
        report: "{}",
        receipt: "{}",
        attributors: &[],
    })
    .unwrap();
}
