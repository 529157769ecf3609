//! `ndtms period`: the reporting period of a data month.

use std::process::ExitCode;

use chrono::NaiveDate;
use ndtms_dataset::ReportingPeriod;

use crate::args::{parse_date, parse_month};
use crate::error::Result;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The data month, as YYYY-MM.
    #[arg(long, value_parser = parse_month)]
    month: (i32, u32),
    /// Move the end date (for example the June-part-July submission), as dd/mm/yyyy.
    #[arg(long, value_parser = parse_date)]
    end: Option<NaiveDate>,
}

/// The period of a data month (default: the last complete month), its end moved when asked
/// (not before the month begins, nor after today).
pub fn of(month: Option<(i32, u32)>, end: Option<NaiveDate>) -> Result<ReportingPeriod> {
    let mut p = match month {
        Some((y, m)) => ReportingPeriod::for_data_month(y, m)?,
        None => ReportingPeriod::last_complete_month(ndtms_dataset::model::today()),
    };
    if let Some(end) = end {
        p = p.with_end_on(end, ndtms_dataset::model::today())?;
    }
    Ok(p)
}

pub fn run(a: Args) -> Result<ExitCode> {
    let p = of(Some(a.month), a.end)?;
    println!(
        "{} to {}",
        p.start.format("%d/%m/%Y"),
        p.end.format("%d/%m/%Y")
    );
    Ok(ExitCode::SUCCESS)
}
