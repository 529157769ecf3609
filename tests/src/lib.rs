//! Harness for end-to-end tests: Xvfb, tauri-driver, a small WebDriver client and screenshots.
