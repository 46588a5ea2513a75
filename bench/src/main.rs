//! `cargo xtask bench`: the client against the bare-`reqwest` floor, on loopback.
//!
//! Every figure is a ratio measured in this one run, with the compared variants interleaved
//! round by round (their order rotated each round) so machine drift cancels; each is reported as
//! the median over the rounds with its min–max. Bounded: fixed request counts, 127.0.0.1 only.

mod cleanup;
mod floor;

use std::fmt::Write as _;
use std::future::Future;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt, stream};
use partner_center_client::hooks::CallContext;
use partner_center_client::{AccessToken, PartnerCenter, RetryPolicy, generated};
use partner_center_sandbox::{Fault, Operation, RetryAfter, Sandbox};
use uuid::Uuid;

const TOKEN: &str = "bench-token";
const ROUNDS: usize = 5;

/// Median and range of per-round ratios.
struct Ratios(Vec<f64>);

impl Ratios {
    fn median(&self) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    fn cell(&self) -> String {
        let min = self.0.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!("{:.3} ({min:.3}–{max:.3})", self.median())
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() * 99 / 100).min(v.len() - 1)]
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn facade(base_url: &str) -> PartnerCenter {
    PartnerCenter::builder()
        .base_url(base_url)
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::default())
        .build()
        .expect("client")
}

fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(partner_center_client::USER_AGENT)
        .build()
        .expect("reqwest")
}

/// The same request the facade sends, by hand.
async fn bare_delete(http: &reqwest::Client, base_url: &str, id: Uuid) -> u16 {
    http.delete(format!("{base_url}/v1/customers/{id}"))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("Accept", "application/json")
        .header("Content-Length", "0")
        .header("MS-RequestId", Uuid::new_v4().to_string())
        .header("MS-CorrelationId", Uuid::new_v4().to_string())
        .header("MS-PartnerCenter-Application", "partner-center-client")
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// The same request through the generated client alone (ids set by hand, as the facade's hooks
/// would).
async fn generated_delete(client: &generated::Client, id: Uuid) -> bool {
    client
        .delete_customer()
        .customer_tenant_id(id)
        .ms_request_id(Uuid::new_v4())
        .ms_correlation_id(Uuid::new_v4())
        .ms_partner_center_application("partner-center-client")
        .send()
        .await
        .is_ok()
}

/// The three ways to send the same DELETE to the floor server: bare reqwest, the generated
/// client alone, the facade (indices 0, 1, 2 in the latency table).
struct Sequential {
    server: floor::Server,
    url: String,
    http: reqwest::Client,
    pc: PartnerCenter,
    generated: generated::Client,
}

const VARIANTS: [&str; 3] = ["bare", "generated", "facade"];

impl Sequential {
    async fn start() -> Self {
        let server = floor::Server::start().await;
        let url = server.url();
        let ctx = CallContext::new(AccessToken::new(TOKEN)).expect("token");
        let generated = generated::Client::new_with_client(&url, bare(), ctx);
        Self { pc: facade(&url), http: bare(), generated, url, server }
    }

    /// One call of variant `v` (an index into [`VARIANTS`]); whether it answered 204.
    async fn call(&self, v: usize, id: Uuid) -> bool {
        match v {
            0 => bare_delete(&self.http, &self.url, id).await == 204,
            1 => generated_delete(&self.generated, id).await,
            _ => self.pc.customers().by_id(id.into()).delete().await.is_ok(),
        }
    }
}

/// Item 1: sequential latency against a minimal 204 server; bare, generated, facade.
async fn sequential(out: &mut String) {
    const PER_ROUND: usize = 400;
    let variants = Sequential::start().await;
    let (server, url, http) = (&variants.server, &variants.url, &variants.http);
    let pc = &variants.pc;
    let id = Uuid::new_v4();
    // Warm every connection pool first.
    for _ in 0..50 {
        bare_delete(http, url, id).await;
        let _ = pc.customers().by_id(id.into()).delete().await;
    }
    let mut all: [Vec<Duration>; 3] = Default::default();
    let (mut gen_ratio, mut facade_ratio) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Call by call, the three variants take turns (their order rotating each round), so
        // drift in the machine's load falls on all three alike.
        let mut times: [Vec<Duration>; 3] = Default::default();
        for i in 0..PER_ROUND {
            for k in 0..3 {
                let variant = (k + round + i) % 3;
                let started = Instant::now();
                let ok = variants.call(variant, id).await;
                times[variant].push(started.elapsed());
                assert!(ok, "variant {variant} failed");
            }
        }
        let medians = times.clone().map(median);
        for (v, t) in times.into_iter().enumerate() {
            all[v].extend(t);
        }
        gen_ratio.push(medians[1].as_secs_f64() / medians[0].as_secs_f64());
        facade_ratio.push(medians[2].as_secs_f64() / medians[0].as_secs_f64());
    }
    let [b, g, f] = all;
    let n = b.len();
    let _ = writeln!(
        out,
        "\n1. Sequential latency, {n} calls per variant, {ROUNDS} rounds, the variants taking turns call by call, minimal hyper 204 server"
    );
    let _ = writeln!(out, "   | variant | median | p99 | median ratio to bare (min–max) |");
    let _ = writeln!(out, "   |---|---|---|---|");
    let _ = writeln!(
        out,
        "   | bare reqwest | {} | {} | 1 |",
        micros(median(b.clone())),
        micros(p99(b))
    );
    let _ = writeln!(
        out,
        "   | generated client | {} | {} | {} |",
        micros(median(g.clone())),
        micros(p99(g)),
        Ratios(gen_ratio).cell()
    );
    let facade_ratios = Ratios(facade_ratio);
    let verdict = if facade_ratios.median() <= 1.05 { "met" } else { "NOT met" };
    let _ = writeln!(
        out,
        "   | facade | {} | {} | {} |",
        micros(median(f.clone())),
        micros(p99(f)),
        facade_ratios.cell()
    );
    let _ = writeln!(out, "   target: facade median ≤ 1.05× bare — {verdict}");

    // Item 3: connections for 1,000 sequential facade calls.
    let before = server.connections();
    let pc = facade(url);
    for _ in 0..1000 {
        pc.customers().by_id(id.into()).delete().await.expect("204");
    }
    let opened = server.connections() - before;
    let before = server.connections();
    let http = bare();
    for _ in 0..1000 {
        bare_delete(&http, url, id).await;
    }
    let bare_opened = server.connections() - before;
    let verdict = if opened == 1 { "met" } else { "NOT met" };
    let _ = writeln!(
        out,
        "\n3. Connections opened by 1,000 sequential facade calls: {opened} (target 1 — {verdict}); by bare reqwest: {bare_opened}"
    );
}

async fn seeded(n: usize) -> (Sandbox, Vec<Uuid>) {
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
    let sandbox = Sandbox::builder()
        .tip_partner(TOKEN)
        .customers(ids.iter().copied())
        .start()
        .await
        .expect("sandbox");
    (sandbox, ids)
}

/// Runs `call` over `ids`, `concurrency` at a time; every call must succeed.
async fn drive<F, Fut>(ids: &[Uuid], concurrency: usize, call: F) -> Duration
where
    F: Fn(Uuid) -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    let failures = stream::iter(ids.iter().copied())
        .map(&call)
        .buffer_unordered(concurrency)
        .filter(|ok| std::future::ready(!ok))
        .count()
        .await;
    assert_eq!(failures, 0, "some deletes failed");
    started.elapsed()
}

/// Item 2: bulk throughput against the sandbox, facade vs bare, at 1, 8 and 64 in flight.
async fn bulk(out: &mut String) {
    const N: usize = 10_000;
    let _ = writeln!(
        out,
        "\n2. Bulk throughput, {N} deletes per variant per round against the sandbox, {ROUNDS} interleaved rounds"
    );
    let _ = writeln!(
        out,
        "   | in flight | bare req/s | facade req/s | facade/bare (min–max) | target ≥ 0.95 |"
    );
    let _ = writeln!(out, "   |---|---|---|---|---|");
    for concurrency in [1, 8, 64] {
        let n = if concurrency == 1 { N / 5 } else { N };
        let mut ratios = Vec::new();
        let (mut bare_rates, mut facade_rates) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let mut rates = [0.0; 2];
            for k in 0..2 {
                let variant = (k + round) % 2;
                let (sandbox, ids) = seeded(n).await;
                let url = sandbox.base_url();
                let elapsed = if variant == 0 {
                    let http = bare();
                    drive(&ids, concurrency, |id| {
                        let (http, url) = (&http, &url);
                        async move { bare_delete(http, url, id).await == 204 }
                    })
                    .await
                } else {
                    let pc = facade(&url);
                    drive(&ids, concurrency, |id| {
                        let pc = &pc;
                        async move { pc.customers().by_id(id.into()).delete().await.is_ok() }
                    })
                    .await
                };
                rates[variant] = n as f64 / elapsed.as_secs_f64();
            }
            bare_rates.push(rates[0]);
            facade_rates.push(rates[1]);
            ratios.push(rates[1] / rates[0]);
        }
        let ratios = Ratios(ratios);
        let verdict = if ratios.median() >= 0.95 { "met" } else { "NOT met" };
        let mid = |v: &Vec<f64>| {
            let mut v = v.clone();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let _ = writeln!(
            out,
            "   | {concurrency} | {:.0} | {:.0} | {} | {verdict} |",
            mid(&bare_rates),
            mid(&facade_rates),
            ratios.cell()
        );
    }
}

/// Item 5: the sandbox alone under load vs a minimal hyper 204 server.
async fn sandbox_alone(out: &mut String) {
    const N: usize = 10_000;
    let mut ratios = Vec::new();
    let mut rates = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let mut r = [0.0; 2];
        for k in 0..2 {
            let variant = (k + round) % 2;
            let http = bare();
            let elapsed = if variant == 0 {
                let server = floor::Server::start().await;
                let url = server.url();
                let ids: Vec<Uuid> = (0..N).map(|_| Uuid::new_v4()).collect();
                drive(&ids, 64, |id| {
                    let (http, url) = (&http, &url);
                    async move { bare_delete(http, url, id).await == 204 }
                })
                .await
            } else {
                let (sandbox, ids) = seeded(N).await;
                let url = sandbox.base_url();
                drive(&ids, 64, |id| {
                    let (http, url) = (&http, &url);
                    async move { bare_delete(http, url, id).await == 204 }
                })
                .await
            };
            r[variant] = N as f64 / elapsed.as_secs_f64();
        }
        rates.0.push(r[0]);
        rates.1.push(r[1]);
        ratios.push(r[1] / r[0]);
    }
    let ratios = Ratios(ratios);
    let verdict = if ratios.median() >= 0.9 { "met" } else { "NOT met" };
    let _ = writeln!(
        out,
        "\n5. Sandbox alone: DELETE req/s at 64 in flight (bare reqwest as load generator), sandbox/minimal-server {} — target ≥ 0.9 {verdict}",
        ratios.cell()
    );
}

/// Item 6: paging 10,000 customers, facade stream vs bare reqwest following the next links.
async fn listing(out: &mut String) {
    const N: usize = 10_000;
    let (sandbox, _) = seeded(N).await;
    let url = sandbox.base_url();
    let http = bare();
    let pc = facade(&url);
    let mut ratios = Vec::new();
    for round in 0..ROUNDS {
        let mut rates = [0.0; 2];
        for k in 0..2 {
            let variant = (k + round) % 2;
            let started = Instant::now();
            let count = if variant == 0 {
                bare_list(&http, &url).await
            } else {
                pc.customers().list().stream().try_collect::<Vec<_>>().await.expect("listing").len()
            };
            assert_eq!(count, N);
            rates[variant] = N as f64 / started.elapsed().as_secs_f64();
        }
        ratios.push(rates[1] / rates[0]);
    }
    let _ = writeln!(
        out,
        "\n6. Listing {N} customers (20 pages of 500): facade/bare items/s {}",
        Ratios(ratios).cell()
    );
}

/// Lists every customer with bare reqwest, following `links.next` as the docs say.
async fn bare_list(http: &reqwest::Client, base_url: &str) -> usize {
    let mut count = 0;
    let mut next: Option<(String, String)> = None;
    loop {
        let request = match &next {
            None => http.get(format!("{base_url}/v1/customers?size=500")),
            Some((uri, token)) => {
                http.get(format!("{base_url}{uri}")).header("MS-ContinuationToken", token)
            }
        };
        let page: serde_json::Value = request
            .header("Authorization", format!("Bearer {TOKEN}"))
            .header("Accept", "application/json")
            .header("MS-RequestId", Uuid::new_v4().to_string())
            .header("MS-CorrelationId", Uuid::new_v4().to_string())
            .send()
            .await
            .expect("page")
            .json()
            .await
            .expect("json");
        count += page["items"].as_array().map_or(0, Vec::len);
        let link = &page["links"]["next"];
        match (link["uri"].as_str(), link["headers"][0]["value"].as_str()) {
            (Some(uri), Some(token)) => next = Some((uri.to_string(), token.to_string())),
            _ => return count,
        }
    }
}

/// Items 4 and 7: the CLI end to end (release binary), plain and throttled.
async fn cli(out: &mut String, cli: &str) {
    // Item 7: 10,000 ids through the CLI with its embedded sandbox.
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

    // Item 4: 200 deletes at 8 in flight; the sandbox throttles three times with Retry-After: 1.
    let mut ratios = Vec::new();
    let mut pauses = String::new();
    for _ in 0..3 {
        let (plain, _) = cli_run(cli, None).await;
        let (throttled, summary) = cli_run(cli, Some(3)).await;
        // The floor: the same run unthrottled, plus the one-second pause the Retry-After imposes
        // (the three throttles overlap into one shared pause when they come together).
        let floor = plain + Duration::from_secs(1);
        ratios.push(throttled.as_secs_f64() / floor.as_secs_f64());
        pauses = summary;
    }
    let ratios = Ratios(ratios);
    let verdict = if ratios.median() <= 1.05 { "met" } else { "NOT met" };
    let _ = writeln!(
        out,
        "\n4. Throttled run (CLI, 200 deletes at 8 in flight, three 429s with Retry-After: 1): time/(unthrottled time + 1 s) {} — target ≤ 1.05 {verdict}; last run: {pauses}",
        ratios.cell()
    );
}

/// One CLI run of 200 deletes against an in-process sandbox; `throttles` 429s first if set.
async fn cli_run(cli: &str, throttles: Option<u32>) -> (Duration, String) {
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

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    format!(
        "machine: {cores} cores, {cpu}; build profile: {profile}; loopback (client and server share the cores)"
    )
}

/// `profile VARIANT N`: only N sequential calls of one variant (bare, generated, facade)
/// against the floor server, for `valgrind --tool=callgrind` instruction counts per call.
async fn profile(variant: &str, n: usize) {
    let Some(v) = VARIANTS.iter().position(|name| *name == variant) else {
        panic!("unknown variant {variant}: bare, generated or facade");
    };
    let variants = Sequential::start().await;
    let id = Uuid::new_v4();
    for _ in 0..n {
        assert!(variants.call(v, id).await);
    }
}

/// `profile sandbox N`: N deletes at 64 in flight against a sandbox seeded with N customers,
/// for `perf record` of the sandbox under the load item 5 measures.
async fn profile_sandbox(n: usize) {
    let (sandbox, ids) = seeded(n).await;
    let url = sandbox.base_url();
    let http = bare();
    drive(&ids, 64, |id| {
        let (http, url) = (&http, &url);
        async move { bare_delete(http, url, id).await == 204 }
    })
    .await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("profile") {
        let variant = args.get(2).map_or("facade", String::as_str);
        let n = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(2000);
        if variant == "sandbox" {
            profile_sandbox(n).await;
        } else {
            profile(variant, n).await;
        }
        return;
    }
    // Item 8 alone (about five minutes, most of it the C# port's 5-second polls).
    if args.get(1).map(String::as_str) == Some("cleanup") {
        let Some(cli) = args.get(2) else {
            eprintln!(
                "usage: partner-center-bench cleanup <path of the release partner-center binary>"
            );
            std::process::exit(2);
        };
        let mut out = String::new();
        cleanup::cleanup(&mut out, cli).await;
        print!("{out}");
        return;
    }
    let cli_path = args.get(1).cloned();
    let mut out = String::new();
    let _ = writeln!(out, "{}", machine());
    let started = Instant::now();
    sequential(&mut out).await;
    bulk(&mut out).await;
    sandbox_alone(&mut out).await;
    listing(&mut out).await;
    match cli_path {
        Some(path) => {
            cli(&mut out, &path).await;
            cleanup::cleanup(&mut out, &path).await;
        }
        None => {
            let _ = writeln!(
                out,
                "\n4./7./8. skipped: pass the release CLI binary's path (cargo xtask bench does)"
            );
        }
    }
    let _ = writeln!(out, "\n(bench took {:.0} s)", started.elapsed().as_secs_f64());
    print!("{out}");
}
