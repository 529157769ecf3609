//! NDTMS Desk app entry point: starts the Tauri shell.

// Keep a console window from opening beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    ndtms_desk::run();
}
