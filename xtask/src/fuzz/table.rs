//! What `cargo xtask fuzz` prints at the end: a table of the runs, and for each crash the
//! command that replays it.

use std::fmt::Write as _;
use std::path::Path;

use super::{Report, SANITIZER};
use crate::display_path;
use crate::process::target_dir;

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
                    paths.iter().map(|p| display_path(root, p)).collect::<Vec<_>>().join(", ")
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

/// The command, run from the workspace root, that replays `artifact` against `target`
/// (cargo-fuzz runs the target on that one input).
pub fn reproduce_command(root: &Path, target: &str, artifact: &Path) -> String {
    let target_dir = target_dir(root);
    format!(
        "RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR={} {} fuzz run --fuzz-dir fuzz --sanitizer {SANITIZER} {target} {}",
        display_path(root, &target_dir.join("fuzz")),
        display_path(root, &target_dir.join("tools/bin/cargo-fuzz")),
        display_path(root, artifact),
    )
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::fuzz::FinalStats;

    #[test]
    fn the_table_lines_up_and_names_crashes() {
        let root = Path::new("/w");
        // The stats of a real run (`cargo xtask fuzz --seconds 10 customer_id`).
        let stats = FinalStats {
            executions: 1_235_411,
            execs_per_second: 112_310,
            new_units: 1041,
            peak_rss_mb: 61,
            seconds: Some(11),
        };
        let report = |target: &str, crashes: Vec<PathBuf>| Report {
            target: target.into(),
            stats,
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
}
