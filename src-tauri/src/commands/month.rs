//! The data lead's month: the commands of the transfer wizard. The slow work (building,
//! checking, sending) runs as the core's `MonthJob` on a thread of its own; the window polls
//! its status, so it stays usable throughout. Every command checks the role through the store.

use std::path::PathBuf;

use chrono::NaiveDate;
use ndtms_dataset::ReportingPeriod;
use ndtms_store::Permission;
use ndtms_store::record_form::FindingPlace;
use ndtms_submission::job::{FindingsPage, JobStatus, MadeFrom, ReportSummary};
use ndtms_submission::month::{MonthPlan, MonthSettings};
use serde::Serialize;
use ts_rs::TS;

use super::{Answer, with_store};
use crate::AppState;
use crate::bindings::AppError;

/// A file saved for upload, as the confirmation page shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SavedExtract {
    pub path: String,
    /// The manifest beside it, when saved for carrying out.
    pub manifest: Option<String>,
    pub file_name: String,
    pub sha256: String,
    pub period: String,
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub clients: u64,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// An upload by hand recorded, as the confirmation says it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConfirmedUpload {
    pub file: String,
    pub period_start: String,
    pub period_end: String,
    #[ts(type = "number")]
    pub rows: u64,
}

fn end_date(end: Option<String>) -> Answer<Option<NaiveDate>> {
    end.filter(|e| !e.trim().is_empty())
        .map(|e| {
            ndtms_dataset::values::parse_date(e.trim()).ok_or_else(|| {
                AppError::new(
                    ndtms_errors::ErrorCode::DateInvalid,
                    format!(
                        "'{}' is not a date: enter it as dd/mm/yyyy, for example 14/07/2026",
                        e.trim()
                    ),
                )
            })
        })
        .transpose()
}

/// Runs the month job's store work (reading, recording) under the app's lock, from its thread.
fn on_store<T>(
    state: &AppState,
    f: impl FnOnce(&mut ndtms_store::Store) -> ndtms_submission::Result<T>,
) -> ndtms_submission::Result<T> {
    let mut guard = state
        .store
        .lock()
        .map_err(|_| ndtms_store::StoreError::Internal("the store lock was poisoned".into()))?;
    let store = guard
        .as_mut()
        .ok_or_else(|| ndtms_store::StoreError::Internal("the database is not open".into()))?;
    f(store)
}

fn period(year: i32, month: u32, end: Option<String>) -> Answer<ReportingPeriod> {
    Ok(ndtms_submission::month::period_of(
        year,
        month,
        end_date(end)?,
        ndtms_dataset::model::today(),
    )?)
}

pub fn month_plan(state: &AppState) -> Answer<MonthPlan> {
    with_store(state, |store| {
        Ok(ndtms_submission::month::plan(
            store,
            ndtms_dataset::model::today(),
        )?)
    })
}

pub fn month_settings(state: &AppState) -> Answer<MonthSettings> {
    with_store(state, |store| Ok(ndtms_submission::month::settings(store)?))
}

pub fn save_month_settings(
    state: &AppState,
    portal_url: String,
    deadline_day: String,
) -> Answer<MonthSettings> {
    with_store(state, |store| {
        Ok(ndtms_submission::month::save_settings(
            store,
            &portal_url,
            &deadline_day,
        )?)
    })
}

pub fn check_period(
    state: &AppState,
    year: i32,
    month: u32,
    end: Option<String>,
) -> Answer<ReportingPeriod> {
    with_store(state, |store| Ok(store.require(Permission::Submit)?))?;
    period(year, month, end)
}

pub fn start_extract(state: &AppState, year: i32, month: u32, end: Option<String>) -> Answer<()> {
    let period = period(year, month, end)?;
    let now = chrono::Utc::now();
    let (reader, made_from) = reader_for(state, period, now)?;
    // A file already made (or being made) from the same records, period and day is that file:
    // the dashboard may have begun it a moment ago.
    state
        .month
        .start_from(made_from, read(reader, period, now), now);
    Ok(())
}

/// A handle of its own to read the records on, so the window's searches and forms do not wait
/// for the read, and what a file made now would be made from (the stamp read first, so a
/// change made meanwhile only makes the next file be made again).
fn reader_for(
    state: &AppState,
    period: ReportingPeriod,
    now: chrono::DateTime<chrono::Utc>,
) -> Answer<(ndtms_store::Store, MadeFrom)> {
    with_store(state, |store| {
        let stamp = store.extract_stamp()?;
        let reader = store.beside(Permission::Submit)?;
        Ok((
            reader,
            MadeFrom {
                period,
                stamp,
                day: now.date_naive(),
            },
        ))
    })
}

fn read(
    mut reader: ndtms_store::Store,
    period: ReportingPeriod,
    now: chrono::DateTime<chrono::Utc>,
) -> impl FnOnce() -> ndtms_submission::Result<ndtms_submission::Source> + Send + 'static {
    move || {
        ndtms_submission::read_source(
            &mut reader,
            &period,
            ndtms_submission::DEFAULT_FILE_PATTERN,
            now,
        )
    }
}

pub fn extract_status(state: &AppState) -> Answer<JobStatus> {
    with_store(state, |store| Ok(store.require(Permission::Submit)?))?;
    Ok(state.month.status())
}

pub fn stop_extract(state: &AppState) -> Answer<()> {
    with_store(state, |store| Ok(store.require(Permission::Submit)?))?;
    state.month.stop();
    Ok(())
}

pub fn extract_report(state: &AppState) -> Answer<ReportSummary> {
    with_store(state, |store| Ok(store.require(Permission::Submit)?))?;
    Ok(state.month.report()?)
}

pub fn extract_findings(
    state: &AppState,
    rule: Option<String>,
    offset: u32,
    limit: u32,
) -> Answer<FindingsPage> {
    with_store(state, |store| Ok(store.require(Permission::Submit)?))?;
    Ok(ndtms_submission::job::findings_page(
        &*state.month.ready()?,
        rule.as_deref(),
        offset.into(),
        limit.into(),
    ))
}

pub fn finding_place(
    state: &AppState,
    client: String,
    episode: String,
    child: String,
    field: String,
) -> Answer<Option<FindingPlace>> {
    with_store(state, |store| {
        Ok(store.finding_place(&client, &episode, &child, &field)?)
    })
}

/// Where extracts are saved unless the data lead chooses another folder.
pub fn extract_folder(state: &AppState) -> Answer<String> {
    with_store(state, |store| Ok(store.require(Permission::Submit)?))?;
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    Ok(home.join("NDTMS extracts").display().to_string())
}

pub fn save_extract(state: &AppState, folder: String, offline: bool) -> Answer<SavedExtract> {
    let folder = folder.trim();
    if folder.is_empty() {
        return Err(AppError::new(
            ndtms_errors::ErrorCode::SubmissionIo,
            "Enter the folder or drive to save the file in",
        ));
    }
    let p = state.month.ready()?;
    with_store(state, |store| {
        let (path, manifest) = ndtms_submission::save(
            store,
            &p,
            std::path::Path::new(folder),
            offline,
            chrono::Utc::now(),
        )?;
        Ok(SavedExtract {
            manifest: manifest.map(|_| {
                path.with_file_name(ndtms_submission::offline::manifest_name(&p.file_name))
                    .display()
                    .to_string()
            }),
            path: path.display().to_string(),
            file_name: p.file_name.clone(),
            sha256: p.sha256.clone(),
            period: p.report.period.clone(),
            rows: p.report.report.rows,
            clients: p.report.report.clients,
            bytes: p.bytes.len() as u64,
        })
    })
}

/// How long the app waits for the portal's answer (tests shorten it).
fn portal_timeout() -> std::time::Duration {
    let seconds = std::env::var("NDTMS_DESK_PORTAL_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    std::time::Duration::from_secs(seconds)
}

pub fn send_extract(
    state: &AppState,
    username: String,
    password: String,
    otp: String,
    accept_errors: bool,
) -> Answer<()> {
    let password = zeroize::Zeroizing::new(password);
    let otp = zeroize::Zeroizing::new(otp);
    let settings = with_store(state, |store| {
        store.require(Permission::Submit)?;
        Ok(ndtms_submission::month::settings(store)?)
    })?;
    if settings.portal_url.is_empty() {
        return Err(AppError::new(
            ndtms_errors::ErrorCode::PortalBadAddress,
            "No portal address is set, so the file cannot be sent from here: save it for upload instead, or ask an administrator to set the address in Settings",
        ));
    }
    for (value, what) in [
        (username.trim(), "your portal user name"),
        (password.as_str(), "your portal password"),
        (otp.trim(), "the one-time code from your YubiKey"),
    ] {
        if value.is_empty() {
            return Err(AppError::new(
                ndtms_errors::ErrorCode::PortalLoginRefused,
                format!("Enter {what}"),
            ));
        }
    }
    let portal = ndtms_submission::HttpPortal::new(
        &settings.portal_url,
        ndtms_submission::RetryPolicy {
            timeout: portal_timeout(),
            ..Default::default()
        },
    )?;
    let credentials = ndtms_submission::Credentials::new(&username, &password, &otp);
    let ready = state.month.ready()?;
    if ready.report.report.errors > 0 && !accept_errors {
        return Err(
            ndtms_submission::SubmissionError::HasErrors(ready.report.report.errors).into(),
        );
    }
    // Recorded as pending before the upload starts: if the app or the machine stops mid-way,
    // the history says so and the data lead checks the portal before sending again.
    let attempt = with_store(state, |store| {
        Ok(ndtms_submission::transfer_started(store, &ready)?)
    })?;
    let (recorder, failer) = (state.clone(), state.clone());
    let sending = state.month.send(
        Box::new(portal),
        credentials,
        accept_errors,
        move |p, receipt| {
            on_store(&recorder, |store| {
                let id = ndtms_submission::record_transfer(store, p, receipt)?;
                store.transfer_ended(attempt, None)?;
                Ok(id)
            })
        },
        move |e| {
            let _ = on_store(&failer, |store| {
                Ok(store.transfer_ended(attempt, Some(&e.to_string()))?)
            });
        },
    );
    if let Err(e) = &sending {
        let _ = with_store(state, |store| {
            Ok(store.transfer_ended(attempt, Some(&e.to_string()))?)
        });
    }
    sending?;
    Ok(())
}

pub fn confirm_upload(state: &AppState, file: String) -> Answer<ConfirmedUpload> {
    with_store(state, |store| {
        let path = PathBuf::from(file.trim());
        let (_, m) = ndtms_submission::confirm_upload(store, &path)?;
        Ok(ConfirmedUpload {
            file: path.display().to_string(),
            period_start: m.period_start,
            period_end: m.period_end,
            rows: m.rows,
        })
    })
}

pub fn unlock_period(
    state: &AppState,
    submission: u32,
    because: String,
) -> Answer<Vec<ndtms_store::submissions::Submission>> {
    with_store(state, |store| {
        store.unlock_period(submission.into(), &because)?;
        Ok(store.submissions()?)
    })
}

pub fn dashboard(state: &AppState) -> Answer<ndtms_submission::quality::Dashboard> {
    // Read and checked on handles of their own: the window stays usable meanwhile. The month
    // due is checked by the month's job where it can be, so a data lead who then presses
    // "Build" waits for one file, not two.
    let now = chrono::Utc::now();
    let mut reader = with_store(state, |store| Ok(store.beside(Permission::Submit)?))?;
    let plan = ndtms_submission::month::plan(&mut reader, now.date_naive())?;
    let (job_reader, made_from) = reader_for(state, plan.period, now)?;
    let checked = match state
        .month
        .checked(made_from, read(job_reader, plan.period, now), now)
    {
        Some(p) => p,
        None => std::sync::Arc::new(ndtms_submission::prepare(
            &mut reader,
            &plan.period,
            ndtms_submission::DEFAULT_FILE_PATTERN,
            now,
        )?),
    };
    Ok(ndtms_submission::quality::dashboard_of(
        &mut reader,
        &plan,
        &checked,
    )?)
}

pub fn import_plan(state: &AppState, file: String) -> Answer<ndtms_submission::import::ImportPlan> {
    // Read and checked on a handle of its own: the window stays usable meanwhile.
    let mut reader = with_store(state, |store| Ok(store.beside(Permission::Submit)?))?;
    Ok(ndtms_submission::import::plan(
        &mut reader,
        std::path::Path::new(file.trim()),
    )?)
}

pub fn import_apply(state: &AppState, file: String, sha256: String) -> Answer<u32> {
    with_store(state, |store| {
        let n = ndtms_submission::import::apply(store, std::path::Path::new(file.trim()), &sha256)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    })
}
