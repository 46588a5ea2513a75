//! Reading what libFuzzer printed: its final stats, the failing inputs it saved, and which of
//! its lines are worth showing while it runs.

use std::path::PathBuf;

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
}
