//! Sending the extract to the portal: the upload contract as a trait, and its HTTPS client.
//!
//! NDTMS V2 publishes no API, so the contract is this project's, written down in
//! `docs/portal-contract.md` and served on 127.0.0.1 by the portal stand-in. Credentials and the
//! YubiKey one-time code are used once, kept in memory only, and wiped when dropped.

use std::io::Read;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::error::{Result, SubmissionError};

/// The data lead's portal log-in, typed at transfer time and never stored.
pub struct Credentials {
    pub username: String,
    password: Zeroizing<String>,
    otp: Zeroizing<String>,
}

impl Credentials {
    pub fn new(username: &str, password: &str, otp: &str) -> Self {
        Self {
            username: username.trim().to_owned(),
            password: Zeroizing::new(password.to_owned()),
            otp: Zeroizing::new(otp.trim().to_owned()),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field("otp", &"<hidden>")
            .finish()
    }
}

/// The file and what it is, as sent.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub sha256: &'a str,
    pub agency: &'a str,
    pub dataset: &'a str,
    pub period_start: &'a str,
    pub period_end: &'a str,
}

/// The portal's answer to an accepted file: its load and data-quality report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Receipt {
    pub receipt_id: String,
    pub received_at: String,
    pub file_name: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub errors: u64,
    #[ts(type = "number")]
    pub warnings: u64,
    #[ts(type = "number")]
    pub mismatches: u64,
    pub load_percent: f64,
    pub data_quality_percent: f64,
    pub message: String,
}

/// What the transfer is doing, for a progress bar and messages.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Progress {
    LoggingIn,
    Uploading {
        #[ts(type = "number")]
        sent: u64,
        #[ts(type = "number")]
        total: u64,
    },
    WaitingForReport,
    Retrying {
        attempt: u32,
        of: u32,
        reason: String,
    },
}

/// The upload contract: log in with the one-time code, send the file, get a receipt.
pub trait Portal {
    fn transfer(
        &self,
        credentials: &Credentials,
        upload: &Upload<'_>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Receipt>;
}

/// How hard the client tries: attempts at the upload (not the log-in, whose one-time code can
/// be used once), the pause between them, and the longest wait for any one answer.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub pause: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            pause: Duration::from_secs(2),
            timeout: Duration::from_secs(120),
        }
    }
}

/// The portal over HTTPS (plain HTTP only to this machine, for the stand-in).
#[derive(Debug)]
pub struct HttpPortal {
    base: String,
    agent: ureq::Agent,
    policy: RetryPolicy,
}

#[derive(Debug, Deserialize)]
struct Session {
    token: String,
}

#[derive(Debug, Deserialize)]
struct Problem {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// A reader that reports how much of the body has gone.
struct Counting<'a, 'p> {
    bytes: &'a [u8],
    sent: u64,
    progress: &'p mut dyn FnMut(&Progress),
}

impl Read for Counting<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.bytes.read(buf)?;
        self.sent += n as u64;
        let total = self.sent + self.bytes.len() as u64;
        (self.progress)(&Progress::Uploading {
            sent: self.sent,
            total,
        });
        Ok(n)
    }
}

enum Attempt {
    Done(Receipt),
    Retry(String),
}

impl HttpPortal {
    pub fn new(base: &str, policy: RetryPolicy) -> Result<Self> {
        let base = base.trim().trim_end_matches('/').to_owned();
        let bad = |why: &str| SubmissionError::BadPortalAddress(base.clone(), why.to_owned());
        let uri: ureq::http::Uri = base.parse().map_err(|_| bad("not a web address"))?;
        let host = uri.host().unwrap_or_default();
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1") => {}
            Some("http") => {
                return Err(bad(
                    "plain HTTP is allowed only to this machine; use https://",
                ));
            }
            _ => return Err(bad("it must start with https://")),
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // The password and one-time code go to the address the data lead set and nowhere
            // else: a redirect is reported, never followed.
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(policy.timeout))
            .build()
            .new_agent();
        Ok(Self {
            base,
            agent,
            policy,
        })
    }

    /// A redirect, named with where it pointed: not followed, so nothing was sent there.
    fn redirected(r: &ureq::http::Response<ureq::Body>) -> SubmissionError {
        let to = r
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or("an address it did not give");
        SubmissionError::BadAnswer(format!(
            "the portal answered with a redirect (HTTP {}) to {to}; NDTMS Desk does not follow redirects, so nothing was sent there. Check the portal address in Settings",
            r.status().as_u16()
        ))
    }

    fn problem(mut r: ureq::http::Response<ureq::Body>) -> String {
        let status = r.status().as_u16();
        let text = r
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        match serde_json::from_str::<Problem>(&text) {
            Ok(p) if !p.message.is_empty() => {
                if p.code.is_empty() {
                    p.message
                } else {
                    format!("{} ({})", p.message, p.code)
                }
            }
            _ => format!("HTTP {status}"),
        }
    }

    fn describe(e: &ureq::Error) -> String {
        match e {
            ureq::Error::Timeout(_) => "no answer in time".to_owned(),
            ureq::Error::Io(io) => format!("the connection failed ({io})"),
            ureq::Error::HostNotFound => "the portal's address was not found".to_owned(),
            ureq::Error::ConnectionFailed => "the connection was refused".to_owned(),
            other => other.to_string(),
        }
    }

    fn log_in(&self, c: &Credentials) -> Result<String> {
        let body = serde_json::json!({
            "username": c.username,
            "password": c.password.as_str(),
            "otp": c.otp.as_str(),
        });
        let r = self
            .agent
            .post(&format!("{}/api/v1/session", self.base))
            .send_json(&body)
            .map_err(|e| match e {
                ureq::Error::Timeout(_) => SubmissionError::TimedOut(self.policy.timeout.as_secs()),
                e => SubmissionError::Unreachable {
                    attempts: 1,
                    message: format!(
                        "{} (enter a new one-time code to try again)",
                        Self::describe(&e)
                    ),
                },
            })?;
        match r.status().as_u16() {
            200 | 201 => {
                let mut r = r;
                let s: Session = r
                    .body_mut()
                    .read_json()
                    .map_err(|e| SubmissionError::BadAnswer(e.to_string()))?;
                Ok(s.token)
            }
            401 | 403 => Err(SubmissionError::LoginRefused(Self::problem(r))),
            300..=399 => Err(Self::redirected(&r)),
            s => Err(SubmissionError::BadAnswer(format!(
                "log-in answered HTTP {s}: {}",
                Self::problem(r)
            ))),
        }
    }

    fn send_once(
        &self,
        token: &str,
        u: &Upload<'_>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Attempt> {
        let mut body = Counting {
            bytes: u.bytes,
            sent: 0,
            progress,
        };
        let sent = self
            .agent
            .post(&format!("{}/api/v1/submissions", self.base))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "text/csv; charset=utf-8")
            .header("X-File-Name", u.file_name)
            .header("X-Sha256", u.sha256)
            .header("X-Agency", u.agency)
            .header("X-Dataset", u.dataset)
            .header("X-Period-Start", u.period_start)
            .header("X-Period-End", u.period_end)
            // The same file sent twice (a retry after a lost answer) gets the first receipt back.
            .header("Idempotency-Key", u.sha256)
            // One upload per log-in: nothing to gain from keeping the connection, and a closed
            // connection is what a dropped transfer looks like, so it is retried, not waited on.
            .header("Connection", "close")
            .send(ureq::SendBody::from_reader(&mut body));
        let progress = body.progress;
        let mut r = match sent {
            Ok(r) => r,
            Err(e) => return Ok(Attempt::Retry(Self::describe(&e))),
        };
        progress(&Progress::WaitingForReport);
        match r.status().as_u16() {
            200 | 201 => {
                let receipt: Receipt = r
                    .body_mut()
                    .read_json()
                    .map_err(|e| SubmissionError::BadAnswer(e.to_string()))?;
                if receipt.sha256 != u.sha256 {
                    return Err(SubmissionError::BadAnswer(format!(
                        "the receipt is for a different file (SHA-256 {})",
                        receipt.sha256
                    )));
                }
                Ok(Attempt::Done(receipt))
            }
            401 | 403 => Err(SubmissionError::LoginRefused(Self::problem(r))),
            300..=399 => Err(Self::redirected(&r)),
            s if (400..500).contains(&s) && s != 408 && s != 429 => {
                Err(SubmissionError::Refused(Self::problem(r)))
            }
            s => Ok(Attempt::Retry(format!(
                "the portal answered HTTP {s}: {}",
                Self::problem(r)
            ))),
        }
    }
}

impl Portal for HttpPortal {
    fn transfer(
        &self,
        credentials: &Credentials,
        upload: &Upload<'_>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Receipt> {
        progress(&Progress::LoggingIn);
        let token = Zeroizing::new(self.log_in(credentials)?);
        let attempts = self.policy.attempts.max(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            if attempt > 1 {
                progress(&Progress::Retrying {
                    attempt,
                    of: attempts,
                    reason: last.clone(),
                });
                std::thread::sleep(self.policy.pause * (attempt - 1));
            }
            match self.send_once(&token, upload, progress)? {
                Attempt::Done(r) => return Ok(r),
                Attempt::Retry(why) => last = why,
            }
        }
        Err(SubmissionError::Unreachable {
            attempts,
            message: last,
        })
    }
}
