//! `cargo xtask bench`: builds the bench and the CLI in release and runs the bench, which lives
//! in its own crate (`bench/`) so that xtask builds even when the generated client does not.

use std::path::Path;
use std::process::Command;

use crate::process::{cargo, run_checked, target_dir};

/// Runs the whole bench (its table on stdout), or with `cleanup_only` only item 8, or with
/// `fixtures_only` only item 9.
pub fn run(root: &Path, cleanup_only: bool, fixtures_only: bool) -> Result<(), String> {
    run_checked(
        Command::new(cargo()).current_dir(root).args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "partner-center-bench",
            "-p",
            "partner-center-cli",
        ]),
        "cargo build --release",
    )?;
    let target = target_dir(root).join("release");
    let mut bench = Command::new(target.join("partner-center-bench"));
    if fixtures_only {
        return run_checked(bench.arg("fixtures"), "the bench");
    }
    if cleanup_only {
        bench.arg("cleanup");
    }
    run_checked(bench.arg(target.join("partner-center")), "the bench")
}
