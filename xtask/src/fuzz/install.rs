//! Getting cargo-fuzz ready: the pinned release installed under the target directory, and the
//! fuzz workspace's lock file checked before anything builds against it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::display_path;
use crate::process::{cargo, run_checked};

/// The cargo-fuzz release the runs are pinned to.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// cargo-fuzz has no `--locked`: fail, as every other CI step would, when `fuzz/Cargo.lock`
/// no longer matches the manifests rather than let the build rewrite it.
pub(super) fn check_lock_file(root: &Path) -> Result<(), String> {
    let output = Command::new(cargo())
        .current_dir(root)
        .args(["metadata", "--locked", "--format-version", "1", "--manifest-path"])
        .arg(root.join("fuzz/Cargo.toml"))
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("cargo metadata: cannot start: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`cargo metadata --locked --manifest-path fuzz/Cargo.toml` failed. If fuzz/Cargo.lock \
             no longer matches the manifests (a dependency of client/, cli/ or xtask/ changed), \
             update it with `cargo update --manifest-path fuzz/Cargo.toml --workspace` and commit \
             it:\n{}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The pinned cargo-fuzz under `tools/`, installed (`cargo install --locked`) unless that
/// version is already there.
pub(super) fn cargo_fuzz(root: &Path, target_dir: &Path) -> Result<PathBuf, String> {
    let tools = target_dir.join("tools");
    let exe = tools.join("bin/cargo-fuzz");
    let installed = Command::new(&exe)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if installed.as_deref() == Some(&format!("cargo-fuzz {CARGO_FUZZ_VERSION}")) {
        return Ok(exe);
    }
    println!(
        "fuzz: installing cargo-fuzz {CARGO_FUZZ_VERSION} into {}",
        display_path(root, &tools)
    );
    run_checked(
        Command::new(cargo())
            .current_dir(root)
            // Built in a temporary directory, not in a target directory the caller may have set.
            .env_remove("CARGO_TARGET_DIR")
            .args(["install", "cargo-fuzz", "--locked", "--force", "--quiet"])
            .args(["--version", CARGO_FUZZ_VERSION, "--root"])
            .arg(&tools),
        &format!("cargo install cargo-fuzz {CARGO_FUZZ_VERSION}"),
    )?;
    Ok(exe)
}
