//! `cargo xtask` — see `xtask/src/lib.rs` and `docs/CONTRIBUTING.md`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use xtask::{EXAMPLES_DIR, SPEC_PATH, codegen, display_path, spec::Spec, verify, workspace_root};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Partner Center client workspace automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify the spec, then generate client/src/generated.rs from it.
    Gen {
        /// Write nothing; fail if the checked-in file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Run schemathesis (pinned, in a venv under target/) against a fresh local sandbox.
    Conformance,
    /// Kill the cleanup at seeded moments under seeded chaos, run it again until it finishes,
    /// and check from the sandbox's record that it converged and touched nothing else.
    Convergence {
        /// Trials (seeds FIRST_SEED, FIRST_SEED+1, …).
        #[arg(long, default_value_t = 20)]
        trials: u32,
        /// The first trial's seed (a failure names the seed that replays it).
        #[arg(long, default_value_t = 1)]
        first_seed: u64,
        /// Targeted customers per trial (a TiP account holds at most 75).
        #[arg(long, default_value_t = 30)]
        customers: usize,
        /// Customers that must not be touched, per trial.
        #[arg(long, default_value_t = 6)]
        bystanders: usize,
        /// The chaos rate, 0 to 1.
        #[arg(long, default_value_t = 0.05)]
        rate: f64,
    },
    /// Kill `customers create` or the teardown of its test customers at seeded moments under
    /// seeded chaos, reap, and check from the sandbox's record that no test customer is left
    /// and no other customer was touched.
    FixtureCrash {
        /// Trials (seeds FIRST_SEED, FIRST_SEED+1, …).
        #[arg(long, default_value_t = 20)]
        trials: u32,
        /// The first trial's seed (a failure names the seed that replays it).
        #[arg(long, default_value_t = 1)]
        first_seed: u64,
    },
    /// Benchmark the client against the bare-reqwest floor (release build; prints a table).
    Bench {
        /// Only item 8, the TiP-sized cleanup against the documented limits (about 5 minutes).
        #[arg(long)]
        cleanup_only: bool,
        /// Only item 9: twenty test customers created and torn down (about 20 seconds).
        #[arg(long, conflicts_with = "cleanup_only")]
        fixtures_only: bool,
    },
    /// Run the cargo-fuzz targets in fuzz/ (cargo-fuzz pinned, installed under target/tools).
    Fuzz {
        /// How long to fuzz each target, in seconds.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        seconds: u64,
        /// Targets to run, in order [default: all]
        targets: Vec<String>,
    },
    /// Check the spec against the documented request/response examples.
    Verify {
        /// The OpenAPI spec [default: openapi/partner-center.yaml]
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Directory of NAME.request.http / NAME.response.http pairs [default: openapi/examples]
        #[arg(long)]
        examples: Option<PathBuf>,
    },
}

fn fixture_crash(root: &std::path::Path, trials: u32, first_seed: u64) -> ExitCode {
    let started = Instant::now();
    let report = match xtask::convergence::fixtures::run(root, trials, first_seed) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("fixture-crash: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "fixture-crash: {} trials in {:.0} s; killed during create {}, during teardown {}, unstopped {}; {} test customers reaped, {} faults injected",
        report.trials,
        started.elapsed().as_secs_f64(),
        report.create_killed,
        report.teardown_killed,
        report.unstopped,
        report.reaped,
        report.faults
    );
    if report.failures.is_empty() {
        println!("  every trial left no test customer and touched no other customer");
        ExitCode::SUCCESS
    } else {
        for (seed, why) in &report.failures {
            eprintln!("  seed {seed}: {why}");
        }
        ExitCode::FAILURE
    }
}

fn convergence(root: &std::path::Path, options: &xtask::convergence::Options) -> ExitCode {
    let started = Instant::now();
    let report = match xtask::convergence::run(root, options) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("convergence: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut runs = report.runs.clone();
    runs.sort_unstable();
    let median = runs.get(runs.len() / 2).copied().unwrap_or(0);
    let worst = runs.last().copied().unwrap_or(0);
    let faults: Vec<String> = report.faults.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "convergence: {} trials ({} customers, {} bystanders, chaos {}) in {:.0} s; first run stopped by SIGKILL {}, SIGINT {}, finished first {}",
        report.trials,
        options.customers,
        options.bystanders,
        options.rate,
        started.elapsed().as_secs_f64(),
        report.sigkill,
        report.sigint,
        report.unstopped
    );
    println!("  runs to converge: median {median}, worst {worst}");
    println!(
        "  requests: {} for a minimum of {} ({:.2}x; stops, re-runs and retries included)",
        report.requests,
        report.minimum,
        report.requests as f64 / report.minimum.max(1) as f64
    );
    println!(
        "  faults injected: {}",
        if faults.is_empty() { "none".into() } else { faults.join(", ") }
    );
    if report.failures.is_empty() {
        println!("  every trial converged; no rule broken");
        ExitCode::SUCCESS
    } else {
        for (seed, why) in &report.failures {
            eprintln!("  seed {seed}: {why}");
        }
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let root = workspace_root();
    match Cli::parse().command {
        Command::Verify { spec, examples } => {
            let spec = spec.unwrap_or_else(|| root.join(SPEC_PATH));
            let examples = examples.unwrap_or_else(|| root.join(EXAMPLES_DIR));
            verify_or_report(&spec, &examples)
        }
        Command::Conformance => match xtask::conformance::run(&root) {
            Ok(report) => {
                println!("conformance: {} generated cases, 0 failures", report.cases);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("conformance: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Convergence { trials, first_seed, customers, bystanders, rate } => {
            let options = xtask::convergence::Options {
                trials,
                first_seed,
                customers,
                bystanders,
                rate,
                ..Default::default()
            };
            convergence(&root, &options)
        }
        Command::FixtureCrash { trials, first_seed } => fixture_crash(&root, trials, first_seed),
        Command::Fuzz { seconds, targets } => fuzz(&root, seconds, &targets),
        Command::Bench { cleanup_only, fixtures_only } => {
            match xtask::bench::run(&root, cleanup_only, fixtures_only) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("bench: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Gen { check } => {
            let started = Instant::now();
            let spec_path = root.join(SPEC_PATH);
            if verify_or_report(&spec_path, &root.join(EXAMPLES_DIR)) != ExitCode::SUCCESS {
                eprintln!("gen: refusing to generate from a spec that fails verification");
                return ExitCode::FAILURE;
            }
            let result = Spec::load(&spec_path)
                .map_err(|p| p.to_string())
                .and_then(|spec| codegen::run(&spec, &root.join(codegen::GENERATED_PATH), check));
            let elapsed = started.elapsed().as_secs_f64();
            match result {
                Ok(codegen::Outcome::UpToDate(path)) => {
                    println!("gen: {} is up to date ({elapsed:.2}s)", display_path(&root, &path));
                    ExitCode::SUCCESS
                }
                Ok(codegen::Outcome::Written(path)) => {
                    println!("gen: wrote {} ({elapsed:.2}s)", display_path(&root, &path));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("gen: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn verify_or_report(spec: &std::path::Path, examples: &std::path::Path) -> ExitCode {
    match verify::run(spec, examples) {
        Ok(summary) => {
            println!("verify: ok — {} and {} example pair(s)", spec.display(), summary.pairs);
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("verify: {} problem(s)", problems.len());
            ExitCode::FAILURE
        }
    }
}

/// Runs the fuzz targets, prints their table, and fails naming each crash and how to replay it.
fn fuzz(root: &std::path::Path, seconds: u64, targets: &[String]) -> ExitCode {
    let reports = match xtask::fuzz::run(root, seconds, targets) {
        Ok(reports) => reports,
        Err(e) => {
            eprintln!("fuzz: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("\n{}", xtask::fuzz::table(&reports, root));
    let mut crashed = false;
    for report in &reports {
        for artifact in &report.crashes {
            crashed = true;
            eprintln!(
                "fuzz: {} crashed on {} (output: {}); reproduce with:\n  {}",
                report.target,
                display_path(root, artifact),
                display_path(root, &report.log),
                xtask::fuzz::reproduce_command(root, &report.target, artifact)
            );
        }
    }
    if crashed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
