//! What a sandbox starts with: its partner accounts, their customers and the customers' orders.

use std::time::Duration;

use uuid::Uuid;

use crate::layers::auth::Accounts;
use crate::purchases::OrderSeed;
use crate::store::Store;

/// One partner account as the builder collects it.
pub(crate) struct PartnerSeed {
    pub(crate) tip: bool,
    pub(crate) tokens: Vec<String>,
    pub(crate) customers: Vec<(Uuid, Option<(String, String)>)>,
    pub(crate) orders: Vec<(Uuid, Vec<OrderSeed>)>,
    pub(crate) azure_plans: Vec<Uuid>,
}

/// The orders the `n`th customer seeded without orders gets under `share`: spread evenly (the
/// `n`th has some when `⌊(n+1)·share⌋` grows), in a repeating pattern.
fn share_pattern(n: usize, share: f64) -> Option<Vec<OrderSeed>> {
    let before = (n as f64 * share).floor();
    let after = ((n + 1) as f64 * share).floor();
    if after <= before {
        return None;
    }
    Some(match (after as usize) % 3 {
        1 => vec![OrderSeed::reserved_instance()],
        2 => vec![OrderSeed::software().line_items(2).included(2)],
        _ => vec![OrderSeed::reserved_instance(), OrderSeed::software()],
    })
}

/// The store and accounts the seeds make. Customers seeded without orders of their own get
/// orders under `purchases_share` ([`share_pattern`]).
pub(crate) fn store(
    partners: &[PartnerSeed],
    purchases_share: f64,
    cancellation_latency: Duration,
) -> (Store, Accounts) {
    let mut store = Store::default();
    store.cancellation_latency = cancellation_latency;
    let mut accounts = Accounts::default();
    let mut plain = 0_usize;
    for seed in partners {
        let index = store.add_partner();
        accounts.add(index, seed.tip, &seed.tokens);
        for (c, names) in &seed.customers {
            store.add_customer(index, *c, names.clone());
            let seeded = seed.orders.iter().any(|(id, _)| id == c) || seed.azure_plans.contains(c);
            if !seeded {
                if let Some(orders) = share_pattern(plain, purchases_share) {
                    store.add_orders(*c, &orders);
                }
                plain += 1;
            }
        }
        for (c, orders) in &seed.orders {
            store.add_orders(*c, orders);
        }
        for &c in &seed.azure_plans {
            store.add_azure_plan(c);
        }
    }
    (store, accounts)
}
