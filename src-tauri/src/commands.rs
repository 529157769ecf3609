//! IPC commands: each maps its arguments, calls the core and maps errors to `{code, message}`.

use ndtms_dataset::ReferenceData;

use crate::bindings::{AppError, AppInfo};

/// What the first screen shows: the program, and the reference data in force today.
#[tauri::command]
pub fn app_info() -> Result<AppInfo, AppError> {
    let data = ReferenceData::shipped().map_err(|e| AppError::new(e.code(), e.to_string()))?;
    let today = chrono_today();
    let reference = data
        .info_on(today)
        .map_err(|e| AppError::new(e.code(), e.to_string()))?;
    Ok(AppInfo {
        name: "NDTMS Desk".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        reference,
    })
}

fn chrono_today() -> ndtms_dataset::model::Date {
    ndtms_dataset::model::today()
}
