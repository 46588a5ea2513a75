//! The sandbox's changing state: each partner's customers. (Who the partners are is fixed when
//! the sandbox starts: [`crate::layers::auth::Accounts`].)

use std::collections::{BTreeMap, HashMap, HashSet};

use uuid::Uuid;

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

#[derive(Debug, Default)]
pub(crate) struct Store {
    /// customer → (owning partner index, position in its listing).
    customers: HashMap<Uuid, (usize, u64)>,
    /// Each partner's customers in listing order.
    listings: Vec<BTreeMap<u64, CustomerRecord>>,
    next_seq: u64,
    with_active_purchases: HashSet<Uuid>,
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
        assert_eq!(store.delete(p, ids[1]), Deletion::Deleted);
        assert_eq!(store.delete(p, ids[3]), Deletion::Deleted);
        let (second, more) = store.page(p, Some(first[1].seq), 2);
        assert_eq!(second.iter().map(|c| c.id).collect::<Vec<_>>(), [ids[2], ids[4]]);
        assert!(!more);
    }
}
