//! `ndtms audit verify`: walks the audit trail's chain and names every problem; exit 1 if any.

use std::process::ExitCode;

use crate::error::Result;
use crate::session::Login;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Walk the hash chain and name every altered, inserted or deleted entry; exits 1 if any.
    Verify,
}

pub fn run(command: Command, login: &Login) -> Result<ExitCode> {
    match command {
        Command::Verify => {
            let mut store = login.open()?;
            let (count, problems) = store.verify_audit()?;
            for p in &problems {
                println!("entry {}: {}", p.seq, p.problem);
            }
            let verdict = if problems.is_empty() {
                "the chain is intact".to_owned()
            } else {
                format!("{} problem(s)", problems.len())
            };
            println!("{count} audit entries checked: {verdict}");
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
