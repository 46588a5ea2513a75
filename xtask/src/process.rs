//! Running cargo and the workspace's own binaries: one place for where cargo is, where it puts
//! what it builds, and children that must not outlive a failed run.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// The cargo that runs this xtask (`CARGO`), else `cargo` on `PATH`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// `CARGO_TARGET_DIR` (relative to the root) when set, else the workspace's `target/`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| if dir.is_absolute() { dir } else { root.join(dir) })
        .unwrap_or_else(|| root.join("target"))
}

/// Runs `cmd` to completion; an error names `what` and how it ended.
pub fn run_checked(cmd: &mut Command, what: &str) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("{what}: cannot start: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{what}: failed ({status})")) }
}

/// A child process killed (and reaped) when this is dropped, however the run ends.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
