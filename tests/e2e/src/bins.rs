//! The service binaries the journey runs: built once, outside the tests.
//!
//! `cargo nextest run --workspace` builds every service's binary (each has integration
//! tests); running only this crate needs them built first ([`BUILD_COMMAND`]). A binary
//! older than its sources gets a warning, not a rebuild.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// The command that builds what the harness runs.
pub const BUILD_COMMAND: &str =
    "cargo build --bins -p tenant-provisioning -p consent -p sync-dispatch -p admin-console";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `target/debug` (or `$CARGO_TARGET_DIR/debug`) of this workspace.
pub fn dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("debug"),
        None => workspace().join("target/debug"),
    }
}

/// The path of binary `name`; panics with the build command when it is missing.
pub fn path(name: &str) -> PathBuf {
    let path = dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the services first ({BUILD_COMMAND})",
        path.display()
    );
    static CHECKED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    if CHECKED
        .lock()
        .map(|mut checked| checked.insert(name.to_owned()))
        .unwrap_or(false)
    {
        warn_if_stale(&path, name);
    }
    path
}

/// Warns (once per binary and process) when a binary is older than the sources it is built from.
fn warn_if_stale(binary: &Path, name: &str) {
    let Ok(built) = std::fs::metadata(binary).and_then(|m| m.modified()) else {
        return;
    };
    let root = workspace();
    let sources = [
        root.join("services").join(name).join("src"),
        root.join("libs"),
        root.join("migrations"),
    ];
    if let Some(newest) = sources.iter().filter_map(|dir| newest_file(dir)).max()
        && newest > built
    {
        eprintln!(
            "warning: {} is older than its sources; the journey runs the old build (rebuild: {BUILD_COMMAND})",
            binary.display()
        );
    }
}

fn newest_file(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let time = if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "tests" || n == "target")
            {
                continue;
            }
            newest_file(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(time);
    }
    newest
}
