//! The delete procedure, as one call: read the customer's entitlements and subscriptions,
//! cancel the Azure Reserved Instance and software orders the entitlements reference and wait
//! until every one reads `cancelled` (the documented procedure, "Delete a customer account
//! from the integration sandbox"), then end each active subscription by the call its kind
//! takes ([`SUBSCRIPTION_KINDS`](crate::SUBSCRIPTION_KINDS): new-commerce and marketplace
//! subscriptions cancelled, legacy ones suspended, software ones with their order) and wait
//! until each reads ended, then delete the customer. A subscription no row places, an Azure
//! plan, or one in a status the procedure does not act on is reported and never touched.
//! Safe to run again after any interruption: orders already cancelled and subscriptions
//! already ended are skipped, a customer Partner Center says does not exist is "already gone".
//!
//! This module is the procedure as a caller starts and watches it (the builder, its phases and
//! progress); [`run`] is the procedure itself (look up, cancel, delete), [`plan`] what its
//! lookup finds, [`poll`] how it waits for cancels (the policy and the wait),
//! [`subscriptions`] what it does with each subscription, [`stop`] how a stop reaches every
//! step, and [`outcome`] what it reports at the end or on failure.

mod outcome;
mod plan;
mod poll;
mod run;
mod stop;
mod subscriptions;

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::client::PartnerCenter;
use crate::customers::id::CustomerTenantId;
use crate::orders::id::OrderId;
use crate::subscriptions::id::{AzureEntitlementId, SubscriptionId};
use crate::subscriptions::{SubscriptionChange, SubscriptionStatus};

pub use outcome::{Removal, RemovalError, RemovalErrorKind};
pub use plan::{PlannedOrder, PurchasePlan, Verdict};
pub use poll::PollPolicy;
use run::Run;
use stop::StopSignal;
pub use subscriptions::{
    LeftAlone, PlannedSubscription, SubscriptionAction, SubscriptionOutcome, SubscriptionStep,
};

/// How long an order stays cancellable after it was created, in the integration sandbox
/// ("orders older than 60 days can't be cancelled").
pub const CANCELLATION_WINDOW: Duration = Duration::from_secs(CANCELLATION_WINDOW_DAYS * DAY);

/// [`CANCELLATION_WINDOW`] in days, as every message names it.
pub const CANCELLATION_WINDOW_DAYS: u64 = 60;

/// A day, in seconds: ages are told in whole days.
const DAY: u64 = 24 * 60 * 60;

/// Where the procedure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Phase {
    /// Reading the customer's entitlements and the orders they reference.
    LookingUp,
    /// Cancelling orders.
    Cancelling,
    /// Waiting until every cancelled order reads `cancelled`.
    Waiting,
    /// Cancelling or suspending subscriptions (after the orders).
    EndingSubscriptions,
    /// Waiting until every updated subscription reads ended.
    WaitingForSubscriptions,
    /// Deleting the customer.
    Deleting,
    /// Done: the customer is deleted (or was already gone).
    Done,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::LookingUp => "looking up",
            Phase::Cancelling => "cancelling",
            Phase::Waiting => "waiting",
            Phase::EndingSubscriptions => "ending subscriptions",
            Phase::WaitingForSubscriptions => "waiting for subscriptions",
            Phase::Deleting => "deleting",
            Phase::Done => "done",
        })
    }
}

/// What the procedure reports as it goes (see [`DeleteWithPurchases::on_progress`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Progress {
    /// A phase starts.
    Phase(Phase),
    /// The lookup found these orders to cancel and these already cancelled.
    Found {
        /// Orders to cancel.
        to_cancel: Vec<OrderId>,
        /// Orders already cancelled (skipped).
        already_cancelled: Vec<OrderId>,
    },
    /// Partner Center accepted the cancel of this order (a 2xx): provisional until a read
    /// shows it ([`Progress::Cancelled`]).
    CancelAccepted(OrderId),
    /// Partner Center answered that the order is still in progress (409, 800060 or 800014):
    /// nothing was accepted; the cancel is sent again once the order has left that state.
    CancelDeferred(OrderId),
    /// A read shows this order `cancelled`.
    Cancelled(OrderId),
    /// The lookup found these subscriptions (sent only when the customer has any).
    SubscriptionsFound {
        /// Subscriptions to update, and the update each gets.
        to_end: Vec<(SubscriptionId, SubscriptionChange)>,
        /// Subscriptions already ended (skipped).
        already_ended: Vec<SubscriptionId>,
        /// Subscriptions the procedure leaves alone (their kind or status is not one it
        /// ends): still active.
        left_alone: Vec<SubscriptionId>,
    },
    /// Partner Center accepted this update of a subscription (a 2xx): provisional until a
    /// read shows it ([`Progress::SubscriptionEnded`]).
    SubscriptionAccepted(SubscriptionId, SubscriptionChange),
    /// Partner Center refused an update for now (409: an operation such as a renewal pending;
    /// or 403/900115: an Azure plan with an Azure subscription or reservation still active):
    /// nothing accepted; it is sent again once a read shows the subscription.
    SubscriptionDeferred(SubscriptionId),
    /// Partner Center refused this cancel as past the subscription's window: it is suspended
    /// instead.
    SubscriptionPastWindow(SubscriptionId),
    /// The cancel was accepted, but Partner Center's answer still shows the subscription
    /// active, its term ending on this date (as sent): a commercial-marketplace subscription
    /// cancelled past its window ends then.
    SubscriptionEndsAtRenewal(SubscriptionId, Option<String>),
    /// A read shows this subscription ended, in this status.
    SubscriptionEnded(SubscriptionId, SubscriptionStatus),
    /// Partner Center accepted the cancel of this Azure subscription of this Azure plan
    /// (provisional until it reads `inactive`).
    AzureSubscriptionCancelAccepted(SubscriptionId, AzureEntitlementId),
    /// Every Azure subscription of this Azure plan reads `inactive`: the plan is suspended
    /// next.
    AzureSubscriptionsInactive(SubscriptionId),
    /// A round of the wait for subscriptions ended with this many still not ended.
    SubscriptionsStillPending {
        /// Subscriptions not yet read ended.
        pending: usize,
        /// Time waited for subscriptions so far.
        waited: Duration,
    },
    /// A round of the wait ended with this many orders still pending.
    StillPending {
        /// Orders not yet reading `cancelled`.
        pending: usize,
        /// Time waited so far.
        waited: Duration,
    },
}

type Observer<'a> = Arc<dyn Fn(&Progress) + Send + Sync + 'a>;
type Stop<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// The documented procedure for one customer (from
/// [`CustomerById::delete_with_purchases`](crate::CustomerById::delete_with_purchases));
/// `.await` it.
///
/// ```no_run
/// use partner_center_client::{CustomerTenantId, PartnerCenter, Progress};
///
/// # async fn run(pc: PartnerCenter, id: CustomerTenantId) -> Result<(), Box<dyn std::error::Error>> {
/// let removal = pc
///     .customers()
///     .by_id(id)
///     .delete_with_purchases()
///     .on_progress(|p| eprintln!("{p:?}"))
///     .stop_on(async { let _ = tokio::signal::ctrl_c().await; })
///     .await?;
/// println!(
///     "{}: reached {}, cancelled {:?}, waited {:?}",
///     removal.customer(), removal.reached(), removal.cancelled(), removal.waited()
/// );
/// # Ok(()) }
/// ```
#[must_use = "nothing is sent until the procedure is awaited"]
pub struct DeleteWithPurchases<'a> {
    pc: &'a PartnerCenter,
    customer: CustomerTenantId,
    polling: PollPolicy,
    subscription_polling: PollPolicy,
    azure_polling: PollPolicy,
    cancel_azure: bool,
    known_orders: Vec<OrderId>,
    concurrency: usize,
    observer: Option<Observer<'a>>,
    stop: Option<Stop<'a>>,
}

impl fmt::Debug for DeleteWithPurchases<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeleteWithPurchases")
            .field("customer", &self.customer)
            .field("polling", &self.polling)
            .field("subscription_polling", &self.subscription_polling)
            .field("azure_polling", &self.azure_polling)
            .field("cancel_azure", &self.cancel_azure)
            .field("known_orders", &self.known_orders)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// Orders read or cancelled at once, by default, for one customer.
pub const DEFAULT_ORDER_CONCURRENCY: usize = 4;

impl<'a> DeleteWithPurchases<'a> {
    pub(crate) fn new(pc: &'a PartnerCenter, customer: CustomerTenantId) -> Self {
        Self {
            pc,
            customer,
            polling: PollPolicy::default(),
            subscription_polling: PollPolicy::default(),
            azure_polling: PollPolicy::for_azure_entitlements(),
            cancel_azure: false,
            known_orders: Vec::new(),
            concurrency: DEFAULT_ORDER_CONCURRENCY,
            observer: None,
            stop: None,
        }
    }

    /// How to wait for cancelled orders (default [`PollPolicy::default`]).
    pub fn polling(mut self, policy: PollPolicy) -> Self {
        self.polling = policy;
        self
    }

    /// How to wait for updated subscriptions to read ended (default
    /// [`PollPolicy::default`]: Partner Center documents no latency for a subscription
    /// update; the sandbox's default is two seconds).
    pub fn subscription_polling(mut self, policy: PollPolicy) -> Self {
        self.subscription_polling = policy;
        self
    }

    /// Whether an Azure plan is ended too (default `false`: it is reported and left alone):
    /// each of its active Azure subscriptions is cancelled (`POST
    /// …/azureEntitlements/{id}/cancel`, reason `compromise`), the procedure waits until each
    /// reads `inactive` ([`azure_polling`](Self::azure_polling)), then suspends the plan. An
    /// explicit choice, because the documented call is meant for compromise or abuse and needs
    /// a Global Administrator with the Admin Agent role.
    pub fn cancel_azure_subscriptions(mut self, yes: bool) -> Self {
        self.cancel_azure = yes;
        self
    }

    /// Orders the caller knows the customer holds (the ids a cart's checkout answered with),
    /// read and cancelled with those the entitlements show: a new order can take minutes to
    /// appear there, and until it is cancelled it blocks the delete. Each is planned once, as
    /// an entitlement's order is; its `entitlement_types` say `named by the caller`.
    pub fn known_orders(mut self, orders: impl IntoIterator<Item = OrderId>) -> Self {
        self.known_orders.extend(orders);
        self
    }

    /// How to wait for cancelled Azure subscriptions to read `inactive` (default
    /// [`PollPolicy::for_azure_entitlements`]: about ten minutes, per the docs).
    pub fn azure_polling(mut self, policy: PollPolicy) -> Self {
        self.azure_polling = policy;
        self
    }

    /// Orders (and subscriptions) read and updated at once (default [`DEFAULT_ORDER_CONCURRENCY`]; at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Called with each step as it happens.
    pub fn on_progress(mut self, observer: impl Fn(&Progress) + Send + Sync + 'a) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Stops when `stop` completes: a wait ends at once, a call in flight finishes, nothing
    /// new starts — no read, no cancel, no subscription update, no delete; the result says the
    /// phase reached ([`Removal::is_stopped`]), the cancels and updates accepted, and the
    /// orders and subscriptions not attempted.
    pub fn stop_on(mut self, stop: impl Future<Output = ()> + Send + 'a) -> Self {
        self.stop = Some(Box::pin(stop));
        self
    }

    /// Only the lookup: what the procedure would cancel, suspend or leave alone (reads only;
    /// nothing is changed).
    /// `Ok(None)` when the customer no longer exists.
    pub async fn plan(self) -> Result<Option<PurchasePlan>, RemovalError> {
        let customer = self.customer;
        let (run, _) = self.into_run();
        let never = StopSignal::new(None);
        match run.lookup(&never).await {
            Ok(run::Lookup::Plan(plan)) => Ok(Some(plan)),
            Ok(run::Lookup::Gone) => Ok(None),
            // `never` has no stop, so every read is made and this cannot come.
            Ok(run::Lookup::Stopped) => Ok(None),
            Err((order, kind)) => {
                let done = Removal::nothing_done(customer);
                Err(Run::fail(Phase::LookingUp, order, kind, &done))
            }
        }
    }

    /// Runs the procedure (the same as awaiting it).
    pub async fn send(self) -> Result<Removal, RemovalError> {
        let (run, stop) = self.into_run();
        run.run(&StopSignal::new(stop)).await
    }

    fn into_run(self) -> (Run<'a>, Option<Stop<'a>>) {
        let DeleteWithPurchases {
            pc,
            customer,
            polling,
            subscription_polling,
            azure_polling,
            cancel_azure,
            known_orders,
            concurrency,
            observer,
            stop,
        } = self;
        let run = Run {
            pc,
            customer,
            polling,
            subscription_polling,
            azure_polling,
            cancel_azure,
            known_orders,
            concurrency,
            observer,
        };
        (run, stop)
    }
}

impl<'a> IntoFuture for DeleteWithPurchases<'a> {
    type Output = Result<Removal, RemovalError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
