//! How the window is drawn on Linux: without GPU compositing unless asked for.
//!
//! The desk computers and remote desktops providers use often have no usable GPU; WebKitGTK
//! then composites every frame in software (llvmpipe), and a message typed into a form took
//! 63 ms to reach the screen, against 13 ms drawn directly (release build, the episode form,
//! see issue 16's note). A form needs no GPU, so drawing directly is the default;
//! `NDTMS_DESK_GPU=1` gives WebKit's own choice back where a GPU is known to work well.

/// Applies the drawing policy to the app's webview.
pub fn apply(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    if std::env::var_os("NDTMS_DESK_GPU").is_some_and(|v| v == "1") {
        return Ok(());
    }
    window.with_webview(|webview| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
            if let Some(settings) = WebViewExt::settings(&webview.inner()) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = webview;
    })
}
