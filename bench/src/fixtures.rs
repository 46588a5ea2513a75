//! Item 9: twenty TiP test customers (a third with a test purchase) created and torn down with
//! the fixture crate, against a sandbox that throttles above the documented 500 requests a
//! minute on each resource, with the sandbox's default lags (a new customer reads back after
//! 1 s, a cancelled order reads `cancelled` after 2 s). The client is paced at 500 a minute
//! per resource (first come, first served), as the CLI paces itself. Measured: wall time,
//! requests per resource, 429s, and the ratio to the floor the limits allow (the busiest
//! resource's requests at 500 a minute, or the longest chain of lags, whichever is larger).

use std::fmt::Write as _;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use partner_center_client::{Pacer, PartnerCenter, Resource, RetryPolicy};
use partner_center_fixtures::Fixtures;
use partner_center_sandbox::Sandbox;

use crate::clients::TOKEN;

const PER_MINUTE: u32 = 500;
const BURST: u32 = 10;
const FIXTURES: usize = 20;
const WITH_PURCHASE: usize = 7;
/// One customer's chain of lags: it reads back after the read lag; its purchase's order reads
/// cancelled after the cancellation latency.
const CHAIN: Duration = Duration::from_secs(
    partner_center_sandbox::DEFAULT_READ_AFTER_CREATE_LAG.as_secs()
        + partner_center_sandbox::DEFAULT_CANCELLATION_LATENCY.as_secs(),
);

/// Each resource's next free slot, handed out in the order callers ask (one request per
/// `60 s / PER_MINUTE` on each resource).
struct SlotPacer {
    next: [tokio::sync::Mutex<Instant>; 3],
    period: Duration,
}

impl SlotPacer {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            next: [now, now, now].map(tokio::sync::Mutex::new),
            period: Duration::from_secs(60) / PER_MINUTE,
        }
    }
}

fn index(resource: Resource) -> usize {
    match resource {
        Resource::Customer => 0,
        Resource::Order => 1,
        _ => 2,
    }
}

#[async_trait::async_trait]
impl Pacer for SlotPacer {
    async fn ready(&self) {
        self.ready_for(Resource::Customer).await;
    }

    fn throttled(&self, _wait: Duration) {}

    async fn ready_for(&self, resource: Resource) {
        let slot = {
            let mut next = self.next[index(resource)].lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.period;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// Requests per documented resource: customers (and validations, domains), orders (and
/// carts), subscriptions.
fn per_resource(sandbox: &Sandbox) -> [usize; 3] {
    let requests = sandbox.requests();
    let orders = requests
        .iter()
        .filter(|r| r.path.contains("/orders/") || r.path.contains("/carts"))
        .count();
    let subscriptions = requests.iter().filter(|r| r.path.contains("/subscriptions")).count();
    [requests.len() - orders - subscriptions, orders, subscriptions]
}

pub async fn run(out: &mut String) {
    let sandbox = Sandbox::builder()
        .tip_partner(TOKEN)
        .rate_limit(
            NonZeroU32::new(PER_MINUTE).expect("non-zero"),
            NonZeroU32::new(BURST).expect("non-zero"),
        )
        .start()
        .await
        .expect("sandbox");
    let pc = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::default())
        .pacer(Arc::new(SlotPacer::new()))
        .build()
        .expect("client");
    let started = Instant::now();
    let plain = Fixtures::new(&pc).count(FIXTURES - WITH_PURCHASE).tag("bench").concurrency(16);
    let bought =
        Fixtures::new(&pc).count(WITH_PURCHASE).tag("benchbuy").with_purchase(true).concurrency(16);
    let (plain, bought) = tokio::join!(plain.create(), bought.create());
    let (plain, bought) = (plain.expect("created"), bought.expect("created"));
    let created = started.elapsed();
    let (a, b) = tokio::join!(plain.teardown(), bought.teardown());
    let wall = started.elapsed();
    assert!(a.is_clean() && b.is_clean(), "{a}; {b}");
    assert!(sandbox.customers(TOKEN).is_empty(), "every fixture torn down");
    let requests = per_resource(&sandbox);
    let [customer, order, subscription] = requests;
    let busiest = requests.into_iter().max().unwrap_or(0) as f64;
    let floor = Duration::from_secs_f64(busiest * 60.0 / f64::from(PER_MINUTE)).max(CHAIN);
    let _ = writeln!(
        out,
        "\n9. Test customers: {FIXTURES} created and torn down with the fixture crate ({WITH_PURCHASE} with a test purchase; read-back lag {:?}, cancellation latency {:?}; sandbox limit {PER_MINUTE}/min per resource, burst {BURST}; client paced at {PER_MINUTE}/min per resource):",
        partner_center_sandbox::DEFAULT_READ_AFTER_CREATE_LAG,
        partner_center_sandbox::DEFAULT_CANCELLATION_LATENCY,
    );
    let _ = writeln!(
        out,
        "   wall {:.1} s (created in {:.1} s); requests customer {customer}, order {order}, subscription {subscription}; 429s {}; floor {:.1} s; ratio to the floor {:.3}",
        wall.as_secs_f64(),
        created.as_secs_f64(),
        sandbox.throttled(),
        floor.as_secs_f64(),
        wall.as_secs_f64() / floor.as_secs_f64(),
    );
}
