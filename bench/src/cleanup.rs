//! Item 8: a TiP-sized cleanup against the documented limits. 75 customers (a TiP account's
//! most): a quarter holding one or two Reserved Instance or software orders (a software order
//! of two line items gives two entitlements naming one order id), a quarter holding new-commerce
//! subscriptions, three holding an Azure plan with two Azure subscriptions, the rest clean;
//! the sandbox's default latencies (2 s for an order to read `cancelled`, a subscription to
//! read its new status, an Azure subscription to read `inactive`), and a sandbox that throttles
//! above 500 requests a minute on each documented resource (burst 10: Partner Center documents
//! no burst). The CLI's whole run (`delete --all --cancel-purchases
//! --cancel-azure-subscriptions --yes`) is measured against the floor those limits allow, and
//! beside it a port of the documentation page's C# procedure against the same seeding (it
//! knows nothing of subscriptions: the customers it cannot delete are counted).

use std::fmt::Write as _;
use std::num::NonZeroU32;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use partner_center_sandbox::{OrderSeed, Sandbox, SubscriptionSeed};
use uuid::Uuid;

use crate::clients::{TOKEN, facade};

const CUSTOMERS: usize = 75;
/// The customers holding an Azure plan.
const AZURE_PLANS: usize = 3;
/// The sandbox's default: what the client's polling is tuned for.
const LATENCY: Duration = partner_center_sandbox::DEFAULT_CANCELLATION_LATENCY;
/// The longest chain of waits one customer needs: an Azure plan's Azure subscriptions read
/// `inactive` after their latency, then the plan reads `suspended` after the subscription
/// latency (an order's or a subscription's chain is one latency).
const CHAIN: Duration = Duration::from_secs(
    partner_center_sandbox::DEFAULT_AZURE_ENTITLEMENT_LATENCY.as_secs()
        + partner_center_sandbox::DEFAULT_SUBSCRIPTION_LATENCY.as_secs(),
);
const PER_MINUTE: u32 = 500;
const BURST: u32 = 10;

/// The sandbox of a TiP account at its quota: a quarter with orders, a quarter with
/// new-commerce subscriptions, a few with an Azure plan, the rest clean.
async fn tip_account() -> Sandbox {
    let mut builder =
        Sandbox::builder().tip_partner(TOKEN).cancellation_latency(LATENCY).rate_limit(
            NonZeroU32::new(PER_MINUTE).expect("non-zero"),
            NonZeroU32::new(BURST).expect("non-zero"),
        );
    for i in 0..CUSTOMERS {
        let id = Uuid::new_v4();
        builder = match (i % 4, (i / 4) % 3) {
            _ if i % 25 == 2 => builder.customer_with_azure_plan(id),
            (0, 0) => builder.customer_with_orders(id, [OrderSeed::reserved_instance()]),
            (0, 1) => {
                builder.customer_with_orders(id, [OrderSeed::software().line_items(2).included(1)])
            }
            (0, _) => builder.customer_with_orders(
                id,
                [OrderSeed::reserved_instance(), OrderSeed::software().line_items(2)],
            ),
            (1, 0) => builder.customer_with_subscriptions(
                id,
                [SubscriptionSeed::new_commerce(), SubscriptionSeed::new_commerce()],
            ),
            (1, _) => builder.customer_with_subscriptions(id, [SubscriptionSeed::new_commerce()]),
            _ => builder.customers([id]),
        };
    }
    builder.start().await.expect("sandbox")
}

/// Requests per documented resource (customers, orders, subscriptions) the sandbox received.
fn per_resource(sandbox: &Sandbox) -> [usize; 3] {
    let requests = sandbox.requests();
    let orders = requests.iter().filter(|r| r.path.contains("/orders/")).count();
    let subscriptions = requests.iter().filter(|r| r.path.contains("/subscriptions")).count();
    [requests.len() - orders - subscriptions, orders, subscriptions]
}

/// The floor the documented limits allow: the busiest resource's requests at 500 a minute, or
/// the longest chain of latencies (the requests between them take milliseconds here),
/// whichever is larger.
fn floor(per_resource: [usize; 3]) -> Duration {
    let busiest = per_resource.into_iter().max().unwrap_or(0) as f64;
    Duration::from_secs_f64(busiest * 60.0 / f64::from(PER_MINUTE)).max(CHAIN)
}

pub async fn run(out: &mut String, cli: &str) {
    let sandbox = tip_account().await;
    let started = Instant::now();
    let output = tokio::process::Command::new(cli)
        .args(["--base-url", &sandbox.base_url()])
        .args(["customers", "delete", "--all", "--cancel-purchases", "--yes"])
        .arg("--cancel-azure-subscriptions")
        .args(["--concurrency", "16", "--output", "json"])
        .env("PARTNER_CENTER_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("the CLI runs");
    let wall = started.elapsed();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(sandbox.customers(TOKEN).is_empty(), "every customer deleted");
    let requests = per_resource(&sandbox);
    let [customer, order, subscription] = requests;
    let floor = floor(requests);
    let patched = |part: &str| {
        sandbox.requests().iter().filter(|r| r.method == "PATCH" && r.path.contains(part)).count()
    };
    let (orders, subscriptions) = (patched("/orders/"), patched("/subscriptions/"));
    let cancels = sandbox.requests().iter().filter(|r| r.method == "POST").count();
    let _ = writeln!(
        out,
        "\n8. TiP-sized cleanup ({CUSTOMERS} customers: {orders} order cancels, {subscriptions} subscription updates, {cancels} Azure subscription cancels over {AZURE_PLANS} Azure plans; latencies {LATENCY:?}; sandbox limit {PER_MINUTE}/min per resource, burst {BURST}):",
    );
    let _ = writeln!(
        out,
        "   CLI `delete --all --cancel-purchases --cancel-azure-subscriptions --yes --concurrency 16` (the default --rate, 500/min): wall {:.1} s; requests customer {customer}, order {order}, subscription {subscription}; 429s {}; floor {:.1} s; ratio to the floor {:.3}",
        wall.as_secs_f64(),
        sandbox.throttled(),
        floor.as_secs_f64(),
        wall.as_secs_f64() / floor.as_secs_f64(),
    );

    // The page's C# procedure, ported: sequential, every entitlement's order PATCHed (no
    // de-duplication, no skip of cancelled orders), polled every 5 s with its flag reset each
    // round (the page's loop never resets it and can poll forever).
    let sandbox = tip_account().await;
    let started = Instant::now();
    let (refused, left) = documented_procedure(&sandbox.base_url()).await;
    let wall_port = started.elapsed();
    assert_eq!(sandbox.customers(TOKEN).len(), left, "the port's count of what it left");
    let [customer, order, subscription] = per_resource(&sandbox);
    let _ = writeln!(
        out,
        "   the page's C# procedure (ported, sequential, 5 s polls): wall {:.1} s; requests customer {customer}, order {order}, subscription {subscription}; 429s {}; {refused} PATCH(es) refused as in progress (the C# sample would throw there); customers it could not delete (subscriptions, Azure plans): {left} of {CUSTOMERS}; CLI faster by {:.1}x",
        wall_port.as_secs_f64(),
        sandbox.throttled(),
        wall_port.as_secs_f64() / wall.as_secs_f64(),
    );
}

/// The documented C# sample, step by step, with this crate's calls (which retry a 429 after
/// its `Retry-After`; the .NET SDK would not). Returns the PATCHes refused as in progress and
/// the customers whose delete was refused (the sample would throw at the first).
async fn documented_procedure(base_url: &str) -> (usize, usize) {
    let pc = facade(base_url);
    let customers: Vec<_> = pc.customers().list().stream().try_collect().await.expect("list");
    let mut refused = 0;
    let mut left = 0;
    for c in customers {
        let by_id = pc.customers().by_id(c.id());
        let entitlements = by_id.entitlements().await.expect("entitlements");
        let orders: Vec<_> = entitlements
            .items()
            .iter()
            .map(|e| e.reference_order().order_id().expect("order id"))
            .collect();
        for order in &orders {
            by_id.orders().by_id(order.clone()).get().await.expect("order");
            match by_id.orders().by_id(order.clone()).cancel().await {
                Ok(_) => {}
                Err(e) if e.status().map(|s| s.as_u16()) == Some(409) => refused += 1,
                Err(e) => panic!("cancel: {e}"),
            }
        }
        if !orders.is_empty() {
            loop {
                let mut proceed = true;
                for order in &orders {
                    let read = by_id.orders().by_id(order.clone()).get().await.expect("order");
                    if !read.status().is_cancelled() {
                        proceed = false;
                    }
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
                if proceed {
                    break;
                }
            }
        }
        if by_id.delete().await.is_err() {
            left += 1;
        }
    }
    (refused, left)
}
