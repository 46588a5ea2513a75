//! Load for the throughput items: a sandbox seeded with customers to delete, and a driver that
//! keeps a fixed number of calls in flight until every id is done.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use partner_center_sandbox::Sandbox;
use uuid::Uuid;

use crate::clients::{TOKEN, bare_delete};

/// A sandbox holding `n` fresh customers, and their ids.
pub async fn seeded(n: usize) -> (Sandbox, Vec<Uuid>) {
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
pub async fn drive<F, Fut>(ids: &[Uuid], concurrency: usize, call: F) -> Duration
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

/// [`drive`] with bare reqwest deletes against `url`: the load generator that costs least.
pub async fn drive_bare(
    http: &reqwest::Client,
    url: &str,
    ids: &[Uuid],
    concurrency: usize,
) -> Duration {
    drive(ids, concurrency, |id| async move { bare_delete(http, url, id).await == 204 }).await
}
