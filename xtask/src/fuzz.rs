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

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cargo-fuzz release the runs are pinned to.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

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

/// What libFuzzer's `-print_final_stats=1` and closing lines said about one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FinalStats {
    /// Inputs executed (`stat::number_of_executed_units`).
    pub executions: u64,
    /// libFuzzer's average executions per second (`stat::average_exec_per_sec`).
    pub execs_per_second: u64,
    /// Inputs added to the corpus during the run (`stat::new_units_added`).
    pub new_units: u64,
    /// Peak resident memory in MiB (`stat::peak_rss_mb`).
    pub peak_rss_mb: u64,
    /// How long it fuzzed (`Done N runs in S second(s)`), when it ran to the end.
    pub seconds: Option<u64>,
}

/// Reads libFuzzer's final stats from its output; `None` when it printed none (it did not
/// start, or was killed).
pub fn final_stats(output: &str) -> Option<FinalStats> {
    let mut stats = FinalStats::default();
    let mut seen = false;
    for line in output.lines().map(str::trim) {
        if let Some((name, value)) =
            line.strip_prefix("stat::").and_then(|rest| rest.split_once(':'))
        {
            let Ok(value) = value.trim().parse::<u64>() else { continue };
            seen = true;
            match name {
                "number_of_executed_units" => stats.executions = value,
                "average_exec_per_sec" => stats.execs_per_second = value,
                "new_units_added" => stats.new_units = value,
                "peak_rss_mb" => stats.peak_rss_mb = value,
                _ => {}
            }
        } else if let Some(rest) = line.strip_prefix("Done ") {
            // `Done 123456 runs in 600 second(s)`
            stats.seconds = rest
                .split_once(" runs in ")
                .and_then(|(_, s)| s.split_whitespace().next())
                .and_then(|s| s.parse().ok());
        }
    }
    seen.then_some(stats)
}

/// The inputs libFuzzer saved because they failed (`Test unit written to PATH`).
pub fn written_artifacts(output: &str) -> Vec<PathBuf> {
    output
        .lines()
        .filter_map(|line| line.split_once("Test unit written to ").map(|(_, path)| path.trim()))
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// Whether a line of cargo-fuzz's output is shown as it comes: cargo's build lines, libFuzzer's
/// `INFO` and final lines and any crash report are; libFuzzer's stream of `#N NEW ...` progress
/// lines (thousands in a long run) and its recommended dictionary only go to the log.
pub fn worth_showing(line: &str) -> bool {
    let dictionary_entry = line.starts_with('"') && line.contains("\" # Uses: ");
    !(line.starts_with('#') || dictionary_entry)
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

/// The runs' table, one row per target; `seconds` is how long libFuzzer ran (`-` when it
/// stopped on a crash).
pub fn table(reports: &[Report], root: &Path) -> String {
    let mut out = String::new();
    let header = ["target", "seconds", "executions", "execs/s", "corpus", "crashes"];
    let rows: Vec<[String; 6]> = reports
        .iter()
        .map(|r| {
            let crashes = match r.crashes.as_slice() {
                [] => "0".to_string(),
                paths => format!(
                    "{}: {}",
                    paths.len(),
                    paths.iter().map(|p| shown(root, p)).collect::<Vec<_>>().join(", ")
                ),
            };
            [
                r.target.clone(),
                r.stats.seconds.map_or_else(|| "-".to_string(), |s| s.to_string()),
                r.stats.executions.to_string(),
                r.stats.execs_per_second.to_string(),
                r.corpus.to_string(),
                crashes,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Names and the crash list read left to right; numbers line up on the right.
            if i == 0 || i == 5 {
                let _ = write!(text, "{cell:<width$}  ");
            } else {
                let _ = write!(text, "{cell:>width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
    out
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
    check_lock_file(root)?;
    let cargo_fuzz = cargo_fuzz(root, &target_dir)?;
    let mut reports = Vec::new();
    for target in targets {
        println!("fuzz: {target} for {seconds} s");
        reports.push(run_one(root, &target_dir, &cargo_fuzz, target, seconds)?);
    }
    Ok(reports)
}

/// The command, run from the workspace root, that replays `artifact` against `target`
/// (cargo-fuzz runs the target on that one input).
pub fn reproduce_command(root: &Path, target: &str, artifact: &Path) -> String {
    let target_dir = target_dir(root);
    format!(
        "RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR={} {} fuzz run --fuzz-dir fuzz --sanitizer {SANITIZER} {target} {}",
        shown(root, &target_dir.join("fuzz")),
        shown(root, &target_dir.join("tools/bin/cargo-fuzz")),
        shown(root, artifact),
    )
}

/// `path` relative to the workspace root where it is inside it.
pub fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

use crate::process::{cargo, target_dir};

/// cargo-fuzz has no `--locked`: fail, as every other CI step would, when `fuzz/Cargo.lock`
/// no longer matches the manifests rather than let the build rewrite it.
fn check_lock_file(root: &Path) -> Result<(), String> {
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
fn cargo_fuzz(root: &Path, target_dir: &Path) -> Result<PathBuf, String> {
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
    println!("fuzz: installing cargo-fuzz {CARGO_FUZZ_VERSION} into {}", shown(root, &tools));
    let status = Command::new(cargo())
        .current_dir(root)
        // Built in a temporary directory, not in a target directory the caller may have set.
        .env_remove("CARGO_TARGET_DIR")
        .args(["install", "cargo-fuzz", "--locked", "--force", "--quiet"])
        .args(["--version", CARGO_FUZZ_VERSION, "--root"])
        .arg(&tools)
        .status()
        .map_err(|e| format!("cargo install cargo-fuzz: cannot start: {e}"))?;
    if !status.success() {
        return Err(format!("cargo install cargo-fuzz {CARGO_FUZZ_VERSION} failed ({status})"));
    }
    Ok(exe)
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
            shown(root, &log_path)
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

    /// The end of a real run (`cargo xtask fuzz --seconds 10 customer_id`).
    const FINISHED: &str = "\
#1048576\tpulse  cov: 412 ft: 1290 corp: 188/5871b lim: 4096 exec/s: 104857 rss: 61Mb
#1212001\tREDUCE cov: 412 ft: 1290 corp: 188/5870b lim: 4096 exec/s: 110181 rss: 61Mb L: 37/80 MS: 1 EraseBytes-
#1235411\tDONE   cov: 412 ft: 1290 corp: 188/5870b lim: 4096 exec/s: 112310 rss: 61Mb
Done 1235411 runs in 11 second(s)
stat::number_of_executed_units: 1235411
stat::average_exec_per_sec:     112310
stat::new_units_added:          1041
stat::slowest_unit_time_sec:    0
stat::peak_rss_mb:              61
";

    /// The end of a run that found a crash.
    const CRASHED: &str = "\
thread '<unnamed>' panicked at fuzz_targets/next_link.rs:77:13:
a 4100-byte message
==4242== ERROR: libFuzzer: deadly signal
NOTE: libFuzzer has rudimentary signal handlers.
MS: 2 InsertRepeatedBytes-CopyPart-; base unit: 0a1b
artifact_prefix='/w/target/fuzz-artifacts/next_link/'; Test unit written to /w/target/fuzz-artifacts/next_link/crash-0123abcd
Base64: AAAA
stat::number_of_executed_units: 5120
stat::average_exec_per_sec:     2560
stat::new_units_added:          77
stat::slowest_unit_time_sec:    0
stat::peak_rss_mb:              48
";

    #[test]
    fn reads_the_final_stats_of_a_finished_run() {
        assert_eq!(
            final_stats(FINISHED),
            Some(FinalStats {
                executions: 1_235_411,
                execs_per_second: 112_310,
                new_units: 1041,
                peak_rss_mb: 61,
                seconds: Some(11),
            })
        );
        assert!(written_artifacts(FINISHED).is_empty());
    }

    #[test]
    fn reads_the_stats_and_the_artifact_of_a_crash() {
        let stats = final_stats(CRASHED).expect("stats");
        assert_eq!((stats.executions, stats.execs_per_second, stats.seconds), (5120, 2560, None));
        assert_eq!(
            written_artifacts(CRASHED),
            vec![PathBuf::from("/w/target/fuzz-artifacts/next_link/crash-0123abcd")]
        );
    }

    #[test]
    fn no_stats_without_stat_lines() {
        assert_eq!(final_stats("error: could not compile `xtask`\n"), None);
        assert_eq!(final_stats("stat::number_of_executed_units: lots\n"), None);
    }

    #[test]
    fn progress_lines_go_to_the_log_only() {
        assert!(!worth_showing("#1212001\tREDUCE cov: 412 ft: 1290"));
        assert!(worth_showing("   Compiling xtask v0.0.0"));
        assert!(!worth_showing("###### Recommended dictionary. ######"));
        assert!(!worth_showing("\"\\001\\000d\" # Uses: 7723"));
        assert!(worth_showing("INFO: Seed: 1234"));
    }

    #[test]
    fn the_table_lines_up_and_names_crashes() {
        let root = Path::new("/w");
        let report = |target: &str, crashes: Vec<PathBuf>| Report {
            target: target.into(),
            stats: final_stats(FINISHED).expect("stats"),
            corpus: 188,
            crashes,
            log: PathBuf::from("/w/target/fuzz-logs/x.log"),
        };
        let table = table(
            &[
                report("customer_id", vec![]),
                report(
                    "next_link",
                    vec![PathBuf::from("/w/target/fuzz-artifacts/next_link/crash-1")],
                ),
            ],
            root,
        );
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "target       seconds  executions  execs/s  corpus  crashes");
        assert_eq!(lines[1], "customer_id       11     1235411   112310     188  0");
        assert_eq!(
            lines[2],
            "next_link         11     1235411   112310     188  1: target/fuzz-artifacts/next_link/crash-1"
        );
    }

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
    }
}
