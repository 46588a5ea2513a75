//! What the procedure reports: what it did ([`Removal`]) or why it failed
//! ([`RemovalError`]), with what it had done so far. Every list here is what happened on the
//! wire: a cancel Partner Center accepted is not yet a cancelled order, and an order the run
//! never sent a cancel for is named as such.

use std::fmt;
use std::time::Duration;

use super::subscriptions::{SubscriptionOutcome, SubscriptionStep};
use super::{CANCELLATION_WINDOW_DAYS, Phase};
use crate::customers::delete::Deleted;
use crate::customers::id::CustomerTenantId;
use crate::error::Error;
use crate::orders::OrderStatus;
use crate::orders::id::OrderId;
use crate::subscriptions::id::{AzureEntitlementId, SubscriptionId};

/// What the procedure did for one customer, to the end or to where it was stopped.
#[derive(Debug, Clone)]
pub struct Removal {
    pub(super) customer: CustomerTenantId,
    pub(super) reached: Option<Phase>,
    pub(super) stopped: bool,
    pub(super) already_gone: bool,
    pub(super) cancel_accepted: Vec<OrderId>,
    pub(super) cancelled: Vec<OrderId>,
    pub(super) already_cancelled: Vec<OrderId>,
    pub(super) not_attempted: Vec<OrderId>,
    pub(super) deferred: Vec<OrderId>,
    pub(super) cancel_failed: Vec<OrderId>,
    pub(super) cancel_maybe_applied: Vec<OrderId>,
    pub(super) by_subscription: Vec<String>,
    pub(super) subscriptions: Vec<SubscriptionOutcome>,
    pub(super) waited: Duration,
    pub(super) deleted: Option<Deleted>,
}

impl Removal {
    pub(super) fn nothing_done(customer: CustomerTenantId) -> Self {
        Self {
            customer,
            reached: None,
            stopped: false,
            already_gone: false,
            cancel_accepted: Vec::new(),
            cancelled: Vec::new(),
            already_cancelled: Vec::new(),
            not_attempted: Vec::new(),
            deferred: Vec::new(),
            cancel_failed: Vec::new(),
            cancel_maybe_applied: Vec::new(),
            by_subscription: Vec::new(),
            subscriptions: Vec::new(),
            waited: Duration::ZERO,
            deleted: None,
        }
    }

    /// The customer.
    pub fn customer(&self) -> CustomerTenantId {
        self.customer
    }

    /// The phase reached: [`Phase::Done`] when the customer is gone.
    pub fn reached(&self) -> Phase {
        self.reached.unwrap_or(Phase::LookingUp)
    }

    /// Whether it was stopped before the customer was deleted
    /// ([`DeleteWithPurchases::stop_on`](super::DeleteWithPurchases::stop_on)). Orders may
    /// have been cancelled ([`cancel_accepted`](Self::cancel_accepted)); a run again finishes
    /// the job.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Whether Partner Center said the customer does not exist: a 404 with its tenant-not-found
    /// code, or a read confirming it. Deleted before (an earlier run, someone else) — or, when
    /// the delete's 404 came to a retry after an attempt that may have applied
    /// ([`Error::NotFoundAfterRetry`](crate::Error::NotFoundAfterRetry)), possibly by this run.
    pub fn was_already_gone(&self) -> bool {
        self.already_gone
    }

    /// Orders whose cancel this run sent and Partner Center accepted (a 2xx). Provisional: the
    /// cancel is done only once a read shows it ([`cancelled`](Self::cancelled)).
    pub fn cancel_accepted(&self) -> &[OrderId] {
        &self.cancel_accepted
    }

    /// Orders this run saw read `cancelled` after it sent their cancel (or after Partner
    /// Center answered that a change was in progress and a read then showed them cancelled).
    pub fn cancelled(&self) -> &[OrderId] {
        &self.cancelled
    }

    /// Orders that already read `cancelled` at the lookup (skipped).
    pub fn already_cancelled(&self) -> &[OrderId] {
        &self.already_cancelled
    }

    /// Orders the lookup found to cancel for which this run sent no cancel (it was stopped,
    /// another cancel failed first, or an order past its window refused the customer): still
    /// active.
    pub fn not_attempted(&self) -> &[OrderId] {
        &self.not_attempted
    }

    /// Orders whose cancel Partner Center answered "in progress" (409, 800060 or 800014) and
    /// had not accepted when the run ended: still active, a run again sends their cancel.
    pub fn deferred(&self) -> &[OrderId] {
        &self.deferred
    }

    /// Orders whose cancel was sent and not accepted: refused, failed, or stopped between
    /// retries. Only the first failure is the error; each is named here. Still active unless
    /// also in [`cancel_maybe_applied`](Self::cancel_maybe_applied).
    pub fn cancel_failed(&self) -> &[OrderId] {
        &self.cancel_failed
    }

    /// Of [`cancel_failed`](Self::cancel_failed), the orders an attempt may have cancelled anyway
    /// (a 5xx, a timeout, a lost connection, an unusable 2xx): their state is unknown until
    /// read; a run again reads them.
    pub fn cancel_maybe_applied(&self) -> &[OrderId] {
        &self.cancel_maybe_applied
    }

    /// Entitlement types found that are not cancelled by order (new commerce, marketplace,
    /// Azure plan, ...); what became of each subscription is in
    /// [`subscriptions`](Self::subscriptions).
    pub fn cancelled_by_subscription(&self) -> &[String] {
        &self.by_subscription
    }

    /// Each of the customer's subscriptions the lookup read, and where it stands: already
    /// ended, updated and read ended, accepted and not yet read, left alone (still active),
    /// not attempted, ... ([`SubscriptionStep`](super::SubscriptionStep)).
    pub fn subscriptions(&self) -> &[SubscriptionOutcome] {
        &self.subscriptions
    }

    /// How long it waited for cancelled orders to read `cancelled` and updated subscriptions
    /// to read ended.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// The delete, with its ids and status, when this run deleted the customer.
    pub fn deleted(&self) -> Option<&Deleted> {
        self.deleted.as_ref()
    }
}

/// Why the procedure failed, at which phase, for which order, with what it had done so far.
/// Its message ends with what the run did change (cancels accepted, orders left untouched),
/// so that "nothing was cancelled" is never implied when something was.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}{}", self.phase, DoneSoFar(&self.done))]
pub struct RemovalError {
    pub(super) phase: Phase,
    pub(super) order: Option<OrderId>,
    pub(super) kind: Box<RemovalErrorKind>,
    pub(super) done: Box<Removal>,
}

/// The end of a [`RemovalError`]'s message: what the run changed before it failed.
struct DoneSoFar<'a>(&'a Removal);

impl fmt::Display for DoneSoFar<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let done = self.0;
        if !done.cancel_accepted.is_empty() {
            write!(f, "; this run's cancels accepted: {}", ids(&done.cancel_accepted))?;
        }
        if !done.cancelled.is_empty() {
            write!(f, "; read cancelled: {}", ids(&done.cancelled))?;
        }
        if !done.cancel_failed.is_empty() {
            write!(f, "; cancels not accepted: {}", ids(&done.cancel_failed))?;
        }
        if !done.cancel_maybe_applied.is_empty() {
            write!(f, " (of which may have applied: {})", ids(&done.cancel_maybe_applied))?;
        }
        if !done.deferred.is_empty() {
            write!(f, "; answered in progress, no cancel accepted: {}", ids(&done.deferred))?;
        }
        if !done.not_attempted.is_empty() {
            write!(f, "; no cancel sent for: {}", ids(&done.not_attempted))?;
        }
        // Each subscription the run sent an update for, or meant to: where it stands.
        for s in &done.subscriptions {
            if matches!(
                s.step(),
                SubscriptionStep::AlreadyEnded(_)
                    | SubscriptionStep::ByOrder(_)
                    | SubscriptionStep::LeftAlone(_)
            ) {
                continue;
            }
            write!(f, "; subscription {s}")?;
        }
        Ok(())
    }
}

fn ids<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// An order's age as a message says it: "was created N days ago" or that it is unknown.
fn age(days: &Option<u64>) -> String {
    match days {
        Some(days) => format!("created {days} days ago"),
        None => "its age is unknown (no readable creationDate)".to_owned(),
    }
}

/// What went wrong in [`RemovalError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemovalErrorKind {
    /// A call failed.
    #[error(transparent)]
    Call(Error),
    /// The lookup found an order past its cancellation window: the procedure refused before
    /// sending any cancel, so nothing was cancelled for this customer.
    #[error(
        "order {order} was created {days} days ago, past the {CANCELLATION_WINDOW_DAYS}-day cancellation window: the procedure refused before sending any cancel, so this run cancelled nothing for this customer; it cannot be deleted from the sandbox until Microsoft support cancels that order"
    )]
    PastCancellationWindow {
        /// The order.
        order: OrderId,
        /// Its age in whole days.
        days: u64,
    },
    /// Partner Center refused a cancel because the order is past its cancellation window (400,
    /// code 900117). Other cancels of the run may have been accepted: the error's message and
    /// [`RemovalError::done`] name them.
    #[error(
        "Partner Center refused to cancel order {order} as past the {CANCELLATION_WINDOW_DAYS}-day cancellation window ({}); it cannot be deleted from the sandbox until Microsoft support cancels that order. Partner Center said: {error}",
        age(days)
    )]
    CancelRefusedPastWindow {
        /// The order.
        order: OrderId,
        /// Its age in whole days, when its creation date was readable.
        days: Option<u64>,
        /// Partner Center's answer (its ids, code and description).
        error: Error,
    },
    /// An order reads a state that will not become `cancelled`.
    #[error("order {order} reads `{status}`, a state that will not become `cancelled`")]
    CancelFailed {
        /// The order.
        order: OrderId,
        /// What it reads.
        status: OrderStatus,
    },
    /// An order waits for a person (a purchase-order upload or a review) and will not move on
    /// its own: the wait for it ended.
    #[error(
        "order {order} reads `{status}`: it waits for a person (a purchase-order upload or a review) and will not move on its own; complete or reject it in Partner Center, then run again"
    )]
    NeedsAttention {
        /// The order.
        order: OrderId,
        /// What it reads.
        status: OrderStatus,
    },
    /// The wait ran out with orders still pending.
    #[error(
        "{} order(s) still not cancelled after {waited:?} (the poll limit): {}; run again later to go on",
        pending.len(),
        ids(pending)
    )]
    WaitLimit {
        /// The orders not yet `cancelled`.
        pending: Vec<OrderId>,
        /// How long it waited.
        waited: Duration,
    },
    /// A call about a subscription (its update, or a read while waiting) failed.
    #[error("subscription {subscription}: {error}")]
    Subscription {
        /// The subscription.
        subscription: SubscriptionId,
        /// The call's error.
        error: Error,
    },
    /// Partner Center refused a subscription's update for an operation pending on it (409,
    /// code 900278) and asks to try again after 24 hours.
    #[error(
        "Partner Center has an operation pending on subscription {subscription} and asks to try again after 24 hours: run again then. Partner Center said: {error}"
    )]
    SubscriptionPendingOperation {
        /// The subscription.
        subscription: SubscriptionId,
        /// Partner Center's answer.
        error: Error,
    },
    /// A call about an Azure subscription of an Azure plan (listing them, or a cancel)
    /// failed; a `403` to the cancel carries a hint naming the role it needs.
    #[error("Azure plan {plan}{}: {error}", entitlement.as_ref().map(|e| format!(", Azure subscription {e}")).unwrap_or_default())]
    AzureSubscription {
        /// The Azure plan.
        plan: SubscriptionId,
        /// The Azure subscription, for a cancel.
        entitlement: Option<AzureEntitlementId>,
        /// The call's error.
        error: Error,
    },
    /// The wait ran out with Azure subscriptions of a plan still `active`.
    #[error(
        "Azure plan {plan}: {} Azure subscription(s) still active after {waited:?} (the poll limit; Partner Center says a cancel takes about ten minutes): {}; run again later to go on",
        pending.len(),
        ids(pending)
    )]
    AzureWaitLimit {
        /// The Azure plan.
        plan: SubscriptionId,
        /// Its Azure subscriptions still `active`.
        pending: Vec<AzureEntitlementId>,
        /// How long it waited.
        waited: Duration,
    },
    /// The wait ran out with subscriptions not yet read ended.
    #[error(
        "{} subscription(s) still not ended after {waited:?} (the poll limit): {}; run again later to go on",
        pending.len(),
        ids(pending)
    )]
    SubscriptionWaitLimit {
        /// The subscriptions not yet read ended.
        pending: Vec<SubscriptionId>,
        /// How long it waited for them.
        waited: Duration,
    },
    /// The delete was refused for purchases still active, after the procedure ended what it
    /// could ([`DeleteRefusal`](crate::DeleteRefusal)).
    #[error("{}", refused_text(error, still_reported, not_seen, still_active, by_subscription))]
    #[non_exhaustive]
    DeleteRefused {
        /// Partner Center's refusal.
        error: Error,
        /// Orders the refusal names (by alternate id) that this run saw read `cancelled`:
        /// Partner Center can lag; a run again in a few minutes goes on.
        still_reported: Vec<String>,
        /// Orders the refusal names that the customer's entitlements never showed (such as an
        /// Azure plan's order): the procedure cannot cancel them.
        not_seen: Vec<String>,
        /// Subscriptions this run left active (of a kind or status it does not end, ending
        /// at renewal, ...), each as "id (name, kind): where it stands".
        still_active: Vec<String>,
        /// Entitlement types the lookup found that are cancelled by subscription.
        by_subscription: Vec<String>,
    },
    /// An entitlement names an order id this client cannot send.
    #[error("an entitlement names an order this client cannot use: {0}")]
    InvalidOrderId(#[from] crate::orders::id::ParseOrderIdError),
}

fn refused_text(
    error: &Error,
    still_reported: &[String],
    not_seen: &[String],
    still_active: &[String],
    by_subscription: &[String],
) -> String {
    let mut why = Vec::new();
    if !still_reported.is_empty() {
        why.push(format!(
            "Partner Center still names purchases this run read as ended ({}); it can lag: run again in a few minutes",
            ids(still_reported)
        ));
    }
    if !not_seen.is_empty() {
        why.push(format!(
            "it names orders neither the customer's entitlements nor its subscriptions showed ({}), so the procedure cannot cancel them; an Azure plan's order is refused this way (Partner-Center-PowerShell issue 215): cancel its Azure subscriptions, then the plan",
            ids(not_seen)
        ));
    }
    if !still_active.is_empty() {
        why.push(format!("this run left subscriptions active: {}", still_active.join("; ")));
    }
    if why.is_empty() && !by_subscription.is_empty() {
        why.push(format!(
            "its entitlements show types not cancelled by order ({}) and its subscription list showed none to end; cancel or suspend what holds them (PATCH /v1/customers/{{id}}/subscriptions/{{subscription-id}}; an Azure plan after its Azure subscriptions), then run again",
            ids(by_subscription)
        ));
    }
    if why.is_empty() {
        why.push("the refusal names nothing this procedure found to cancel".to_owned());
    }
    format!(
        "the delete was refused for active purchases after the procedure ended what it could: {}. Partner Center said: {error}",
        why.join("; ")
    )
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

    /// The subscription it failed on, where there is one.
    pub fn subscription(&self) -> Option<&SubscriptionId> {
        match &*self.kind {
            RemovalErrorKind::Subscription { subscription, .. }
            | RemovalErrorKind::SubscriptionPendingOperation { subscription, .. }
            | RemovalErrorKind::AzureSubscription { plan: subscription, .. }
            | RemovalErrorKind::AzureWaitLimit { plan: subscription, .. } => Some(subscription),
            _ => None,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &RemovalErrorKind {
        &self.kind
    }

    /// The underlying call's error, where Partner Center answered (or a call failed): its
    /// `MS-RequestId`, status, code and description.
    pub fn call_error(&self) -> Option<&Error> {
        match &*self.kind {
            RemovalErrorKind::Call(e)
            | RemovalErrorKind::CancelRefusedPastWindow { error: e, .. }
            | RemovalErrorKind::DeleteRefused { error: e, .. }
            | RemovalErrorKind::Subscription { error: e, .. }
            | RemovalErrorKind::AzureSubscription { error: e, .. }
            | RemovalErrorKind::SubscriptionPendingOperation { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// What had been done before it failed (cancels accepted, orders read cancelled, orders
    /// not attempted, time waited).
    pub fn done(&self) -> &Removal {
        &self.done
    }
}
