//! Reporting periods: from 1 January of a start year that rolls with the August data month, to the end of the data month.

use chrono::{Datelike, NaiveDate};
use ndtms_errors::ErrorCode;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("{year}-{month:02} is not a month")]
    BadMonth { year: i32, month: u32 },
    #[error("the period cannot end on {end} because it starts on {start}")]
    EndBeforeStart { start: NaiveDate, end: NaiveDate },
    #[error(
        "the end date {} is before the data month begins ({}): choose a date from {} on",
        end.format("%d/%m/%Y"), month_start.format("%d/%m/%Y"), month_start.format("%d/%m/%Y")
    )]
    EndBeforeMonth {
        month_start: NaiveDate,
        end: NaiveDate,
    },
    #[error(
        "the end date {} is after today ({}): a period cannot hold what has not happened yet",
        end.format("%d/%m/%Y"), today.format("%d/%m/%Y")
    )]
    EndAfterToday { today: NaiveDate, end: NaiveDate },
}

impl PeriodError {
    pub fn code(&self) -> ErrorCode {
        match self {
            PeriodError::BadMonth { .. } => ErrorCode::PeriodBadMonth,
            PeriodError::EndBeforeStart { .. } => ErrorCode::PeriodEndBeforeStart,
            PeriodError::EndBeforeMonth { .. } => ErrorCode::PeriodEndBeforeMonth,
            PeriodError::EndAfterToday { .. } => ErrorCode::PeriodEndAfterToday,
        }
    }
}

/// The dates an extract covers, for one data month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct ReportingPeriod {
    pub year: i32,
    pub month: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl ReportingPeriod {
    /// The period for a data month. There is no August submission, so the start year rolls
    /// forward with the August data month (submitted in September): for August–December the
    /// period starts on 1 January of the previous year, for January–July two years back.
    pub fn for_data_month(year: i32, month: u32) -> Result<Self, PeriodError> {
        let first =
            NaiveDate::from_ymd_opt(year, month, 1).ok_or(PeriodError::BadMonth { year, month })?;
        let start_year = if month >= 8 { year - 1 } else { year - 2 };
        let start = NaiveDate::from_ymd_opt(start_year, 1, 1)
            .ok_or(PeriodError::BadMonth { year, month })?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .ok_or(PeriodError::BadMonth { year, month })?;
        let end = next.pred_opt().unwrap_or(first);
        Ok(Self {
            year,
            month,
            start,
            end,
        })
    }

    /// The data month most recently ended on `today` (the month before today's).
    pub fn last_complete_month(today: NaiveDate) -> Self {
        let (y, m) = if today.month() == 1 {
            (today.year() - 1, 12)
        } else {
            (today.year(), today.month() - 1)
        };
        Self::for_data_month(y, m).unwrap_or_else(|_| unreachable_month())
    }

    /// The same period with another end date, such as the June-part-July submission's mid-July end.
    pub fn with_end(self, end: NaiveDate) -> Result<Self, PeriodError> {
        if end < self.start {
            return Err(PeriodError::EndBeforeStart {
                start: self.start,
                end,
            });
        }
        Ok(Self { end, ..self })
    }

    /// The first day of the data month.
    pub fn month_start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(self.start)
    }

    /// The same period with its end moved by the data lead (the June-part-July submission):
    /// refused when the end falls before the data month begins or after `today`.
    pub fn with_end_on(self, end: NaiveDate, today: NaiveDate) -> Result<Self, PeriodError> {
        let month_start = self.month_start();
        if end < month_start {
            return Err(PeriodError::EndBeforeMonth { month_start, end });
        }
        if end > today {
            return Err(PeriodError::EndAfterToday { today, end });
        }
        self.with_end(end)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// Whether an episode running from `start` to `end` (open when None) is active at any time in the period.
    pub fn overlaps(&self, start: NaiveDate, end: Option<NaiveDate>) -> bool {
        start <= self.end && end.is_none_or(|e| e >= self.start)
    }
}

fn unreachable_month() -> ReportingPeriod {
    // A month computed from a real date is always valid; fall back to a fixed known period.
    let d = NaiveDate::MIN;
    ReportingPeriod {
        year: d.year(),
        month: 1,
        start: d,
        end: d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::values::parse_date(s).expect("test date")
    }

    fn period(year: i32, month: u32) -> (NaiveDate, NaiveDate) {
        let p = ReportingPeriod::for_data_month(year, month).expect("valid month");
        (p.start, p.end)
    }

    /// The submission calendar of the seed, section 3.3.
    #[test]
    fn seed_calendar() {
        assert_eq!(period(2022, 9), (d("01/01/2021"), d("30/09/2022")));
        assert_eq!(period(2022, 10), (d("01/01/2021"), d("31/10/2022")));
        assert_eq!(period(2022, 11), (d("01/01/2021"), d("30/11/2022")));
        assert_eq!(period(2022, 12), (d("01/01/2021"), d("31/12/2022")));
        assert_eq!(period(2023, 1), (d("01/01/2021"), d("31/01/2023")));
        assert_eq!(period(2023, 2), (d("01/01/2021"), d("28/02/2023")));
        assert_eq!(period(2023, 3), (d("01/01/2021"), d("31/03/2023")));
        assert_eq!(period(2023, 4), (d("01/01/2021"), d("30/04/2023")));
        assert_eq!(period(2023, 5), (d("01/01/2021"), d("31/05/2023")));
        assert_eq!(period(2023, 8), (d("01/01/2022"), d("31/08/2023")));
        assert_eq!(period(2023, 9), (d("01/01/2022"), d("30/09/2023")));
    }

    /// "June part July 23: 01/01/21 – 14/07/23": the June period with its end moved.
    #[test]
    fn june_part_july() {
        let june = ReportingPeriod::for_data_month(2023, 6).expect("valid");
        let p = june.with_end(d("14/07/2023")).expect("later end");
        assert_eq!((p.start, p.end), (d("01/01/2021"), d("14/07/2023")));
        assert!(june.with_end(d("31/12/2020")).is_err());
        let today = d("20/07/2023");
        assert_eq!(june.with_end_on(d("14/07/2023"), today), Ok(p));
        assert_eq!(
            june.with_end_on(d("31/05/2023"), today)
                .map_err(|e| e.code()),
            Err(ErrorCode::PeriodEndBeforeMonth)
        );
        assert_eq!(
            june.with_end_on(d("21/07/2023"), today)
                .map_err(|e| e.code()),
            Err(ErrorCode::PeriodEndAfterToday)
        );
        assert_eq!(
            june.with_end_on(d("01/06/2023"), today).map(|p| p.end),
            Ok(d("01/06/2023"))
        );
    }

    /// Section 3.2: "in September 2023 providers would have submitted data from 01/01/22 – 31/08/23".
    #[test]
    fn seed_reporting_period_example() {
        assert_eq!(
            ReportingPeriod::last_complete_month(d("12/09/2023")),
            ReportingPeriod::for_data_month(2023, 8).expect("valid")
        );
        assert_eq!(period(2023, 8), (d("01/01/2022"), d("31/08/2023")));
        assert_eq!(
            ReportingPeriod::last_complete_month(d("05/01/2024")).month,
            12
        );
    }

    #[test]
    fn bad_month() {
        assert!(ReportingPeriod::for_data_month(2024, 13).is_err());
        assert!(ReportingPeriod::for_data_month(2024, 0).is_err());
    }

    proptest::proptest! {
        #[test]
        fn period_invariants(year in 2000i32..2100, month in 1u32..=12) {
            let p = ReportingPeriod::for_data_month(year, month).expect("valid");
            proptest::prop_assert_eq!(p.start.month(), 1);
            proptest::prop_assert_eq!(p.start.day(), 1);
            proptest::prop_assert!(p.start < p.end);
            proptest::prop_assert_eq!(p.end.month(), month);
            proptest::prop_assert!(p.end.succ_opt().expect("next day").day() == 1);
            let years_back = year - p.start.year();
            proptest::prop_assert_eq!(years_back, if month >= 8 { 1 } else { 2 });
            proptest::prop_assert!(p.contains(p.start) && p.contains(p.end));
        }

        #[test]
        fn overlap_matches_definition(s in 0i64..2000, len in 0i64..400, open in proptest::bool::ANY) {
            let p = ReportingPeriod::for_data_month(2024, 3).expect("valid");
            let base = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid");
            let start = base + chrono::Duration::days(s);
            let end = (!open).then(|| start + chrono::Duration::days(len));
            let any_day_inside = (0..=if open { 5000 } else { len })
                .any(|k| p.contains(start + chrono::Duration::days(k)));
            proptest::prop_assert_eq!(p.overlaps(start, end), any_day_inside);
        }
    }
}
