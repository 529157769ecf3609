//! `ndtms init`: creates the encrypted database, its agency and first administrator.

use std::process::ExitCode;

use ndtms_dataset::Dataset;
use ndtms_store::{Agency, KeyRoute, NewUser, Role, Setup, Store, SystemKeychain};

use crate::args::parse_dataset;
use crate::error::Result;
use crate::session::{Login, env_secret};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    agency: String,
    #[arg(long, value_parser = parse_dataset)]
    dataset: Dataset,
    #[arg(long)]
    admin: String,
    #[arg(long)]
    passphrase: bool,
}

pub fn run(a: Args, login: &Login) -> Result<ExitCode> {
    let dir = login.dir()?;
    let password = env_secret("NDTMS_PASSWORD")?;
    let phrase = if a.passphrase {
        Some(env_secret("NDTMS_PASSPHRASE")?)
    } else {
        None
    };
    let setup = Setup {
        route: if a.passphrase {
            KeyRoute::Passphrase
        } else {
            KeyRoute::Keychain
        },
        passphrase: phrase.as_deref(),
        agency: Agency {
            code: a.agency.clone(),
            dataset: a.dataset,
            name: String::new(),
        },
        admin: NewUser {
            username: &a.admin,
            display_name: &a.admin,
            role: Role::Administrator,
            password: &password,
        },
    };
    let (_, recovery) = Store::create(dir, &setup, &SystemKeychain)?;
    println!("Created the NDTMS Desk database in {}.", dir.display());
    println!("Recovery key (print it and lock it away; it is shown only once):");
    println!("  {}", recovery.display());
    Ok(ExitCode::SUCCESS)
}
