//! `ndtms user`: administrators add, list, disable, enable and re-role users and reset a
//! password; passwords come from NDTMS_NEW_PASSWORD, never from the command line.

use std::process::ExitCode;

use ndtms_store::{NewUser, Role};

use crate::error::Result;
use crate::session::{Login, env_secret};

fn parse_role(s: &str) -> std::result::Result<Role, String> {
    Role::parse(&s.replace('-', "_"))
        .ok_or_else(|| format!("'{s}' is not a role: use keyworker, data-lead or administrator"))
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Add a user with the first password in NDTMS_NEW_PASSWORD; they choose their own at their
    /// first log-in.
    Add {
        username: String,
        /// Their full name, as the screens show it.
        #[arg(long)]
        name: String,
        /// keyworker, data-lead or administrator.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List the users, their roles and whether they are active.
    List,
    /// Stop a user logging in (their records and audit entries stay).
    Disable { username: String },
    /// Let a disabled user log in again.
    Enable { username: String },
    /// Give a user the first password in NDTMS_NEW_PASSWORD, to change at their next log-in.
    ResetPassword { username: String },
    /// Give a user another role.
    SetRole {
        username: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
}

pub fn run(command: Command, login: &Login) -> Result<ExitCode> {
    let mut store = login.open()?;
    match command {
        Command::Add {
            username,
            name,
            role,
        } => {
            let password = zeroize::Zeroizing::new(env_secret("NDTMS_NEW_PASSWORD")?);
            store.add_user(&NewUser {
                username: &username,
                display_name: &name,
                role,
                password: &password,
            })?;
            println!(
                "Added {username} ({name}, {}): they choose their own password at their first log-in.",
                role.label()
            );
        }
        Command::List => {
            for u in store.users()? {
                println!(
                    "{:<20} {:<14} {:<8} {}{}",
                    u.username,
                    u.role.label(),
                    if u.active { "active" } else { "disabled" },
                    u.display_name,
                    if u.must_change_password {
                        " (first password not yet changed)"
                    } else {
                        ""
                    }
                );
            }
        }
        Command::Disable { username } => {
            store.set_user_active(&username, false)?;
            println!("{username} can no longer log in.");
        }
        Command::Enable { username } => {
            store.set_user_active(&username, true)?;
            println!("{username} can log in again.");
        }
        Command::ResetPassword { username } => {
            let password = zeroize::Zeroizing::new(env_secret("NDTMS_NEW_PASSWORD")?);
            store.reset_password(&username, &password)?;
            println!("{username} has a new first password, to change at their next log-in.");
        }
        Command::SetRole { username, role } => {
            store.set_role(&username, role)?;
            println!("{username} is now a {}.", role.label());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ndtms password`: the logged-in user chooses a new password (NDTMS_NEW_PASSWORD), as a
/// first log-in requires.
pub fn change_own(login: &Login) -> Result<ExitCode> {
    let mut store = login.open()?;
    let current = zeroize::Zeroizing::new(env_secret("NDTMS_PASSWORD")?);
    let new = zeroize::Zeroizing::new(env_secret("NDTMS_NEW_PASSWORD")?);
    store.change_password(&current, &new, &new)?;
    println!("Your password is changed.");
    Ok(ExitCode::SUCCESS)
}
