//! One client's record page: the store's view of the client and the findings their records
//! would get in the pre-transfer report (the same engine, rules and messages), so a keyworker
//! sees and fixes them before the month's transfer.

use std::collections::HashMap;

use chrono::NaiveDate;
use ndtms_dataset::{Finding, ReportingPeriod};
use ndtms_store::Store;
use ndtms_store::client_view::ClientView;
use ndtms_store::submissions::SourceClient;
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

/// Every date a record can hold, so each of the client's episodes is checked.
fn all_time(today: NaiveDate) -> ReportingPeriod {
    ReportingPeriod {
        year: 0,
        month: 0,
        start: NaiveDate::MIN,
        end: today,
    }
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
    let findings = if built.rows.is_empty() {
        // Not sent until an episode is active: their own details are still checked.
        store.client_findings(reference, &record.fields)?
    } else {
        report::check(cat, &built, today, &previous).findings
    };
    Ok(ClientPage { view, findings })
}
