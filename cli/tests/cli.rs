//! The `partner-center` binary, driven as a user would, against a sandbox on 127.0.0.1 (the
//! in-process sandbox library, so tests can script faults and read what it received).

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use partner_center_sandbox::{Fault, Operation, OrderSeed, RetryAfter, Sandbox};
use partner_center_tests::binary::{NO_TOOLS, isolated, json_lines, run, run_with_stdin, text};
use partner_center_tests::ids;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_partner-center");
const TOKEN: &str = "cli-test-token-secret";
const OTHER: &str = "other-partner-token";

async fn sandbox(customers: &[Uuid]) -> Sandbox {
    Sandbox::builder()
        .tip_partner(TOKEN)
        .customers(customers.iter().copied())
        .start()
        .await
        .expect("sandbox")
}

/// The command against `sandbox` with the token in an otherwise empty environment (no
/// `AZURE_*`, no proxies, no tools on `PATH`), stdin closed.
fn cli(sandbox: &Sandbox, args: &[&str]) -> tokio::process::Command {
    let mut cmd = isolated(BIN, NO_TOOLS, &[("PARTNER_CENTER_TOKEN", TOKEN)], &[]);
    cmd.arg("--base-url").arg(sandbox.base_url()).args(args);
    cmd
}

fn deletes(sandbox: &Sandbox) -> usize {
    partner_center_tests::requests_with(sandbox, "DELETE")
}

fn id_file(dir: &tempfile::TempDir, ids: &[Uuid]) -> std::path::PathBuf {
    let path = dir.path().join("ids.txt");
    let body: String = ids.iter().map(|id| format!("{id}\n")).collect();
    std::fs::write(&path, body).expect("write ids");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_ids_at_concurrency_16_are_deleted_and_the_json_lines_match_the_sandbox() {
    let seeded = ids(500);
    let sandbox = sandbox(&seeded).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = id_file(&dir, &seeded);
    let file = file.to_str().expect("path");
    let out = run(cli(
        &sandbox,
        &[
            "--rate",
            "0",
            "customers",
            "delete",
            "--from-file",
            file,
            "--yes",
            "--concurrency",
            "16",
            "--output",
            "json",
        ],
    ))
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("deleted 500, already gone 0, failed 0 of 500"), "{stderr}");
    assert!(sandbox.customers(TOKEN).is_empty());

    // One JSON object per customer, each naming the request the sandbox received for it.
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 500);
    let received: HashMap<String, String> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| {
            (
                r.path.rsplit('/').next().unwrap_or_default().to_string(),
                r.header("ms-requestid").unwrap_or_default().to_string(),
            )
        })
        .collect();
    let mut seen = HashSet::new();
    for line in &lines {
        let id = line["tenant_id"].as_str().expect("tenant_id");
        assert!(seen.insert(id.to_string()), "{id} reported twice");
        assert_eq!(line["outcome"], "deleted");
        assert_eq!(line["status"], 204);
        assert_eq!(line["attempts"], 1);
        assert!(line["elapsed_ms"].is_u64());
        assert!(line["correlation_id"].is_string());
        assert_eq!(line["request_id"].as_str(), received.get(id).map(String::as_str), "{id}");
    }
    assert!(
        !stderr.contains(TOKEN) && !text(&out.stdout).contains(TOKEN),
        "the token is never echoed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_paces_itself_under_the_rate_and_meets_no_429() {
    let seeded = ids(30);
    let per_minute = NonZeroU32::new(900).expect("nonzero");
    let burst = NonZeroU32::new(3).expect("nonzero");
    let sandbox = Sandbox::builder()
        .tip_partner(TOKEN)
        .customers(seeded.iter().copied())
        .rate_limit(per_minute, burst)
        .start()
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("dir");
    let file = id_file(&dir, &seeded);
    let started = Instant::now();
    let out = run(cli(
        &sandbox,
        &[
            "--rate",
            "600/min",
            "customers",
            "delete",
            "--from-file",
            file.to_str().expect("path"),
            "--yes",
            "--concurrency",
            "8",
        ],
    ))
    .await;
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // 30 requests, one every 100 ms: at least 2.9 s.
    assert!(elapsed >= Duration::from_millis(2850), "{elapsed:?}");
    assert_eq!(sandbox.throttled(), 0, "paced under the limit, the sandbox never throttled");
    assert!(sandbox.customers(TOKEN).is_empty());

    // Unpaced, the same sandbox does throttle: the pacing is what kept it quiet.
    let more = ids(30);
    for id in &more {
        sandbox.add_customer(TOKEN, *id);
    }
    let file = id_file(&dir, &more);
    let out = run(cli(
        &sandbox,
        &[
            "--rate",
            "0",
            "customers",
            "delete",
            "--from-file",
            file.to_str().expect("path"),
            "--yes",
            "--concurrency",
            "8",
        ],
    ))
    .await;
    // (Unpaced, workers released together after each pause meet the limit again; some may
    // run out of retries. That is what pacing is for.)
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out.stderr));
    assert!(sandbox.throttled() > 0);
    assert!(!text(&out.stderr).contains("throttling: 0 pause"), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ids_are_all_named_with_their_lines_and_nothing_is_sent() {
    let seeded = ids(2);
    let sandbox = sandbox(&seeded).await;
    let good = seeded[0].to_string();
    let out =
        run(cli(&sandbox, &["customers", "delete", "nope", &good, "{not-a-guid}", "--yes"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("argument 1: invalid customer tenant id `nope`"), "{stderr}");
    assert!(stderr.contains("argument 3: invalid customer tenant id `{not-a-guid}`"), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");

    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ids.txt");
    std::fs::write(&path, format!("# cleanup list\n{good}\n\n12345\n{}  # ok\nzz\n", seeded[1]))
        .expect("write");
    let out = run(cli(
        &sandbox,
        &["customers", "delete", "--from-file", path.to_str().expect("path"), "--yes"],
    ))
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ids.txt:4: invalid customer tenant id `12345`"), "{stderr}");
    assert!(stderr.contains("ids.txt:6: invalid customer tenant id `zz`"), "{stderr}");
    assert!(sandbox.requests().is_empty(), "nothing was sent");
    assert_eq!(sandbox.customers(TOKEN).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_failure_lists_each_failure_with_what_to_do_and_exits_1() {
    let (mine, theirs, blocked, unknown) =
        (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let sandbox = Sandbox::builder()
        .tip_partner(TOKEN)
        .customers([mine])
        .customer_with_active_purchases(blocked)
        .tip_partner(OTHER)
        .customers([theirs])
        .start()
        .await
        .expect("sandbox");
    let args = [mine, theirs, blocked, unknown].map(|id| id.to_string());
    let mut argv = vec!["--rate", "0", "customers", "delete", "--yes", "--output", "json"];
    argv.extend(args.iter().map(String::as_str));
    let out = run(cli(&sandbox, &argv)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("deleted 1, already gone 1, failed 2 of 4"), "{stderr}");
    assert!(stderr.contains("sign in as the partner that owns it"), "{stderr}");
    assert!(stderr.contains("CLI: --cancel-purchases"), "{stderr}");

    let by_id: HashMap<String, serde_json::Value> = json_lines(&out)
        .into_iter()
        .map(|l| (l["tenant_id"].as_str().expect("id").to_string(), l))
        .collect();
    assert_eq!(by_id[&mine.to_string()]["outcome"], "deleted");
    assert_eq!(by_id[&unknown.to_string()]["outcome"], "already_gone");
    assert_eq!(by_id[&unknown.to_string()]["status"], 404);
    let refused = &by_id[&theirs.to_string()];
    assert_eq!(
        (refused["outcome"].as_str(), refused["status"].as_u64()),
        (Some("failed"), Some(403))
    );
    assert_eq!(refused["error_code"], "20002");
    assert!(refused["request_id"].is_string(), "failures carry their ids for a support ticket");
    assert_eq!(by_id[&blocked.to_string()]["status"], 409);
    assert!(sandbox.has_customer(theirs) && sandbox.has_customer(blocked));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttling_stretch_pauses_every_worker_together() {
    let seeded = ids(40);
    let sandbox = sandbox(&seeded).await;
    sandbox.inject(
        Fault::throttle(RetryAfter::Seconds(1)).for_operation(Operation::DeleteCustomer).times(3),
    );
    let dir = tempfile::tempdir().expect("dir");
    let file = id_file(&dir, &seeded);
    let started = Instant::now();
    let out = run(cli(
        &sandbox,
        &[
            "--rate",
            "0",
            "customers",
            "delete",
            "--from-file",
            file.to_str().expect("path"),
            "--yes",
            "--concurrency",
            "8",
        ],
    ))
    .await;
    let elapsed = started.elapsed();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(sandbox.customers(TOKEN).is_empty());
    // Bounded below by the Retry-After.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(stderr.contains("throttling: "), "{stderr}");
    assert!(!stderr.contains("throttling: 0 pause"), "{stderr}");
    // Every worker paused together: after each 429, once the requests already on their way
    // have arrived, nothing arrives until its Retry-After is nearly over (read from the
    // sandbox's record, however many pauses the faults' timing made).
    let record = sandbox.requests();
    let throttled: Vec<Instant> =
        record.iter().filter(|r| r.status == Some(429)).map(|r| r.at).collect();
    assert_eq!(throttled.len(), 3);
    for at in &throttled {
        let quiet = (*at + Duration::from_millis(100))..(*at + Duration::from_millis(900));
        let sent: Vec<Duration> = record
            .iter()
            .filter(|r| quiet.contains(&r.at))
            .map(|r| r.at.duration_since(*at))
            .collect();
        assert!(sent.is_empty(), "requests {sent:?} after a 429, during its pause");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_sends_no_delete() {
    let sandbox = sandbox(&ids(5)).await;
    let out =
        run(cli(&sandbox, &["--rate", "0", "customers", "delete", "--all", "--dry-run"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().filter(|l| l.starts_with("would delete")).count(), 5, "{stdout}");
    assert!(stdout.contains("Contoso Test 0001"), "{stdout}");
    assert_eq!(deletes(&sandbox), 0);
    assert_eq!(sandbox.customers(TOKEN).len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_and_without_yes_it_refuses() {
    let sandbox = sandbox(&ids(3)).await;
    let out = run(cli(&sandbox, &["--rate", "0", "customers", "delete", "--all"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("refusing to delete 3 customers without confirmation"), "{stderr}");
    assert_eq!(deletes(&sandbox), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_ids_piped_into_delete_from_standard_input_round_trips() {
    let mut seeded = ids(12);
    let sandbox = sandbox(&seeded).await;
    let listed = run(cli(&sandbox, &["--rate", "0", "customers", "list", "--output", "ids"])).await;
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed.stderr));
    let mut got: Vec<Uuid> =
        text(&listed.stdout).lines().map(|l| l.parse().expect("an id per line")).collect();
    got.sort();
    seeded.sort();
    assert_eq!(got, seeded);

    let out = run_with_stdin(
        cli(&sandbox, &["--rate", "0", "customers", "delete", "--from-file", "-", "--yes"]),
        &listed.stdout,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(sandbox.customers(TOKEN).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_by_prefix_and_writes_table_and_json() {
    let sandbox = sandbox(&ids(12)).await;
    let out =
        run(cli(&sandbox, &["--rate", "0", "customers", "list", "--prefix", "contoso test 001"]))
            .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.starts_with("TENANT ID"), "{stdout}");
    assert_eq!(stdout.lines().count(), 4, "a header and 0010, 0011, 0012: {stdout}");
    let out = run(cli(
        &sandbox,
        &["--rate", "0", "customers", "list", "--prefix", "CONTOSOTEST0002", "--output", "json"],
    ))
    .await;
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["company_name"], "Contoso Test 0002");
    assert_eq!(lines[0]["domain"], "contosotest0002.onmicrosoft.com");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_finishes_the_deletes_in_flight_and_reports_what_was_not_attempted() {
    let seeded = ids(200);
    let sandbox = sandbox(&seeded).await;
    sandbox.inject(
        Fault::delay(Duration::from_millis(100))
            .for_operation(Operation::DeleteCustomer)
            .times(1000),
    );
    let dir = tempfile::tempdir().expect("dir");
    let file = id_file(&dir, &seeded);
    let mut cmd = cli(
        &sandbox,
        &[
            "--rate",
            "0",
            "customers",
            "delete",
            "--from-file",
            file.to_str().expect("path"),
            "--yes",
            "--concurrency",
            "2",
            "--output",
            "json",
        ],
    );
    let child = cmd.spawn().expect("spawn");
    // An event, not a sleep: deletes have reached the sandbox, so the run is under way (and
    // its Ctrl-C handler, installed before anything is sent, is listening).
    let until = Instant::now() + Duration::from_secs(60);
    while sandbox.requests().iter().filter(|r| r.method == "DELETE").count() < 4 {
        assert!(Instant::now() < until, "no deletes arrived: {:?}", sandbox.requests().len());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().await.expect("output");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");

    let lines = json_lines(&out);
    assert_eq!(lines.len(), 200, "every customer is reported: {stderr}");
    let remaining: HashSet<String> =
        sandbox.customers(TOKEN).iter().map(ToString::to_string).collect();
    let (mut deleted, mut not_attempted) = (0, 0);
    for line in &lines {
        let id = line["tenant_id"].as_str().expect("id");
        match line["outcome"].as_str() {
            Some("deleted") => {
                deleted += 1;
                assert!(!remaining.contains(id), "{id} reported deleted but still there");
            }
            Some("not_attempted") => {
                not_attempted += 1;
                assert!(remaining.contains(id), "{id} reported not attempted but gone");
            }
            other => panic!("unexpected outcome {other:?} for {id}"),
        }
    }
    assert!(deleted > 0 && not_attempted > 0, "{deleted} deleted, {not_attempted} not attempted");
    assert_eq!(remaining.len(), not_attempted, "nothing in an unknown state");
    assert!(
        stderr.contains(&format!("{not_attempted} customer(s) were not attempted")),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_and_usage_errors_exit_2_with_one_clear_line() {
    let sandbox = sandbox(&ids(1)).await;
    // No credential at all: one error lists the sources (the variable and the scope among
    // them) and the fix, and nothing is sent.
    let mut cmd = cli(&sandbox, &["customers", "list"]);
    cmd.env_remove("PARTNER_CENTER_TOKEN");
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("token: skipped: PARTNER_CENTER_TOKEN is not set")
            && stderr.contains("/.default")
            && stderr.contains("to fix: install the Azure CLI and run `az login`"),
        "{stderr}"
    );
    assert!(sandbox.requests().is_empty());

    for args in [
        &["customers", "delete"][..],
        &["customers", "delete", "--all", "--prefix", "x"][..],
        &["customers", "delete", "--all", "--concurrency", "0"][..],
        &["customers", "delete", "--all", "--rate", "fast"][..],
        &["--cloud", "mars", "customers", "list"][..],
    ] {
        let out = run(cli(&sandbox, args)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // A selection never widens: an empty prefix is refused, never "every customer".
    for args in [
        &["customers", "delete", "--prefix", "", "--yes"][..],
        &["customers", "delete", "--prefix", "   ", "--yes"][..],
        &["customers", "list", "--prefix", ""][..],
    ] {
        let out = run(cli(&sandbox, args)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("an empty prefix would select every customer"), "{stderr}");
    }
    // Polling is never a tight loop.
    let out = run(cli(
        &sandbox,
        &["customers", "delete", "--all", "--cancel-purchases", "--poll-interval", "0s", "--yes"],
    ))
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shorter than the shortest pause"), "{stderr}");
    assert!(sandbox.requests().is_empty());
}

/// A run that would cancel purchases against what could be Partner Center refuses before its
/// first read unless the TiP partner tenant is named and the token is that tenant's.
#[tokio::test]
async fn a_run_that_would_cancel_refuses_at_start_without_the_tip_tenant() {
    use partner_center_tests::identity::test_jwt;
    let tip = Uuid::new_v4();
    let jwt = test_jwt(&serde_json::json!({ "tid": Uuid::new_v4().to_string() }));
    // A host that resolves nowhere: a read would fail there with a transport error, so the
    // refusal below shows that nothing was read before it.
    let base = ["--base-url", "https://tip.partner-center.invalid"];
    let delete = ["customers", "delete", "--all", "--cancel-purchases", "--yes"];
    let tip_arg = tip.to_string();
    for (token, extra, expect) in [
        (TOKEN, &[][..], "no Testing in Production partner tenant was named"),
        (jwt.as_str(), &["--tip-tenant", tip_arg.as_str()][..], "not the named TiP partner tenant"),
        (TOKEN, &["--tip-tenant", tip_arg.as_str()][..], "no readable tenant"),
    ] {
        let mut cmd = isolated(BIN, NO_TOOLS, &[("PARTNER_CENTER_TOKEN", token)], &[]);
        cmd.args(base).args(extra).args(delete);
        let out = run(cmd).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expect) && stderr.contains("--tip-tenant"), "{stderr}");
        assert!(!stderr.contains(token), "the token is never shown: {stderr}");
        assert!(!stderr.contains("could not reach"), "refused before the first read: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_sandbox_needs_no_credentials_and_holds_purchases_like_a_real_one() {
    let embedded = |extra: &[&str]| {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args([
            "--sandbox",
            "--seed",
            "7",
            "--rate",
            "0",
            "customers",
            "delete",
            "--all",
            "--yes",
        ])
        .args(extra)
        .env_remove("PARTNER_CENTER_TOKEN");
        cmd
    };
    // A third of its customers hold orders, and a quarter of the rest subscriptions: a plain
    // delete is refused for those, with the flag that fixes it named.
    let plain = embedded(&[]).output().await.expect("runs");
    let stderr = text(&plain.stderr);
    assert_eq!(plain.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("deleted 4, already gone 0, failed 3 of 7"), "{stderr}");
    assert!(stderr.contains("--cancel-purchases"), "{stderr}");
    // The main job: the whole procedure.
    let out =
        embedded(&["--cancel-purchases", "--poll-interval", "200ms"]).output().await.expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("deleted 7, already gone 0, failed 0 of 7"), "{stderr}");
    assert!(stderr.contains("; cancelled "), "{stderr}");
    assert!(stderr.contains("; subscriptions ended "), "{stderr}");
    assert!(stderr.contains("Azure subscription cancels accepted: "), "the Azure plan: {stderr}");
}

/// On a terminal: the confirmation prompt (count and the first names), then the progress bar.
#[cfg(unix)]
#[test]
fn on_a_terminal_it_asks_first_and_shows_progress() {
    use expectrl::{Expect, Session};
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(["--sandbox", "--seed", "3", "--azure-plans", "0", "--rate", "120/min"]);
    cmd.args(["customers", "delete", "--all"]);
    cmd.env_remove("PARTNER_CENTER_TOKEN");
    let mut session = Session::spawn(cmd).expect("a pseudo-terminal");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session.expect("About to delete 3 customers").expect("the count");
    session.expect("Contoso Test 0001").expect("the first names");
    session.expect("Delete these 3 customers? [y/N]").expect("the prompt");
    session.send_line("y").expect("answer");
    session.expect("deleted or gone").expect("the progress bar");
    session.expect("deleted 3, already gone 0, failed 0 of 3").expect("the summary");
}

/// Saying no at the prompt deletes nothing.
#[cfg(unix)]
#[test]
fn declining_at_the_prompt_deletes_nothing() {
    use expectrl::{Expect, Session};
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(["--sandbox", "--seed", "2", "--rate", "0", "customers", "delete", "--all"]);
    let mut session = Session::spawn(cmd).expect("a pseudo-terminal");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session.expect("[y/N]").expect("the prompt");
    session.send_line("n").expect("answer");
    session.expect("not confirmed: nothing was deleted").expect("refusal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_production_account_is_told_that_deletes_need_a_tip_account() {
    let id = Uuid::new_v4();
    let sandbox = Sandbox::builder()
        .production_partner(TOKEN)
        .customers([id])
        .start()
        .await
        .expect("sandbox");
    let out = run(cli(&sandbox, &["--rate", "0", "customers", "delete", &id.to_string()])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("hint: Partner Center deletes customers only from a Testing in Production")
            && stderr.contains("if this partner account is not one"),
        "{stderr}"
    );
    assert!(sandbox.has_customer(id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_the_clients_tracing() {
    let sandbox = sandbox(&ids(2)).await;
    let out = run(cli(&sandbox, &["--rate", "0", "--verbose", "customers", "list"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("partner_center.list_customers"), "{stderr}");
    assert!(stderr.contains("request_id="), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_proxy_and_no_proxy_from_the_environment_are_honoured() {
    use partner_center_tests::{Reply, ScriptedServer};
    let sandbox = sandbox(&ids(1)).await;
    let proxy =
        ScriptedServer::start_with_fallback(vec![], Reply::json(200, r#"{"items":[]}"#)).await;
    let without_proxy_settings = |cmd: &mut tokio::process::Command| {
        for name in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            cmd.env_remove(name);
        }
    };

    let mut cmd = cli(&sandbox, &["--rate", "0", "customers", "list", "--output", "ids"]);
    without_proxy_settings(&mut cmd);
    cmd.env("HTTP_PROXY", proxy.url());
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).is_empty(), "the proxy's (empty) page");
    assert_eq!(proxy.seen().len(), 1, "the list went through the proxy");
    assert!(sandbox.requests().is_empty());

    let mut cmd = cli(&sandbox, &["--rate", "0", "customers", "list", "--output", "ids"]);
    without_proxy_settings(&mut cmd);
    cmd.env("HTTP_PROXY", proxy.url()).env("NO_PROXY", "127.0.0.1");
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 1, "the sandbox's customer");
    assert_eq!(proxy.seen().len(), 1, "NO_PROXY bypassed the proxy");
    assert_eq!(sandbox.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_only_credentials_come_from_the_azure_variables_and_incomplete_ones_are_named() {
    let sandbox = sandbox(&ids(1)).await;
    let mut cmd = cli(&sandbox, &["customers", "list"]);
    cmd.env_remove("PARTNER_CENTER_TOKEN")
        .env("AZURE_TENANT_ID", "contoso.onmicrosoft.com")
        .env("AZURE_CLIENT_SECRET", "azure-secret-value");
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("secret: skipped: AZURE_CLIENT_SECRET is set but AZURE_CLIENT_ID is not"),
        "{stderr}"
    );
    assert!(stderr.contains("to fix: complete the variables"), "{stderr}");

    // All three present but unusable: refused before any request (no network is touched), and
    // the chain stops there instead of trying a developer's own sign-in.
    let mut cmd = cli(&sandbox, &["customers", "list"]);
    cmd.env_remove("PARTNER_CENTER_TOKEN")
        .env("AZURE_TENANT_ID", "not a tenant!")
        .env("AZURE_CLIENT_ID", "app")
        .env("AZURE_CLIENT_SECRET", "azure-secret-value");
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("secret: failed:") && stderr.contains("invalid tenant"), "{stderr}");
    assert!(!stderr.contains("az: failed"), "{stderr}");
    assert!(!stderr.contains("azure-secret-value"), "the secret is never echoed");
    assert!(sandbox.requests().is_empty());
}

/// A sandbox whose customers hold orders (two of them sharing one order across line items).
async fn sandbox_with_orders(latency: Duration) -> (Sandbox, Vec<Uuid>) {
    let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let sandbox = Sandbox::builder()
        .tip_partner(TOKEN)
        .cancellation_latency(latency)
        .customer_with_orders(
            a,
            [OrderSeed::reserved_instance(), OrderSeed::software().line_items(2).included(2)],
        )
        .customer_with_orders(
            b,
            [OrderSeed::software().id("Shared1"), OrderSeed::software().id("Done1").cancelled()],
        )
        .customers([c])
        .start()
        .await
        .expect("sandbox");
    (sandbox, vec![a, b, c])
}

fn patches(sandbox: &Sandbox) -> Vec<partner_center_sandbox::RecordedRequest> {
    sandbox.requests().into_iter().filter(|r| r.method == "PATCH").collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_purchases_cancels_each_order_once_then_deletes_and_the_json_lines_match_the_sandbox()
 {
    let (sandbox, customers) = sandbox_with_orders(Duration::from_millis(200)).await;
    let out = run(cli(
        &sandbox,
        &[
            "--rate",
            "0",
            "customers",
            "delete",
            "--all",
            "--cancel-purchases",
            "--poll-interval",
            "50ms",
            "--yes",
            "--output",
            "json",
        ],
    ))
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(sandbox.customers(TOKEN).is_empty(), "{stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    let patched: HashSet<String> = patches(&sandbox)
        .iter()
        .map(|r| r.path.rsplit('/').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(patches(&sandbox).len(), 3, "each order cancelled once: {patched:?}");
    let mut reported = HashSet::new();
    for line in &lines {
        assert_eq!(line["outcome"], "deleted", "{line}");
        assert_eq!(line["reached"], "done", "{line}");
        for order in line["cancelled_orders"].as_array().expect("orders") {
            reported.insert(order.as_str().expect("id").to_string());
        }
        let id = line["tenant_id"].as_str().expect("id");
        let delete = sandbox
            .requests()
            .into_iter()
            .find(|r| r.method == "DELETE" && r.path.ends_with(id))
            .expect("its DELETE");
        assert_eq!(delete.header("ms-requestid"), line["request_id"].as_str());
    }
    assert_eq!(reported, patched, "the lines name exactly the orders the sandbox saw cancelled");
    let b = &lines.iter().find(|l| l["tenant_id"] == customers[1].to_string()).expect("b");
    assert_eq!(b["already_cancelled_orders"], serde_json::json!(["Done1"]));
    assert!(b["waited_ms"].as_u64().expect("waited") >= 150);
}

#[tokio::test]
async fn a_dry_run_with_cancel_purchases_reads_and_shows_the_orders_and_changes_nothing() {
    let (sandbox, customers) = sandbox_with_orders(Duration::ZERO).await;
    let out =
        run(cli(&sandbox, &["customers", "delete", "--all", "--cancel-purchases", "--dry-run"]))
            .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.contains("would cancel Shared1"), "{stdout}");
    assert!(stdout.contains("already cancelled Done1"), "{stdout}");
    assert!(sandbox.requests().iter().all(|r| r.method == "GET"), "only reads were sent");
    assert_eq!(sandbox.customers(TOKEN).len(), customers.len());
}

#[tokio::test]
async fn purchases_lists_what_blocks_each_delete() {
    let (sandbox, customers) = sandbox_with_orders(Duration::ZERO).await;
    let out = run(cli(&sandbox, &["customers", "purchases", "--all", "--output", "json"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    let of =
        |c: &Uuid| lines.iter().filter(|l| l["tenant_id"] == c.to_string()).collect::<Vec<_>>();
    assert_eq!(of(&customers[0]).len(), 2, "two orders");
    let b = of(&customers[1]);
    assert!(b.iter().any(|l| l["order_id"] == "Done1" && l["procedure"] == "already cancelled"));
    assert!(b.iter().any(|l| l["order_id"] == "Shared1"
        && l["procedure"] == "cancel"
        && l["status"] == "completed"));
    assert_eq!(of(&customers[2])[0]["state"], "no_purchases");
    assert!(patches(&sandbox).is_empty());
}

/// A customer holding a subscription of each kind the procedure ends, one past its window.
async fn sandbox_with_subscriptions() -> (Sandbox, Uuid) {
    use partner_center_sandbox::{NEW_COMMERCE_CANCELLATION_WINDOW, SubscriptionSeed};
    let c = Uuid::new_v4();
    let late = NEW_COMMERCE_CANCELLATION_WINDOW + Duration::from_secs(86_400);
    let sandbox = Sandbox::builder()
        .tip_partner(TOKEN)
        .subscription_latency(Duration::from_millis(100))
        .customer_with_subscriptions(
            c,
            [
                SubscriptionSeed::new_commerce().id("a4c1340d-6911-4758-bba3-0c4c6007d161"),
                SubscriptionSeed::new_commerce()
                    .id("b4c1340d-6911-4758-bba3-0c4c6007d162")
                    .created_ago(late),
                SubscriptionSeed::legacy().id("968BA1CF-C146-4ADF-A300-308DCF718EEE"),
                SubscriptionSeed::marketplace()
                    .id("c4c1340d-6911-4758-bba3-0c4c6007d163")
                    .deleted(),
            ],
        )
        .start()
        .await
        .expect("sandbox");
    (sandbox, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_purchases_ends_each_subscription_and_the_json_line_says_what_each_came_to() {
    let (sandbox, c) = sandbox_with_subscriptions().await;
    let purchases =
        run(cli(&sandbox, &["customers", "purchases", "--all", "--output", "json"])).await;
    let rows = json_lines(&purchases);
    let procedure = |id: &str| {
        rows.iter()
            .find(|r| r["subscription_id"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(id)))
            .map(|r| r["procedure"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("{id} not listed: {rows:?}"))
    };
    assert!(procedure("a4c1340d-6911-4758-bba3-0c4c6007d161").starts_with("cancel"));
    assert!(procedure("b4c1340d-6911-4758-bba3-0c4c6007d162").contains("suspend instead"));
    assert!(procedure("968BA1CF-C146-4ADF-A300-308DCF718EEE").starts_with("suspend"));
    assert_eq!(procedure("c4c1340d-6911-4758-bba3-0c4c6007d163"), "already ended");
    assert!(patches(&sandbox).is_empty(), "purchases only reads");

    let out = run(cli(
        &sandbox,
        &[
            "--rate",
            "0",
            "customers",
            "delete",
            "--all",
            "--cancel-purchases",
            "--poll-interval",
            "50ms",
            "--yes",
            "--output",
            "json",
        ],
    ))
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!sandbox.has_customer(c));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let subs = lines[0]["subscriptions"].as_array().expect("subscriptions");
    let of = |id: &str| {
        subs.iter()
            .find(|s| s["subscription_id"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(id)))
            .unwrap_or_else(|| panic!("{id}: {subs:?}"))
    };
    let nce = of("a4c1340d-6911-4758-bba3-0c4c6007d161");
    assert_eq!((&nce["result"], &nce["status"]), (&"ended".into(), &"deleted".into()));
    let late = of("b4c1340d-6911-4758-bba3-0c4c6007d162");
    assert_eq!((&late["result"], &late["status"]), (&"ended".into(), &"suspended".into()));
    assert_eq!(late["suspended_not_cancelled"], true, "{late}");
    let legacy = of("968BA1CF-C146-4ADF-A300-308DCF718EEE");
    assert_eq!((&legacy["result"], &legacy["status"]), (&"ended".into(), &"suspended".into()));
    assert_eq!(of("c4c1340d-6911-4758-bba3-0c4c6007d163")["result"], "already_ended");
    // What the line says was sent is what the sandbox received: one update each, two for the
    // one past its window (the cancel refused, then the suspend).
    let sent = |id: &str| patches(&sandbox).iter().filter(|r| r.path.ends_with(id)).count();
    assert_eq!(sent("a4c1340d-6911-4758-bba3-0c4c6007d161"), 1);
    assert_eq!(sent("b4c1340d-6911-4758-bba3-0c4c6007d162"), 2);
    assert_eq!(sent("968BA1CF-C146-4ADF-A300-308DCF718EEE"), 1);
    assert_eq!(sent("c4c1340d-6911-4758-bba3-0c4c6007d163"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_during_the_wait_stops_it_at_once_and_reports_each_customers_step() {
    let (sandbox, customers) = sandbox_with_orders(Duration::from_secs(600)).await;
    let mut cmd = cli(
        &sandbox,
        &[
            "--rate",
            "0",
            "customers",
            "delete",
            "--all",
            "--cancel-purchases",
            "--poll-interval",
            "100ms",
            "--yes",
            "--output",
            "json",
        ],
    );
    let child = cmd.spawn().expect("spawn");
    // An event, not a sleep: every order's cancel has reached the sandbox.
    let until = Instant::now() + Duration::from_secs(60);
    while patches(&sandbox).len() < 3 {
        assert!(Instant::now() < until, "the cancels never arrived: {:?}", sandbox.requests());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = child.id().expect("pid").to_string();
    assert!(
        std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill").success()
    );
    let out = child.wait_with_output().await.expect("output");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "{stderr}");
    for c in &customers[..2] {
        let line = lines.iter().find(|l| l["tenant_id"] == c.to_string()).expect("reported");
        assert_eq!(line["outcome"], "stopped", "{line}");
        assert_eq!(line["reached"], "waiting", "{line}");
        // Accepted, and never read cancelled (the latency is ten minutes): two lists.
        assert!(!line["cancel_accepted_orders"].as_array().expect("orders").is_empty(), "{line}");
        assert_eq!(line["cancelled_orders"], serde_json::json!([]), "{line}");
        assert!(sandbox.has_customer(*c), "orders cancelled, not deleted");
    }
    assert!(stderr.contains("cancels accepted"), "{stderr}");
    assert!(stderr.contains("run again to finish"), "{stderr}");
}

#[tokio::test]
async fn the_retired_germany_cloud_is_refused_with_its_reason_before_anything_is_sent() {
    let out = tokio::process::Command::new(BIN)
        .args(["--cloud", "germany", "customers", "list"])
        .env("PARTNER_CENTER_TOKEN", TOKEN)
        .output()
        .await
        .expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Microsoft Cloud Germany") && stderr.contains("retired"), "{stderr}");
}

#[tokio::test]
async fn https_with_an_untrusted_certificate_fails_at_once_and_ca_cert_trusts_it() {
    let (url, handshakes) = partner_center_tests::https_server().await;
    let id = Uuid::new_v4().to_string();
    let run_with = |extra: &[&str]| {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(["--base-url", &url, "--rate", "0"])
            .args(extra)
            .args(["customers", "delete", &id, "--yes"])
            .env("PARTNER_CENTER_TOKEN", TOKEN)
            .env_remove("SSL_CERT_FILE");
        cmd
    };
    let out = run(run_with(&[])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not trusted") && stderr.contains("--ca-cert"), "{stderr}");
    assert_eq!(handshakes.load(std::sync::atomic::Ordering::SeqCst), 1, "not retried: {stderr}");

    let ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tls/ca.pem");
    let out = run(run_with(&["--ca-cert", ca.to_str().expect("path")])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("deleted 1"), "{stderr}");

    let out = run(run_with(&["--ca-cert", "Cargo.toml"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--ca-cert Cargo.toml"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_then_delete_by_fixture_age_removes_exactly_those_customers() {
    let bystanders = ids(2);
    let sandbox = sandbox(&bystanders).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let passwords = dir.path().join("passwords.jsonl");
    let passwords_arg = passwords.to_str().expect("utf-8 path");
    let out = run(cli(
        &sandbox,
        &[
            "customers",
            "create",
            "--count",
            "3",
            "--name-prefix",
            "Demo",
            "--passwords-file",
            passwords_arg,
        ],
    ))
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "{}", text(&out.stdout));
    for line in &lines {
        assert!(line["domain"].as_str().is_some_and(|d| d.starts_with("pcfx-demo-")), "{line}");
        assert_eq!(line["tag"], "demo");
        assert_eq!(line["creation"], "created");
        // No password on stdout or stderr.
        assert!(line.get("password").is_none());
    }
    assert!(
        stderr.contains("partner-center customers delete ")
            && stderr.contains("--cancel-purchases --yes"),
        "{stderr}"
    );
    // The passwords went to the new file, owner-only.
    let written = std::fs::read_to_string(&passwords).expect("the passwords file");
    assert_eq!(written.lines().count(), 3);
    // No password anywhere on stdout or stderr.
    for line in written.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let password = v["password"].as_str().expect("a password");
        assert!(!text(&out.stdout).contains(password) && !stderr.contains(password));
    }
    assert!(written.lines().all(|l| {
        serde_json::from_str::<serde_json::Value>(l)
            .is_ok_and(|v| v["password"].as_str().is_some_and(|p| !p.is_empty()))
    }));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&passwords).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // An existing file is never written to (nothing is created either).
    let again = run(cli(
        &sandbox,
        &[
            "customers",
            "create",
            "--count",
            "1",
            "--name-prefix",
            "Demo",
            "--passwords-file",
            passwords_arg,
        ],
    ))
    .await;
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("must be a new file"));
    assert_eq!(sandbox.customers(TOKEN).len(), 5);

    // The dry run names them; the delete removes them and nothing else.
    let dry =
        run(cli(&sandbox, &["customers", "delete", "--fixtures-older-than", "0s", "--dry-run"]))
            .await;
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry.stderr));
    assert_eq!(text(&dry.stdout).lines().filter(|l| l.starts_with("would delete")).count(), 3);
    let none =
        run(cli(&sandbox, &["customers", "delete", "--fixtures-older-than", "1h", "--dry-run"]))
            .await;
    assert_eq!(text(&none.stdout).lines().filter(|l| l.starts_with("would delete")).count(), 0);
    let gone = run(cli(
        &sandbox,
        &[
            "customers",
            "delete",
            "--fixtures-older-than",
            "0s",
            "--fixture-tag",
            "demo",
            "--cancel-purchases",
            "--yes",
        ],
    ))
    .await;
    assert_eq!(gone.status.code(), Some(0), "{}", text(&gone.stderr));
    let mut left = sandbox.customers(TOKEN);
    left.sort();
    let mut expected = bystanders.clone();
    expected.sort();
    assert_eq!(left, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_with_purchase_buys_and_the_delete_cancels_it() {
    let sandbox = Sandbox::builder()
        .tip_partner(TOKEN)
        .purchase_listing_lag(Duration::ZERO)
        .cancellation_latency(Duration::from_millis(100))
        .start()
        .await
        .expect("sandbox");
    let out =
        run(cli(&sandbox, &["customers", "create", "--name-prefix", "buy", "--with-purchase"]))
            .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    let id: Uuid = lines[0]["id"].as_str().expect("an id").parse().expect("a GUID");
    assert_eq!(lines[0]["purchase_orders"].as_array().map(Vec::len), Some(1), "{}", lines[0]);
    assert_eq!(sandbox.orders(id).len(), 1);
    let gone = run(cli(
        &sandbox,
        &[
            "customers",
            "delete",
            "--fixtures-older-than",
            "0s",
            "--cancel-purchases",
            "--poll-interval",
            "50ms",
            "--yes",
        ],
    ))
    .await;
    assert_eq!(gone.status.code(), Some(0), "{}", text(&gone.stderr));
    assert!(sandbox.customers(TOKEN).is_empty());
}
