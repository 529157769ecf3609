//! `ndtms schema`: the field catalogue as a Frictionless Table Schema or a JSON Schema.

use std::process::ExitCode;

use chrono::NaiveDate;
use ndtms_dataset::{Dataset, ReferenceData};

use crate::args::{parse_dataset, parse_date};
use crate::error::Result;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_parser = ["table-schema", "json-schema"])]
    format: String,
    #[arg(long, value_parser = parse_dataset)]
    dataset: Dataset,
    /// Code lists as valid on this date (dd/mm/yyyy; default today).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
}

pub fn run(a: Args, data: &ReferenceData) -> Result<ExitCode> {
    let as_of = a.as_of.unwrap_or_else(ndtms_dataset::model::today);
    let cat = &data.version_on(as_of)?.catalogue;
    let schema = if a.format == "table-schema" {
        ndtms_dataset::schema::table_schema(cat, a.dataset, as_of)
    } else {
        ndtms_dataset::schema::json_schema(cat, a.dataset, as_of)
    };
    println!("{}", crate::error::to_json(&schema)?);
    Ok(ExitCode::SUCCESS)
}
