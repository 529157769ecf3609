//! The month's slow work as a background job the window watches: the extract built and checked
//! with progress and a stop button, then sent to the portal with upload progress. One job at a
//! time; starting another stops the one running, and its late news is ignored.
//!
//! The job never holds the caller's store: reading the records and recording the outcome are
//! closures the caller runs under its own lock, so the window stays usable while it works.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use chrono::{DateTime, Utc};
use ndtms_dataset::{Finding, Severity};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ErrorCode, Result, SubmissionError};
use crate::portal::{Credentials, Portal, Progress, Receipt};
use crate::report::FORMULAS;
use crate::{Prepared, Source, Step};

/// What went wrong, as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobProblem {
    pub code: ErrorCode,
    pub message: String,
}

impl From<&SubmissionError> for JobProblem {
    fn from(e: &SubmissionError) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Where the month's job is.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobStatus {
    /// Nothing built yet (or thrown away).
    Idle,
    /// Reading the records.
    Reading,
    /// Building or checking, so far.
    Working { step: Step },
    /// Built and checked: the report is ready.
    Ready,
    /// Stopped by the user; nothing was kept.
    Stopped,
    /// Building failed.
    Failed { problem: JobProblem },
    /// Sending to the portal.
    Sending { progress: Progress },
    /// The portal accepted the file and the transfer is recorded.
    Sent { receipt: Receipt },
    /// The portal (or the way to it) failed; nothing was recorded and the file can be sent again.
    SendFailed { problem: JobProblem },
}

/// One rule's findings, counted, for the report's grouped list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RuleCount {
    pub rule: String,
    pub severity: Severity,
    #[ts(type = "number")]
    pub count: u64,
    /// The first finding's message and fix, as an example.
    pub message: String,
    pub fix: String,
}

/// The report's first page: the totals, the formulas, and the findings grouped by rule.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ReportSummary {
    /// The data month and period the file was built for (to check again with the same).
    pub data_period: ndtms_dataset::ReportingPeriod,
    pub agency: String,
    pub dataset: String,
    pub period: String,
    pub file_name: String,
    pub sha256: String,
    pub reference_version: String,
    pub checked_on: String,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub clients: u64,
    #[ts(type = "number")]
    pub errors: u64,
    #[ts(type = "number")]
    pub warnings: u64,
    #[ts(type = "number")]
    pub mismatches: u64,
    pub load_percent: f64,
    pub data_quality_percent: f64,
    pub formulas: String,
    /// Errors first, then by count, most first.
    pub rules: Vec<RuleCount>,
    /// How long the app took over it, when it was built here and now.
    pub took: Option<Took>,
}

/// How long building and checking a file took, step by step, in milliseconds: shown under the
/// report, and the figure the speed target is measured by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, TS)]
pub struct Took {
    #[ts(type = "number")]
    pub reading: u64,
    #[ts(type = "number")]
    pub building: u64,
    #[ts(type = "number")]
    pub checking: u64,
}

/// A window onto the findings, for a virtualised list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FindingsPage {
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub offset: u64,
    pub findings: Vec<Finding>,
}

/// How many findings one page carries at most.
pub const MOST_PER_PAGE: u64 = 500;

/// The report's summary of a prepared extract.
pub fn summary(p: &Prepared) -> ReportSummary {
    let r = &p.report;
    let rules = rule_counts(&r.report.findings);
    ReportSummary {
        data_period: p.extract.period,
        agency: r.agency.clone(),
        dataset: r.dataset.clone(),
        period: r.period.clone(),
        file_name: r.file_name.clone(),
        sha256: r.sha256.clone(),
        reference_version: r.reference_version.clone(),
        checked_on: r.checked_on.clone(),
        bytes: p.bytes.len() as u64,
        rows: r.report.rows,
        clients: r.report.clients,
        errors: r.report.errors,
        warnings: r.report.warnings,
        mismatches: r.report.mismatches,
        load_percent: r.report.load_percent,
        data_quality_percent: r.report.data_quality_percent,
        formulas: FORMULAS.to_owned(),
        rules,
        took: None,
    }
}

/// Findings counted by rule, each with its first message as an example: errors first, then
/// most findings first.
pub fn rule_counts(findings: &[Finding]) -> Vec<RuleCount> {
    let mut rules: BTreeMap<&str, RuleCount> = BTreeMap::new();
    for f in findings {
        rules
            .entry(f.rule.as_str())
            .or_insert_with(|| RuleCount {
                rule: f.rule.clone(),
                severity: f.severity,
                count: 0,
                message: f.message.clone(),
                fix: f.fix.clone(),
            })
            .count += 1;
    }
    let mut rules: Vec<RuleCount> = rules.into_values().collect();
    rules.sort_by(|a, b| {
        (a.severity != Severity::Error)
            .cmp(&(b.severity != Severity::Error))
            .then(b.count.cmp(&a.count))
            .then(a.rule.cmp(&b.rule))
    });
    rules
}

/// The findings of one rule (all, when `rule` is None), from `offset`, at most `limit`
/// ([`MOST_PER_PAGE`] at most).
pub fn findings_page(p: &Prepared, rule: Option<&str>, offset: u64, limit: u64) -> FindingsPage {
    let all = &p.report.report.findings;
    let chosen: Vec<&Finding> = all
        .iter()
        .filter(|f| rule.is_none_or(|r| f.rule == r))
        .collect();
    let limit = limit.min(MOST_PER_PAGE) as usize;
    FindingsPage {
        total: chosen.len() as u64,
        offset,
        findings: chosen
            .into_iter()
            .skip(offset as usize)
            .take(limit)
            .cloned()
            .collect(),
    }
}

#[derive(Default)]
struct Inner {
    status: Option<JobStatus>,
    prepared: Option<Arc<Prepared>>,
    /// Which job the status belongs to: news from an older one is dropped.
    generation: u64,
    stop: Arc<AtomicBool>,
    took: Option<Took>,
    /// What the current job's file was made from, when the caller said.
    made_from: Option<MadeFrom>,
}

/// What a file was made from: the period, the store's extract stamp and the day it was checked
/// on. A file made from the same is the same file, so it need not be made twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MadeFrom {
    pub period: ndtms_dataset::ReportingPeriod,
    /// [`ndtms_store::Store::extract_stamp`] when the read began.
    pub stamp: i64,
    pub day: chrono::NaiveDate,
}

/// The month's job, shared by the commands that start it, watch it and stop it.
#[derive(Clone, Default)]
pub struct MonthJob {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for MonthJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonthJob").finish_non_exhaustive()
    }
}

impl MonthJob {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while the status was being set leaves nothing half-done worth refusing.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets the status if job `generation` is still the current one.
    fn set(&self, generation: u64, status: JobStatus) {
        let mut g = self.lock();
        if g.generation == generation {
            g.status = Some(status);
        }
    }

    /// Begins a new job: stops the one running and forgets its file.
    fn begin(&self, first: JobStatus) -> (u64, Arc<AtomicBool>) {
        let mut g = self.lock();
        g.stop.store(true, Ordering::SeqCst);
        g.generation += 1;
        g.stop = Arc::new(AtomicBool::new(false));
        g.prepared = None;
        g.took = None;
        g.made_from = None;
        g.status = Some(first);
        (g.generation, g.stop.clone())
    }

    /// Where the job is.
    pub fn status(&self) -> JobStatus {
        self.lock().status.clone().unwrap_or(JobStatus::Idle)
    }

    /// The file built and checked, once ready.
    pub fn prepared(&self) -> Option<Arc<Prepared>> {
        self.lock().prepared.clone()
    }

    /// Asks a build to stop (it stops at its next step); a send is not stopped, as the portal
    /// may already have the file.
    pub fn stop(&self) {
        let g = self.lock();
        if matches!(
            g.status,
            Some(JobStatus::Reading | JobStatus::Working { .. })
        ) {
            g.stop.store(true, Ordering::SeqCst);
        }
    }

    /// Forgets everything (on log-out, or when the data lead is done).
    pub fn clear(&self) {
        self.begin(JobStatus::Idle);
    }

    /// Builds and checks an extract on a thread of its own: `read` reads the records (under
    /// the caller's lock), then the rows are laid out and checked with progress.
    pub fn start(
        &self,
        read: impl FnOnce() -> Result<Source> + Send + 'static,
        now: DateTime<Utc>,
    ) {
        let (generation, stop) = self.begin(JobStatus::Reading);
        self.run(generation, stop, read, now);
    }

    /// As [`MonthJob::start`], unless the job is already making (or has made) a file from
    /// `made_from`: then that one is kept and nothing is read again. True when it was kept.
    pub fn start_from(
        &self,
        made_from: MadeFrom,
        read: impl FnOnce() -> Result<Source> + Send + 'static,
        now: DateTime<Utc>,
    ) -> bool {
        let (generation, stop) = {
            let g = self.lock();
            if g.made_from == Some(made_from)
                && matches!(
                    g.status,
                    Some(JobStatus::Reading | JobStatus::Working { .. } | JobStatus::Ready)
                )
            {
                return true;
            }
            drop(g);
            let begun = self.begin(JobStatus::Reading);
            self.lock().made_from = Some(made_from);
            begun
        };
        self.run(generation, stop, read, now);
        false
    }

    /// The file made from `made_from`, checked, when the job can give it: its own when it has
    /// made or is making that one (waited for), or one it makes now when it holds nothing the
    /// data lead is looking at. None when the job holds another file (or a send), or stopped or
    /// failed meanwhile: the caller then makes its own. For the dashboard, so a data lead who
    /// opens it and then presses "Build" waits for one file, not two.
    pub fn checked(
        &self,
        made_from: MadeFrom,
        read: impl FnOnce() -> Result<Source> + Send + 'static,
        now: DateTime<Utc>,
    ) -> Option<Arc<Prepared>> {
        let share = {
            let g = self.lock();
            g.made_from == Some(made_from)
                || matches!(
                    g.status,
                    None | Some(JobStatus::Idle | JobStatus::Stopped | JobStatus::Failed { .. })
                )
        };
        if !share {
            return None;
        }
        self.start_from(made_from, read, now);
        let generation = self.lock().generation;
        loop {
            {
                let g = self.lock();
                if g.generation != generation {
                    return None;
                }
                match &g.status {
                    Some(JobStatus::Reading | JobStatus::Working { .. }) => {}
                    Some(JobStatus::Ready) => return g.prepared.clone(),
                    _ => return None,
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn run(
        &self,
        generation: u64,
        stop: Arc<AtomicBool>,
        read: impl FnOnce() -> Result<Source> + Send + 'static,
        now: DateTime<Utc>,
    ) {
        let job = self.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut read_at = started;
            let mut checking_at = None;
            let result = read().and_then(|source| {
                read_at = Instant::now();
                if stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                crate::prepare_from(&source, now, &mut |step| {
                    if matches!(step, Step::Checking { .. }) && checking_at.is_none() {
                        checking_at = Some(Instant::now());
                    }
                    job.set(generation, JobStatus::Working { step });
                    !stop.load(Ordering::SeqCst)
                })
            });
            let done = Instant::now();
            let mut g = job.lock();
            if g.generation != generation {
                return;
            }
            g.status = Some(match result {
                Ok(Some(p)) => {
                    let checking_at = checking_at.unwrap_or(done);
                    let ms = |d: std::time::Duration| d.as_millis() as u64;
                    g.took = Some(Took {
                        reading: ms(read_at - started),
                        building: ms(checking_at - read_at),
                        checking: ms(done - checking_at),
                    });
                    g.prepared = Some(Arc::new(p));
                    JobStatus::Ready
                }
                Ok(None) => JobStatus::Stopped,
                Err(e) => JobStatus::Failed {
                    problem: (&e).into(),
                },
            });
        });
    }

    /// Sends the ready file on a thread of its own, then `record`s the transfer (under the
    /// caller's lock), or tells `failed` why it was not sent. A failure leaves the file ready to
    /// send again.
    pub fn send(
        &self,
        portal: Box<dyn Portal + Send>,
        credentials: Credentials,
        accept_errors: bool,
        record: impl FnOnce(&Prepared, &Receipt) -> Result<i64> + Send + 'static,
        failed: impl FnOnce(&SubmissionError) + Send + 'static,
    ) -> Result<()> {
        let (generation, p) = {
            let mut g = self.lock();
            let Some(p) = g.prepared.clone() else {
                return Err(SubmissionError::NotReady);
            };
            if matches!(g.status, Some(JobStatus::Sending { .. })) {
                return Err(SubmissionError::Busy);
            }
            if p.report.report.errors > 0 && !accept_errors {
                return Err(SubmissionError::HasErrors(p.report.report.errors));
            }
            g.status = Some(JobStatus::Sending {
                progress: Progress::LoggingIn,
            });
            (g.generation, p)
        };
        let job = self.clone();
        std::thread::spawn(move || {
            let sent = crate::send(
                &p,
                portal.as_ref(),
                &credentials,
                accept_errors,
                &mut |pr| {
                    job.set(
                        generation,
                        JobStatus::Sending {
                            progress: pr.clone(),
                        },
                    )
                },
            );
            drop(credentials);
            let status = match sent {
                Err(e) => {
                    failed(&e);
                    JobStatus::SendFailed {
                        problem: (&e).into(),
                    }
                }
                Ok(receipt) => match record(&p, &receipt) {
                    Ok(_) => JobStatus::Sent { receipt },
                    // The portal has the file: say so, so nobody sends it twice.
                    Err(e) => JobStatus::SendFailed {
                        problem: JobProblem {
                            code: e.code(),
                            message: format!(
                                "The portal accepted the file (receipt {}), but recording the transfer here failed: {e}. Do not send it again; note the receipt.",
                                receipt.receipt_id
                            ),
                        },
                    },
                },
            };
            job.set(generation, status);
        });
        Ok(())
    }

    /// The file built and checked, or an error saying there is none yet.
    pub fn ready(&self) -> Result<Arc<Prepared>> {
        self.prepared().ok_or(SubmissionError::NotReady)
    }

    /// The ready file's report summary, with how long it took.
    pub fn report(&self) -> Result<ReportSummary> {
        let (p, took) = {
            let g = self.lock();
            (g.prepared.clone().ok_or(SubmissionError::NotReady)?, g.took)
        };
        Ok(ReportSummary {
            took,
            ..summary(&p)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_job_silences_the_old_one() {
        let job = MonthJob::default();
        let (old, old_stop) = job.begin(JobStatus::Reading);
        let (new, _) = job.begin(JobStatus::Reading);
        assert!(
            old_stop.load(Ordering::SeqCst),
            "the old job is told to stop"
        );
        job.set(old, JobStatus::Stopped);
        assert_eq!(
            job.status(),
            JobStatus::Reading,
            "late news from the old job is dropped"
        );
        job.set(new, JobStatus::Ready);
        assert_eq!(job.status(), JobStatus::Ready);
        assert!(job.ready().is_err(), "no file without a build");
        job.clear();
        assert_eq!(job.status(), JobStatus::Idle);
    }
}
