//! IPC commands: each maps its arguments, checks the session, calls the core and maps errors to `{code, message}`.

use ndtms_dataset::ReferenceData;
use ndtms_store::{
    Agency, KeyRoute, NewUser, RecoveryKey, Role, Setup, Store, StoreError, SystemKeychain, Unlock,
};
use tauri::State;

use crate::AppState;
use crate::bindings::{AppError, AppInfo, SetUpRequest, SetUpResult, StoreStatus};

fn store_err(e: StoreError) -> AppError {
    AppError::new(e.code(), e.to_string())
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
    let mut guard = state
        .store
        .lock()
        .map_err(|_| AppError::new("internal", "lock"))?;
    let store = guard
        .as_mut()
        .ok_or_else(|| AppError::new("store_closed", "the database is not open"))?;
    store.login(username.trim(), &password).map_err(store_err)
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
