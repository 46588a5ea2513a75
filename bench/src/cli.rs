//! Items 7 and 4: the release CLI binary end to end, as a user runs it — plain, and against a
//! sandbox that throttles. Its path comes from the command line (`cargo xtask bench` builds it).

use std::fmt::Write as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use partner_center_sandbox::{Fault, Operation, RetryAfter};

use crate::clients::TOKEN;
use crate::load::seeded;
use crate::stats::{Ratios, verdict};

/// Item 7: 10,000 ids through the CLI with its embedded sandbox.
pub async fn end_to_end(out: &mut String, cli: &str) {
    let started = Instant::now();
    let output = tokio::process::Command::new(cli)
        .args([
            "--sandbox",
            "--seed",
            "10000",
            // Plain deletes, as this item always measured (no purchases to cancel).
            "--purchases-share",
            "0",
            "--rate",
            "0",
            "customers",
            "delete",
            "--all",
            "--yes",
            "--concurrency",
            "64",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("the CLI runs");
    let wall = started.elapsed();
    let summary = String::from_utf8_lossy(&output.stderr);
    let line = summary
        .lines()
        .find(|l| l.starts_with("deleted ") && l.contains("deletes/s"))
        .unwrap_or("no summary")
        .to_string();
    let _ = writeln!(
        out,
        "\n7. CLI end to end: `partner-center --sandbox --seed 10000 --rate 0 customers delete --all --yes --concurrency 64`: wall {:.2} s (list, then deletes); summary: {line}",
        wall.as_secs_f64()
    );
}

/// Item 4: 200 deletes at 8 in flight; the sandbox throttles three times with Retry-After: 1.
/// Three plain/throttled pairs, each pair's ratio taken against its own plain run.
pub async fn throttled(out: &mut String, cli: &str) {
    let mut ratios = Vec::new();
    let mut pauses = String::new();
    for _ in 0..3 {
        let (plain, _) = run(cli, None).await;
        let (throttled, summary) = run(cli, Some(3)).await;
        // The floor: the same run unthrottled, plus the one-second pause the Retry-After imposes
        // (the three throttles overlap into one shared pause when they come together).
        let floor = plain + Duration::from_secs(1);
        ratios.push(throttled.as_secs_f64() / floor.as_secs_f64());
        pauses = summary;
    }
    let ratios = Ratios(ratios);
    let _ = writeln!(
        out,
        "\n4. Throttled run (CLI, 200 deletes at 8 in flight, three 429s with Retry-After: 1): time/(unthrottled time + 1 s) {} — target ≤ 1.05 {}; last run: {pauses}",
        ratios.cell(),
        verdict(ratios.median() <= 1.05)
    );
}

/// One CLI run of 200 deletes against an in-process sandbox; `throttles` 429s first if set.
/// Returns the wall time and the CLI's `throttling:` summary line.
async fn run(cli: &str, throttles: Option<u32>) -> (Duration, String) {
    let (sandbox, _) = seeded(200).await;
    if let Some(times) = throttles {
        sandbox.inject(
            Fault::throttle(RetryAfter::Seconds(1))
                .for_operation(Operation::DeleteCustomer)
                .times(times),
        );
    }
    let started = Instant::now();
    let output = tokio::process::Command::new(cli)
        .args([
            "--base-url",
            &sandbox.base_url(),
            "--rate",
            "0",
            "customers",
            "delete",
            "--all",
            "--yes",
            "--concurrency",
            "8",
        ])
        .env("PARTNER_CENTER_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("the CLI runs");
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(sandbox.customers(TOKEN).is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let pauses = stderr.lines().find(|l| l.starts_with("throttling:")).unwrap_or("").to_string();
    (elapsed, pauses)
}
