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

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::process::{KillOnDrop, cargo, loopback_request, run_checked, target_dir};

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

const ADMIN: &str = "convergence-admin";
const TOKEN: &str = "convergence-partner";

/// Builds both binaries and runs the trials.
pub fn run(root: &Path, options: &Options) -> Result<Report, String> {
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
    let bin = target_dir(root).join("debug");
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

/// The sandbox process of one trial, and what it seeded.
struct Sandbox {
    _process: KillOnDrop,
    url: String,
    targets: Vec<String>,
    bystanders: Vec<String>,
}

fn start_sandbox(bin: &Path, options: &Options, seed: u64) -> Result<Sandbox, String> {
    let exe = bin.join("partner-center-sandbox");
    let mut child = Command::new(&exe)
        .args(["--port", "0", "--token", TOKEN, "--admin-token", ADMIN])
        .args(["--customers", &options.customers.to_string(), "--name-prefix", "Target"])
        .args(["--bystanders", &options.bystanders.to_string(), "--bystander-prefix", "Bystander"])
        .args(["--purchases-share", "0.34", "--cancellation-latency", "10ms"])
        .args(["--chaos", &format!("{seed}:{}", options.rate)])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: cannot start: {e}", exe.display()))?;
    let stdout = child.stdout.take().ok_or("the sandbox's stdout is unavailable")?;
    let process = KillOnDrop(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut next = || -> Result<String, String> {
        lines
            .next()
            .ok_or("the sandbox stopped before it was ready")?
            .map_err(|e| format!("reading the sandbox's output: {e}"))
    };
    let url = next()?.trim().to_owned();
    let (mut targets, mut bystanders, mut section) = (Vec::new(), Vec::new(), "");
    loop {
        let line = next()?;
        match line.trim() {
            "customers:" => section = "customers",
            "bystanders:" => section = "bystanders",
            "serving until Ctrl-C" => break,
            id if line.starts_with("  ") && section == "customers" => targets.push(id.to_owned()),
            id if line.starts_with("  ") && section == "bystanders" => {
                bystanders.push(id.to_owned())
            }
            _ => {}
        }
    }
    // The rest of its output is not read: it prints nothing more until it stops.
    Ok(Sandbox { _process: process, url, targets, bystanders })
}

/// One request to the sandbox's admin routes: the status and the JSON body.
fn admin(url: &str, method: &str, path: &str) -> Result<(u16, Value), String> {
    let (status, body) = loopback_request(url, method, path, ADMIN)?;
    let body = serde_json::from_slice(&body)
        .map_err(|e| format!("{method} {path}: the answer is not JSON: {e}"))?;
    Ok((status, body))
}

/// How one run of the CLI ended.
struct RunResult {
    code: Option<i32>,
    /// Stopped by the trial (and how), or ran to its end.
    stopped: Option<&'static str>,
    output: Vec<u8>,
}

fn cli(bin: &Path, url: &str, out: &Path) -> Result<std::process::Child, String> {
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    Command::new(bin.join("partner-center"))
        .args(["--base-url", url, "--rate", "0", "--retry-backoff", "20ms"])
        .args(["customers", "delete", "--prefix", "Target", "--cancel-purchases"])
        .args(["--poll-interval", "20ms", "--yes", "--output", "json", "--concurrency", "4"])
        .env_clear()
        .env("PATH", "/nonexistent-convergence-tools")
        .env("PARTNER_CENTER_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start partner-center: {e}"))
}

/// The first run, stopped with `signal` once the sandbox has received `k` requests (or not,
/// if it finishes first).
fn stopped_run(
    bin: &Path,
    url: &str,
    out: &Path,
    k: u64,
    signal: &'static str,
) -> Result<RunResult, String> {
    // Armed before the CLI sends anything: request k (0-based) and those after it wait.
    admin(url, "POST", &format!("/_sandbox/hold?from={k}"))?;
    let mut child = cli(bin, url, out)?;
    let (arrived, wait) = mpsc::channel();
    let wait_url = url.to_owned();
    std::thread::spawn(move || {
        let came = admin(&wait_url, "GET", &format!("/_sandbox/arrivals?at_least={}", k + 1));
        let _ = arrived.send(matches!(came, Ok((200, _))));
    });
    let mut stopped = None;
    let code = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("waiting for the CLI: {e}"))? {
            break status.code();
        }
        match wait.recv_timeout(Duration::from_millis(5)) {
            Ok(true) => {
                let pid = child.id().to_string();
                run_checked(Command::new("kill").args([signal, &pid]), "kill")?;
                stopped = Some(signal);
                // A SIGINT'd run finishes its calls in flight, which the gate holds: let them go
                // (a SIGKILL'd one has no one left to answer them).
                admin(url, "POST", "/_sandbox/release")?;
                let status = child.wait().map_err(|e| format!("waiting for the CLI: {e}"))?;
                break status.code();
            }
            Ok(false) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {}
        }
    };
    admin(url, "POST", "/_sandbox/release")?;
    let output = std::fs::read(out).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(RunResult { code, stopped, output })
}

fn plain_run(bin: &Path, url: &str, out: &Path) -> Result<RunResult, String> {
    let status = cli(bin, url, out)?.wait().map_err(|e| format!("waiting for the CLI: {e}"))?;
    let output = std::fs::read(out).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(RunResult { code: status.code(), stopped: None, output })
}

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
    let minimum = 1 + customers
        .iter()
        .filter(|c| c["company_name"].as_str().is_some_and(|n| n.starts_with("Target")))
        .map(|c| 2 + 3 * order_ids(c).len() as u64)
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
        after: &after,
        record: &record,
    };
    let mut broken = broken_rules(&seen, &runs);
    if broken.is_empty() {
        Ok(())
    } else {
        broken.truncate(10);
        Err(format!(
            "broke the rules (replay with --first-seed {seed} --trials 1): {}",
            broken.join("; ")
        ))
    }
}

/// What a trial's checks look at: the seeded ids, the state and record after the last run.
struct Seen<'a> {
    targets: &'a [String],
    bystanders: &'a [String],
    bystander_orders: &'a BTreeSet<String>,
    after: &'a Value,
    record: &'a [Value],
}

/// Every rule the trial broke, in words.
fn broken_rules(seen: &Seen<'_>, runs: &[RunResult]) -> Vec<String> {
    let bystander_ids: BTreeSet<&str> = seen.bystanders.iter().map(String::as_str).collect();
    let mut broken = Vec::new();
    let remaining = all_customers(seen.after);
    let target_ids: BTreeSet<&str> = seen.targets.iter().map(String::as_str).collect();
    let left: Vec<&str> = remaining
        .iter()
        .filter_map(|c| c["id"].as_str())
        .filter(|id| target_ids.contains(id))
        .collect();
    if !left.is_empty() {
        broken.push(format!("targets left after exit 0: {left:?}"));
    }
    let present: BTreeSet<&str> = remaining.iter().filter_map(|c| c["id"].as_str()).collect();
    for bystander in seen.bystanders {
        if !present.contains(bystander.as_str()) {
            broken.push(format!("bystander {bystander} was deleted"));
        }
    }
    let mut deleted_at: BTreeMap<String, usize> = BTreeMap::new();
    let mut applied_orders: BTreeSet<String> = BTreeSet::new();
    for (i, request) in seen.record.iter().enumerate() {
        let path = request["path"].as_str().unwrap_or_default();
        let method = request["method"].as_str().unwrap_or_default();
        let segments: Vec<&str> = path.split('?').next().unwrap_or_default().split('/').collect();
        // /v1/customers/{customer}[/orders/{order}]
        let customer = segments.get(3).copied().unwrap_or_default();
        let order =
            (segments.get(4) == Some(&"orders")).then(|| segments.get(5).copied()).flatten();
        if bystander_ids.contains(customer) {
            broken.push(format!("{method} {path} named a bystander"));
        }
        if let Some(order) = order.filter(|o| seen.bystander_orders.contains(*o)) {
            broken.push(format!("{method} {path} named bystander order {order}"));
        }
        if method == "PATCH" && deleted_at.contains_key(customer) {
            broken.push(format!("{method} {path} after its customer was deleted"));
        }
        if request["applied"] == true {
            match (method, order) {
                ("DELETE", None) => {
                    deleted_at.entry(customer.to_owned()).or_insert(i);
                }
                ("PATCH", Some(order)) => {
                    applied_orders.insert(order.to_owned());
                }
                _ => {}
            }
        }
    }
    for (n, run) in runs.iter().enumerate() {
        let text = String::from_utf8_lossy(&run.output);
        let mut lines: Vec<&str> = text.split('\n').collect();
        let torn = lines.pop().filter(|last| !last.is_empty());
        if let Some(torn) = torn
            && run.stopped != Some("-KILL")
        {
            broken.push(format!("run {}: a torn last line without a SIGKILL: {torn:.120}", n + 1));
        }
        for line in lines {
            let Ok(entry) = serde_json::from_str::<Value>(line) else {
                broken
                    .push(format!("run {}: an audit line that does not parse: {line:.120}", n + 1));
                continue;
            };
            let customer = entry["tenant_id"].as_str().unwrap_or_default();
            if entry["outcome"] == "deleted" && !deleted_at.contains_key(customer) {
                broken
                    .push(format!("run {}: claims {customer} deleted; the sandbox did not", n + 1));
            }
            for order in entry["cancelled_orders"].as_array().into_iter().flatten() {
                let order = order.as_str().unwrap_or_default();
                if !applied_orders.contains(order) {
                    broken
                        .push(format!("run {}: claims order {order} cancelled; it was not", n + 1));
                }
            }
        }
    }
    broken
}

fn all_customers(state: &Value) -> Vec<Value> {
    state["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["customers"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// A customer's distinct order ids.
fn order_ids(customer: &Value) -> Vec<String> {
    let ids: BTreeSet<String> = customer["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect();
    ids.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T: &str = "00000000-0000-0000-0000-0000000000a1";
    const B: &str = "00000000-0000-0000-0000-0000000000b1";

    fn request(method: &str, path: &str, applied: bool) -> Value {
        json!({ "method": method, "path": path, "applied": applied })
    }

    fn run(output: &str, stopped: Option<&'static str>) -> RunResult {
        RunResult { code: Some(0), stopped, output: output.as_bytes().to_vec() }
    }

    fn check(record: &[Value], after: &Value, runs: &[RunResult]) -> Vec<String> {
        let targets = vec![T.to_owned()];
        let bystanders = vec![B.to_owned()];
        let bystander_orders: BTreeSet<String> = ["bo1".to_owned()].into();
        let seen = Seen {
            targets: &targets,
            bystanders: &bystanders,
            bystander_orders: &bystander_orders,
            after,
            record,
        };
        broken_rules(&seen, runs)
    }

    fn state(ids: &[&str]) -> Value {
        let customers: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
        json!({ "partners": [{ "customers": customers }] })
    }

    #[test]
    fn a_clean_trial_breaks_nothing() {
        let record = [
            request("GET", "/v1/customers", false),
            request("PATCH", &format!("/v1/customers/{T}/orders/o1"), true),
            request("DELETE", &format!("/v1/customers/{T}"), true),
        ];
        let line = format!(
            "{{\"tenant_id\":\"{T}\",\"outcome\":\"deleted\",\"cancelled_orders\":[\"o1\"]}}\n"
        );
        assert_eq!(check(&record, &state(&[B]), &[run(&line, None)]), Vec::<String>::new());
    }

    #[test]
    fn each_rule_is_caught() {
        let record = [
            request("DELETE", &format!("/v1/customers/{T}"), true),
            request("PATCH", &format!("/v1/customers/{T}/orders/o1"), true),
            request("GET", &format!("/v1/customers/{B}/entitlements"), false),
            request("GET", "/v1/customers/other/orders/bo1", false),
        ];
        let lines = format!(
            "{{\"tenant_id\":\"{B}\",\"outcome\":\"deleted\"}}\n{{\"tenant_id\":\"{T}\",\"outcome\":\"deleted\",\"cancelled_orders\":[\"o2\"]}}\nnot json\n{{\"torn"
        );
        let broken = check(&record, &state(&[T]), &[run(&lines, Some("-INT"))]);
        let text = broken.join("\n");
        for expected in [
            "targets left after exit 0",
            "bystander 00000000-0000-0000-0000-0000000000b1 was deleted",
            "after its customer was deleted",
            "named a bystander",
            "named bystander order bo1",
            "claims 00000000-0000-0000-0000-0000000000b1 deleted; the sandbox did not",
            "claims order o2 cancelled; it was not",
            "an audit line that does not parse",
            "a torn last line without a SIGKILL",
        ] {
            assert!(text.contains(expected), "{expected} not in:\n{text}");
        }
        // A torn last line is allowed after a SIGKILL.
        let after_kill = check(&[], &state(&[B]), &[run("{\"torn", Some("-KILL"))]);
        assert!(after_kill.iter().all(|b| !b.contains("torn")), "{after_kill:?}");
    }
}
