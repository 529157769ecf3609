//! Checks the architecture's invariants: core crates never depend on Tauri; every Rust file says what it is for.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use ndtms_e2e::repo_root;
use serde_json::Value;

fn metadata() -> Value {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(repo_root())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata JSON")
}

/// Every package reachable from `root` through normal and build dependencies.
fn reachable(meta: &Value, root: &str) -> BTreeSet<String> {
    let nodes: HashMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .map(|n| (n["id"].as_str().expect("node id"), n))
        .collect();
    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id"),
                p["name"].as_str().expect("name"),
            )
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !seen.insert(id.to_owned()) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().into_iter().flatten() {
            let shipped = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if shipped {
                stack.push(dep["pkg"].as_str().expect("dep pkg"));
            }
        }
    }
    seen.iter()
        .map(|id| names[id.as_str()].to_owned())
        .collect()
}

#[test]
fn core_crates_never_depend_on_tauri() {
    let meta = metadata();
    let crates_dir = repo_root().join("crates");
    let core: Vec<(&str, &str)> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| {
            Path::new(p["manifest_path"].as_str().expect("manifest path")).starts_with(&crates_dir)
        })
        .map(|p| {
            (
                p["name"].as_str().expect("name"),
                p["id"].as_str().expect("id"),
            )
        })
        .collect();
    assert!(
        core.len() >= 2,
        "expected the core crates under crates/, found {core:?}"
    );
    for (name, id) in core {
        let deps = reachable(&meta, id);
        let tauri: Vec<_> = deps
            .iter()
            .filter(|d| d.starts_with("tauri") || d.as_str() == "wry")
            .collect();
        assert!(
            tauri.is_empty(),
            "core crate {name} depends on {tauri:?}; keep Tauri in src-tauri only"
        );
    }
}

#[test]
fn the_app_shell_does_depend_on_tauri() {
    // Guards the check above against passing because the graph walk found nothing.
    let meta = metadata();
    let id = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "ndtms-desk")
        .and_then(|p| p["id"].as_str())
        .expect("ndtms-desk package");
    assert!(reachable(&meta, id).contains("tauri"));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !matches!(
                name.to_str(),
                Some("target" | "node_modules" | "gen" | ".git")
            ) {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_purpose_line() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["crates", "src-tauri", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 5, "found only {files:?}");
    let missing: Vec<_> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).expect("read file");
            !text.starts_with("//!")
        })
        .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not start with a //! line: {missing:?}"
    );
}
