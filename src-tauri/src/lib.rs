//! The Tauri shell: IPC commands that map arguments, call the core crates and map errors.

pub mod bindings;
pub mod commands;
pub mod ipc;
mod rendering;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tauri::Manager as _;

/// What the shell holds between commands: where the data lives, and the open store (if any).
/// Cheap to clone, so each command can take it onto a worker thread.
#[derive(Debug, Clone)]
pub struct AppState {
    pub data_dir: PathBuf,
    pub store: Arc<Mutex<Option<ndtms_store::Store>>>,
    /// The data lead's extract being built, checked or sent (see `commands/month.rs`).
    pub month: ndtms_submission::job::MonthJob,
}

/// Starts the app window.
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            // NDTMS_DESK_DATA_DIR lets tests and secure settings choose the folder.
            let data_dir = match std::env::var_os("NDTMS_DESK_DATA_DIR") {
                Some(d) => PathBuf::from(d),
                None => app.path().app_data_dir()?,
            };
            app.manage(AppState {
                data_dir,
                store: Arc::default(),
                month: Default::default(),
            });
            if let Some(window) = app.get_webview_window("main") {
                rendering::apply(&window)?;
            }
            Ok(())
        })
        .invoke_handler(ipc::handler())
        .run(tauri::generate_context!("../tauri.conf.json"))
        .unwrap_or_else(|e| {
            eprintln!("NDTMS Desk could not start: {e}");
            std::process::exit(1);
        });
}
