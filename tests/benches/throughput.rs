//! Sandbox throughput for `DELETE /v1/customers/{id}` (all answers 204), on loopback.
//!
//! `cargo bench -p partner-center-sandbox --bench throughput` prints requests/s driven by bare
//! `reqwest` and by the typed client, measured in one run, and their ratio. Bounded: a fixed
//! number of requests per run, on 127.0.0.1 only.

use std::time::{Duration, Instant};

use partner_center_client::{PartnerCenter, RetryPolicy};
use partner_center_sandbox::Sandbox;
use tokio::task::JoinSet;
use uuid::Uuid;

const REQUESTS: usize = 20_000;
const CONCURRENCY: usize = 32;
const TOKEN: &str = "bench-token";

async fn seeded() -> (Sandbox, Vec<Uuid>) {
    let ids: Vec<Uuid> = (0..REQUESTS).map(|_| Uuid::new_v4()).collect();
    let sandbox = Sandbox::builder()
        .tip_partner(TOKEN)
        .customers(ids.iter().copied())
        .start()
        .await
        .expect("sandbox");
    (sandbox, ids)
}

/// Runs `CONCURRENCY` workers over `ids`; each call must answer 204.
async fn drive<F, Fut>(ids: Vec<Uuid>, call: F) -> Duration
where
    F: Fn(Uuid) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let chunks: Vec<Vec<Uuid>> =
        ids.chunks(ids.len().div_ceil(CONCURRENCY)).map(<[Uuid]>::to_vec).collect();
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for chunk in chunks {
        let call = call.clone();
        workers.spawn(async move {
            for id in chunk {
                assert!(call(id).await, "delete of {id} did not answer 204");
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.expect("worker");
    }
    started.elapsed()
}

fn rate(elapsed: Duration) -> f64 {
    REQUESTS as f64 / elapsed.as_secs_f64()
}

#[tokio::main]
async fn main() {
    // Bare reqwest: the floor any client pays.
    let (sandbox, ids) = seeded().await;
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let raw = drive(ids, move |id| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let resp = http
                .delete(format!("{base}/v1/customers/{id}"))
                .bearer_auth(TOKEN)
                .header("Accept", "application/json")
                .header("MS-RequestId", Uuid::new_v4().to_string())
                .header("MS-CorrelationId", Uuid::new_v4().to_string())
                .send()
                .await;
            resp.is_ok_and(|r| r.status() == 204)
        }
    })
    .await;
    drop(sandbox);

    // The typed client: hooks, ids, retry wrapper, error mapping.
    let (sandbox, ids) = seeded().await;
    let pc = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::no_retries())
        .build()
        .expect("client");
    let typed = drive(ids, move |id| {
        let pc = pc.clone();
        async move { pc.customers().by_id(id.into()).delete().await.is_ok() }
    })
    .await;
    assert!(sandbox.customers(TOKEN).is_empty());

    println!("sandbox DELETE throughput ({REQUESTS} requests, {CONCURRENCY} in flight, loopback):");
    println!("  bare reqwest:  {:>9.0} req/s ({:.2?})", rate(raw), raw);
    println!("  typed client:  {:>9.0} req/s ({:.2?})", rate(typed), typed);
    println!("  typed / bare:  {:>9.2}", rate(typed) / rate(raw));
}
