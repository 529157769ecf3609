//! A stand-in for the NDTMS V2 portal on 127.0.0.1, serving the upload contract of
//! `docs/portal-contract.md` so transfers can be tried and tested for real over HTTP.
//!
//! It checks the user name, password and YubiKey-style one-time code (44 modhex characters whose
//! first 12 are the key's public id; each code works once), validates the file with the same
//! engine as the app (attributors compared with the agency's last file), and answers with a
//! load and data-quality receipt. It can be told to fail:
//! answer with server errors, drop connections, or answer late.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use ndtms_dataset::{Dataset, ReferenceData, Validator};
use serde_json::json;
use sha2::{Digest, Sha256};
use tiny_http::{Header, Method, Request, Response, Server};

/// The largest file accepted.
pub const MAX_UPLOAD_BYTES: u64 = 512 << 20;
const MODHEX: &str = "cbdefghijklnrtuv";

#[derive(Debug, Clone)]
pub struct User {
    pub username: String,
    pub password: String,
    /// The YubiKey's public id: 12 modhex characters.
    pub key_id: String,
}

impl User {
    /// Parses `name:password:keyid`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut p = s.splitn(3, ':');
        let (u, pw, k) = (p.next()?, p.next()?, p.next()?);
        (k.len() == 12 && k.chars().all(|c| MODHEX.contains(c))).then(|| Self {
            username: u.to_owned(),
            password: pw.to_owned(),
            key_id: k.to_owned(),
        })
    }
}

/// Faults to inject, counted down as uploads arrive.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// The next this-many uploads get HTTP 500.
    pub fail_uploads: u32,
    /// The next this-many uploads have their connection closed with no answer.
    pub drop_uploads: u32,
    /// Every upload is answered this late.
    pub delay: Duration,
}

#[derive(Debug)]
struct State {
    users: Vec<User>,
    used_otps: HashSet<String>,
    tokens: HashMap<String, (String, Instant)>,
    receipts: HashMap<String, serde_json::Value>,
    /// By agency: each client's attributors as last received, for the next file's mismatches.
    sent: HashMap<String, HashMap<String, Vec<String>>>,
    faults: Faults,
    next_receipt: u64,
}

/// The stand-in server.
#[derive(Debug)]
pub struct Standin {
    state: Mutex<State>,
    reference: ReferenceData,
}

fn header<'a>(rq: &'a Request, name: &'static str) -> Option<&'a str> {
    rq.headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str())
}

fn reply(rq: Request, status: u16, body: serde_json::Value) {
    let ct = Header::from_bytes("Content-Type", "application/json").ok();
    let mut r = Response::from_string(body.to_string()).with_status_code(status);
    if let Some(h) = ct {
        r = r.with_header(h);
    }
    let _ = rq.respond(r);
}

fn problem(rq: Request, status: u16, code: &str, message: &str) {
    reply(rq, status, json!({ "code": code, "message": message }));
}

fn token() -> Option<String> {
    let mut b = [0u8; 24];
    getrandom::fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

impl Standin {
    pub fn new(users: Vec<User>, faults: Faults, reference: ReferenceData) -> Self {
        Self {
            state: Mutex::new(State {
                users,
                used_otps: HashSet::new(),
                tokens: HashMap::new(),
                receipts: HashMap::new(),
                sent: HashMap::new(),
                faults,
                next_receipt: 1,
            }),
            reference,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves requests until the process ends, one thread per request.
    pub fn serve(&'static self, server: Server) {
        for rq in server.incoming_requests() {
            std::thread::spawn(move || self.handle(rq));
        }
    }

    pub fn handle(&self, rq: Request) {
        match (rq.method(), rq.url()) {
            (Method::Post, "/api/v1/session") => self.session(rq),
            (Method::Post, "/api/v1/submissions") => self.submission(rq),
            (Method::Get, "/api/v1/health") => reply(rq, 200, json!({ "status": "ok" })),
            _ => problem(rq, 404, "not_found", "no such address on the portal"),
        }
    }

    fn session(&self, mut rq: Request) {
        let mut body = String::new();
        if rq
            .as_reader()
            .take(64 * 1024)
            .read_to_string(&mut body)
            .is_err()
        {
            return problem(rq, 400, "bad_request", "the log-in could not be read");
        }
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let s = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let (username, password, otp) = (s("username"), s("password"), s("otp"));
        let mut st = self.state();
        let Some(user) = st
            .users
            .iter()
            .find(|u| u.username == username && u.password == password)
            .cloned()
        else {
            drop(st);
            return problem(rq, 401, "bad_credentials", "wrong user name or password");
        };
        let shaped = otp.len() == 44 && otp.chars().all(|c| MODHEX.contains(c));
        if !shaped || !otp.starts_with(&user.key_id) {
            drop(st);
            return problem(
                rq,
                401,
                "bad_otp",
                "the one-time code is not from your YubiKey: touch the key again to make a new code",
            );
        }
        if !st.used_otps.insert(otp) {
            drop(st);
            return problem(
                rq,
                401,
                "otp_used",
                "that one-time code has been used already: touch the key again to make a new code",
            );
        }
        let Some(t) = token() else {
            drop(st);
            return problem(rq, 500, "server_error", "no session could be made");
        };
        st.tokens
            .insert(t.clone(), (user.username.clone(), Instant::now()));
        drop(st);
        reply(rq, 200, json!({ "token": t, "expires_in": 900 }));
    }

    fn submission(&self, mut rq: Request) {
        let token = header(&rq, "Authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_owned();
        let live = self
            .state()
            .tokens
            .get(&token)
            .is_some_and(|(_, at)| at.elapsed() < Duration::from_secs(900));
        if !live {
            return problem(
                rq,
                401,
                "session_expired",
                "the log-in has expired: log in again",
            );
        }
        let want_sha = header(&rq, "X-Sha256").unwrap_or_default().to_owned();
        let file_name = header(&rq, "X-File-Name").unwrap_or_default().to_owned();
        let dataset = header(&rq, "X-Dataset").and_then(Dataset::parse);
        let agency = header(&rq, "X-Agency").unwrap_or_default().to_owned();
        let mut body = Vec::new();
        if let Err(e) = rq
            .as_reader()
            .take(MAX_UPLOAD_BYTES + 1)
            .read_to_end(&mut body)
        {
            return problem(
                rq,
                400,
                "bad_request",
                &format!("the file could not be read: {e}"),
            );
        }
        let (fail, drop_it, delay) = {
            let mut st = self.state();
            let f = &mut st.faults;
            let fail = f.fail_uploads > 0;
            let drop_it = !fail && f.drop_uploads > 0;
            if fail {
                f.fail_uploads -= 1;
            } else if drop_it {
                f.drop_uploads -= 1;
            }
            (fail, drop_it, f.delay)
        };
        std::thread::sleep(delay);
        if drop_it {
            // Close the connection without an answer: the writer is taken and dropped unused.
            let mut w = rq.into_writer();
            let _ = w.flush();
            return;
        }
        if fail {
            return problem(
                rq,
                500,
                "server_error",
                "the portal had a problem: try again later",
            );
        }
        if body.len() as u64 > MAX_UPLOAD_BYTES {
            return problem(
                rq,
                413,
                "too_large",
                "the file is larger than the portal accepts",
            );
        }
        let sha: String = Sha256::digest(&body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if sha != want_sha {
            return problem(
                rq,
                400,
                "checksum",
                "the file arrived damaged (its SHA-256 does not match): send it again",
            );
        }
        if let Some(r) = self.state().receipts.get(&sha).cloned() {
            return reply(rq, 200, r);
        }
        let Some(dataset) = dataset else {
            return problem(rq, 400, "dataset", "X-Dataset must be AD, YP, SA or SY");
        };
        let today = Utc::now().date_naive();
        let Ok(version) = self.reference.version_on(today) else {
            return problem(rq, 500, "reference", "no dataset version is in force today");
        };
        let cat = &version.catalogue;
        let v = Validator::new(cat, dataset, today);
        // Attributors that differ from the agency's last file are mismatches, as on the portal.
        let before = self.state().sent.get(&agency).cloned().unwrap_or_default();
        let checked = v.check_csv_with(&body[..], |c| {
            c.keep_at_most(0).with_previous_attributors(&before)
        });
        let report = match checked {
            Ok(r) => r,
            Err(e) => {
                return problem(
                    rq,
                    422,
                    e.code().as_str(),
                    &format!("the file cannot be read: {e}"),
                );
            }
        };
        let rows = cat.rows_of_csv(&body[..]).unwrap_or_default();
        let now_sent = cat.attributors_of(
            rows.iter()
                .map(|r| |c: usize| r.get(c).map_or("", String::as_str)),
        );
        let receipt = {
            let mut st = self.state();
            st.sent.entry(agency).or_default().extend(now_sent);
            let id = format!("R{:06}", st.next_receipt);
            st.next_receipt += 1;
            let r = json!({
                "receipt_id": id,
                "received_at": Utc::now().to_rfc3339(),
                "file_name": file_name,
                "sha256": sha,
                "rows": report.rows,
                "errors": report.errors,
                "warnings": report.warnings,
                "mismatches": report.mismatches,
                "load_percent": report.load_percent,
                "data_quality_percent": report.data_quality_percent,
                "message": if report.errors == 0 && report.warnings == 0 {
                    "Received: 100% load and data quality. Submit it to the regional team from the portal."
                } else {
                    "Received with errors or warnings: correct them and transfer again before the deadline."
                },
            });
            st.receipts.insert(sha, r.clone());
            r
        };
        reply(rq, 200, receipt);
    }
}
