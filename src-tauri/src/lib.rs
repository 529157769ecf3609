//! The Tauri shell: IPC commands that map arguments, call the core crates and map errors.

pub mod bindings;
mod commands;

/// Starts the app window.
pub fn run() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .unwrap_or_else(|e| {
            eprintln!("NDTMS Desk could not start: {e}");
            std::process::exit(1);
        });
}
