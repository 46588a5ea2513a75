//! `cargo xtask fuzz --seconds N [TARGET ...]`: runs the libFuzzer targets in `fuzz/` with a
//! pinned cargo-fuzz, each for N seconds, and reports what each did.
//!
//! Everything it makes lives under the target directory (`CARGO_TARGET_DIR`, else `target/`),
//! so it is cached between runs and never committed:
//!
//! | what | where |
//! | --- | --- |
//! | cargo-fuzz, installed from crates.io on first use | `tools/bin/cargo-fuzz` |
//! | the instrumented builds (own dir: no fight over the main build's lock) | `fuzz/` |
//! | each target's corpus, grown from the committed seeds `fuzz/seeds/<target>/` | `fuzz-corpus/<target>/` |
//! | inputs that crashed a target | `fuzz-artifacts/<target>/` |
//! | each run's full output | `fuzz-logs/<target>.log` |
//!
//! This module runs the targets; installing cargo-fuzz is `install`, reading libFuzzer's
//! output `output`, and the closing table `table`.

mod install;
mod output;
mod table;

pub use install::CARGO_FUZZ_VERSION;
pub use output::{FinalStats, final_stats, worth_showing, written_artifacts};
pub use table::{reproduce_command, table};

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::display_path;
use crate::process::target_dir;

/// Every fuzz target in `fuzz/fuzz_targets/`, in the order they run.
pub const TARGETS: &[&str] =
    &["example_message", "error_body", "retry_after", "customer_id", "next_link", "id_file"];

/// No sanitizer. The workspace forbids `unsafe`, so AddressSanitizer would only watch the
/// dependencies' unsafe code, and it is slow: it works here (`-Zsanitizer=address` with
/// `RUSTC_BOOTSTRAP=1`), but `customer_id` ran 63,646 executions a second with it against
/// 254,737 without, and its build took longer. Panics, overflow checks and debug assertions
/// (cargo-fuzz turns those on) are what find bugs in safe code.
const SANITIZER: &str = "none";

/// A single input that runs longer than this counts as a hang (libFuzzer's `-timeout`).
const TIMEOUT_SECONDS: u64 = 10;

/// Longest input, per target (libFuzzer's `-max_len`): error bodies must reach past the
/// excerpt limit (`MAX_EXCERPT_BYTES`, 4 KiB); the other inputs are lines and short texts.
fn max_len(target: &str) -> usize {
    match target {
        "error_body" => 16 * 1024,
        _ => 4 * 1024,
    }
}

/// Where a target's seed inputs are, relative to the workspace root: its own seeds, and for the
/// example parser also the documented examples themselves (not copied, so they stay one set).
fn seed_dirs(target: &str) -> Vec<String> {
    let mut dirs = vec![format!("fuzz/seeds/{target}")];
    if target == "example_message" {
        dirs.push(crate::EXAMPLES_DIR.to_string());
    }
    dirs
}

/// One target's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The target.
    pub target: String,
    /// libFuzzer's final stats.
    pub stats: FinalStats,
    /// Inputs in its corpus afterwards.
    pub corpus: usize,
    /// Inputs that crashed it in this run.
    pub crashes: Vec<PathBuf>,
    /// Where its whole output is.
    pub log: PathBuf,
}

/// Runs `targets` (every one in [`TARGETS`] when empty) for `seconds` each, one after another.
/// Returns a report per target, also for those that crashed; `Err` when something other than
/// a target failed (cargo-fuzz could not be installed, a build failed, an unknown target).
pub fn run(root: &Path, seconds: u64, targets: &[String]) -> Result<Vec<Report>, String> {
    let targets: Vec<&str> = if targets.is_empty() {
        TARGETS.to_vec()
    } else {
        targets.iter().map(String::as_str).collect()
    };
    if let Some(unknown) = targets.iter().find(|t| !TARGETS.contains(t)) {
        return Err(format!("no fuzz target `{unknown}`; the targets are: {}", TARGETS.join(", ")));
    }
    if seconds == 0 {
        return Err("--seconds must be at least 1".into());
    }
    let target_dir = target_dir(root);
    install::check_lock_file(root)?;
    let cargo_fuzz = install::cargo_fuzz(root, &target_dir)?;
    let mut reports = Vec::new();
    for target in targets {
        println!("fuzz: {target} for {seconds} s");
        reports.push(run_one(root, &target_dir, &cargo_fuzz, target, seconds)?);
    }
    Ok(reports)
}

fn files_in(dir: &Path) -> BTreeSet<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect()
        })
        .unwrap_or_default()
}

fn run_one(
    root: &Path,
    target_dir: &Path,
    cargo_fuzz: &Path,
    target: &str,
    seconds: u64,
) -> Result<Report, String> {
    let corpus = target_dir.join("fuzz-corpus").join(target);
    let artifacts = target_dir.join("fuzz-artifacts").join(target);
    let logs = target_dir.join("fuzz-logs");
    for dir in [&corpus, &artifacts, &logs] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let before = files_in(&artifacts);

    let mut cmd = Command::new(cargo_fuzz);
    cmd.current_dir(root)
        // cargo-fuzz's own flags are stable ones with no sanitizer; RUSTC_BOOTSTRAP lets it
        // pass `-Z` flags should a sanitizer be chosen, on the stable toolchain CI has.
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", target_dir.join("fuzz"))
        .args(["fuzz", "run", "--fuzz-dir"])
        .arg(root.join("fuzz"))
        .args(["--sanitizer", SANITIZER, target])
        // The first corpus directory is where new inputs go; the seeds are only read.
        .arg(&corpus);
    for seeds in seed_dirs(target).iter().map(|dir| root.join(dir)).filter(|d| d.is_dir()) {
        cmd.arg(seeds);
    }
    // libFuzzer keeps the last of a repeated flag, so this `-artifact_prefix` wins over
    // cargo-fuzz's own (`fuzz/artifacts/`); the trailing `/` matters, it is a prefix.
    let mut prefix = std::ffi::OsString::from("-artifact_prefix=");
    prefix.push(artifacts.as_os_str());
    prefix.push("/");
    cmd.arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-print_final_stats=1")
        .arg(format!("-timeout={TIMEOUT_SECONDS}"))
        .arg(format!("-max_len={}", max_len(target)))
        .arg(prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped());

    let log_path = logs.join(format!("{target}.log"));
    let mut log = std::fs::File::create(&log_path)
        .map_err(|e| format!("{}: cannot create: {e}", log_path.display()))?;
    let mut child =
        cmd.spawn().map_err(|e| format!("{}: cannot start: {e}", cargo_fuzz.display()))?;
    let mut output = String::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).split(b'\n') {
            let line = line.map_err(|e| format!("reading cargo-fuzz's output: {e}"))?;
            let line = String::from_utf8_lossy(&line);
            let _ = writeln!(log, "{line}");
            if worth_showing(&line) {
                eprintln!("{line}");
            }
            output.push_str(&line);
            output.push('\n');
        }
    }
    let status = child.wait().map_err(|e| format!("waiting for cargo-fuzz: {e}"))?;

    let mut crashes: BTreeSet<PathBuf> =
        files_in(&artifacts).difference(&before).cloned().collect();
    crashes.extend(
        written_artifacts(&output)
            .into_iter()
            .map(|p| if p.is_absolute() { p } else { root.join(p) }),
    );
    let stats = final_stats(&output);
    if crashes.is_empty() && (!status.success() || stats.is_none()) {
        // Not a finding: the build or cargo-fuzz itself failed.
        return Err(format!(
            "cargo fuzz run {target} failed ({status}) without saving a failing input; \
             its output is in {}",
            display_path(root, &log_path)
        ));
    }
    Ok(Report {
        target: target.to_string(),
        stats: stats.unwrap_or_default(),
        corpus: files_in(&corpus).len(),
        crashes: crashes.into_iter().collect(),
        log: log_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_a_source_file_and_seeds() {
        let root = crate::workspace_root();
        for target in TARGETS {
            let source = root.join("fuzz/fuzz_targets").join(format!("{target}.rs"));
            assert!(source.is_file(), "{} is missing", source.display());
            let seeds = root.join("fuzz/seeds").join(target);
            assert!(
                files_in(&seeds).len() >= 2,
                "{} should hold a few seed inputs",
                seeds.display()
            );
        }
        // And the fuzz workspace declares exactly these targets, in this order.
        let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).expect("manifest");
        let declared: Vec<&str> = manifest
            .split("[[bin]]")
            .skip(1)
            .filter_map(|bin| bin.lines().find_map(|l| l.trim().strip_prefix("name = ")))
            .map(|name| name.trim_matches('"'))
            .collect();
        assert_eq!(declared, TARGETS, "fuzz/Cargo.toml's [[bin]] targets");
    }
}
