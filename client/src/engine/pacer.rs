//! Pacing: a hook every attempt of every call waits on, shared by all clones of a client, so a
//! program can keep a whole run under a rate limit and make every worker pause together when
//! Partner Center says to slow down.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

/// Decides when the next attempt may be sent; set with
/// [`PartnerCenterBuilder::pacer`](crate::PartnerCenterBuilder::pacer).
///
/// [`ready`](Pacer::ready) is awaited before **every** attempt (retries included, and every
/// page of a listing); the time it takes counts against the call's deadline.
/// [`throttled`](Pacer::throttled) is told about every `429` with a `Retry-After`, so other
/// calls can hold back too instead of each meeting the limit on its own.
///
/// ```
/// use std::time::Duration;
/// use partner_center_client::Pacer;
///
/// /// Lets every attempt through at once: what a client without a pacer does.
/// struct Unpaced;
///
/// #[async_trait::async_trait]
/// impl Pacer for Unpaced {
///     async fn ready(&self) {}
///     fn throttled(&self, _wait: Duration) {}
/// }
/// ```
#[async_trait]
pub trait Pacer: Send + Sync + 'static {
    /// Returns when the next attempt may be sent.
    async fn ready(&self);

    /// An answer asked callers to wait `wait` from now (a `429` with `Retry-After`).
    fn throttled(&self, wait: Duration);

    /// Returns when the next attempt on `resource` may be sent. The engine calls this (not
    /// [`ready`](Pacer::ready)); by default it is `ready`, one budget for every resource.
    /// Partner Center limits each documented resource on its own, so a pacer that keeps a
    /// budget per resource lets a whole cleanup go as fast as the limits allow.
    async fn ready_for(&self, resource: Resource) {
        let _ = resource;
        self.ready().await;
    }

    /// A `429` on `resource` asked callers to wait `wait`; by default [`throttled`](Pacer::throttled).
    fn throttled_on(&self, resource: Resource, wait: Duration) {
        let _ = resource;
        self.throttled(wait);
    }
}

/// The resources Partner Center documents a rate limit for: 500 requests a minute per tenant
/// on each ("Customer resources", "Order resources", "Subscription resources"). Each operation
/// counts against one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Resource {
    /// Customers: listing and deleting them, and (no limit of their own is documented; their
    /// path is the customer's) reading their entitlements.
    Customer,
    /// Orders: reading and cancelling them.
    Order,
    /// Subscriptions: listing, reading and updating them (cancel, suspend).
    Subscription,
}

impl Resource {
    /// Every resource, for a pacer that keeps a budget for each.
    pub const ALL: [Resource; 3] = [Resource::Customer, Resource::Order, Resource::Subscription];

    /// Its name: `customer`, `order`, `subscription`.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Customer => "customer",
            Resource::Order => "order",
            Resource::Subscription => "subscription",
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A shared pacer paces too, so a program can keep its own handle (to read what its pacer
/// counted) and give the client a clone.
#[async_trait]
impl<P: Pacer + ?Sized> Pacer for Arc<P> {
    async fn ready(&self) {
        (**self).ready().await;
    }

    fn throttled(&self, wait: Duration) {
        (**self).throttled(wait);
    }

    async fn ready_for(&self, resource: Resource) {
        (**self).ready_for(resource).await;
    }

    fn throttled_on(&self, resource: Resource, wait: Duration) {
        (**self).throttled_on(resource, wait);
    }
}
