//! The data lead's month: which data month is due next, its reporting period and deadline, and
//! the two settings the month needs (the portal's address and the region's deadline day), each
//! checked here, where the portal and the calendar are understood.

use chrono::{Datelike, NaiveDate};
use ndtms_dataset::ReportingPeriod;
use ndtms_dataset::values::format_date;
use ndtms_store::submissions::Submission;
use ndtms_store::{ErrorCode, Store, StoreError, SubmissionKind};
use serde::Serialize;
use ts_rs::TS;

use crate::error::Result;
use crate::portal::{HttpPortal, RetryPolicy};

/// The settings of the monthly submission, as an administrator sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct MonthSettings {
    /// The portal's address (`https://…`; plain `http://` only to this machine); blank: none,
    /// and the file is saved for upload instead.
    pub portal_url: String,
    /// The day of the month the region's deadline falls on (the seed: between the 7th and the
    /// 15th); None until it is set.
    pub deadline_day: Option<u32>,
}

const PORTAL_URL: &str = "portal_url";
const DEADLINE_DAY: &str = "deadline_day";

/// The month's settings as saved (any logged-in user).
pub fn settings(store: &mut Store) -> Result<MonthSettings> {
    let portal_url = store.setting(PORTAL_URL)?.unwrap_or_default();
    let deadline_day = store
        .setting(DEADLINE_DAY)?
        .and_then(|d| d.parse::<u32>().ok())
        .filter(|d| (1..=28).contains(d));
    Ok(MonthSettings {
        portal_url,
        deadline_day,
    })
}

fn invalid(message: String) -> crate::SubmissionError {
    StoreError::Invalid {
        code: ErrorCode::SettingInvalid,
        message,
    }
    .into()
}

/// Saves the month's settings as typed (administrators), each checked first: a portal address
/// the transfer could not use (`portal_bad_address`), or a deadline day that is not a whole
/// number from 1 to 28 (every month has those days; `setting_invalid`), is refused and nothing
/// is saved. A blank deadline day clears it.
pub fn save_settings(
    store: &mut Store,
    portal_url: &str,
    deadline_day: &str,
) -> Result<MonthSettings> {
    let url = portal_url.trim().trim_end_matches('/');
    if !url.is_empty() {
        HttpPortal::new(url, RetryPolicy::default())?;
    }
    let day = deadline_day.trim();
    if !day.is_empty() && !day.parse::<u32>().is_ok_and(|d| (1..=28).contains(&d)) {
        return Err(invalid(format!(
            "the deadline day '{day}' is not a day every month has: give a whole number from 1 to 28"
        )));
    }
    store.set_setting(PORTAL_URL, url)?;
    store.set_setting(DEADLINE_DAY, day)?;
    settings(store)
}

/// The data month due next, and what the home screen and the transfer wizard say of it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MonthPlan {
    pub year: i32,
    pub month: u32,
    /// "November 2026".
    pub label: String,
    pub period: ReportingPeriod,
    /// The deadline (dd/mm/yyyy), when the deadline day is set.
    pub deadline: Option<String>,
    /// Days from today to the deadline (negative once it has passed).
    #[ts(type = "number | null")]
    pub days_left: Option<i64>,
    /// The last transfer (or confirmed upload), as "01/01/2025 to 31/10/2026, on 2026-11-10…".
    pub last_transfer: Option<String>,
    /// Anything the data lead should know about this month (the missing August submission).
    pub note: String,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "November 2026".
pub fn month_label(year: i32, month: u32) -> String {
    let name = MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("?");
    format!("{name} {year}")
}

fn next_month(year: i32, month: u32) -> (i32, u32) {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

fn parse_iso(d: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()
}

/// The data month a transferred period covered: the month of its end, unless the end is early
/// in a month whose own submission would not be due yet (a June-part-July file ends in July but
/// is June's).
pub(crate) fn data_month_of(s: &Submission) -> Option<(i32, u32)> {
    let end = parse_iso(&s.period_end)?;
    let full = ReportingPeriod::for_data_month(end.year(), end.month()).ok()?;
    if end == full.end {
        Some((end.year(), end.month()))
    } else if end.month() == 1 {
        Some((end.year() - 1, 12))
    } else {
        Some((end.year(), end.month() - 1))
    }
}

/// The period of a data month as the data lead chose it, its end moved when asked (not before
/// the month begins, nor after today).
pub fn period_of(
    year: i32,
    month: u32,
    end: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<ReportingPeriod> {
    let p = ReportingPeriod::for_data_month(year, month)?;
    Ok(match end {
        Some(end) => p.with_end_on(end, today)?,
        None => p,
    })
}

/// The deadline for a data month: its deadline day in the month after, or for July (there is
/// no August submission) in September, with August's.
fn deadline_of(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    let (y, m) = next_month(year, month);
    let (y, m) = if m == 8 { (y, 9) } else { (y, m) };
    NaiveDate::from_ymd_opt(y, m, day)
}

/// The data month due next on `today`: the last complete month, or the one after the last
/// transfer if that month has gone already (data leads).
pub fn plan(store: &mut Store, today: NaiveDate) -> Result<MonthPlan> {
    store.require(ndtms_store::Permission::Submit)?;
    let settings = settings(store)?;
    let history = store.submissions()?;
    let last = history
        .iter()
        .filter(|s| s.kind == SubmissionKind::Transfer)
        .max_by(|a, b| a.period_end.cmp(&b.period_end));
    let current = ReportingPeriod::last_complete_month(today);
    let mut due = (current.year, current.month);
    if let Some((y, m)) = last.and_then(data_month_of)
        && (y, m) >= due
    {
        due = next_month(y, m);
    }
    let mut note = String::new();
    if due.1 == 7 {
        note = "There is no August submission: July's file covers data to a date in July (\"June part July\"), and September's covers the rest of July and all of August. Move the end date if your region asks for a part month.".to_owned();
    }
    let mut period = ReportingPeriod::for_data_month(due.0, due.1)?;
    if period.end > today {
        // This month has not ended: show it as far as today, so the data lead can check early.
        period = period.with_end_on(today, today)?;
        note = format!(
            "{} has not ended: the period runs to today until it does.{}{}",
            month_label(due.0, due.1),
            if note.is_empty() { "" } else { " " },
            note
        );
    }
    let deadline = settings
        .deadline_day
        .and_then(|d| deadline_of(due.0, due.1, d));
    Ok(MonthPlan {
        year: due.0,
        month: due.1,
        label: month_label(due.0, due.1),
        period,
        deadline: deadline.map(format_date),
        days_left: deadline.map(|d| (d - today).num_days()),
        last_transfer: last.map(|s| {
            let d = |x: &str| {
                parse_iso(x)
                    .map(format_date)
                    .unwrap_or_else(|| x.to_owned())
            };
            format!(
                "{} to {}, sent on {} by {}",
                d(&s.period_start),
                d(&s.period_end),
                s.created_at.get(..10).map(d).unwrap_or_default(),
                s.user
            )
        }),
        note,
    })
}

/// A history entry for tests: its kind, period end, when it was made and its kept report.
#[cfg(test)]
pub(crate) fn submission(kind: SubmissionKind, end: &str, at: &str, report: &str) -> Submission {
    Submission {
        id: 1,
        kind,
        period_start: "2025-01-01".into(),
        period_end: end.into(),
        created_at: at.into(),
        user: String::new(),
        agency: String::new(),
        dataset: String::new(),
        file_name: String::new(),
        sha256: String::new(),
        rows: 0,
        clients: 0,
        report: report.into(),
        receipt: String::new(),
        locks_period: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn july_data_is_due_in_september_with_august() {
        assert_eq!(deadline_of(2026, 7, 10), Some(d(2026, 9, 10)));
        assert_eq!(deadline_of(2026, 11, 10), Some(d(2026, 12, 10)));
        assert_eq!(deadline_of(2026, 12, 15), Some(d(2027, 1, 15)));
    }

    #[test]
    fn a_part_month_file_belongs_to_the_month_before_its_end() {
        let s = |start: &str, end: &str| Submission {
            period_start: start.into(),
            ..submission(SubmissionKind::Transfer, end, "", "")
        };
        assert_eq!(
            data_month_of(&s("2025-01-01", "2026-10-31")),
            Some((2026, 10))
        );
        assert_eq!(
            data_month_of(&s("2024-01-01", "2026-07-14")),
            Some((2026, 6))
        );
        assert_eq!(
            data_month_of(&s("2025-01-01", "2027-01-20")),
            Some((2026, 12))
        );
    }

    #[test]
    fn a_moved_end_is_refused_before_the_month_or_after_today() {
        let today = d(2026, 7, 20);
        assert_eq!(
            period_of(2026, 6, Some(d(2026, 7, 14)), today)
                .map(|p| p.end)
                .ok(),
            Some(d(2026, 7, 14))
        );
        let code = |r: Result<ReportingPeriod>| r.err().map(|e| e.code());
        assert_eq!(
            code(period_of(2026, 6, Some(d(2026, 5, 31)), today)),
            Some(ErrorCode::PeriodEndBeforeMonth)
        );
        assert_eq!(
            code(period_of(2026, 6, Some(d(2026, 7, 21)), today)),
            Some(ErrorCode::PeriodEndAfterToday)
        );
    }
}
