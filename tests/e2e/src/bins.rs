//! The service binaries the journey runs: built once, outside the tests.
//!
//! `cargo nextest run --workspace` builds every service's binary (each has integration
//! tests); running only this crate needs them built first:
//! `cargo build --bins -p tenant-provisioning -p consent -p sync-dispatch -p admin-console`.

use std::path::PathBuf;

/// The command that builds what the harness runs.
pub const BUILD_COMMAND: &str =
    "cargo build --bins -p tenant-provisioning -p consent -p sync-dispatch -p admin-console";

/// `target/debug` (or `$CARGO_TARGET_DIR/debug`) of this workspace.
pub fn dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("debug"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug"),
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
    path
}
