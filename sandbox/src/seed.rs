//! What a sandbox starts with: its partner accounts, their customers and the customers' orders.

use std::time::Duration;

use uuid::Uuid;

use crate::chaos::mix;
use crate::layers::auth::Accounts;
use crate::orders::purchases::OrderSeed;
use crate::store::Store;
use crate::subscriptions::model::SubscriptionSeed;

/// Where the ids the sandbox makes up come from: a seed (the same seed, the same ids in the
/// same order) or, without one, fresh random ones. Each use draws from its own [`Stream`], so
/// how many ids one draws never changes another's.
#[derive(Debug, Clone)]
pub(crate) struct IdSource {
    /// The seed and the stream, when seeded.
    seeded: Option<(u64, Stream)>,
    drawn: u64,
}

/// What a seeded [`IdSource`] draws for: each its own sequence of ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Customer ids ([`crate::SandboxBuilder::customer_ids`], the binary's `--customers`).
    Customers = 1,
    /// Order ids, alternate ids and reservation ids.
    Orders = 2,
    /// The partner realm a `401` challenge names.
    Realm = 3,
    /// Subscription ids and their orders' ids.
    Subscriptions = 4,
}

impl IdSource {
    /// Ids from `seed`'s `stream`, or random ones when `seed` is `None`.
    pub(crate) fn new(seed: Option<u64>, stream: Stream) -> Self {
        Self { seeded: seed.map(|s| (s, stream)), drawn: 0 }
    }

    /// The next id: a version 4 (random) GUID, seeded or not.
    pub(crate) fn uuid(&mut self) -> Uuid {
        let Some((seed, stream)) = self.seeded else { return Uuid::new_v4() };
        let n = self.drawn;
        self.drawn += 1;
        let word = |half: u64| mix(&[seed, stream as u64, n, half]).to_be_bytes();
        let mut bytes = [0_u8; 16];
        bytes[..8].copy_from_slice(&word(0));
        bytes[8..].copy_from_slice(&word(1));
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

impl Iterator for IdSource {
    type Item = Uuid;

    fn next(&mut self) -> Option<Uuid> {
        Some(self.uuid())
    }
}

/// One partner account as the builder collects it.
pub(crate) struct PartnerSeed {
    pub(crate) tip: bool,
    pub(crate) tokens: Vec<String>,
    pub(crate) customers: Vec<(Uuid, Option<(String, String)>)>,
    pub(crate) orders: Vec<(Uuid, Vec<OrderSeed>)>,
    pub(crate) subscriptions: Vec<(Uuid, Vec<SubscriptionSeed>)>,
    pub(crate) azure_plans: Vec<Uuid>,
}

/// Which of the customers seeded without purchases of their own get some.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shares {
    /// The share that gets orders.
    pub(crate) orders: f64,
    /// The share of the rest that gets subscriptions.
    pub(crate) subscriptions: f64,
}

/// Whether the `n`th of a run of customers is picked under `share`: spread evenly (the `n`th
/// is when `⌊(n+1)·share⌋` grows); `Some` of how many were picked so far, counting it.
fn picked(n: usize, share: f64) -> Option<usize> {
    let before = (n as f64 * share).floor();
    let after = ((n + 1) as f64 * share).floor();
    (after > before).then_some(after as usize)
}

/// The orders the `n`th customer seeded without orders gets under `share`, in a repeating
/// pattern.
fn share_pattern(n: usize, share: f64) -> Option<Vec<OrderSeed>> {
    Some(match picked(n, share)? % 3 {
        1 => vec![OrderSeed::reserved_instance()],
        2 => vec![OrderSeed::software().line_items(2).included(2)],
        _ => vec![OrderSeed::reserved_instance(), OrderSeed::software()],
    })
}

/// The subscriptions the `n`th customer given no orders gets under `share`, in a repeating
/// pattern.
fn subscription_pattern(n: usize, share: f64) -> Option<Vec<SubscriptionSeed>> {
    Some(match picked(n, share)? % 3 {
        1 => vec![SubscriptionSeed::new_commerce()],
        2 => vec![SubscriptionSeed::new_commerce(), SubscriptionSeed::legacy()],
        _ => vec![SubscriptionSeed::new_commerce(), SubscriptionSeed::marketplace()],
    })
}

/// The store and accounts the seeds make. Customers seeded without orders of their own get
/// orders under `purchases_share` ([`share_pattern`]). The orders' ids are drawn from `ids`.
pub(crate) fn store(
    partners: &[PartnerSeed],
    shares: Shares,
    cancellation_latency: Duration,
    ids: &mut IdSource,
    subscription_ids: &mut IdSource,
) -> (Store, Accounts) {
    let mut store = Store::default();
    store.cancellation_latency = cancellation_latency;
    let mut accounts = Accounts::default();
    let mut plain = 0_usize;
    let mut without_orders = 0_usize;
    for seed in partners {
        let index = store.add_partner();
        accounts.add(index, seed.tip, &seed.tokens);
        for (c, names) in &seed.customers {
            store.add_customer(index, *c, names.clone());
            let seeded = seed.orders.iter().any(|(id, _)| id == c)
                || seed.subscriptions.iter().any(|(id, _)| id == c)
                || seed.azure_plans.contains(c);
            if !seeded {
                if let Some(orders) = share_pattern(plain, shares.orders) {
                    store.add_orders(*c, &with_ids(orders, ids));
                } else {
                    if let Some(subs) = subscription_pattern(without_orders, shares.subscriptions) {
                        store.add_subscriptions(*c, &with_subscription_ids(subs, subscription_ids));
                    }
                    without_orders += 1;
                }
                plain += 1;
            }
        }
        for (c, orders) in &seed.orders {
            store.add_orders(*c, &with_ids(orders.clone(), ids));
        }
        for (c, subscriptions) in &seed.subscriptions {
            let subscriptions = with_subscription_ids(subscriptions.clone(), subscription_ids);
            store.add_subscriptions(*c, &subscriptions);
        }
        for &c in &seed.azure_plans {
            let plan =
                with_subscription_ids(vec![SubscriptionSeed::azure_plan(2)], subscription_ids);
            store.add_subscriptions(c, &plan);
        }
    }
    (store, accounts)
}

/// `subscriptions`, each with the ids drawn for it, in order.
fn with_subscription_ids(
    mut subscriptions: Vec<SubscriptionSeed>,
    ids: &mut IdSource,
) -> Vec<SubscriptionSeed> {
    for s in &mut subscriptions {
        s.drawn = Some([ids.uuid(), ids.uuid()]);
    }
    subscriptions
}

/// `orders`, each with the ids drawn for it, in order.
fn with_ids(mut orders: Vec<OrderSeed>, ids: &mut IdSource) -> Vec<OrderSeed> {
    for order in &mut orders {
        order.drawn = Some([ids.uuid(), ids.uuid()]);
    }
    orders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_draws_the_same_ids_each_time_and_each_stream_its_own() {
        let draw = |seed, stream| IdSource::new(Some(seed), stream).take(5).collect::<Vec<_>>();
        let customers = draw(7, Stream::Customers);
        assert_eq!(customers, draw(7, Stream::Customers));
        assert_ne!(customers, draw(8, Stream::Customers));
        assert_ne!(customers, draw(7, Stream::Orders));
        assert!(customers.iter().all(|id| id.get_version_num() == 4), "{customers:?}");
        let distinct: std::collections::HashSet<_> = customers.iter().collect();
        assert_eq!(distinct.len(), 5);
        // Unseeded: fresh ones.
        assert_ne!(IdSource::new(None, Stream::Customers).uuid(), customers[0]);
    }

    #[test]
    fn seeded_orders_get_the_same_ids_and_unseeded_ones_fresh_ids() {
        let c = Uuid::from_u128(1);
        let partner = || PartnerSeed {
            tip: true,
            tokens: vec!["t".into()],
            customers: vec![(c, None)],
            orders: vec![(c, vec![OrderSeed::software(), OrderSeed::reserved_instance()])],
            subscriptions: Vec::new(),
            azure_plans: Vec::new(),
        };
        let orders = |seed| {
            let mut ids = IdSource::new(seed, Stream::Orders);
            let mut subscription_ids = IdSource::new(seed, Stream::Subscriptions);
            let none = Shares { orders: 0.0, subscriptions: 0.0 };
            store(&[partner()], none, Duration::ZERO, &mut ids, &mut subscription_ids)
                .0
                .order_ids(c)
        };
        assert_eq!(orders(Some(3)), orders(Some(3)));
        assert_eq!(orders(Some(3)).len(), 2);
        assert_ne!(orders(Some(3)), orders(Some(4)));
        assert_ne!(orders(None), orders(None));
    }

    #[test]
    fn the_shares_pick_customers_evenly_and_subscriptions_go_only_to_those_without_orders() {
        let customers: Vec<Uuid> = (1..=12).map(Uuid::from_u128).collect();
        let partner = PartnerSeed {
            tip: true,
            tokens: vec!["t".into()],
            customers: customers.iter().map(|c| (*c, None)).collect(),
            orders: Vec::new(),
            subscriptions: Vec::new(),
            azure_plans: Vec::new(),
        };
        let mut ids = IdSource::new(Some(1), Stream::Orders);
        let mut subscription_ids = IdSource::new(Some(1), Stream::Subscriptions);
        let shares = Shares { orders: 0.25, subscriptions: 0.5 };
        let (store, _) = store(&[partner], shares, Duration::ZERO, &mut ids, &mut subscription_ids);
        let with_orders = customers.iter().filter(|c| !store.order_ids(**c).is_empty()).count();
        let with_subs =
            customers.iter().filter(|c| !store.subscription_statuses(**c).is_empty()).count();
        let both = customers
            .iter()
            .filter(|c| !store.order_ids(**c).is_empty())
            .filter(|c| !store.subscription_statuses(**c).is_empty())
            .count();
        assert_eq!((with_orders, with_subs, both), (3, 4, 0));
    }
}
