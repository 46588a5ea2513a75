//! Runs of the CLI's cleanup against a trial's sandbox: the first one stopped at an event, and
//! the plain ones after it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::sandbox::{TOKEN, admin};
use crate::process::run_checked;

/// How one run of the CLI ended.
pub(super) struct RunResult {
    pub(super) code: Option<i32>,
    /// Stopped by the trial (and how), or ran to its end.
    pub(super) stopped: Option<&'static str>,
    pub(super) output: Vec<u8>,
}

/// The cleanup each trial runs.
const CLEANUP: &[&str] = &[
    "customers",
    "delete",
    "--prefix",
    "Target",
    "--cancel-purchases",
    "--cancel-azure-subscriptions",
    "--poll-interval",
    "20ms",
    "--yes",
    "--output",
    "json",
    "--concurrency",
    "4",
];

fn cli(bin: &Path, url: &str, out: &Path, args: &[&str]) -> Result<std::process::Child, String> {
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    Command::new(bin.join("partner-center"))
        .args(["--base-url", url, "--rate", "0", "--retry-backoff", "20ms"])
        .args(args)
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
pub(super) fn stopped_run(
    bin: &Path,
    url: &str,
    out: &Path,
    k: u64,
    signal: &'static str,
) -> Result<RunResult, String> {
    stopped_run_of(bin, url, out, k, signal, CLEANUP)
}

/// A run of `args` stopped with `signal` once the sandbox has received `k` requests (or not,
/// if it finishes first).
pub(super) fn stopped_run_of(
    bin: &Path,
    url: &str,
    out: &Path,
    k: u64,
    signal: &'static str,
    args: &[&str],
) -> Result<RunResult, String> {
    // Armed before the CLI sends anything: request k (0-based) and those after it wait.
    admin(url, "POST", &format!("/_sandbox/hold?from={k}"))?;
    let mut child = cli(bin, url, out, args)?;
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

/// A run left to finish on its own.
pub(super) fn plain_run(bin: &Path, url: &str, out: &Path) -> Result<RunResult, String> {
    plain_run_of(bin, url, out, CLEANUP)
}

/// A run of `args` left to finish on its own.
pub(super) fn plain_run_of(
    bin: &Path,
    url: &str,
    out: &Path,
    args: &[&str],
) -> Result<RunResult, String> {
    let status =
        cli(bin, url, out, args)?.wait().map_err(|e| format!("waiting for the CLI: {e}"))?;
    let output = std::fs::read(out).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(RunResult { code: status.code(), stopped: None, output })
}
