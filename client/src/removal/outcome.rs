//! What the procedure reports: what it did ([`Removal`]) or why it failed
//! ([`RemovalError`]), with what it had done so far.

use std::time::Duration;

use super::Phase;
use crate::customer_id::CustomerTenantId;
use crate::delete::Deleted;
use crate::error::Error;
use crate::order_id::OrderId;
use crate::orders::OrderStatus;

/// What the procedure did for one customer, to the end or to where it was stopped.
#[derive(Debug, Clone)]
pub struct Removal {
    pub(super) customer: CustomerTenantId,
    pub(super) reached: Option<Phase>,
    pub(super) stopped: bool,
    pub(super) already_gone: bool,
    pub(super) cancelled: Vec<OrderId>,
    pub(super) already_cancelled: Vec<OrderId>,
    pub(super) by_subscription: Vec<String>,
    pub(super) waited: Duration,
    pub(super) deleted: Option<Deleted>,
}

impl Removal {
    /// The customer.
    pub fn customer(&self) -> CustomerTenantId {
        self.customer
    }

    /// The phase reached: [`Phase::Done`] when the customer is gone.
    pub fn reached(&self) -> Phase {
        self.reached.unwrap_or(Phase::LookingUp)
    }

    /// Whether it was stopped before the customer was deleted
    /// ([`DeleteWithPurchases::stop_on`](super::DeleteWithPurchases::stop_on)).
    /// Orders may have been cancelled: a run again finishes the job.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Whether the customer no longer existed (deleted before, by this procedure's earlier run
    /// or by someone else).
    pub fn was_already_gone(&self) -> bool {
        self.already_gone
    }

    /// Orders this run cancelled: Partner Center accepted each cancel, and a read confirmed it
    /// unless the run was stopped (or failed) while waiting.
    pub fn cancelled(&self) -> &[OrderId] {
        &self.cancelled
    }

    /// Orders that already read `cancelled` (skipped).
    pub fn already_cancelled(&self) -> &[OrderId] {
        &self.already_cancelled
    }

    /// Entitlement types found that Partner Center cancels by subscription, not by order (new
    /// commerce, marketplace, Azure plan, ...): outside the documented procedure, which left
    /// them alone.
    pub fn cancelled_by_subscription(&self) -> &[String] {
        &self.by_subscription
    }

    /// How long it waited for cancelled orders to read `cancelled`.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// The delete, with its ids, when this run deleted the customer.
    pub fn deleted(&self) -> Option<&Deleted> {
        self.deleted.as_ref()
    }
}

/// Why the procedure failed, at which phase, for which order, with what it had done so far.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", self.phase)]
pub struct RemovalError {
    pub(super) phase: Phase,
    pub(super) order: Option<OrderId>,
    pub(super) kind: RemovalErrorKind,
    pub(super) done: Box<Removal>,
}

/// What went wrong in [`RemovalError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemovalErrorKind {
    /// A call failed.
    #[error(transparent)]
    Call(Error),
    /// An order is past its cancellation window; nothing was cancelled for this customer.
    #[error(
        "order {order} was created {days} days ago, past the {window}-day cancellation window: nothing was cancelled for this customer; it cannot be deleted from the sandbox until Microsoft support cancels that order",
        window = super::CANCELLATION_WINDOW_DAYS
    )]
    PastCancellationWindow {
        /// The order.
        order: OrderId,
        /// Its age in whole days.
        days: u64,
    },
    /// An order that was cancelled reads a state that will not become `cancelled`.
    #[error("order {order} reads `{status}` after its cancel, not `cancelled`")]
    CancelFailed {
        /// The order.
        order: OrderId,
        /// What it reads.
        status: OrderStatus,
    },
    /// The wait ran out with orders still pending.
    #[error(
        "{} order(s) still not cancelled after {waited:?} (the poll limit): {}; run again later to go on",
        pending.len(),
        pending.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    WaitLimit {
        /// The orders not yet `cancelled`.
        pending: Vec<OrderId>,
        /// How long it waited.
        waited: Duration,
    },
    /// The delete was refused after every Reserved Instance and software order was cancelled:
    /// something Partner Center cancels by subscription remains.
    #[error(
        "the delete is still refused after every Reserved Instance and software order was cancelled: the customer holds something cancelled by subscription (new commerce, commercial marketplace, an Azure plan), which the documented procedure does not cover; cancel or suspend it (PATCH /v1/customers/{{id}}/subscriptions/{{subscription-id}}; an Azure plan after its Azure subscriptions), then run again. Partner Center said: {0}"
    )]
    BlockedBySubscription(Error),
    /// An entitlement names an order id this client cannot send.
    #[error("an entitlement names an order this client cannot use: {0}")]
    InvalidOrderId(#[from] crate::order_id::ParseOrderIdError),
}

impl RemovalError {
    /// The phase it failed in.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The order it failed on, where there is one.
    pub fn order(&self) -> Option<&OrderId> {
        self.order.as_ref()
    }

    /// What went wrong.
    pub fn kind(&self) -> &RemovalErrorKind {
        &self.kind
    }

    /// The underlying call's error, if a call failed.
    pub fn call_error(&self) -> Option<&Error> {
        match &self.kind {
            RemovalErrorKind::Call(e) | RemovalErrorKind::BlockedBySubscription(e) => Some(e),
            _ => None,
        }
    }

    /// What had been done before it failed (orders cancelled, time waited).
    pub fn done(&self) -> &Removal {
        &self.done
    }
}
