//! The sandbox's changing state: each partner's customers. (Who the partners are is fixed when
//! the sandbox starts: [`crate::layers::auth::Accounts`].)

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use uuid::Uuid;

use crate::customers::delete::DeleteBlockers;
use crate::orders::purchases::{OrderRecord, OrderSeed};
use crate::subscriptions::model::{Status, SubscriptionKind, SubscriptionRecord, SubscriptionSeed};

/// What a delete of one of the partner's customers came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Deletion {
    Deleted,
    /// Orders must be cancelled first: these, by alternate id.
    ActivePurchases(Vec<String>),
    /// Created with an address that did not validate: never deletable (as documented).
    InvalidAddress,
}

/// A cart as the sandbox keeps it.
#[derive(Debug, Clone)]
pub(crate) struct CartRecord {
    pub customer: Uuid,
    /// Each line item: what it buys, how many, its catalog item id.
    pub items: Vec<(crate::orders::purchases::ProductKind, u32, String)>,
    pub ordered: bool,
}

/// Why a request for a customer (or one of its resources) finds none of the partner's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    NotFound,
    /// The customer exists, but another partner's.
    OtherPartner,
}

/// A customer as the sandbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomerRecord {
    pub id: Uuid,
    /// Position in the partner's listing; increases with each customer added.
    pub seq: u64,
    pub company_name: String,
    pub domain: String,
    /// When a create made it (`None` for a seeded customer): reads find it only once the
    /// read-after-create lag has passed.
    pub created: Option<Instant>,
    /// Created with an address the validation service did not verify: the delete refuses it.
    pub invalid_address: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    /// customer → (owning partner index, position in its listing).
    customers: HashMap<Uuid, (usize, u64)>,
    /// Each partner's customers in listing order.
    listings: Vec<BTreeMap<u64, CustomerRecord>>,
    next_seq: u64,
    /// Each customer's orders, in the order they were seeded.
    orders: HashMap<Uuid, Vec<OrderRecord>>,
    /// Each customer's subscriptions, in the order they were seeded.
    subscriptions: HashMap<Uuid, Vec<SubscriptionRecord>>,
    /// How long a cancelled order takes to read `cancelled`.
    pub cancellation_latency: Duration,
    /// How long an updated subscription takes to read its new status.
    pub subscription_latency: Duration,
    /// How long a cancelled Azure entitlement takes to read `inactive`.
    pub azure_entitlement_latency: Duration,
    /// Whether subscription updates are answered `202` with a `Location` (else `200`).
    pub subscription_updates_accepted: bool,
    /// The status of a delete refused for active purchases (`None`: 409).
    pub purchases_refusal: Option<axum::http::StatusCode>,
    /// What blocks a delete.
    pub blockers: DeleteBlockers,
    /// How long a created customer reads as not found (by id; the listing shows it at once).
    pub read_after_create_lag: Duration,
    /// The most customers a partner may hold (a create past it is refused).
    pub customer_limit: usize,
    /// How long a bought order's entitlements take to appear.
    pub purchase_listing_lag: Duration,
    /// Carts, by id: their customer, their items (kind and quantity), whether checked out.
    carts: HashMap<Uuid, CartRecord>,
    /// Every domain in use or once claimed (lower case): a seeded customer's, a created
    /// one's, and a refused create's that got as far as claiming it.
    taken_domains: HashSet<String>,
}

impl Store {
    /// A partner with no customers yet; its index.
    pub fn add_partner(&mut self) -> usize {
        self.listings.push(BTreeMap::new());
        self.listings.len() - 1
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
        self.taken_domains.insert(domain.to_ascii_lowercase());
        self.listings[partner].insert(
            seq,
            CustomerRecord {
                id: customer,
                seq,
                company_name,
                domain,
                created: None,
                invalid_address: false,
            },
        );
    }

    /// Adds a customer a create made; it reads as not found until the lag has passed.
    pub fn create_customer(
        &mut self,
        partner: usize,
        customer: Uuid,
        company_name: String,
        domain: String,
        invalid_address: bool,
    ) {
        self.add_customer(partner, customer, Some((company_name, domain)));
        if let Some(record) = self.record_mut(customer) {
            record.created = Some(Instant::now());
            record.invalid_address = invalid_address;
        }
    }

    fn record_mut(&mut self, customer: Uuid) -> Option<&mut CustomerRecord> {
        let &(owner, seq) = self.customers.get(&customer)?;
        self.listings.get_mut(owner)?.get_mut(&seq)
    }

    /// Whether `domain` is in use or was claimed (compared without regard to case).
    pub fn domain_taken(&self, domain: &str) -> bool {
        self.taken_domains.contains(&domain.to_ascii_lowercase())
    }

    /// Claims `domain` for good (a create that got this far keeps it, even if it fails).
    pub fn claim_domain(&mut self, domain: &str) {
        self.taken_domains.insert(domain.to_ascii_lowercase());
    }

    /// How many customers `partner` holds.
    pub fn customer_count(&self, partner: usize) -> usize {
        self.listings.get(partner).map_or(0, BTreeMap::len)
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
    pub fn delete(&mut self, partner: usize, customer: Uuid) -> Result<Deletion, Lookup> {
        self.owned(partner, customer)?;
        if self.customer(partner, customer).is_ok_and(|c| c.invalid_address) {
            return Ok(Deletion::InvalidAddress);
        }
        let blocking = self.blocking(customer);
        if !blocking.is_empty() {
            return Ok(Deletion::ActivePurchases(blocking));
        }
        self.remove(customer);
        Ok(Deletion::Deleted)
    }

    /// The alternate ids of what blocks deleting `customer` under [`DeleteBlockers`]: orders
    /// not yet cancelled, an Azure plan, subscriptions (named by their order's id, the short
    /// id new-commerce subscriptions carry, like the one the reported refusal names).
    fn blocking(&self, customer: Uuid) -> Vec<String> {
        let rule = self.blockers;
        let latency = self.cancellation_latency;
        let orders = self.orders.get(&customer).into_iter().flatten();
        let orders = orders
            .filter(|o| rule.active_orders && !o.is_cancelled(latency))
            .map(|o| o.alternate_id.clone());
        let subscriptions = self.subscriptions.get(&customer).into_iter().flatten();
        let subscriptions = subscriptions
            .filter(|s| match (s.kind, s.status(self.subscription_latency)) {
                (SubscriptionKind::AzurePlan, Status::Active) => rule.azure_plans,
                (_, Status::Active) => rule.active_subscriptions,
                (_, Status::Suspended) => rule.suspended_subscriptions,
                (_, Status::Deleted) => false,
            })
            .map(|s| s.order_id.clone());
        orders.chain(subscriptions).collect()
    }

    /// Adds orders to `customer`; a seed with the id of an order it has adds to that order.
    pub fn add_orders(&mut self, customer: Uuid, seeds: &[OrderSeed]) {
        let now = SystemTime::now();
        let orders = self.orders.entry(customer).or_default();
        for seed in seeds {
            let new = OrderRecord::from_seed(customer, seed, now);
            match orders.iter_mut().find(|o| o.id == new.id) {
                Some(same) => same.line_items += new.line_items,
                None => orders.push(new),
            }
        }
    }

    /// Each of `customer`'s subscriptions (any partner's): its id and the status a read shows
    /// now.
    pub fn subscription_statuses(&self, customer: Uuid) -> Vec<(String, &'static str)> {
        let held = self.subscriptions.get(&customer).into_iter().flatten();
        held.map(|s| (s.id.clone(), s.status(self.subscription_latency).as_str())).collect()
    }

    /// Adds subscriptions to `customer`.
    pub fn add_subscriptions(&mut self, customer: Uuid, seeds: &[SubscriptionSeed]) {
        let now = SystemTime::now();
        let held = self.subscriptions.entry(customer).or_default();
        held.extend(seeds.iter().map(|seed| SubscriptionRecord::from_seed(customer, seed, now)));
    }

    /// The subscriptions of `customer` (owned by `partner`).
    pub fn subscriptions(
        &self,
        partner: usize,
        customer: Uuid,
    ) -> Result<&[SubscriptionRecord], Lookup> {
        self.owned(partner, customer)?;
        Ok(self.subscriptions.get(&customer).map_or(&[], Vec::as_slice))
    }

    /// One subscription of `customer` (owned by `partner`), its id compared without regard to
    /// case (a GUID); `Ok(None)` when it has no such subscription.
    pub fn subscription_mut(
        &mut self,
        partner: usize,
        customer: Uuid,
        subscription: &str,
    ) -> Result<Option<&mut SubscriptionRecord>, Lookup> {
        self.owned(partner, customer)?;
        Ok(self
            .subscriptions
            .get_mut(&customer)
            .and_then(|s| s.iter_mut().find(|s| s.id.eq_ignore_ascii_case(subscription))))
    }

    /// Every partner's customers (listing order) with their orders, as JSON: what an operator
    /// (the admin route) sees.
    pub fn snapshot(&self) -> serde_json::Value {
        let partners: Vec<serde_json::Value> = self
            .listings
            .iter()
            .enumerate()
            .map(|(index, listing)| {
                let customers: Vec<serde_json::Value> = listing
                    .values()
                    .map(|c| {
                        let orders: Vec<serde_json::Value> = self
                            .orders
                            .get(&c.id)
                            .into_iter()
                            .flatten()
                            .map(|o| {
                                serde_json::json!({
                                    "id": o.id,
                                    "cancelled": o.is_cancelled(self.cancellation_latency),
                                })
                            })
                            .collect();
                        let subscriptions: Vec<serde_json::Value> = self
                            .subscriptions
                            .get(&c.id)
                            .into_iter()
                            .flatten()
                            .map(|s| {
                                serde_json::json!({
                                    "id": s.id,
                                    "kind": format!("{:?}", s.kind),
                                    "status": s.json(self.subscription_latency, None)["status"],
                                    "auto_renew": s.auto_renew,
                                    "scheduled_change": s.scheduled,
                                    "ends_at_renewal": s.ends_at_renewal,
                                })
                            })
                            .collect();
                        serde_json::json!({
                            "id": c.id,
                            "company_name": c.company_name,
                            "domain": c.domain,
                            "orders": orders,
                            "subscriptions": subscriptions,
                            "azure_plan": self.subscriptions.get(&c.id).is_some_and(|s| {
                                s.iter().any(|s| s.kind == SubscriptionKind::AzurePlan)
                            }),
                        })
                    })
                    .collect();
                serde_json::json!({ "partner": index, "customers": customers })
            })
            .collect();
        serde_json::json!({ "partners": partners })
    }

    /// The ids of `customer`'s orders.
    pub fn order_ids(&self, customer: Uuid) -> Vec<String> {
        self.orders
            .get(&customer)
            .map(|o| o.iter().map(|o| o.id.clone()).collect())
            .unwrap_or_default()
    }

    /// Whether `customer`'s order `order` reads `cancelled`.
    pub fn order_is_cancelled(&self, customer: Uuid, order: &str) -> bool {
        let orders = self.orders.get(&customer).into_iter().flatten();
        orders.filter(|o| o.id == order).any(|o| o.is_cancelled(self.cancellation_latency))
    }

    /// `partner`'s `customer`, or why not. A customer created less than the
    /// read-after-create lag ago is not found yet.
    pub fn owned(&self, partner: usize, customer: Uuid) -> Result<(), Lookup> {
        match self.customers.get(&customer) {
            None => Err(Lookup::NotFound),
            Some(&(owner, _)) if owner != partner => Err(Lookup::OtherPartner),
            Some(&(owner, seq)) => {
                let created = self.listings.get(owner).and_then(|l| l.get(&seq)?.created);
                match created {
                    Some(at) if at.elapsed() < self.read_after_create_lag => Err(Lookup::NotFound),
                    _ => Ok(()),
                }
            }
        }
    }

    /// `partner`'s `customer`, or why not.
    pub fn customer(&self, partner: usize, customer: Uuid) -> Result<&CustomerRecord, Lookup> {
        self.owned(partner, customer)?;
        let &(owner, seq) = self.customers.get(&customer).ok_or(Lookup::NotFound)?;
        self.listings.get(owner).and_then(|l| l.get(&seq)).ok_or(Lookup::NotFound)
    }

    /// Up to `size` customers of `partner` after position `after` whose company name or
    /// domain (`field`) starts with `prefix` (compared without regard to case), and whether
    /// more follow.
    pub fn filtered_page(
        &self,
        partner: usize,
        after: Option<u64>,
        size: usize,
        filter: Option<&crate::customers::list::Filter>,
    ) -> (Vec<CustomerRecord>, bool) {
        let Some(filter) = filter else { return self.page(partner, after, size) };
        let Some(listing) = self.listings.get(partner) else { return (Vec::new(), false) };
        let start = after.map_or(0, |a| a.saturating_add(1));
        let mut rest = listing.range(start..).map(|(_, c)| c).filter(|c| filter.matches(c));
        let page: Vec<CustomerRecord> = rest.by_ref().take(size).cloned().collect();
        (page, rest.next().is_some())
    }

    /// The orders of `customer` (owned by `partner`).
    pub fn orders(&self, partner: usize, customer: Uuid) -> Result<&[OrderRecord], Lookup> {
        self.owned(partner, customer)?;
        Ok(self.orders.get(&customer).map_or(&[], Vec::as_slice))
    }

    /// One order of `customer` (owned by `partner`); `Ok(None)` when it has no such order.
    pub fn order_mut(
        &mut self,
        partner: usize,
        customer: Uuid,
        order: &str,
    ) -> Result<Option<&mut OrderRecord>, Lookup> {
        self.owned(partner, customer)?;
        Ok(self.orders.get_mut(&customer).and_then(|o| o.iter_mut().find(|o| o.id == order)))
    }

    /// Keeps a new cart for `customer` (owned by `partner`).
    pub fn add_cart(
        &mut self,
        partner: usize,
        cart: Uuid,
        record: CartRecord,
    ) -> Result<(), Lookup> {
        self.owned(partner, record.customer)?;
        self.carts.insert(cart, record);
        Ok(())
    }

    /// Checks out `cart` of `customer`: one order per kind of item, placed now, its
    /// entitlements listed after the purchase lag. `Ok(None)`: no such cart of the customer;
    /// `Ok(Some(Err(())))`: already checked out.
    #[allow(clippy::type_complexity)]
    pub fn checkout(
        &mut self,
        partner: usize,
        customer: Uuid,
        cart: Uuid,
    ) -> Result<Option<Result<Vec<serde_json::Value>, ()>>, Lookup> {
        self.owned(partner, customer)?;
        let Some(record) = self.carts.get_mut(&cart).filter(|c| c.customer == customer) else {
            return Ok(None);
        };
        if record.ordered {
            return Ok(Some(Err(())));
        }
        record.ordered = true;
        let items = record.items.clone();
        let now = SystemTime::now();
        let mut placed = Vec::new();
        for kind in [
            crate::orders::purchases::ProductKind::Software,
            crate::orders::purchases::ProductKind::ReservedInstance,
        ] {
            let lines: u32 = items.iter().filter(|(k, _, _)| *k == kind).count() as u32;
            if lines == 0 {
                continue;
            }
            let seed = match kind {
                crate::orders::purchases::ProductKind::Software => OrderSeed::software(),
                crate::orders::purchases::ProductKind::ReservedInstance => {
                    OrderSeed::reserved_instance()
                }
            }
            .line_items(lines)
            .created_ago(Duration::ZERO);
            let mut order = OrderRecord::from_seed(customer, &seed, now);
            order.listed_at = Instant::now() + self.purchase_listing_lag;
            placed.push(order.json(self.cancellation_latency, None));
            self.orders.entry(customer).or_default().push(order);
        }
        Ok(Some(Ok(placed)))
    }

    fn remove(&mut self, customer: Uuid) {
        self.carts.retain(|_, c| c.customer != customer);
        self.orders.remove(&customer);
        self.subscriptions.remove(&customer);
        if let Some((p, seq)) = self.customers.remove(&customer)
            && let Some(listing) = self.listings.get_mut(p)
        {
            listing.remove(&seq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_continue_after_a_position_whatever_is_deleted_between() {
        let mut store = Store::default();
        let p = store.add_partner();
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
        assert_eq!(store.delete(p, ids[1]), Ok(Deletion::Deleted));
        assert_eq!(store.delete(p, ids[3]), Ok(Deletion::Deleted));
        let (second, more) = store.page(p, Some(first[1].seq), 2);
        assert_eq!(second.iter().map(|c| c.id).collect::<Vec<_>>(), [ids[2], ids[4]]);
        assert!(!more);
    }
}
