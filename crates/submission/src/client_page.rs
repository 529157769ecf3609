//! One client's record page: the store's view of the client and the findings their records
//! would get in the pre-transfer report (the same engine, rules and messages), so a keyworker
//! sees and fixes them before the month's transfer.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use chrono::NaiveDate;
use ndtms_dataset::model::RuleKind;
use ndtms_dataset::{Finding, ReportingPeriod, Severity, Validator};
use ndtms_store::client_view::{ClientView, latest};
use ndtms_store::new_client::client_section_findings;
use ndtms_store::records::{ConsentScope, ConsentStatus};
use ndtms_store::reference::InUse;
use ndtms_store::submissions::SourceClient;
use ndtms_store::{Agency, Store};
use serde::Serialize;
use ts_rs::TS;

use crate::Result;
use crate::{extract, report};

#[derive(Debug, Clone, Serialize, TS)]
pub struct ClientPage {
    pub view: ClientView,
    /// What the client's records would get if sent today, whatever their dates.
    pub findings: Vec<Finding>,
}

/// Whether the client's latest NDTMS decision refuses or withdraws consent: then only the
/// agency, the consent answer and the reference are sent, and there is nothing to check.
fn refused(events: &[ndtms_store::records::ConsentEvent]) -> bool {
    latest(events, ConsentScope::Ndtms).is_some_and(|s| s != ConsentStatus::Given)
}

/// Every date a record can hold, so each of the client's episodes is checked.
fn all_time(today: NaiveDate) -> ReportingPeriod {
    ReportingPeriod {
        year: 0,
        month: 0,
        start: NaiveDate::MIN,
        end: today,
    }
}

/// Each row of the extract carries the client's own details, so a finding about them comes once
/// a row; the client's page says it once, about the client rather than an episode.
fn once_per_client(cat: &ndtms_dataset::Catalogue, findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::new();
    findings
        .into_iter()
        .filter_map(|mut f| {
            let about_client = cat
                .field(&f.field)
                .is_some_and(|x| x.section == ndtms_dataset::Section::Client);
            if !about_client {
                return Some(f);
            }
            f.episode_id.clear();
            f.child_id.clear();
            f.line = None;
            seen.insert((f.rule.clone(), f.field.clone(), f.message.clone()))
                .then_some(f)
        })
        .collect()
}

/// The client record page (any logged-in user; opening it is audited once, as a view).
pub fn client_page(store: &mut Store, reference: &str) -> Result<ClientPage> {
    let (view, record) = store.client_view_and_record(reference)?;
    let used = store.reference_data()?;
    let agency = store.agency()?;
    let today = ndtms_dataset::model::today();
    let cat = &used
        .data
        .version_on(today)
        .map_err(ndtms_store::StoreError::from)?
        .catalogue;
    let source = [SourceClient::from_record(&record)];
    let built = extract::build(cat, &agency, &source, &all_time(today));
    let previous: HashMap<String, Vec<String>> = store
        .previous_attributors_of(reference)?
        .map(|a| HashMap::from([(reference.to_owned(), a)]))
        .unwrap_or_default();
    let findings = if built.rows.is_empty() && refused(&record.consent) {
        // Nothing but the key and the consent answer will ever be sent.
        Vec::new()
    } else if built.rows.is_empty() {
        // Not sent until an episode is active: their own details are still checked.
        store.client_findings(reference, &record.fields)?
    } else {
        let v = Validator::new(cat, agency.dataset, today)
            // What is due is on the page from the schedules: not again among the findings.
            .leaving_out(RuleKind::Overdue);
        once_per_client(cat, report::check_by(&v, &built, &previous).findings)
    };
    Ok(ClientPage { view, findings })
}

/// What a client's records would get, counted, for the caseload's "to fix" column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClientFlags {
    pub reference: String,
    pub errors: u32,
    pub warnings: u32,
    /// Outcome records and reviews due now, and those past their date.
    pub due: u32,
    pub overdue: u32,
}

/// What [`flags_of`] needs, read from the store in one go (any logged-in user).
#[derive(Debug)]
pub struct FlagSource {
    pub reference: InUse,
    pub agency: Agency,
    pub clients: Vec<SourceClient>,
}

/// Reads what the caseload's flags are worked out from. The app does the checking itself
/// ([`flags_of`]) after letting go of the store, so searches are not held up by it.
pub fn flag_source(store: &mut Store) -> Result<FlagSource> {
    Ok(FlagSource {
        clients: store.check_source()?,
        reference: store.reference_data()?,
        agency: store.agency()?,
    })
}

/// Every client whose records would get an error or a warning if sent today, whatever their
/// dates (any logged-in user).
pub fn caseload_flags(store: &mut Store) -> Result<Vec<ClientFlags>> {
    flags_of(&flag_source(store)?)
}

/// The counts for [`caseload_flags`]: one pass of the validator over every client's rows;
/// clients with no episode yet have their own details checked. Mismatches with the last
/// transfer are left to the data lead's report.
pub fn flags_of(source: &FlagSource) -> Result<Vec<ClientFlags>> {
    let (clients, agency) = (&source.clients, &source.agency);
    let today = ndtms_dataset::model::today();
    let cat = &source
        .reference
        .data
        .version_on(today)
        .map_err(ndtms_store::StoreError::from)?
        .catalogue;
    let built = extract::build(cat, agency, clients, &all_time(today));
    let validator = Validator::new(cat, agency.dataset, today)
        // What is due is shown from the schedules beside the findings, not again among them.
        .leaving_out(RuleKind::Overdue);
    let counts: Rc<RefCell<BTreeMap<String, (u32, u32)>>> = Rc::default();
    let count = |counts: &RefCell<BTreeMap<String, (u32, u32)>>, f: &Finding| {
        let mut c = counts.borrow_mut();
        let e = c.entry(f.client_id.clone()).or_default();
        match f.severity {
            Severity::Error => e.0 += 1,
            Severity::Warning => e.1 += 1,
            Severity::Mismatch => {}
        }
    };
    {
        let sink = Rc::clone(&counts);
        let mut check = validator
            .file(built.headers.iter().map(String::as_str))
            .keep_at_most(0)
            .with_sink(move |f| count(&sink, f));
        check.rows_of(built.rows.iter());
        check.finish();
    }
    for c in clients
        .iter()
        .filter(|c| c.episodes.is_empty() && !refused(&c.consent))
    {
        let fields: ndtms_store::records::Fields =
            serde_json::from_str(&c.fields.0).unwrap_or_default();
        for f in client_section_findings(cat, &validator, &agency.code, &c.reference, &fields) {
            count(&counts, &f);
        }
    }
    let counts = counts.take();
    // What is due, by the catalogue's schedules, for every client (refusals included: their
    // treatment is still recorded and reviewed here).
    let end = cat
        .episode_span()
        .map(|(_, e)| cat.fields[e].header.as_str());
    let mut due: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    if !cat.schedules.is_empty() {
        for c in clients {
            for e in &c.episodes {
                for item in
                    ndtms_store::client_view::due_of(cat, agency.dataset, &e.to_record(), end)
                {
                    let d = due.entry(c.reference.as_str()).or_default();
                    if item.overdue {
                        d.1 += 1;
                    } else {
                        d.0 += 1;
                    }
                }
            }
        }
    }
    let mut out: BTreeMap<String, ClientFlags> = BTreeMap::new();
    for (reference, (errors, warnings)) in counts {
        out.insert(
            reference.clone(),
            ClientFlags {
                reference,
                errors,
                warnings,
                due: 0,
                overdue: 0,
            },
        );
    }
    for (reference, (d, o)) in due {
        let f = out
            .entry(reference.to_owned())
            .or_insert_with(|| ClientFlags {
                reference: reference.to_owned(),
                errors: 0,
                warnings: 0,
                due: 0,
                overdue: 0,
            });
        f.due = d;
        f.overdue = o;
    }
    Ok(out
        .into_values()
        .filter(|f| f.errors + f.warnings + f.due + f.overdue > 0)
        .collect())
}
