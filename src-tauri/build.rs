//! Build script: generates the Tauri context from the root `tauri.conf.json`.

fn main() {
    // The configuration lives at the repository root (the layout the project asks for),
    // so point tauri-build at it rather than at this crate's directory.
    tauri_build::try_build(tauri_build::Attributes::new().config_path("../tauri.conf.json"))
        .expect("tauri-build failed to read ../tauri.conf.json");
}
