//! What the procedure's lookup finds: each order to cancel, and what it will do with it.

use std::fmt;

use super::CANCELLATION_WINDOW_DAYS;
use super::subscriptions::PlannedSubscription;
use crate::customers::id::CustomerTenantId;
use crate::orders::OrderStatus;
use crate::orders::id::OrderId;

/// What stands between a customer and its deletion, as the procedure's lookup reads it
/// ([`DeleteWithPurchases::plan`](super::DeleteWithPurchases::plan)).
#[derive(Debug, Clone)]
pub struct PurchasePlan {
    pub(super) customer: CustomerTenantId,
    pub(super) orders: Vec<PlannedOrder>,
    pub(super) subscriptions: Vec<PlannedSubscription>,
    pub(super) by_subscription: Vec<String>,
}

impl PurchasePlan {
    /// The customer.
    pub fn customer(&self) -> CustomerTenantId {
        self.customer
    }

    /// Each Reserved Instance or software order its entitlements reference, once.
    pub fn orders(&self) -> &[PlannedOrder] {
        &self.orders
    }

    /// Each of the customer's subscriptions, whatever its kind and status, with what the
    /// procedure does with it.
    pub fn subscriptions(&self) -> &[PlannedSubscription] {
        &self.subscriptions
    }

    /// Entitlement types the customer's entitlements show that are not cancelled by order
    /// (the subscriptions, [`subscriptions`](Self::subscriptions), say what each is).
    pub fn cancelled_by_subscription(&self) -> &[String] {
        &self.by_subscription
    }

    /// Whether the procedure would refuse before sending any cancel (an order known to be past
    /// its cancellation window).
    pub fn is_blocked(&self) -> bool {
        self.orders.iter().any(|o| matches!(o.verdict, Verdict::PastWindow { .. }))
    }
}

/// One order in a [`PurchasePlan`].
#[derive(Debug, Clone)]
pub struct PlannedOrder {
    pub(super) id: OrderId,
    pub(super) alternate_id: Option<String>,
    pub(super) status: OrderStatus,
    pub(super) creation_date: Option<String>,
    pub(super) age_days: Option<u64>,
    pub(super) entitlement_types: Vec<String>,
    pub(super) verdict: Verdict,
}

impl PlannedOrder {
    /// The order's id.
    pub fn id(&self) -> &OrderId {
        &self.id
    }

    /// Its short id, which delete refusals name.
    pub fn alternate_id(&self) -> Option<&str> {
        self.alternate_id.as_deref()
    }

    /// Its status when read.
    pub fn status(&self) -> &OrderStatus {
        &self.status
    }

    /// When it was created (RFC 3339 text, as sent).
    pub fn creation_date(&self) -> Option<&str> {
        self.creation_date.as_deref()
    }

    /// Its age in whole days when read; `None` when its creation date was missing or not
    /// RFC 3339.
    pub fn age_days(&self) -> Option<u64> {
        self.age_days
    }

    /// The entitlement types that reference it (`software`, `reservedinstance`, ...).
    pub fn entitlement_types(&self) -> &[String] {
        &self.entitlement_types
    }

    /// What the procedure does with it.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }
}

/// What the procedure does with an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// It is cancelled.
    Cancel,
    /// Its age is unknown (no readable `creationDate`): the procedure sends its cancel and
    /// Partner Center decides; a refusal then says the age was unknown.
    CancelAgeUnknown,
    /// It already reads `cancelled`: skipped.
    AlreadyCancelled,
    /// It is past its cancellation window ([`CANCELLATION_WINDOW`](crate::CANCELLATION_WINDOW)):
    /// the procedure cancels nothing for this customer.
    PastWindow {
        /// Its age in whole days.
        days: u64,
    },
}

impl Verdict {
    /// Whether the procedure sends a cancel for it.
    pub fn cancels(self) -> bool {
        matches!(self, Verdict::Cancel | Verdict::CancelAgeUnknown)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Cancel => f.write_str("cancel"),
            Verdict::CancelAgeUnknown => {
                f.write_str("cancel (age unknown: Partner Center decides)")
            }
            Verdict::AlreadyCancelled => f.write_str("already cancelled"),
            Verdict::PastWindow { days } => {
                write!(
                    f,
                    "not cancellable: created {days} days ago, past the {CANCELLATION_WINDOW_DAYS}-day window"
                )
            }
        }
    }
}
