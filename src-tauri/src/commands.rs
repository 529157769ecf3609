//! The commands' work: each maps its arguments, checks the session through the store, calls the
//! core and maps errors to `{code, message}`. Run on a worker thread by the wrappers in `ipc.rs`.

use ndtms_dataset::{Dataset, ReferenceData};
use ndtms_errors::ErrorCode;
use ndtms_store::reference::InUse;
use ndtms_store::{
    Agency, KeyRoute, NewUser, RecoveryKey, Role, Setup, Store, StoreError, SystemKeychain, Unlock,
};

use crate::AppState;
use crate::bindings::{
    AgencyCheck, AppError, AppInfo, DatasetChoice, NewUserRequest, ReferenceSetting, SetUpRequest,
    SetUpResult, StoreStatus,
};
use ndtms_dataset::{Finding, Form, Section};
use ndtms_store::assignment::Keyworker;
use ndtms_store::audit::RecordChange;
use ndtms_store::deletion::Deletion;
use ndtms_store::new_client::{NewClient, NewClientCheck};
use ndtms_store::record_form::{DraftItem, RecordForm, RecordPlace};
use ndtms_store::records::{Entity, Fields, RecordKey};
use ndtms_store::users::UserSummary;
use ndtms_submission::client_page::{ClientFlags, ClientPage};

mod month;
mod safekeeping;
pub use month::*;
pub use safekeeping::*;

type Answer<T> = Result<T, AppError>;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::new(e.code(), e.to_string())
    }
}

impl From<ndtms_submission::SubmissionError> for AppError {
    fn from(e: ndtms_submission::SubmissionError) -> Self {
        AppError::new(e.code(), e.to_string())
    }
}

impl From<ndtms_dataset::ReferenceError> for AppError {
    fn from(e: ndtms_dataset::ReferenceError) -> Self {
        AppError::new(e.code(), e.to_string())
    }
}

type Guard<'a> = std::sync::MutexGuard<'a, Option<Store>>;

fn lock(state: &AppState) -> Answer<Guard<'_>> {
    state
        .store
        .lock()
        .map_err(|_| AppError::internal("the store lock was poisoned"))
}

/// Runs `f` on the open store. Every store operation checks the session and the role itself,
/// so this is the one door to client data.
fn with_store<T>(state: &AppState, f: impl FnOnce(&mut Store) -> Answer<T>) -> Answer<T> {
    let mut guard = lock(state)?;
    let store = guard
        .as_mut()
        .ok_or_else(|| AppError::new(ErrorCode::StoreClosed, "the database is not open"))?;
    f(store)
}

fn dataset(code: &str) -> Answer<Dataset> {
    Dataset::parse(code).ok_or_else(|| {
        AppError::new(
            ErrorCode::DatasetUnknown,
            format!("'{code}' is not an NDTMS dataset"),
        )
    })
}

/// What the screens show of the reference data a database uses, as in force today.
fn reference_setting_of(used: InUse) -> Answer<ReferenceSetting> {
    Ok(ReferenceSetting {
        folder: used.folder.map(|f| f.display().to_string()),
        reference: used.data.info_on(ndtms_dataset::model::today())?,
    })
}

pub fn app_info(_: &AppState) -> Answer<AppInfo> {
    let data = ReferenceData::shipped()?;
    Ok(AppInfo {
        name: "NDTMS Desk".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        reference: data.info_on(ndtms_dataset::model::today())?,
        datasets: Dataset::ALL
            .into_iter()
            .map(|d| DatasetChoice {
                code: d.code().to_owned(),
                label: d.label().to_owned(),
            })
            .collect(),
    })
}

pub fn store_status(state: &AppState) -> Answer<StoreStatus> {
    let mut guard = lock(state)?;
    Ok(match guard.as_mut() {
        Some(store) => match store.session_now() {
            Some(s) if !s.locked => StoreStatus::LoggedIn {
                session: s,
                agency: store.agency()?,
            },
            _ => StoreStatus::LogIn {
                agency: store.agency()?,
            },
        },
        None if !Store::exists(&state.data_dir) => StoreStatus::NeedsSetUp,
        None => match Store::route(&state.data_dir)? {
            KeyRoute::Passphrase => StoreStatus::Unlock { passphrase: true },
            KeyRoute::Keychain => {
                match Store::open(&state.data_dir, &Unlock::Keychain, &SystemKeychain) {
                    Ok(store) => {
                        let agency = store.agency()?;
                        *guard = Some(store);
                        StoreStatus::LogIn { agency }
                    }
                    // Without the keychain entry only the recovery key can open it.
                    Err(e @ (StoreError::KeyNotInKeychain(_) | StoreError::Keychain(_))) => {
                        StoreStatus::Recover {
                            reason: e.to_string(),
                        }
                    }
                    // The keychain holds a key, but not this database's (another machine's
                    // entry, or one left by a re-key elsewhere): the recovery key puts it right.
                    Err(StoreError::WrongKey(_)) => StoreStatus::Recover {
                        reason: "the key in the system keychain does not open this database"
                            .to_owned(),
                    },
                    Err(e) => return Err(e.into()),
                }
            }
        },
    })
}

pub fn check_agency_code(_: &AppState, code: String, dataset_code: String) -> Answer<AgencyCheck> {
    let agency = Agency {
        code: code.trim().to_uppercase(),
        dataset: dataset(&dataset_code)?,
        name: String::new(),
    };
    ndtms_store::check_agency(&agency)?;
    Ok(AgencyCheck { code: agency.code })
}

pub fn check_new_user(
    _: &AppState,
    username: String,
    password: String,
    password_again: String,
) -> Answer<()> {
    Ok(ndtms_store::auth::check_new_user(
        username.trim(),
        &password,
        &password_again,
    )?)
}

pub fn set_up(state: &AppState, request: SetUpRequest) -> Answer<SetUpResult> {
    ndtms_store::auth::check_new_user(
        request.username.trim(),
        &request.password,
        &request.password_again,
    )?;
    if request.passphrase.is_some() && request.passphrase != request.passphrase_again {
        return Err(AppError::new(
            ErrorCode::PassphrasesDiffer,
            "The two passphrases are not the same.",
        ));
    }
    let setup = Setup {
        route: if request.passphrase.is_some() {
            KeyRoute::Passphrase
        } else {
            KeyRoute::Keychain
        },
        passphrase: request.passphrase.as_deref(),
        agency: Agency {
            code: request.agency_code.trim().to_uppercase(),
            dataset: dataset(&request.dataset)?,
            name: request.agency_name.trim().to_owned(),
        },
        admin: NewUser {
            username: request.username.trim(),
            display_name: request.display_name.trim(),
            role: Role::Administrator,
            password: &request.password,
        },
    };
    let mut guard = lock(state)?;
    let (store, recovery) = Store::create(&state.data_dir, &setup, &SystemKeychain)?;
    *guard = Some(store);
    Ok(SetUpResult {
        recovery_key: recovery.display(),
    })
}

pub fn unlock(
    state: &AppState,
    passphrase: Option<String>,
    recovery_key: Option<String>,
) -> Answer<()> {
    let store = match (passphrase, recovery_key) {
        (_, Some(r)) => {
            let key = RecoveryKey::parse(&r)?;
            Store::open(&state.data_dir, &Unlock::Recovery(&key), &SystemKeychain)
        }
        (Some(p), None) => Store::open(&state.data_dir, &Unlock::Passphrase(&p), &SystemKeychain),
        (None, None) => {
            return Err(AppError::new(
                ErrorCode::UnlockSecretMissing,
                "Enter the passphrase or the recovery key.",
            ));
        }
    }?;
    *lock(state)? = Some(store);
    Ok(())
}

pub fn log_in(
    state: &AppState,
    username: String,
    password: String,
) -> Answer<ndtms_store::Session> {
    with_store(state, |store| {
        let session = store.login(username.trim(), &password)?;
        // The automatic backup, when due, is taken as someone logs in. A failure does not stop
        // the log-in; the backups screen shows the last backup taken.
        if !session.must_change_password {
            let _ = store.backup_if_due();
        }
        Ok(session)
    })
}

pub fn log_out(state: &AppState) -> Answer<()> {
    // The month's file holds client data in memory: it goes with the session.
    state.month.clear();
    if let Some(store) = lock(state)?.as_mut() {
        store.logout()?;
    }
    Ok(())
}

pub fn reference_setting(state: &AppState) -> Answer<ReferenceSetting> {
    with_store(state, |store| reference_setting_of(store.reference_data()?))
}

pub fn set_reference_folder(state: &AppState, folder: Option<String>) -> Answer<ReferenceSetting> {
    let folder = folder.map(|f| f.trim().to_owned());
    if folder.as_deref() == Some("") {
        return Err(AppError::new(
            ErrorCode::FolderMissing,
            "Type the full path of the reference data folder.",
        ));
    }
    with_store(state, |store| {
        reference_setting_of(
            store.set_reference_folder(folder.as_deref().map(std::path::Path::new))?,
        )
    })
}

pub fn change_password(
    state: &AppState,
    current: String,
    new_password: String,
    new_again: String,
) -> Answer<ndtms_store::Session> {
    with_store(state, |store| {
        store.change_password(&current, &new_password, &new_again)?;
        store
            .session()
            .cloned()
            .ok_or_else(|| AppError::internal("the session ended"))
    })
}

pub fn users(state: &AppState) -> Answer<Vec<UserSummary>> {
    with_store(state, |store| Ok(store.users()?))
}

pub fn add_user(state: &AppState, request: NewUserRequest) -> Answer<Vec<UserSummary>> {
    with_store(state, |store| {
        store.add_user(&NewUser {
            username: request.username.trim(),
            display_name: request.display_name.trim(),
            role: request.role,
            password: &request.password,
        })?;
        Ok(store.users()?)
    })
}

pub fn set_user_active(
    state: &AppState,
    username: String,
    active: bool,
) -> Answer<Vec<UserSummary>> {
    with_store(state, |store| {
        store.set_user_active(&username, active)?;
        Ok(store.users()?)
    })
}

pub fn set_role(state: &AppState, username: String, role: Role) -> Answer<Vec<UserSummary>> {
    with_store(state, |store| {
        store.set_role(&username, role)?;
        Ok(store.users()?)
    })
}

pub fn reset_password(
    state: &AppState,
    username: String,
    password: String,
) -> Answer<Vec<UserSummary>> {
    with_store(state, |store| {
        store.reset_password(&username, &password)?;
        Ok(store.users()?)
    })
}

pub fn caseload(
    state: &AppState,
    query: ndtms_store::caseload::CaseloadQuery,
) -> Answer<ndtms_store::caseload::CaseloadPage> {
    with_store(state, |store| Ok(store.caseload(&query)?))
}

pub fn caseload_flags(state: &AppState) -> Answer<Vec<ClientFlags>> {
    // Read under the store's lock, checked after it is let go: a search keystroke meanwhile
    // is answered at once.
    let source = with_store(state, |store| {
        Ok(ndtms_submission::client_page::flag_source(store)?)
    })?;
    Ok(ndtms_submission::client_page::flags_of(&source)?)
}

pub fn client_page(state: &AppState, reference: String) -> Answer<ClientPage> {
    with_store(state, |store| {
        Ok(ndtms_submission::client_page::client_page(
            store, &reference,
        )?)
    })
}

pub fn record_consent(
    state: &AppState,
    reference: String,
    scope: ndtms_store::records::ConsentScope,
    status: ndtms_store::records::ConsentStatus,
    date: String,
) -> Answer<ClientPage> {
    with_store(state, |store| {
        store.record_consent(&reference, scope, status, date.trim())?;
        Ok(ndtms_submission::client_page::client_page(
            store, &reference,
        )?)
    })
}

pub fn form(state: &AppState, section: Section) -> Answer<Form> {
    with_store(state, |store| Ok(store.form(section)?))
}

pub fn check_field(state: &AppState, header: String, value: String) -> Answer<Vec<Finding>> {
    with_store(state, |store| Ok(store.check_field(&header, &value)?))
}

pub fn suggest_client_reference(state: &AppState) -> Answer<String> {
    with_store(state, |store| Ok(store.suggest_client_reference()?))
}

pub fn check_new_client(state: &AppState, client: NewClient) -> Answer<NewClientCheck> {
    with_store(state, |store| Ok(store.check_new_client(&client)?))
}

pub fn create_client(state: &AppState, client: NewClient) -> Answer<ClientPage> {
    with_store(state, |store| {
        store.create_client(&client)?;
        Ok(ndtms_submission::client_page::client_page(
            store,
            client.reference.trim(),
        )?)
    })
}

pub fn record_form(state: &AppState, place: RecordPlace) -> Answer<RecordForm> {
    with_store(state, |store| Ok(store.record_form(&place)?))
}

pub fn hidden_fields(state: &AppState, place: RecordPlace, fields: Fields) -> Answer<Vec<String>> {
    with_store(state, |store| Ok(store.hidden_fields(&place, &fields)?))
}

pub fn keep_draft(
    state: &AppState,
    place: RecordPlace,
    fields: Fields,
    focus: String,
) -> Answer<()> {
    with_store(
        state,
        |store| Ok(store.keep_draft(&place, &fields, &focus)?),
    )
}

pub fn drop_draft(state: &AppState, place: RecordPlace) -> Answer<()> {
    with_store(state, |store| Ok(store.drop_draft(&place)?))
}

pub fn submissions(state: &AppState) -> Answer<Vec<ndtms_store::submissions::Submission>> {
    with_store(state, |store| Ok(store.submissions()?))
}

pub fn drafts(state: &AppState) -> Answer<Vec<DraftItem>> {
    with_store(state, |store| Ok(store.draft_list()?))
}

pub fn save_record(
    state: &AppState,
    place: RecordPlace,
    id: String,
    fields: Fields,
    because: String,
) -> Answer<ClientPage> {
    with_store(state, |store| {
        store.save_record(&place, &id, &fields, &because)?;
        Ok(ndtms_submission::client_page::client_page(
            store,
            &place.client,
        )?)
    })
}

pub fn keyworkers(state: &AppState) -> Answer<Vec<Keyworker>> {
    with_store(state, |store| Ok(store.keyworkers()?))
}

pub fn assign_keyworker(
    state: &AppState,
    reference: String,
    username: Option<String>,
) -> Answer<ClientPage> {
    with_store(state, |store| {
        store.assign_keyworker(&reference, username.as_deref())?;
        Ok(ndtms_submission::client_page::client_page(
            store, &reference,
        )?)
    })
}

pub fn deletion(state: &AppState, entity: Entity, key: RecordKey) -> Answer<Deletion> {
    with_store(state, |store| Ok(store.deletion(entity, &key)?))
}

pub fn delete_record(state: &AppState, entity: Entity, key: RecordKey) -> Answer<()> {
    with_store(state, |store| Ok(store.delete(entity, &key)?))
}

pub fn record_history(state: &AppState, reference: String) -> Answer<Vec<RecordChange>> {
    with_store(state, |store| Ok(store.record_history(&reference, 500)?))
}
