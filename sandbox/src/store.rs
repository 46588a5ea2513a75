//! The sandbox's state: partners, their customers, and remembered outcomes for idempotency.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use uuid::Uuid;

/// One partner account.
#[derive(Debug, Clone)]
pub(crate) struct Partner {
    pub tip: bool,
}

/// What a request came to, kept so a repeat with the same `MS-RequestId` gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// The customer the request was for: a reused `MS-RequestId` for another customer is not
    /// a retry.
    pub customer: Uuid,
    pub status: u16,
    pub body: Option<serde_json::Value>,
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
    /// customer → owning partner index.
    customers: HashMap<Uuid, usize>,
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

    pub fn add_customer(&mut self, partner: usize, customer: Uuid) {
        self.customers.insert(customer, partner);
    }

    pub fn has_customer(&self, customer: Uuid) -> bool {
        self.customers.contains_key(&customer)
    }

    pub fn customers_of(&self, partner: usize) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> =
            self.customers.iter().filter(|&(_, &p)| p == partner).map(|(&c, _)| c).collect();
        ids.sort();
        ids
    }

    /// Removes `customer` if `partner` owns it.
    pub fn delete(&mut self, partner: usize, customer: Uuid) -> bool {
        if self.customers.get(&customer) == Some(&partner) {
            self.customers.remove(&customer);
            true
        } else {
            false
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

    fn outcome(status: u16) -> Outcome {
        Outcome { customer: Uuid::nil(), status, body: None }
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
