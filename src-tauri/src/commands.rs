//! IPC commands: each maps its arguments, checks the session, calls the core and maps errors to `{code, message}`.

use ndtms_dataset::ReferenceData;
use ndtms_store::{
    Agency, KeyRoute, NewUser, RecoveryKey, Role, Setup, Store, StoreError, SystemKeychain, Unlock,
};
use tauri::State;

use crate::AppState;
use crate::bindings::{
    AppError, AppInfo, ReferenceSetting, SetUpRequest, SetUpResult, StoreStatus,
};

fn store_err(e: StoreError) -> AppError {
    AppError::new(e.code(), e.to_string())
}

fn reference_err(e: ndtms_dataset::ReferenceError) -> AppError {
    AppError::new(e.code(), e.to_string())
}

/// Runs `f` on the open store (the store itself checks the session and the role).
fn with_store<T>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut Store) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut guard = state
        .store
        .lock()
        .map_err(|_| AppError::new("internal", "lock"))?;
    let store = guard
        .as_mut()
        .ok_or_else(|| AppError::new("store_closed", "the database is not open"))?;
    f(store)
}

/// What the screens show of the reference data a database uses (`folder`: None for the shipped
/// copy), as in force today.
fn reference_setting_of(
    (folder, data): (Option<std::path::PathBuf>, ReferenceData),
) -> Result<ReferenceSetting, AppError> {
    let reference = data
        .info_on(ndtms_dataset::model::today())
        .map_err(reference_err)?;
    Ok(ReferenceSetting {
        folder: folder.map(|f| f.display().to_string()),
        reference,
    })
}

/// What the first screen shows: the program, and the reference data in force today.
#[tauri::command]
pub fn app_info() -> Result<AppInfo, AppError> {
    let data = ReferenceData::shipped().map_err(|e| AppError::new(e.code(), e.to_string()))?;
    let reference = data
        .info_on(ndtms_dataset::model::today())
        .map_err(|e| AppError::new(e.code(), e.to_string()))?;
    Ok(AppInfo {
        name: "NDTMS Desk".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        reference,
    })
}

/// Which screen comes next: set-up, unlock, log-in or the app itself.
#[tauri::command]
pub fn store_status(state: State<'_, AppState>) -> Result<StoreStatus, AppError> {
    let guard = state
        .store
        .lock()
        .map_err(|_| AppError::new("internal", "the store lock was poisoned"))?;
    Ok(match guard.as_ref() {
        Some(store) => match store.session() {
            Some(s) if !s.locked => StoreStatus::LoggedIn {
                session: s.clone(),
                agency: store.agency().map_err(store_err)?,
            },
            _ => StoreStatus::LogIn {
                agency: store.agency().map_err(store_err)?,
            },
        },
        None if !Store::exists(&state.data_dir) => StoreStatus::NeedsSetUp,
        None => match Store::route(&state.data_dir).map_err(store_err)? {
            KeyRoute::Passphrase => StoreStatus::Unlock { passphrase: true },
            KeyRoute::Keychain => {
                match Store::open(&state.data_dir, &Unlock::Keychain, &SystemKeychain) {
                    Ok(store) => {
                        let agency = store.agency().map_err(store_err)?;
                        drop(guard);
                        *state
                            .store
                            .lock()
                            .map_err(|_| AppError::new("internal", "lock"))? = Some(store);
                        StoreStatus::LogIn { agency }
                    }
                    // Without the keychain entry only the recovery key can open it.
                    Err(e @ (StoreError::KeyNotInKeychain(_) | StoreError::Keychain(_))) => {
                        StoreStatus::Recover {
                            reason: e.to_string(),
                        }
                    }
                    Err(e) => return Err(store_err(e)),
                }
            }
        },
    })
}

/// The first-run wizard's last step: creates the database and shows the recovery key once.
#[tauri::command]
pub fn set_up(state: State<'_, AppState>, request: SetUpRequest) -> Result<SetUpResult, AppError> {
    let dataset = ndtms_dataset::Dataset::parse(&request.dataset).ok_or_else(|| {
        AppError::new("invalid", format!("'{}' is not a dataset", request.dataset))
    })?;
    let route = if request.passphrase.is_some() {
        KeyRoute::Passphrase
    } else {
        KeyRoute::Keychain
    };
    let setup = Setup {
        route,
        passphrase: request.passphrase.as_deref(),
        agency: Agency {
            code: request.agency_code.trim().to_uppercase(),
            dataset,
            name: request.agency_name.trim().to_owned(),
        },
        admin: NewUser {
            username: request.username.trim(),
            display_name: request.display_name.trim(),
            role: Role::Administrator,
            password: &request.password,
        },
    };
    let (store, recovery) =
        Store::create(&state.data_dir, &setup, &SystemKeychain).map_err(store_err)?;
    *state
        .store
        .lock()
        .map_err(|_| AppError::new("internal", "lock"))? = Some(store);
    Ok(SetUpResult {
        recovery_key: recovery.display(),
    })
}

/// Opens a passphrase database, or any database with its recovery key.
#[tauri::command]
pub fn unlock(
    state: State<'_, AppState>,
    passphrase: Option<String>,
    recovery_key: Option<String>,
) -> Result<(), AppError> {
    let store = match (passphrase, recovery_key) {
        (_, Some(r)) => {
            let key = RecoveryKey::parse(&r).map_err(store_err)?;
            Store::open(&state.data_dir, &Unlock::Recovery(&key), &SystemKeychain)
        }
        (Some(p), None) => Store::open(&state.data_dir, &Unlock::Passphrase(&p), &SystemKeychain),
        (None, None) => {
            return Err(AppError::new(
                "invalid",
                "enter the passphrase or the recovery key",
            ));
        }
    }
    .map_err(store_err)?;
    *state
        .store
        .lock()
        .map_err(|_| AppError::new("internal", "lock"))? = Some(store);
    Ok(())
}

#[tauri::command]
pub fn log_in(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<ndtms_store::Session, AppError> {
    with_store(&state, |store| {
        store.login(username.trim(), &password).map_err(store_err)
    })
}

#[tauri::command]
pub fn log_out(state: State<'_, AppState>) -> Result<(), AppError> {
    let mut guard = state
        .store
        .lock()
        .map_err(|_| AppError::new("internal", "lock"))?;
    if let Some(store) = guard.as_mut() {
        store.logout().map_err(store_err)?;
    }
    Ok(())
}

/// The reference data this database's checks use: the folder an administrator chose, or the
/// shipped copy. A chosen folder that no longer loads is an error naming what is wrong.
#[tauri::command]
pub fn reference_setting(state: State<'_, AppState>) -> Result<ReferenceSetting, AppError> {
    with_store(&state, |store| {
        reference_setting_of(store.reference_data().map_err(store_err)?)
    })
}

/// Chooses the reference-data folder (None: the shipped copy); administrators only. The core
/// loads and checks the folder first and keeps nothing when it is refused.
#[tauri::command]
pub fn set_reference_folder(
    state: State<'_, AppState>,
    folder: Option<String>,
) -> Result<ReferenceSetting, AppError> {
    let folder = folder.map(|f| f.trim().to_owned());
    if folder.as_deref() == Some("") {
        return Err(AppError::new(
            "invalid",
            "Type the full path of the reference data folder.",
        ));
    }
    with_store(&state, |store| {
        let kept = store
            .set_reference_folder(folder.as_deref().map(std::path::Path::new))
            .map_err(store_err)?;
        reference_setting_of(kept)
    })
}
