//! `ndtms reference` (check and describe reference data, or export the shipped copy) and
//! `ndtms reference-folder` (the database's chosen reference data).

use std::path::PathBuf;
use std::process::ExitCode;

use ndtms_dataset::ReferenceData;

use crate::error::{Result, to_json};
use crate::session::Login;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print as JSON.
    #[arg(long)]
    json: bool,
    /// Write the shipped reference data into this new or empty folder, to start a
    /// provider's own copy.
    #[arg(long, value_name = "FOLDER")]
    export: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct FolderArgs {
    folder: Option<PathBuf>,
    #[arg(long, conflicts_with = "folder")]
    shipped: bool,
}

pub fn run(a: Args, folder: Option<PathBuf>) -> Result<ExitCode> {
    if let Some(dir) = a.export {
        ndtms_dataset::FileSet::shipped().write_to(&dir)?;
        println!(
            "Wrote the shipped reference data to {}: check a changed copy with `ndtms --reference-data {} reference`",
            dir.display(),
            dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let data = ReferenceData::from_setting(folder.as_deref())?;
    let info = data.info_on(ndtms_dataset::model::today())?;
    if a.json {
        println!("{}", to_json(&info)?);
    } else {
        println!(
            "Reference data: {} ({}), release {}",
            info.name, info.letter, info.release
        );
        println!("In force from:  {}", info.effective_from);
        println!("Source:         {}", info.source);
        println!("SHA-256:        {}", info.sha256);
        println!(
            "Contents:       {} fields, {} code lists ({} codes), {} rules",
            info.field_count, info.codelist_count, info.code_count, info.rule_count
        );
        println!("Provenance (fields / codes / rules):");
        for p in &info.provenance {
            println!(
                "  {:<10} {:>4} / {:>4} / {:>4}",
                p.tag, p.fields, p.codes, p.rules
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn folder(a: FolderArgs, login: &Login) -> Result<ExitCode> {
    let mut store = login.open()?;
    let now = if a.folder.is_some() || a.shipped {
        store.set_reference_folder(a.folder.as_deref())?
    } else {
        store.reference_data()?
    };
    let info = now.data.info_on(ndtms_dataset::model::today())?;
    println!(
        "Reference data: {} (CDS-{} {}, SHA-256 {})",
        now.folder.map_or_else(
            || "the copy shipped with NDTMS Desk".to_owned(),
            |f| format!("the folder {}", f.display())
        ),
        info.letter,
        info.release,
        info.sha256
    );
    Ok(ExitCode::SUCCESS)
}
