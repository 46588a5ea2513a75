//! A chaos seed replays: the same set-up and the same sequential cleanup, started twice with one
//! seed, send the same requests and meet the same faults — the sandbox's record of (method,
//! path, fault) is the same — and another seed gives another record.

use std::time::Duration;

use futures_util::TryStreamExt;
use partner_center_client::PollPolicy;
use partner_center_sandbox::{Chaos, OrderSeed, Sandbox, SandboxBuilder};
use partner_center_tests::{TIP, client_for, quick_retries};
use uuid::Uuid;

/// Customers seeded, about half with orders.
const CUSTOMERS: usize = 8;
/// The chaos rate: high enough that every run meets faults of every kind.
const RATE: f64 = 0.2;

/// One request as the record's replay compares it.
type Step = (String, String, Option<String>);

/// The sandbox `configure` sets up for the TiP partner: [`CUSTOMERS`] customers drawn from its
/// seed, some with orders (one customer's given, so its order id is the seed's).
async fn start(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> (Sandbox, Vec<Uuid>) {
    let builder = configure(
        Sandbox::builder()
            .tip_partner(TIP)
            // Zero: how often an order is read until it shows `cancelled` does not hang on the
            // clock.
            .cancellation_latency(Duration::ZERO)
            .purchases_share(0.5),
    );
    let customers: Vec<Uuid> = builder.customer_ids().take(CUSTOMERS).collect();
    let (with_orders, plain) = customers.split_first().expect("customers");
    let sandbox = builder
        .customer_with_orders(*with_orders, [OrderSeed::software(), OrderSeed::reserved_instance()])
        .customers(plain.iter().copied())
        .start()
        .await
        .expect("sandbox starts");
    (sandbox, customers)
}

/// The same cleanup, one request at a time: list every customer, then remove each with its
/// purchases, in listing order; the record's (method, path, fault) of every request.
async fn cleanup(sandbox: &Sandbox) -> Vec<Step> {
    let pc = client_for(&sandbox.base_url(), TIP, quick_retries());
    let listed: Vec<_> =
        pc.customers().list().page_size(3).stream().try_collect().await.expect("listed");
    let polling = PollPolicy::default()
        .with_interval(Duration::from_millis(5))
        .with_max_interval(Duration::from_millis(5))
        .with_limit(Duration::from_secs(20));
    for customer in &listed {
        // The outcome is the record's to compare: a removal that failed fails the same way.
        let _ = pc
            .customers()
            .by_id(customer.id())
            .delete_with_purchases()
            .concurrency(1)
            .polling(polling)
            .await;
    }
    sandbox.requests().into_iter().map(|r| (r.method, r.path, r.fault)).collect()
}

#[tokio::test]
async fn the_same_chaos_seed_replays_the_same_requests_and_faults_and_another_does_not() {
    // `chaos` alone seeds the ids, as `--chaos SEED:RATE` alone does.
    let (first, ids) = start(|b| b.chaos(Chaos::new(11, RATE))).await;
    let (second, same_ids) = start(|b| b.chaos(Chaos::new(11, RATE))).await;
    assert_eq!(ids, same_ids, "the seed's customer ids");
    assert_eq!(first.orders(ids[0]), second.orders(ids[0]), "the seed's order ids");
    assert!(ids[1..].iter().any(|&c| !first.orders(c).is_empty()), "some have orders by share");
    for &c in &ids {
        assert_eq!(first.orders(c), second.orders(c), "{c}'s order ids");
    }

    let recorded = cleanup(&first).await;
    assert!(first.customers(TIP).is_empty(), "the cleanup converged: {recorded:#?}");
    // Not a trivial record: the listing paged, orders were cancelled, faults were met.
    assert!(
        recorded.iter().filter(|(m, p, _)| m == "GET" && p.starts_with("/v1/customers?")).count()
            >= 3
    );
    assert!(recorded.iter().any(|(m, _, _)| m == "PATCH"), "orders cancelled: {recorded:#?}");
    let faults = recorded.iter().filter(|(_, _, f)| f.is_some()).count();
    assert!(faults >= 3, "faults met: {recorded:#?}");

    let replayed = cleanup(&second).await;
    assert_eq!(recorded, replayed, "the same seed, the same requests and faults");

    // An explicit seed equal to the chaos seed is the same set-up.
    let (third, _) = start(|b| b.seed(11).chaos(Chaos::new(11, RATE))).await;
    assert_eq!(cleanup(&third).await, recorded, "seed(11) with chaos 11:{RATE}");

    // Another seed: other ids, other paths, other faults.
    let (other, other_ids) = start(|b| b.chaos(Chaos::new(12, RATE))).await;
    assert!(ids.iter().all(|c| !other_ids.contains(c)));
    assert_ne!(cleanup(&other).await, recorded, "another seed, another record");
}

#[tokio::test]
async fn an_id_seed_without_chaos_gives_the_same_ids_and_without_one_they_are_fresh() {
    let (a, ids) = start(|b| b.seed(5)).await;
    let (b, same) = start(|b| b.seed(5)).await;
    assert_eq!(ids, same);
    let orders: Vec<_> = ids.iter().map(|&c| a.orders(c)).collect();
    assert_eq!(orders, ids.iter().map(|&c| b.orders(c)).collect::<Vec<_>>());
    // The listing is in the order the customers were seeded, the same each time.
    let pc = client_for(&a.base_url(), TIP, quick_retries());
    let listed: Vec<_> =
        pc.customers().list().page_size(3).stream().try_collect().await.expect("listed");
    let listed: Vec<Uuid> = listed.iter().map(|c| c.id().as_uuid()).collect();
    assert_eq!(listed, ids);

    // No seed and no chaos: fresh ids every start, as before seeds.
    let (c, fresh) = start(|b| b).await;
    let (_, fresh_again) = start(|b| b).await;
    assert_ne!(fresh, fresh_again);
    assert_ne!(c.orders(fresh[0]), a.orders(ids[0]));
}
