//! Item 8: a TiP-sized cleanup against the documented limits. 75 customers (a TiP account's
//! most), a third holding one or two Reserved Instance or software orders (a software order of
//! two line items gives two entitlements naming one order id), cancellations that take 2 s to
//! read `cancelled`, and a sandbox that throttles above 500 requests a minute on each
//! documented resource (burst 10: Partner Center documents no burst). The CLI's whole run
//! (`delete --all --cancel-purchases --yes`) is measured against the floor those limits allow,
//! and beside it a port of the documentation page's C# procedure against the same seeding.

use std::fmt::Write as _;
use std::num::NonZeroU32;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use partner_center_sandbox::{OrderSeed, Sandbox};
use uuid::Uuid;

use crate::clients::{TOKEN, facade};

const CUSTOMERS: usize = 75;
/// The sandbox's default: what the client's polling is tuned for.
const LATENCY: Duration = partner_center_sandbox::DEFAULT_CANCELLATION_LATENCY;
const PER_MINUTE: u32 = 500;
const BURST: u32 = 10;

/// The sandbox of a TiP account at its quota, a third of it with purchases.
async fn tip_account() -> Sandbox {
    let mut builder =
        Sandbox::builder().tip_partner(TOKEN).cancellation_latency(LATENCY).rate_limit(
            NonZeroU32::new(PER_MINUTE).expect("non-zero"),
            NonZeroU32::new(BURST).expect("non-zero"),
        );
    for i in 0..CUSTOMERS {
        let id = Uuid::new_v4();
        builder = match (i % 3, (i / 3) % 3) {
            (0, 0) => builder.customer_with_orders(id, [OrderSeed::reserved_instance()]),
            (0, 1) => {
                builder.customer_with_orders(id, [OrderSeed::software().line_items(2).included(1)])
            }
            (0, _) => builder.customer_with_orders(
                id,
                [OrderSeed::reserved_instance(), OrderSeed::software().line_items(2)],
            ),
            _ => builder.customers([id]),
        };
    }
    builder.start().await.expect("sandbox")
}

/// Requests per documented resource (customers, orders) the sandbox received.
fn per_resource(sandbox: &Sandbox) -> (usize, usize) {
    let requests = sandbox.requests();
    let orders = requests.iter().filter(|r| r.path.contains("/orders/")).count();
    (requests.len() - orders, orders)
}

/// The floor the documented limits allow: the busiest resource's requests at 500 a minute, or
/// the cancellation latency (the shortest chain's requests take milliseconds here), whichever
/// is larger.
fn floor(customer: usize, order: usize) -> Duration {
    let busiest = customer.max(order) as f64;
    Duration::from_secs_f64(busiest * 60.0 / f64::from(PER_MINUTE)).max(LATENCY)
}

pub async fn run(out: &mut String, cli: &str) {
    let sandbox = tip_account().await;
    let started = Instant::now();
    let output = tokio::process::Command::new(cli)
        .args(["--base-url", &sandbox.base_url(), "--rate", "480/min"])
        .args(["customers", "delete", "--all", "--cancel-purchases", "--yes"])
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
    let (customer, order) = per_resource(&sandbox);
    let floor = floor(customer, order);
    let patches = sandbox.requests().iter().filter(|r| r.method == "PATCH").count();
    let _ = writeln!(
        out,
        "\n8. TiP-sized cleanup ({CUSTOMERS} customers, {} with orders, {PATCHES_NOTE}; cancellation latency {LATENCY:?}; sandbox limit {PER_MINUTE}/min per resource, burst {BURST}):",
        CUSTOMERS / 3,
        PATCHES_NOTE = format_args!("{patches} orders cancelled"),
    );
    let _ = writeln!(
        out,
        "   CLI `delete --all --cancel-purchases --yes --rate 480/min --concurrency 16`: wall {:.1} s; requests customer {customer}, order {order}; 429s {}; floor {:.1} s; ratio to the floor {:.3}",
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
    let refused = documented_procedure(&sandbox.base_url()).await;
    let wall_port = started.elapsed();
    assert!(sandbox.customers(TOKEN).is_empty(), "every customer deleted by the port");
    let (customer, order) = per_resource(&sandbox);
    let _ = writeln!(
        out,
        "   the page's C# procedure (ported, sequential, 5 s polls): wall {:.1} s; requests customer {customer}, order {order}; 429s {}; {refused} PATCH(es) refused as in progress (the C# sample would throw there); CLI faster by {:.1}x",
        wall_port.as_secs_f64(),
        sandbox.throttled(),
        wall_port.as_secs_f64() / wall.as_secs_f64(),
    );
}

/// The documented C# sample, step by step, with this crate's calls (which retry a 429 after
/// its `Retry-After`; the .NET SDK would not). Returns the PATCHes refused as in progress.
async fn documented_procedure(base_url: &str) -> usize {
    let pc = facade(base_url);
    let customers: Vec<_> = pc.customers().list().stream().try_collect().await.expect("list");
    let mut refused = 0;
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
        by_id.delete().await.expect("delete");
    }
    refused
}
