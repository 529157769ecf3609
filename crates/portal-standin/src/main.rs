//! `ndtms-portal-standin`: serves the portal upload contract on 127.0.0.1 for trying transfers.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use ndtms_dataset::ReferenceData;
use ndtms_portal_standin::{Faults, Standin, User};

const USAGE: &str =
    "usage: ndtms-portal-standin [--listen 127.0.0.1:PORT] --user NAME:PASSWORD:KEYID [--user ...]
       [--reference DIR] [--fail-uploads N] [--drop-uploads N] [--delay-ms N]

Serves the NDTMS Desk portal contract (docs/portal-contract.md) over plain HTTP on this machine
only. KEYID is the 12-character modhex public id the one-time codes must start with.
Prints 'listening on http://ADDRESS' once ready.";

fn main() -> ExitCode {
    let mut listen = "127.0.0.1:0".to_owned();
    let mut users = Vec::new();
    let mut faults = Faults::default();
    let mut reference = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        let num = |v: String| v.parse::<u64>().ok();
        let ok = match a.as_str() {
            "--listen" => {
                listen = value();
                true
            }
            "--user" => User::parse(&value()).map(|u| users.push(u)).is_some(),
            "--reference" => {
                reference = Some(std::path::PathBuf::from(value()));
                true
            }
            "--fail-uploads" => num(value())
                .map(|n| faults.fail_uploads = n as u32)
                .is_some(),
            "--drop-uploads" => num(value())
                .map(|n| faults.drop_uploads = n as u32)
                .is_some(),
            "--delay-ms" => num(value())
                .map(|n| faults.delay = Duration::from_millis(n))
                .is_some(),
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => false,
        };
        if !ok {
            eprintln!("ndtms-portal-standin: bad argument near '{a}'\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    if users.is_empty() {
        eprintln!("ndtms-portal-standin: give at least one --user NAME:PASSWORD:KEYID\n{USAGE}");
        return ExitCode::from(2);
    }
    if !listen.starts_with("127.0.0.1:") && !listen.starts_with("localhost:") {
        eprintln!("ndtms-portal-standin: it listens on this machine only (127.0.0.1)");
        return ExitCode::from(2);
    }
    let data = match ReferenceData::from_setting(reference.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("ndtms-portal-standin: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = match tiny_http::Server::http(&listen) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ndtms-portal-standin: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = server.server_addr();
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();
    let standin: &'static Standin = Box::leak(Box::new(Standin::new(users, faults, data)));
    standin.serve(server);
    ExitCode::SUCCESS
}
