//! `cargo xtask conformance`: schemathesis, pinned, against a freshly started sandbox.
//!
//! Two runs with a fixed seed and `--checks all` (authentication checks included):
//! one with generated customer ids (malformed ids, missing/odd headers, no token, other
//! methods), and one with the path pinned to a seeded customer so the `204` path and the
//! following `404`s are exercised too.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The schemathesis release the runs are pinned to.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";
const SEED: &str = "20261123";

/// What the runs did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Test cases schemathesis generated, over both runs.
    pub cases: u64,
}

use crate::process::{KillOnDrop, cargo, loopback_request, run_checked, target_dir};

/// Installs schemathesis under `target/conformance/venv` unless the pinned version is there.
fn schemathesis(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join("target/conformance/venv");
    let st = venv.join("bin/st");
    let marker = venv.join(format!("schemathesis-{SCHEMATHESIS_VERSION}"));
    if st.exists() && marker.exists() {
        return Ok(st);
    }
    run_checked(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv")?;
    run_checked(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")),
        "pip install schemathesis",
    )?;
    std::fs::write(&marker, "").map_err(|e| format!("{}: {e}", marker.display()))?;
    Ok(st)
}

/// Builds and starts the sandbox binary on a free loopback port; returns it and its base URL.
fn start_sandbox(root: &Path, token: &str, customer: &str) -> Result<(KillOnDrop, String), String> {
    run_checked(
        Command::new(cargo()).current_dir(root).args([
            "build",
            "--quiet",
            "-p",
            "partner-center-sandbox",
            "--features",
            "partner-center-sandbox/cli",
        ]),
        "cargo build -p partner-center-sandbox --features cli",
    )?;
    let exe = target_dir(root).join("debug/partner-center-sandbox");
    let mut child = Command::new(&exe)
        .args(["--port", "0", "--customers", "3", "--token", token, "--customer", customer])
        // Creates of schema-valid customers are accepted; the documented limit of 75 is tested
        // in the suite, not here (a schema cannot say how many creates came before).
        .args(["--customer-limit", "1000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: cannot start: {e}", exe.display()))?;
    let stdout = child.stdout.take().ok_or("sandbox stdout unavailable")?;
    let guard = KillOnDrop(child);
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first).map_err(|e| format!("reading the sandbox's base URL: {e}"))?;
    // Keep reading so the sandbox never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = first.trim().to_string();
    if !url.starts_with("http://127.0.0.1:") {
        return Err(format!("the sandbox printed `{url}` instead of its base URL"));
    }
    Ok((guard, url))
}

/// Runs both schemathesis passes; fails on any failure.
pub fn run(root: &Path) -> Result<Report, String> {
    let st = schemathesis(root)?;
    let token = format!("conformance-{}", uuid::Uuid::new_v4().simple());
    let customer = uuid::Uuid::new_v4().to_string();
    let (_sandbox, url) = start_sandbox(root, &token, &customer)?;

    // A continuation token is valid only if the server issued it, which a schema cannot say:
    // every run sends one the sandbox issued, so schema-valid list requests are accepted.
    let continuation = continuation_token(&url, &token)?;
    let parameters =
        format!("[parameters]\n\"header.MS-ContinuationToken\" = \"{continuation}\"\n");
    // A create of a schema-valid customer may still be refused with a documented 400 that no
    // schema can express: the country rules (an organization registration number and a phone
    // in some countries, none elsewhere), an e-mail the notification service refuses.
    // So may a cart of a schema-valid item the sandbox does not sell (documented code 10001).
    let create = ["create_customer", "create_cart"]
        .map(|id| {
            format!(
                "[[operations]]\ninclude-operation-id = \"{id}\"\n\
                 checks.positive_data_acceptance.expected-statuses = \
                 [\"2xx\", \"400\", \"401\", \"403\", \"404\", \"409\", \"429\", \"5xx\"]\n"
            )
        })
        .concat();
    let generated = root.join("target/conformance/generated-ids.toml");
    let pinned = root.join("target/conformance/pinned-customer.toml");
    for (path, text) in [
        (&generated, format!("{parameters}{create}")),
        (&pinned, format!("{parameters}\"path.customer-tenant-id\" = \"{customer}\"\n{create}")),
    ] {
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }

    let spec = root.join(crate::SPEC_PATH);
    let mut cases = 0;
    for (label, config) in [("generated ids", &generated), ("seeded customer", &pinned)] {
        println!("conformance: schemathesis {SCHEMATHESIS_VERSION}, {label}, against {url}");
        let mut cmd = Command::new(&st);
        cmd.arg("--config-file")
            .arg(config)
            .arg("run")
            .arg(&spec)
            .args(["--url", &url, "--checks", "all", "--seed", SEED, "--workers", "1"])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--warnings", "off", "--no-color"])
            .current_dir(root.join("target/conformance"))
            .env("SCHEMATHESIS_TELEMETRY", "false");
        let output = cmd.output().map_err(|e| format!("schemathesis: cannot start: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        print!("{text}");
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        if !output.status.success() {
            return Err(format!("schemathesis ({label}) found failures ({})", output.status));
        }
        cases += generated_cases(&text).ok_or_else(|| {
            format!("schemathesis ({label}): no `N generated` line in its output")
        })?;
    }
    Ok(Report { cases })
}

/// Asks the sandbox at `base_url` for a first page of one customer and returns the
/// `MS-ContinuationToken` of its next link (plain HTTP/1.1 over loopback; xtask has no client).
fn continuation_token(base_url: &str, token: &str) -> Result<String, String> {
    let (_, answer) = loopback_request(base_url, "GET", "/v1/customers?size=1", token)?;
    let body = String::from_utf8_lossy(&answer);
    let page: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| format!("the sandbox's first page is not JSON ({e}): {body:.300}"))?;
    page["links"]["next"]["headers"][0]["value"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("the sandbox's first page has no continuation token: {body:.300}"))
}

/// The `N generated` count from schemathesis's summary.
fn generated_cases(output: &str) -> Option<u64> {
    output.lines().find_map(|line| {
        let (count, _) = line.trim().split_once(" generated")?;
        count.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_case_count() {
        assert_eq!(
            super::generated_cases("Test cases:\n  161 generated, 161 passed, 2 skipped\n"),
            Some(161)
        );
        assert_eq!(super::generated_cases("nothing"), None);
    }
}
