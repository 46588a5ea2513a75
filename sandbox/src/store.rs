//! The sandbox's state: partners, their customers, and remembered outcomes for idempotency.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use bytes::Bytes;
use uuid::Uuid;

use crate::app::Target;

/// One partner account.
#[derive(Debug, Clone)]
pub(crate) struct Partner {
    pub tip: bool,
}

/// What a request came to, kept so a repeat with the same `MS-RequestId` gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// What the request was for: a reused `MS-RequestId` for another request is not a retry.
    pub target: Target,
    pub status: StatusCode,
    pub body: Bytes,
}

/// What a delete came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deletion {
    Deleted,
    NotFound,
    /// The customer exists, but another partner's.
    OtherPartner,
    /// Active Azure reservations or software orders must be cancelled first.
    ActivePurchases,
}

/// A customer as the sandbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomerRecord {
    pub id: Uuid,
    /// Position in the partner's listing; increases with each customer added.
    pub seq: u64,
    pub company_name: String,
    pub domain: String,
}

/// Bounds on the idempotency memory.
#[derive(Debug, Clone, Copy)]
pub struct Idempotency {
    /// How long an outcome is remembered.
    pub window: Duration,
    /// How many outcomes are remembered (oldest forgotten first).
    pub capacity: usize,
}

impl Default for Idempotency {
    fn default() -> Self {
        Self { window: Duration::from_secs(15 * 60), capacity: 100_000 }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    partners: Vec<Partner>,
    tokens: HashMap<String, usize>,
    /// customer → (owning partner index, position in its listing).
    customers: HashMap<Uuid, (usize, u64)>,
    /// Each partner's customers in listing order.
    listings: Vec<BTreeMap<u64, CustomerRecord>>,
    next_seq: u64,
    with_active_purchases: HashSet<Uuid>,
    remembered: HashMap<(usize, Uuid), (Instant, Outcome)>,
    order: VecDeque<(Instant, (usize, Uuid))>,
    pub idempotency: Idempotency,
}

impl Store {
    pub fn new(idempotency: Idempotency) -> Self {
        Self { idempotency, ..Self::default() }
    }

    pub fn add_partner(&mut self, tip: bool, tokens: &[String]) -> usize {
        let index = self.partners.len();
        self.partners.push(Partner { tip });
        self.listings.push(BTreeMap::new());
        for token in tokens {
            self.tokens.insert(token.clone(), index);
        }
        index
    }

    pub fn partner(&self, index: usize) -> Option<&Partner> {
        self.partners.get(index)
    }

    pub fn partner_index_for_token(&self, token: &str) -> Option<usize> {
        self.tokens.get(token).copied()
    }

    /// Adds (or moves) `customer` to `partner`, named `Contoso Test NNNN` after its position
    /// unless a name and domain are given.
    pub fn add_customer(
        &mut self,
        partner: usize,
        customer: Uuid,
        names: Option<(String, String)>,
    ) {
        if partner >= self.listings.len() {
            return;
        }
        self.remove(customer);
        self.next_seq += 1;
        let seq = self.next_seq;
        let (company_name, domain) = names.unwrap_or_else(|| {
            (format!("Contoso Test {seq:04}"), format!("contosotest{seq:04}.onmicrosoft.com"))
        });
        self.customers.insert(customer, (partner, seq));
        self.listings[partner]
            .insert(seq, CustomerRecord { id: customer, seq, company_name, domain });
    }

    pub fn has_customer(&self, customer: Uuid) -> bool {
        self.customers.contains_key(&customer)
    }

    pub fn customers_of(&self, partner: usize) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self
            .listings
            .get(partner)
            .map(|l| l.values().map(|c| c.id).collect())
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// Up to `size` customers of `partner` after position `after` (from the start when
    /// `None`), and whether more follow.
    pub fn page(
        &self,
        partner: usize,
        after: Option<u64>,
        size: usize,
    ) -> (Vec<CustomerRecord>, bool) {
        let Some(listing) = self.listings.get(partner) else { return (Vec::new(), false) };
        let start = after.map_or(0, |a| a.saturating_add(1));
        let mut rest = listing.range(start..).map(|(_, c)| c);
        let page: Vec<CustomerRecord> = rest.by_ref().take(size).cloned().collect();
        (page, rest.next().is_some())
    }

    /// Removes `customer` if `partner` owns it and nothing blocks it.
    pub fn delete(&mut self, partner: usize, customer: Uuid) -> Deletion {
        match self.customers.get(&customer) {
            None => Deletion::NotFound,
            Some(&(owner, _)) if owner != partner => Deletion::OtherPartner,
            Some(_) if self.with_active_purchases.contains(&customer) => Deletion::ActivePurchases,
            Some(_) => {
                self.remove(customer);
                Deletion::Deleted
            }
        }
    }

    /// Marks `customer` as having active Azure reservations or software orders, which Partner
    /// Center requires to be cancelled before the customer can be deleted.
    pub fn block_with_active_purchases(&mut self, customer: Uuid) {
        self.with_active_purchases.insert(customer);
    }

    fn remove(&mut self, customer: Uuid) {
        if let Some((p, seq)) = self.customers.remove(&customer)
            && let Some(listing) = self.listings.get_mut(p)
        {
            listing.remove(&seq);
        }
    }

    pub fn recall(&mut self, partner: usize, request_id: Uuid, now: Instant) -> Option<Outcome> {
        self.expire(now);
        self.remembered.get(&(partner, request_id)).map(|(_, o)| o.clone())
    }

    pub fn remember(&mut self, partner: usize, request_id: Uuid, outcome: Outcome, now: Instant) {
        self.expire(now);
        if self.idempotency.capacity == 0 {
            return;
        }
        let key = (partner, request_id);
        // Make room only for a new key; entries in `order` whose time no longer matches the
        // map are stale (the key was remembered again later) and free nothing.
        while !self.remembered.contains_key(&key)
            && self.remembered.len() >= self.idempotency.capacity
        {
            let Some((at, old)) = self.order.pop_front() else { break };
            if self.remembered.get(&old).is_some_and(|(t, _)| *t == at) {
                self.remembered.remove(&old);
            }
        }
        self.remembered.insert(key, (now, outcome));
        self.order.push_back((now, key));
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(at, key)) = self.order.front() {
            if now.duration_since(at) < self.idempotency.window {
                break;
            }
            self.order.pop_front();
            // Only forget the entry if it was not re-remembered later under the same key.
            if self.remembered.get(&key).is_some_and(|(t, _)| *t == at) {
                self.remembered.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_continue_after_a_position_whatever_is_deleted_between() {
        let mut store = Store::default();
        let p = store.add_partner(true, &["t".into()]);
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
        for &id in &ids {
            store.add_customer(p, id, None);
        }
        let (first, more) = store.page(p, None, 2);
        assert!(more);
        assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), ids[..2]);
        assert_eq!(first[0].company_name, "Contoso Test 0001");
        assert_eq!(first[1].domain, "contosotest0002.onmicrosoft.com");
        // One already listed and one not yet listed are deleted before the next page.
        assert_eq!(store.delete(p, ids[1]), Deletion::Deleted);
        assert_eq!(store.delete(p, ids[3]), Deletion::Deleted);
        let (second, more) = store.page(p, Some(first[1].seq), 2);
        assert_eq!(second.iter().map(|c| c.id).collect::<Vec<_>>(), [ids[2], ids[4]]);
        assert!(!more);
    }

    fn outcome(status: u16) -> Outcome {
        Outcome {
            target: Target { operation: crate::Operation::DeleteCustomer, customer: None },
            status: StatusCode::from_u16(status).expect("status"),
            body: Bytes::new(),
        }
    }

    #[test]
    fn outcomes_are_forgotten_after_the_window_and_beyond_capacity() {
        let mut store = Store::new(Idempotency { window: Duration::from_secs(10), capacity: 2 });
        let p = store.add_partner(true, &["t".into()]);
        let t0 = Instant::now();
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        store.remember(p, a, outcome(204), t0);
        store.remember(p, b, outcome(404), t0);
        assert_eq!(store.recall(p, a, t0), Some(outcome(204)));
        store.remember(p, c, outcome(204), t0);
        assert_eq!(store.recall(p, a, t0), None, "oldest forgotten at capacity");
        assert_eq!(store.recall(p, b, t0), Some(outcome(404)));
        assert_eq!(
            store.recall(p, b, t0 + Duration::from_secs(11)),
            None,
            "forgotten after the window"
        );
    }

    #[test]
    fn remembering_a_key_again_keeps_it_and_evicts_nothing_else() {
        let mut store = Store::new(Idempotency { window: Duration::from_secs(10), capacity: 2 });
        let p = store.add_partner(true, &["t".into()]);
        let t0 = Instant::now();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        store.remember(p, a, outcome(500), t0);
        store.remember(p, b, outcome(404), t0);
        store.remember(p, a, outcome(204), t0 + Duration::from_secs(5));
        assert_eq!(store.recall(p, a, t0 + Duration::from_secs(5)), Some(outcome(204)));
        assert_eq!(store.recall(p, b, t0 + Duration::from_secs(5)), Some(outcome(404)));
        // The stale first entry for `a` expires without taking the fresh one with it.
        assert_eq!(store.recall(p, a, t0 + Duration::from_secs(11)), Some(outcome(204)));
        assert_eq!(store.recall(p, b, t0 + Duration::from_secs(11)), None);
    }

    #[test]
    fn outcomes_are_per_partner() {
        let mut store = Store::default();
        let p = store.add_partner(true, &["p".into()]);
        let q = store.add_partner(true, &["q".into()]);
        let id = Uuid::new_v4();
        let now = Instant::now();
        store.remember(p, id, outcome(204), now);
        assert_eq!(store.recall(q, id, now), None);
    }
}
