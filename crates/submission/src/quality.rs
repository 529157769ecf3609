//! The data-quality dashboard: load and data-quality percentages month by month over the past
//! year (from the history, and a fresh check of the month due), the rules with most findings,
//! the fields most often missing or invalid, and the clients by where their treatment stands.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ndtms_store::Store;
use ndtms_store::caseload::{CaseloadFilter, CaseloadQuery};
use ndtms_store::submissions::Submission;
use serde::Serialize;
use ts_rs::TS;

use crate::Prepared;
use crate::error::Result;
use crate::job::RuleCount;
use crate::month::{MonthPlan, data_month_of, month_label};

/// One month's percentages, as sent or saved, or as checked now.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MonthScore {
    /// "Nov 2026".
    pub month: String,
    pub load_percent: f64,
    pub data_quality_percent: f64,
    /// "transferred", "saved" or "checked now".
    pub source: String,
}

/// How often a field has a finding, split by whether its value was blank or wrong.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FieldCount {
    pub field: String,
    pub label: String,
    #[ts(type = "number")]
    pub missing: u64,
    #[ts(type = "number")]
    pub invalid: u64,
}

/// Clients counted by where their treatment stands.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ClientCount {
    pub status: String,
    #[ts(type = "number")]
    pub clients: u64,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Dashboard {
    pub dataset: String,
    /// Oldest first.
    pub months: Vec<MonthScore>,
    /// The ten rules with most findings in the month due, most first.
    pub rules: Vec<RuleCount>,
    /// The ten fields with most findings in the month due, most first.
    pub fields: Vec<FieldCount>,
    pub clients: Vec<ClientCount>,
}

const TOP: usize = 10;

/// "Nov 2026".
fn short_label(year: i32, month: u32) -> String {
    let long = month_label(year, month);
    let mut words = long.split(' ');
    let name: String = words.next().unwrap_or_default().chars().take(3).collect();
    format!("{name} {}", words.next().unwrap_or_default())
}

/// The past year's months from the history: per data month, the latest transfer, else the
/// latest file saved, with the totals kept when it was made.
fn months_of(history: &[Submission], due: (i32, u32)) -> Vec<MonthScore> {
    let year_ago = (due.0 - 1, due.1);
    let mut by_month: BTreeMap<(i32, u32), (bool, &Submission)> = BTreeMap::new();
    for s in history {
        let Some(m) = data_month_of(s) else { continue };
        if m <= year_ago || m >= due {
            continue;
        }
        let transfer = s.kind == ndtms_store::SubmissionKind::Transfer;
        let better = by_month
            .get(&m)
            .is_none_or(|(t, old)| (transfer, &s.created_at) > (*t, &old.created_at));
        if better {
            by_month.insert(m, (transfer, s));
        }
    }
    by_month
        .into_iter()
        .filter_map(|((y, m), (transfer, s))| {
            let t: serde_json::Value = serde_json::from_str(&s.report).ok()?;
            Some(MonthScore {
                month: short_label(y, m),
                load_percent: t["load_percent"].as_f64()?,
                data_quality_percent: t["data_quality_percent"].as_f64()?,
                source: if transfer { "transferred" } else { "saved" }.to_owned(),
            })
        })
        .collect()
}

fn count(store: &mut Store, filter: CaseloadFilter) -> Result<u64> {
    Ok(store
        .caseload(&CaseloadQuery {
            text: String::new(),
            filter,
            mine: false,
            offset: 0,
            limit: 0,
        })?
        .total
        .into())
}

/// The dashboard (data leads): the month due built and checked now, the history and the
/// clients, all read from `store`.
pub fn dashboard(store: &mut Store, now: DateTime<Utc>) -> Result<Dashboard> {
    let plan = crate::month::plan(store, now.date_naive())?;
    let checked = crate::prepare(store, &plan.period, crate::DEFAULT_FILE_PATTERN, now)?;
    dashboard_of(store, &plan, &checked)
}

/// The dashboard from the month due's file `checked` elsewhere (the app's month job), the
/// history and the clients read from `store`.
pub fn dashboard_of(store: &mut Store, plan: &MonthPlan, checked: &Prepared) -> Result<Dashboard> {
    let history = store.submissions()?;
    let mut months = months_of(&history, (plan.year, plan.month));
    let r = &checked.report.report;
    months.push(MonthScore {
        month: short_label(plan.year, plan.month),
        load_percent: r.load_percent,
        data_quality_percent: r.data_quality_percent,
        source: "checked now".to_owned(),
    });
    let mut rules = crate::job::summary(checked).rules;
    rules.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(&b.rule)));
    rules.truncate(TOP);
    let cat = crate::catalogue_for(&checked.reference, &checked.extract.period)?;
    let mut fields: BTreeMap<&str, FieldCount> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| !f.field.is_empty()) {
        let c = fields
            .entry(f.field.as_str())
            .or_insert_with(|| FieldCount {
                field: f.field.clone(),
                label: cat
                    .field(&f.field)
                    .map_or_else(|| f.field.clone(), |x| x.label.clone()),
                missing: 0,
                invalid: 0,
            });
        if f.value.trim().is_empty() {
            c.missing += 1;
        } else {
            c.invalid += 1;
        }
    }
    let mut fields: Vec<FieldCount> = fields.into_values().collect();
    fields.sort_by(|a, b| {
        (b.missing + b.invalid)
            .cmp(&(a.missing + a.invalid))
            .then(a.field.cmp(&b.field))
    });
    fields.truncate(TOP);
    let open = count(store, CaseloadFilter::Open)?;
    let discharged = count(store, CaseloadFilter::Discharged)?;
    Ok(Dashboard {
        dataset: checked.extract.dataset.code().to_owned(),
        months,
        rules,
        fields,
        clients: vec![
            ClientCount {
                status: "In treatment, or awaiting a first episode".to_owned(),
                clients: open,
            },
            ClientCount {
                status: "Discharged".to_owned(),
                clients: discharged,
            },
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndtms_store::SubmissionKind;

    fn s(kind: SubmissionKind, end: &str, at: &str, load: f64) -> Submission {
        crate::month::submission(
            kind,
            end,
            at,
            &format!(r#"{{"load_percent":{load},"data_quality_percent":90.0}}"#),
        )
    }

    #[test]
    fn each_past_month_shows_its_transfer_over_a_file_saved_and_nothing_older_than_a_year() {
        let h = [
            s(SubmissionKind::Extract, "2026-10-31", "2026-11-08", 80.0),
            s(SubmissionKind::Transfer, "2026-10-31", "2026-11-09", 95.0),
            s(SubmissionKind::Extract, "2026-10-31", "2026-11-10", 70.0),
            s(SubmissionKind::Extract, "2026-09-30", "2026-10-09", 60.0),
            s(SubmissionKind::Transfer, "2025-10-31", "2025-11-09", 50.0),
        ];
        let m = months_of(&h, (2026, 11));
        let shown: Vec<(&str, f64, &str)> = m
            .iter()
            .map(|x| (x.month.as_str(), x.load_percent, x.source.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Sep 2026", 60.0, "saved"),
                ("Oct 2026", 95.0, "transferred")
            ]
        );
    }
}
