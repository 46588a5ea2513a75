//! `cargo xtask fixture-crash`: test customers must not leak when the process making or
//! tearing them down dies. Each trial starts the sandbox binary (its state outlives the CLI)
//! with bystanders (other companies, a company named like a fixture's tag, a customer whose
//! domain starts with the fixture marker but does not parse, and one whose domain parses as a
//! fixture's but whose company name disagrees), a read-after-create lag
//! and seeded chaos; then either `partner-center customers create` is killed (SIGKILL) once the
//! sandbox has received its k-th request — between creates, between a create and its
//! read-back — or it finishes and the teardown (`customers delete --fixtures-older-than 0s
//! --fixture-tag …`) is killed at its k-th request. Then the reap (`customers delete
//! --fixtures-older-than 0s --cancel-purchases --yes`) runs until it exits 0. From the sandbox's
//! own state and record: no customer whose names make it a fixture is left, every bystander is
//! still there, and no request named a bystander.

use super::cli_runs::{plain_run_of, stopped_run_of};
use super::sandbox::{admin, all_customers, start_sandbox_with};
use crate::process::target_dir;
use std::path::Path;

/// What a run of trials did.
#[derive(Debug, Default)]
pub struct CrashReport {
    /// Trials run.
    pub trials: u32,
    /// Trials whose create was killed, whose teardown was killed, or that ran unstopped.
    pub create_killed: u32,
    /// See `create_killed`.
    pub teardown_killed: u32,
    /// See `create_killed`.
    pub unstopped: u32,
    /// Fixture customers the reaps deleted, over all trials.
    pub reaped: u64,
    /// Faults the sandbox injected, over all trials.
    pub faults: u64,
    /// Trials that left a fixture, touched a bystander or did not converge: seed and what.
    pub failures: Vec<(u64, String)>,
}

/// How many fixtures each trial creates.
const COUNT: &str = "4";

/// Builds both binaries and runs `trials` trials from `first_seed`.
pub fn run(root: &Path, trials: u32, first_seed: u64) -> Result<CrashReport, String> {
    let bin = super::build_binaries(root)?;
    let work = target_dir(root).join("fixture-crash");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let mut report = CrashReport::default();
    for trial in 0..trials {
        let seed = first_seed + u64::from(trial);
        if let Err(why) = one_trial(&bin, &work, seed, &mut report) {
            report.failures.push((seed, why));
        }
        report.trials += 1;
    }
    Ok(report)
}

fn one_trial(bin: &Path, work: &Path, seed: u64, report: &mut CrashReport) -> Result<(), String> {
    let chaos = format!("{seed}:0.05");
    let sandbox = start_sandbox_with(
        bin,
        &[
            "--customers",
            "0",
            "--bystanders",
            "3",
            "--bystander-prefix",
            "PCFX crash",
            "--named-customer",
            "Contoso=contoso.onmicrosoft.com",
            "--named-customer",
            "PCFX crash 2020-01-01T00:00:00Z #00=pcfx-crash-lookalike.onmicrosoft.com",
            "--read-after-create-lag",
            "300ms",
            "--chaos",
            &chaos,
        ],
    )?;
    let tag = format!("crash{seed}");
    let create: Vec<&str> =
        vec!["customers", "create", "--count", COUNT, "--name-prefix", &tag, "--concurrency", "2"];
    let teardown: Vec<&str> = vec![
        "customers",
        "delete",
        "--fixtures-older-than",
        "0s",
        "--fixture-tag",
        &tag,
        "--cancel-purchases",
        "--yes",
        "--output",
        "json",
    ];
    let reap: Vec<&str> = vec![
        "customers",
        "delete",
        "--fixtures-older-than",
        "0s",
        "--cancel-purchases",
        "--yes",
        "--output",
        "json",
    ];
    let out = |name: &str| work.join(format!("trial-{seed}-{name}.out"));

    // A clean create takes about: validate, list, then per customer a domain check, the
    // create and two or three reads; a teardown: the listing, per customer a read-back,
    // entitlements, subscriptions and the delete.
    let count: u64 = 4;
    if seed.is_multiple_of(2) {
        let k = 1 + seed.wrapping_mul(7919) % (2 + 4 * count);
        let run = stopped_run_of(bin, &sandbox.url, &out("create"), k, "-KILL", &create)?;
        if run.stopped.is_some() { report.create_killed += 1 } else { report.unstopped += 1 }
    } else {
        let made = plain_run_of(bin, &sandbox.url, &out("create"), &create)?;
        if made.code != Some(0) {
            // Chaos can refuse a create for good; the batch rolls back, and the reap below
            // still has to leave nothing.
            report.unstopped += 1;
        } else {
            let k = 1 + seed.wrapping_mul(7919) % (1 + 5 * count);
            let run = stopped_run_of(bin, &sandbox.url, &out("teardown"), k, "-KILL", &teardown)?;
            if run.stopped.is_some() { report.teardown_killed += 1 } else { report.unstopped += 1 }
        }
    }
    let mut runs = 0;
    loop {
        runs += 1;
        let run = plain_run_of(bin, &sandbox.url, &out(&format!("reap-{runs}")), &reap)?;
        if run.code == Some(0) {
            break;
        }
        if runs >= 6 {
            return Err(format!(
                "the reap did not finish in {runs} runs; replay with --first-seed {seed} --trials 1"
            ));
        }
    }

    let (_, after) = admin(&sandbox.url, "GET", "/_sandbox/state")?;
    let (_, record) = admin(&sandbox.url, "GET", "/_sandbox/requests")?;
    let record = record.as_array().cloned().unwrap_or_default();
    report.faults += record.iter().filter(|r| r["fault"].is_string()).count() as u64;
    report.reaped +=
        record.iter().filter(|r| r["method"] == "DELETE" && r["applied"] == true).count() as u64;
    let customers = all_customers(&after);
    let mut broken = Vec::new();
    for c in &customers {
        let domain = c["domain"].as_str().unwrap_or_default();
        let company = c["company_name"].as_str().unwrap_or_default();
        if domain.starts_with(&format!("pcfx-{tag}-"))
            || (company.starts_with("PCFX ")
                && domain.starts_with("pcfx-")
                && !domain.starts_with("pcfx-crash-lookalike"))
        {
            broken.push(format!("fixture {} ({domain}) was left behind", c["id"]));
        }
    }
    for b in &sandbox.bystanders {
        if !customers.iter().any(|c| c["id"] == b.as_str()) {
            broken.push(format!("bystander {b} is gone"));
        }
        let named: Vec<&serde_json::Value> = record
            .iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.contains(b.as_str())))
            .collect();
        if let Some(r) = named.first() {
            broken.push(format!("a request named bystander {b}: {} {}", r["method"], r["path"]));
        }
    }
    super::verdict(seed, broken)
}
