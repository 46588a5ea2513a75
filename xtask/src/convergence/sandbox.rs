//! A trial's sandbox: its own process (its state outlives every run of the CLI), seeded with
//! targets, bystanders and chaos; its admin routes; and reading the state they return.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::Options;
use crate::process::{KillOnDrop, loopback_request};

/// The token of the sandbox's admin routes.
const ADMIN: &str = "convergence-admin";
/// The partner token the sandbox accepts and the CLI sends.
pub(super) const TOKEN: &str = "convergence-partner";

/// The sandbox process of one trial, and what it seeded.
pub(super) struct Sandbox {
    _process: KillOnDrop,
    pub(super) url: String,
    pub(super) targets: Vec<String>,
    pub(super) bystanders: Vec<String>,
}

/// Starts the sandbox binary in `bin` for the trial with `seed`, and reads the ids it seeded.
pub(super) fn start_sandbox(bin: &Path, options: &Options, seed: u64) -> Result<Sandbox, String> {
    let customers = options.customers.to_string();
    let bystanders = options.bystanders.to_string();
    let chaos = format!("{seed}:{}", options.rate);
    start_sandbox_with(
        bin,
        &[
            "--customers",
            &customers,
            "--name-prefix",
            "Target",
            "--bystanders",
            &bystanders,
            "--bystander-prefix",
            "Bystander",
            "--purchases-share",
            "0.34",
            "--cancellation-latency",
            "10ms",
            "--subscriptions-share",
            "0.5",
            "--subscription-latency",
            "10ms",
            "--azure-plans",
            "2",
            "--azure-entitlement-latency",
            "10ms",
            "--chaos",
            &chaos,
        ],
    )
}

/// Starts the sandbox binary in `bin` with the partner and admin tokens and `args`, and reads
/// the ids it seeded.
pub(super) fn start_sandbox_with(bin: &Path, args: &[&str]) -> Result<Sandbox, String> {
    let exe = bin.join("partner-center-sandbox");
    let mut child = Command::new(&exe)
        .args(["--port", "0", "--token", TOKEN, "--admin-token", ADMIN])
        .args(args)
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
pub(super) fn admin(url: &str, method: &str, path: &str) -> Result<(u16, Value), String> {
    let (status, body) = loopback_request(url, method, path, ADMIN)?;
    let body = serde_json::from_slice(&body)
        .map_err(|e| format!("{method} {path}: the answer is not JSON: {e}"))?;
    Ok((status, body))
}

/// Every customer of every partner in the sandbox's state (`GET /_sandbox/state`).
pub(super) fn all_customers(state: &Value) -> Vec<Value> {
    state["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["customers"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// A customer's distinct order ids.
pub(super) fn order_ids(customer: &Value) -> Vec<String> {
    let ids: BTreeSet<String> = customer["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect();
    ids.into_iter().collect()
}

/// The ids of a customer's subscriptions in the state, and how many of them are active.
pub(super) fn subscription_ids(customer: &Value) -> (Vec<String>, usize) {
    let subscriptions = customer["subscriptions"].as_array().into_iter().flatten();
    let mut active = 0;
    let mut ids = BTreeSet::new();
    for s in subscriptions {
        if s["status"] == "active" {
            active += 1;
        }
        if let Some(id) = s["id"].as_str() {
            ids.insert(id.to_ascii_lowercase());
        }
    }
    (ids.into_iter().collect(), active)
}
