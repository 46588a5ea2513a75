//! What one page of the listing holds.

use super::continuation::Continuation;
use crate::customers::Customer;
use crate::error::CallInfo;

/// One page of customers.
#[derive(Debug, Clone)]
pub struct CustomerPage {
    pub(super) customers: Vec<Customer>,
    pub(super) total_count: Option<u32>,
    pub(super) continuation: Option<Continuation>,
    pub(super) next_link_error: Option<String>,
    pub(super) call: CallInfo,
}

impl CustomerPage {
    /// The customers on this page, in Partner Center's order.
    pub fn customers(&self) -> &[Customer] {
        &self.customers
    }

    /// The customers on this page, owned.
    pub fn into_customers(self) -> Vec<Customer> {
        self.customers
    }

    /// The page's `totalCount` (Partner Center counts the customers on this page).
    pub fn total_count(&self) -> Option<u32> {
        self.total_count
    }

    /// How to get the next page; `None` on the last page, and on a page whose next link this
    /// client cannot follow ([`Self::next_link_error`]). Keep it (it serializes with serde) to
    /// resume with [`ListCustomers::page_after`](super::ListCustomers::page_after).
    pub fn continuation(&self) -> Option<&Continuation> {
        self.continuation.as_ref()
    }

    /// Why this page's `next` link cannot be followed (a method other than GET, another
    /// collection, a parameter or header this client cannot send, no continuation token), if
    /// so: the page is not the last, but the listing cannot go on.
    /// [`ListCustomers::pages`](super::ListCustomers::pages) and
    /// [`ListCustomers::stream`](super::ListCustomers::stream) yield this page's customers,
    /// then this as an [`Error::InvalidAnswer`](crate::Error::InvalidAnswer).
    pub fn next_link_error(&self) -> Option<&str> {
        self.next_link_error.as_deref()
    }

    /// Whether this is the last page: no next link at all.
    pub fn is_last(&self) -> bool {
        self.continuation.is_none() && self.next_link_error.is_none()
    }

    /// The call that fetched this page.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }
}
