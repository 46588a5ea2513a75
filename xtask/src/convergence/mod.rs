//! `cargo xtask convergence`: kill the cleanup at a seeded moment, run it again until it
//! finishes, and check from the sandbox's own record that it converged and touched nothing else.
//!
//! Each trial starts the sandbox binary as its own process (its state outlives the CLI) with
//! targets (`Target NNNN`, a third holding orders, some sharing an order across line items),
//! bystanders (`Bystander NNNN`, with orders too), seeded chaos on every route, near-zero
//! cancellation latency and the admin routes. The first run of `partner-center customers delete
//! --prefix Target --cancel-purchases --yes --output json` is stopped — `SIGKILL`, or `SIGINT`
//! every fourth trial — once the sandbox has received its k-th request (the gate holds the
//! rest, so the stop lands at an event, not after a sleep); then the same command runs again
//! until it exits 0. From the sandbox's state and record:
//! - every target is gone and every bystander is still there;
//! - no request named a bystander or a bystander's order;
//! - no order of a customer was PATCHed after that customer's deletion was applied;
//! - every run's JSON lines parse (a torn last line only after a SIGKILL), and none claims a
//!   deletion or cancellation the sandbox did not apply. Lines a run writes only at its end
//!   ("not attempted") may be lost to SIGKILL; that is allowed.
//!
//! This module runs the trials; the sandbox process and its admin routes are `sandbox`, the
//! runs of the CLI `cli_runs`, and the rules checked afterwards `rules`.

mod cli_runs;
pub mod fixtures;
mod rules;
mod sandbox;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::process::{cargo, run_checked, target_dir};
use cli_runs::{plain_run, stopped_run};
use rules::{Seen, broken_rules};
use sandbox::{admin, all_customers, order_ids, start_sandbox, subscription_ids};

/// What a run of trials is made of.
#[derive(Debug, Clone)]
pub struct Options {
    /// Trials, each with its own seed (`first_seed`, `first_seed + 1`, …).
    pub trials: u32,
    /// Targeted customers in each trial.
    pub customers: usize,
    /// Customers the run must not touch.
    pub bystanders: usize,
    /// The chaos rate, 0 to 1.
    pub rate: f64,
    /// The first trial's seed.
    pub first_seed: u64,
    /// Runs of the CLI a trial may take (the stopped one included) before it counts as not
    /// converging.
    pub max_runs: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self { trials: 20, customers: 30, bystanders: 6, rate: 0.05, first_seed: 1, max_runs: 8 }
    }
}

/// What the trials did.
#[derive(Debug, Default)]
pub struct Report {
    /// Trials run.
    pub trials: u32,
    /// Faults the sandbox injected, by kind (`chaos:throttle`, …).
    pub faults: BTreeMap<String, u64>,
    /// Runs each trial needed, the stopped one included.
    pub runs: Vec<u32>,
    /// Requests the sandbox received, over all trials.
    pub requests: u64,
    /// The fewest requests the same work takes without faults or stops, over all trials.
    pub minimum: u64,
    /// Trials whose first run was stopped with SIGKILL, with SIGINT, or finished before its
    /// stopping point.
    pub sigkill: u32,
    /// See `sigkill`.
    pub sigint: u32,
    /// See `sigkill`.
    pub unstopped: u32,
    /// Trials that did not converge or broke a rule: the seed, and what.
    pub failures: Vec<(u64, String)>,
}

/// Builds the sandbox binary (with its flags) and the CLI, debug; returns their directory.
pub(crate) fn build_binaries(root: &Path) -> Result<std::path::PathBuf, String> {
    run_checked(
        Command::new(cargo()).current_dir(root).args([
            "build",
            "--quiet",
            "--locked",
            "-p",
            "partner-center-sandbox",
            "--features",
            "partner-center-sandbox/cli",
            "-p",
            "partner-center-cli",
        ]),
        "cargo build -p partner-center-sandbox -p partner-center-cli --features partner-center-sandbox/cli",
    )?;
    Ok(target_dir(root).join("debug"))
}

/// Builds both binaries and runs the trials.
pub fn run(root: &Path, options: &Options) -> Result<Report, String> {
    let bin = build_binaries(root)?;
    let work = target_dir(root).join("convergence");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let mut report = Report::default();
    for trial in 0..options.trials {
        let seed = options.first_seed + u64::from(trial);
        match one_trial(&bin, &work, options, seed, &mut report) {
            Ok(()) => {}
            Err(why) => report.failures.push((seed, why)),
        }
        report.trials += 1;
    }
    Ok(report)
}

/// The trial with `seed`: the stopped first run, plain runs until one exits 0, then the rules.
/// Its counts go into `report`; not converging or a broken rule is the `Err`.
fn one_trial(
    bin: &Path,
    work: &Path,
    options: &Options,
    seed: u64,
    report: &mut Report,
) -> Result<(), String> {
    let sandbox = start_sandbox(bin, options, seed)?;
    let (_, before) = admin(&sandbox.url, "GET", "/_sandbox/state")?;
    let customers = all_customers(&before);
    let bystander_ids: BTreeSet<&str> = sandbox.bystanders.iter().map(String::as_str).collect();
    let bystander_orders: BTreeSet<String> = customers
        .iter()
        .filter(|c| bystander_ids.contains(c["id"].as_str().unwrap_or_default()))
        .flat_map(order_ids)
        .collect();
    let bystander_subscriptions: BTreeSet<String> = customers
        .iter()
        .filter(|c| bystander_ids.contains(c["id"].as_str().unwrap_or_default()))
        .flat_map(|c| subscription_ids(c).0)
        .collect();
    // A clean run's requests: the list; per target its entitlements, its subscriptions and
    // its delete, three per order (read, cancel, read back) and two per active subscription
    // (update, read back).
    let minimum = 1 + customers
        .iter()
        .filter(|c| c["company_name"].as_str().is_some_and(|n| n.starts_with("Target")))
        .map(|c| {
            // An Azure plan: its Azure subscriptions listed, two cancelled, listed again.
            let plan = if c["azure_plan"] == true { 4 } else { 0 };
            3 + 3 * order_ids(c).len() as u64 + 2 * subscription_ids(c).1 as u64 + plan
        })
        .sum::<u64>();

    // Where the first run stops: somewhere in the work, from the seed.
    let k = 1 + (seed.wrapping_mul(7919)) % minimum.max(2);
    let signal = if seed.is_multiple_of(4) { "-INT" } else { "-KILL" };
    let out = |run: u32| work.join(format!("trial-{seed}-run-{run}.jsonl"));
    let mut runs = vec![stopped_run(bin, &sandbox.url, &out(1), k, signal)?];
    match runs[0].stopped {
        Some("-KILL") => report.sigkill += 1,
        Some(_) => report.sigint += 1,
        None => report.unstopped += 1,
    }
    while runs.last().is_some_and(|r| r.code != Some(0)) {
        if runs.len() as u32 >= options.max_runs {
            return Err(format!(
                "did not converge in {} runs (exit codes {:?}); replay with --first-seed {seed} --trials 1",
                options.max_runs,
                runs.iter().map(|r| r.code).collect::<Vec<_>>()
            ));
        }
        runs.push(plain_run(bin, &sandbox.url, &out(runs.len() as u32 + 1))?);
    }
    report.runs.push(runs.len() as u32);

    let (_, after) = admin(&sandbox.url, "GET", "/_sandbox/state")?;
    let (_, record) = admin(&sandbox.url, "GET", "/_sandbox/requests")?;
    let record = record.as_array().cloned().unwrap_or_default();
    report.requests += record.len() as u64;
    report.minimum += minimum;
    for fault in record.iter().filter_map(|r| r["fault"].as_str()) {
        *report.faults.entry(fault.to_owned()).or_default() += 1;
    }

    let seen = Seen {
        targets: &sandbox.targets,
        bystanders: &sandbox.bystanders,
        bystander_orders: &bystander_orders,
        bystander_subscriptions: &bystander_subscriptions,
        after: &after,
        record: &record,
    };
    verdict(seed, broken_rules(&seen, &runs))
}

/// A trial's verdict from the rules it broke (the first ten named), with the seed that
/// replays it.
pub(crate) fn verdict(seed: u64, mut broken: Vec<String>) -> Result<(), String> {
    if broken.is_empty() {
        return Ok(());
    }
    broken.truncate(10);
    Err(format!(
        "broke the rules (replay with --first-seed {seed} --trials 1): {}",
        broken.join("; ")
    ))
}
