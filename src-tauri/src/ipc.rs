//! The IPC surface, declared once: each command's name, arguments and answer. From this list
//! come the Tauri command wrappers (each runs its work on a worker thread, so hashing, unlock
//! and file work never freeze the window) and the typed `ui/src/bindings/commands.ts`.

use ts_rs::TS;

use ndtms_dataset::{Finding, Form, Section};
use ndtms_store::Role;
use ndtms_store::assignment::Keyworker;
use ndtms_store::audit::RecordChange;
use ndtms_store::backup::{BackupCheck, BackupFile};
use ndtms_store::backup_schedule::BackupSchedule;
use ndtms_store::caseload::{CaseloadPage, CaseloadQuery};
use ndtms_store::deletion::Deletion;
use ndtms_store::new_client::{NewClient, NewClientCheck};
use ndtms_store::record_form::{DraftItem, RecordForm, RecordPlace};
use ndtms_store::records::{ConsentScope, ConsentStatus, Entity, Fields, RecordKey};
use ndtms_store::submissions::Submission;
use ndtms_store::users::UserSummary;
use ndtms_submission::client_page::{ClientFlags, ClientPage};

use crate::bindings::{
    AgencyCheck, AppError, AppInfo, NewUserRequest, ReferenceSetting, SetUpRequest, SetUpResult,
    StoreStatus,
};
use crate::commands;

/// One command as the UI sees it: its name and the TypeScript types of its arguments and answer.
#[derive(Debug, Clone)]
pub struct Signature {
    pub name: &'static str,
    /// Argument names as Rust spells them (Tauri takes them in camelCase) and their TS types.
    pub args: Vec<(&'static str, String)>,
    pub answer: String,
    pub doc: &'static str,
}

/// Runs a command's work on the blocking pool and hands back its answer; a panic there is an
/// internal error, not a frozen window.
async fn on_worker<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal(format!("the command stopped unexpectedly: {e}")))?
}

macro_rules! ipc {
    ($( #[doc = $doc:literal] $name:ident ( $($arg:ident : $ty:ty),* ) -> $answer:ty; )*) => {
        /// The Tauri command wrappers: map arguments, run the handler in `commands.rs` on a
        /// worker thread with the app's state.
        pub mod wrappers {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[doc = $doc]
                #[tauri::command]
                pub async fn $name(
                    state: tauri::State<'_, crate::AppState>,
                    $($arg: $ty),*
                ) -> Result<$answer, AppError> {
                    let state = state.inner().clone();
                    on_worker(move || commands::$name(&state, $($arg),*)).await
                }
            )*
        }

        /// The handler Tauri dispatches IPC calls with.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(wrappers::$name),*]
        }

        /// Every command's signature, for generating `commands.ts`.
        pub fn signatures(cfg: &ts_rs::Config) -> Vec<Signature> {
            vec![$(Signature {
                name: stringify!($name),
                args: vec![$((stringify!($arg), <$ty as TS>::name(cfg))),*],
                answer: <$answer as TS>::name(cfg),
                doc: $doc,
            }),*]
        }
    };
}

ipc! {
    /// The program's version and the shipped reference data in force today (before log-in).
    app_info() -> AppInfo;
    /// Which screen comes next: set-up, unlock, log-in or the app itself.
    store_status() -> StoreStatus;
    /// Checks an agency code by the catalogue's agency field, as set-up will.
    check_agency_code(code: String, dataset: String) -> AgencyCheck;
    /// Checks a new user's name and password (typed twice) by the store's rules.
    check_new_user(username: String, password: String, password_again: String) -> ();
    /// The first-run wizard's last step: creates the database and shows the recovery key once.
    set_up(request: SetUpRequest) -> SetUpResult;
    /// Makes the data folder again from a backup and its recovery key (a new machine; only where no database is).
    restore_new(backup: String, recovery_key: String) -> ();
    /// Opens a passphrase database, or any database with its recovery key.
    unlock(passphrase: Option<String>, recovery_key: Option<String>) -> ();
    /// Logs a user in (the password is hashed and compared on a worker thread).
    log_in(username: String, password: String) -> ndtms_store::Session;
    /// Ends the session.
    log_out() -> ();
    /// The reference data this database's checks use, and where it comes from.
    reference_setting() -> ReferenceSetting;
    /// Chooses the reference-data folder (null: the shipped copy); administrators only.
    set_reference_folder(folder: Option<String>) -> ReferenceSetting;
    /// The logged-in user chooses their own password (required after a first password).
    change_password(current: String, new_password: String, new_again: String) -> ndtms_store::Session;
    /// The clients matching a search, a window of them (any logged-in user).
    caseload(query: CaseloadQuery) -> CaseloadPage;
    /// Every client whose records would get errors or warnings, counted (any logged-in user).
    caseload_flags() -> Vec<ClientFlags>;
    /// One client as the client record shows them, with the findings their records would get (any logged-in user; audited as a view).
    client_page(reference: String) -> ClientPage;
    /// Records a consent decision for NDTMS or IPS, then answers with the client again.
    record_consent(reference: String, scope: ConsentScope, status: ConsentStatus, date: String) -> ClientPage;
    /// A section's form for the agency's dataset, from the catalogue in force.
    form(section: Section) -> Form;
    /// The findings of one value as it is typed (the report's rules and messages).
    check_field(header: String, value: String) -> Vec<Finding>;
    /// A client reference no client has, in the style of the last one added.
    suggest_client_reference() -> String;
    /// What saving a new client would meet: the reference's problem, possible duplicates, findings.
    check_new_client(client: NewClient) -> NewClientCheck;
    /// Saves a new client with their NDTMS consent decision, then answers with their page.
    create_client(client: NewClient) -> ClientPage;
    /// A record's form: the catalogue's for its section, the values saved, this user's draft, its id.
    record_form(place: RecordPlace) -> RecordForm;
    /// The fields of a record's form not asked for these values (their condition does not hold).
    hidden_fields(place: RecordPlace, fields: Fields) -> Vec<String>;
    /// Keeps what is being typed into a record's form, and the field the cursor is in.
    keep_draft(place: RecordPlace, fields: Fields, focus: String) -> ();
    /// Throws away this user's unsaved changes to a record.
    drop_draft(place: RecordPlace) -> ();
    /// This user's drafts, newest first, each with where its form is.
    drafts() -> Vec<DraftItem>;
    /// Saves a record under its id where its place says (`because`: a data lead's reason for changing a transferred record), then answers with the client's page.
    save_record(place: RecordPlace, id: String, fields: Fields, because: String) -> ClientPage;
    /// The active users a client can be given to.
    keyworkers() -> Vec<Keyworker>;
    /// Gives a client to a keyworker (null: to nobody), then answers with their page.
    assign_keyworker(reference: String, username: Option<String>) -> ClientPage;
    /// What deleting a client or an episode takes with it (data leads and administrators).
    deletion(entity: Entity, key: RecordKey) -> Deletion;
    /// Deletes a client or an episode and everything under it (data leads and administrators).
    delete_record(entity: Entity, key: RecordKey) -> ();
    /// Who changed a client's records, what and when (data leads and administrators).
    record_history(reference: String) -> Vec<RecordChange>;
    /// Every extract saved, transfer and confirmed upload, newest first (data leads).
    submissions() -> Vec<Submission>;
    /// Transfers that began and never ended (the app or the machine stopped mid-upload), newest first (data leads).
    unfinished_transfers() -> Vec<ndtms_store::transfer_attempts::UnfinishedTransfer>;
    /// The data month due next: its reporting period, deadline and last transfer (data leads).
    month_plan() -> ndtms_submission::month::MonthPlan;
    /// The monthly submission's settings: portal address and deadline day (any logged-in user).
    month_settings() -> ndtms_submission::month::MonthSettings;
    /// Saves the monthly submission's settings as typed, each checked first (administrators).
    save_month_settings(portal_url: String, deadline_day: String) -> ndtms_submission::month::MonthSettings;
    /// The reporting period of a data month, its end moved when asked (data leads).
    check_period(year: i32, month: u32, end: Option<String>) -> ndtms_dataset::ReportingPeriod;
    /// Starts building and checking the extract for a data month, in the background (data leads).
    start_extract(year: i32, month: u32, end: Option<String>) -> ();
    /// Where the extract's building, checking or sending has got to (data leads).
    extract_status() -> ndtms_submission::job::JobStatus;
    /// Stops building the extract (data leads).
    stop_extract() -> ();
    /// The pre-transfer report of the extract built: totals, formulas, findings by rule (data leads).
    extract_report() -> ndtms_submission::job::ReportSummary;
    /// A window of the report's findings, of one rule or all (data leads).
    extract_findings(rule: Option<String>, offset: u32, limit: u32) -> ndtms_submission::job::FindingsPage;
    /// The form a finding is fixed in, and the client's keyworker (any logged-in user).
    finding_place(client: String, episode: String, child: String, field: String) -> Option<ndtms_store::record_form::FindingPlace>;
    /// The folder extracts are saved in unless another is chosen (data leads).
    extract_folder() -> String;
    /// Saves the extract built into a folder, with its manifest when it is to be carried out (data leads).
    save_extract(folder: String, offline: bool) -> commands::SavedExtract;
    /// Sends the extract built to the portal in the background; the log-in is used once and not kept (data leads).
    send_extract(username: String, password: String, otp: String, accept_errors: bool) -> ();
    /// Records that a file saved here for upload was uploaded by hand; locks its period (data leads).
    confirm_upload(file: String) -> commands::ConfirmedUpload;
    /// Unlocks the period a transfer locked, for a reason, then answers with the history (data leads).
    unlock_period(submission: u32, because: String) -> Vec<Submission>;
    /// The data-quality dashboard: the past year's percentages, the month due checked now, the commonest findings (data leads).
    dashboard() -> ndtms_submission::quality::Dashboard;
    /// The dry run of importing a CDS-R CSV: what would be created, changed or passed over, findings, possible duplicates (data leads).
    import_plan(file: String) -> ndtms_submission::import::ImportPlan;
    /// Imports the CSV the dry run checked (same SHA-256), all or nothing, audited; answers with the records it held (data leads).
    import_apply(file: String, sha256: String) -> u32;
    /// Every user (administrators).
    users() -> Vec<UserSummary>;
    /// Adds a user with a first password they change at their first log-in (administrators).
    add_user(request: NewUserRequest) -> Vec<UserSummary>;
    /// Disables or re-enables a user (administrators).
    set_user_active(username: String, active: bool) -> Vec<UserSummary>;
    /// Gives a user another role (administrators).
    set_role(username: String, role: Role) -> Vec<UserSummary>;
    /// Gives a user a new first password (administrators).
    reset_password(username: String, password: String) -> Vec<UserSummary>;
    /// The automatic backup's folder, frequency and number kept, and the last backup (data leads and administrators).
    backup_schedule() -> BackupSchedule;
    /// Sets the automatic backup, each value checked first (administrators).
    save_backup_schedule(folder: String, keep: String, every_days: String) -> BackupSchedule;
    /// Takes a backup into the backup folder now (data leads and administrators).
    backup_now() -> BackupFile;
    /// The backups in the backup folder, newest first (data leads and administrators).
    backups() -> Vec<BackupFile>;
    /// Checks a backup as restoring it would and says what it would replace; changes nothing (data leads and administrators).
    check_backup(path: String) -> BackupCheck;
    /// Replaces the data with a checked backup; the audit trail records what it replaced (data leads and administrators).
    restore_backup(path: String) -> ();
    /// Re-keys the database and shows the new recovery key once (administrators).
    rekey(passphrase: Option<String>, passphrase_again: Option<String>) -> commands::RecoveryKeyShown;
    /// A new recovery key in place of the old, shown once (administrators).
    new_recovery_key() -> commands::RecoveryKeyShown;
    /// Checks the audit trail's chain, seal and anchor; answers with every problem (data leads and administrators).
    verify_audit() -> commands::AuditCheck;
    /// The agency's name and the idle lock (administrators).
    agency_settings() -> commands::AgencySettings;
    /// Saves the agency's name and the idle lock's minutes, each checked (administrators).
    save_agency_settings(name: String, idle_minutes: String) -> commands::AgencySettings;
}
