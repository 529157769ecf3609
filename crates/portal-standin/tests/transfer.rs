//! Transfers to the real stand-in process over HTTP on 127.0.0.1: success, refused log-ins,
//! a dropped connection, server errors and a late answer.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ndtms_dataset::{Dataset, GenerateOptions, ReferenceData, ReportingPeriod, generate};
use ndtms_submission::extract::sha256_hex;
use ndtms_submission::{
    Credentials, HttpPortal, Portal, Progress, RetryPolicy, SubmissionError, Upload,
};

const KEY: &str = "cccccbcdefgh";

struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn standin(extra: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ndtms-portal-standin"))
        .args(["--user", &format!("lead:s3cret-pass:{KEY}")])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the stand-in");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("the stand-in says where it listens")
        .to_owned();
    Running { child, url }
}

/// A fresh one-time code each call: the key id then 32 modhex characters.
fn otp() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed) + std::process::id();
    let tail: String = format!("{n:032}")
        .chars()
        .map(|d| "cbdefghijklnrtuv".as_bytes()[d.to_digit(10).unwrap() as usize] as char)
        .collect();
    format!("{KEY}{tail}")
}

fn file() -> (Vec<u8>, String) {
    let data = ReferenceData::shipped().unwrap();
    let period = ReportingPeriod::for_data_month(2026, 10).unwrap();
    let cat = &data.version_on(period.end).unwrap().catalogue;
    let g = generate(
        cat,
        &GenerateOptions {
            dataset: Dataset::AD,
            clients: 40,
            seed: 7,
            error_rate: 0.0,
            period,
        },
    );
    let mut bytes = Vec::new();
    g.write_csv(&mut bytes).unwrap();
    let sha = sha256_hex(&bytes);
    (bytes, sha)
}

fn upload<'a>(bytes: &'a [u8], sha: &'a str) -> Upload<'a> {
    Upload {
        file_name: "N0852_AD_20261031.csv",
        bytes,
        sha256: sha,
        agency: "N0852",
        dataset: "AD",
        period_start: "2025-01-01",
        period_end: "2026-10-31",
    }
}

fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        pause: Duration::from_millis(50),
        timeout: Duration::from_secs(3),
    }
}

#[test]
fn a_file_is_received_with_its_load_and_quality_report() {
    let s = standin(&[]);
    let (bytes, sha) = file();
    let portal = HttpPortal::new(&s.url, quick(3)).unwrap();
    let mut seen = Vec::new();
    let r = portal
        .transfer(
            &Credentials::new("lead", "s3cret-pass", &otp()),
            &upload(&bytes, &sha),
            &mut |p| seen.push(p.clone()),
        )
        .unwrap();
    assert_eq!(r.sha256, sha);
    assert!(r.rows > 40, "{r:?}");
    assert_eq!((r.errors, r.load_percent), (0, 100.0), "{r:?}");
    assert!(matches!(seen[0], Progress::LoggingIn));
    let last_upload = seen
        .iter()
        .rev()
        .find_map(|p| match p {
            Progress::Uploading { sent, total } => Some((*sent, *total)),
            _ => None,
        })
        .unwrap();
    assert_eq!(last_upload, (bytes.len() as u64, bytes.len() as u64));
    assert!(seen.contains(&Progress::WaitingForReport));
}

#[test]
fn attributors_changed_since_the_agencys_last_file_are_mismatches() {
    let s = standin(&[]);
    let (bytes, _) = file();
    let portal = HttpPortal::new(&s.url, quick(1)).unwrap();
    let send = |bytes: &[u8]| {
        let sha = sha256_hex(bytes);
        portal
            .transfer(
                &Credentials::new("lead", "s3cret-pass", &otp()),
                &upload(bytes, &sha),
                &mut |_| {},
            )
            .unwrap()
    };
    assert_eq!(
        send(&bytes).mismatches,
        0,
        "a first file has nothing to differ from"
    );
    let data = ReferenceData::shipped().unwrap();
    let cat = &data
        .version_on(ReportingPeriod::for_data_month(2026, 10).unwrap().end)
        .unwrap()
        .catalogue;
    let mut rows = cat.rows_of_csv(&bytes[..]).unwrap();
    let client = cat.column("CLIENTID").unwrap();
    let first = rows[0][client].clone();
    // Gives the first client's rows another initial in `header`; returns the file and the
    // number of rows changed.
    let mut change = |header: &str| {
        let col = cat.column(header).unwrap();
        let mut n = 0;
        for r in rows.iter_mut().filter(|r| r[client] == first) {
            r[col] = if r[col] == "Q" { "R" } else { "Q" }.to_owned();
            n += 1;
        }
        let mut out = Vec::new();
        let mut w = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .from_writer(&mut out);
        w.write_record(cat.headers()).unwrap();
        for r in rows.iter() {
            w.write_record(r).unwrap();
        }
        drop(w);
        (out, n)
    };
    let (second, n) = change("FINITIAL");
    let r = send(&second);
    assert_eq!(
        r.mismatches, n,
        "one on each of the client's {n} rows: {r:?}"
    );
    // Compared with the last file, not the first: only the second initial differs now.
    let (third, n) = change("SINITIAL");
    let r = send(&third);
    assert_eq!(r.mismatches, n, "{r:?}");
}

#[test]
fn wrong_password_and_bad_or_reused_codes_are_refused_without_retrying() {
    let s = standin(&[]);
    let (bytes, sha) = file();
    let portal = HttpPortal::new(&s.url, quick(3)).unwrap();
    let try_with = |c: Credentials| portal.transfer(&c, &upload(&bytes, &sha), &mut |_| {});
    let e = try_with(Credentials::new("lead", "wrong", &otp())).unwrap_err();
    assert_eq!(e.code().as_str(), "portal_login_refused", "{e}");
    assert!(e.to_string().contains("wrong user name or password"), "{e}");
    let e = try_with(Credentials::new("lead", "s3cret-pass", "123456")).unwrap_err();
    assert!(e.to_string().contains("bad_otp"), "{e}");
    let code = otp();
    try_with(Credentials::new("lead", "s3cret-pass", &code)).unwrap();
    let e = try_with(Credentials::new("lead", "s3cret-pass", &code)).unwrap_err();
    assert!(e.to_string().contains("otp_used"), "{e}");
}

#[test]
fn a_dropped_connection_is_retried_and_the_file_arrives_once() {
    let s = standin(&["--drop-uploads", "1"]);
    let (bytes, sha) = file();
    let portal = HttpPortal::new(&s.url, quick(3)).unwrap();
    let mut retries = Vec::new();
    let r = portal
        .transfer(
            &Credentials::new("lead", "s3cret-pass", &otp()),
            &upload(&bytes, &sha),
            &mut |p| {
                if let Progress::Retrying {
                    attempt, reason, ..
                } = p
                {
                    retries.push((*attempt, reason.clone()));
                }
            },
        )
        .unwrap();
    assert_eq!(r.receipt_id, "R000001");
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!(retries[0].0, 2);
}

#[test]
fn server_errors_give_up_after_the_attempts_with_a_clear_message() {
    let s = standin(&["--fail-uploads", "5"]);
    let (bytes, sha) = file();
    let portal = HttpPortal::new(&s.url, quick(2)).unwrap();
    let e = portal
        .transfer(
            &Credentials::new("lead", "s3cret-pass", &otp()),
            &upload(&bytes, &sha),
            &mut |_| {},
        )
        .unwrap_err();
    assert!(
        matches!(e, SubmissionError::Unreachable { attempts: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("HTTP 500"), "{e}");
}

#[test]
fn a_late_answer_times_out_and_is_retried() {
    let s = standin(&["--delay-ms", "4000"]);
    let (bytes, sha) = file();
    let portal = HttpPortal::new(&s.url, quick(1)).unwrap();
    let e = portal
        .transfer(
            &Credentials::new("lead", "s3cret-pass", &otp()),
            &upload(&bytes, &sha),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(e.code().as_str(), "portal_unreachable", "{e}");
    assert!(e.to_string().contains("no answer in time"), "{e}");
}

#[test]
fn a_damaged_file_is_refused() {
    let s = standin(&[]);
    let (bytes, _) = file();
    let portal = HttpPortal::new(&s.url, quick(3)).unwrap();
    let wrong = "0".repeat(64);
    let e = portal
        .transfer(
            &Credentials::new("lead", "s3cret-pass", &otp()),
            &upload(&bytes, &wrong),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(e.code().as_str(), "portal_refused", "{e}");
    assert!(e.to_string().contains("damaged"), "{e}");
}

#[test]
fn plain_http_is_only_for_this_machine() {
    let e = HttpPortal::new("http://portal.example.org", RetryPolicy::default()).unwrap_err();
    assert_eq!(e.code().as_str(), "portal_bad_address");
    assert!(HttpPortal::new("https://portal.example.org/", RetryPolicy::default()).is_ok());
    assert!(HttpPortal::new("http://127.0.0.1:9", RetryPolicy::default()).is_ok());
}

/// Something on 127.0.0.1 that answers every request with a redirect to `target`.
fn redirecting_to(target: String) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("a server");
    let addr = format!(
        "http://{}",
        server.server_addr().to_ip().expect("an IP address")
    );
    std::thread::spawn(move || {
        for rq in server.incoming_requests() {
            let to = format!("{target}{}", rq.url());
            let header = tiny_http::Header::from_bytes("Location", to).expect("header");
            let _ = rq.respond(tiny_http::Response::empty(307).with_header(header));
        }
    });
    addr
}

#[test]
fn a_redirect_is_not_followed_so_credentials_go_only_to_the_address_set() {
    let s = standin(&[]);
    let (bytes, sha) = file();
    let portal = HttpPortal::new(&redirecting_to(s.url.clone()), quick(2)).unwrap();
    let e = portal
        .transfer(
            &Credentials::new("lead", "s3cret-pass", &otp()),
            &upload(&bytes, &sha),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(e.code().as_str(), "portal_bad_answer", "{e}");
    assert!(e.to_string().contains("redirect"), "{e}");
    assert!(
        e.to_string().contains(&s.url),
        "where it pointed is named: {e}"
    );
}
