//! Parsers for the argument values the subcommands share (months, dates, datasets).

use chrono::NaiveDate;
use ndtms_dataset::Dataset;

pub fn parse_month(s: &str) -> Result<(i32, u32), String> {
    let (y, m) = s.split_once('-').ok_or("expected YYYY-MM")?;
    let y = y.parse().map_err(|_| format!("'{y}' is not a year"))?;
    let m = m.parse().map_err(|_| format!("'{m}' is not a month"))?;
    Ok((y, m))
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    ndtms_dataset::values::parse_date(s)
        .ok_or_else(|| format!("'{s}' is not a date in the form dd/mm/yyyy"))
}

pub fn parse_dataset(s: &str) -> Result<Dataset, String> {
    Dataset::parse(s).ok_or_else(|| format!("'{s}' is not a dataset: use AD, YP, SA or SY"))
}
