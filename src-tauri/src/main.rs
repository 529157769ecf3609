//! NDTMS Desk app entry point: starts the Tauri shell.

// Keep a console window from opening beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// The month's file is made from hundreds of megabytes of short-lived values on worker threads:
// mimalloc keeps and reuses that memory where the system allocator gives it back and faults
// it in again (50,000 clients: the first build in the window took 3.2 to 3.8 s with the
// system allocator, 2.6 to 2.7 s with mimalloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    ndtms_desk::run();
}
