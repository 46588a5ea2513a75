//! The documented delete procedure, as one call: read the customer's entitlements, cancel the
//! Azure Reserved Instance and software orders they reference, wait until every one reads
//! `cancelled`, then delete the customer ("Delete a customer account from the integration
//! sandbox"). Safe to run again after any interruption: orders already cancelled are skipped,
//! a customer already deleted is "already gone".

use crate::codes;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::{self, Either};
use futures_util::{FutureExt, StreamExt, stream};
use reqwest::StatusCode;

use crate::client::PartnerCenter;
use crate::customer_id::CustomerTenantId;
use crate::delete::Deleted;
use crate::error::{Error, ErrorCode};
use crate::order_id::OrderId;
use crate::orders::{Order, OrderStatus};

/// How long an order stays cancellable after it was created, in the integration sandbox
/// ("orders older than 60 days can't be cancelled").
pub const CANCELLATION_WINDOW: Duration = Duration::from_secs(60 * 24 * 60 * 60);

/// Partner Center's codes for "a change of this order is in progress" (409): the wait goes on.
const IN_PROGRESS: [i64; 2] = [codes::ORDER_CHANGE_IN_PROGRESS, codes::ORDER_IN_PROGRESS];
/// Partner Center's code for an order past its cancellation window (400).
const WINDOW_PASSED: i64 = codes::CANCELLATION_WINDOW_PASSED;

/// How the procedure waits for cancelled orders to read `cancelled`: a read of every pending
/// order each round, the pause between rounds growing from [`interval`](Self::interval) by
/// [`backoff`](Self::backoff) up to [`max_interval`](Self::max_interval), for at most
/// [`limit`](Self::limit) in all. Never forever.
///
/// ```
/// use std::time::Duration;
/// use partner_center_client::PollPolicy;
///
/// let patient = PollPolicy::default().with_limit(Duration::from_secs(30 * 60));
/// assert_eq!(patient.interval(), PollPolicy::DEFAULT_INTERVAL);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    interval: Duration,
    backoff: f64,
    max_interval: Duration,
    limit: Duration,
}

impl PollPolicy {
    /// The first pause: the page's C# sample waits 5 s; the sandbox's cancellation latency is
    /// 2 s by default, so 1 s reads most orders on the second or third round.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
    /// Each pause is this much longer than the one before.
    pub const DEFAULT_BACKOFF: f64 = 1.5;
    /// The longest pause.
    pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(15);
    /// The longest wait in all, after which the procedure fails naming the orders still
    /// pending.
    pub const DEFAULT_LIMIT: Duration = Duration::from_secs(10 * 60);

    /// The first pause.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The growth factor of the pause.
    pub fn backoff(&self) -> f64 {
        self.backoff
    }

    /// The longest pause.
    pub fn max_interval(&self) -> Duration {
        self.max_interval
    }

    /// The longest wait in all.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Sets the first pause.
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the growth factor (at least 1).
    pub fn with_backoff(mut self, factor: f64) -> Self {
        self.backoff = if factor.is_finite() { factor.max(1.0) } else { 1.0 };
        self
    }

    /// Sets the longest pause.
    pub fn with_max_interval(mut self, max: Duration) -> Self {
        self.max_interval = max;
        self
    }

    /// Sets the longest wait in all.
    pub fn with_limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    fn next(&self, pause: Duration) -> Duration {
        pause.mul_f64(self.backoff).min(self.max_interval)
    }
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            interval: Self::DEFAULT_INTERVAL,
            backoff: Self::DEFAULT_BACKOFF,
            max_interval: Self::DEFAULT_MAX_INTERVAL,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

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
    /// Partner Center accepted the cancel of this order (not yet confirmed by a read).
    CancelAccepted(OrderId),
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
    concurrency: usize,
    observer: Option<Observer<'a>>,
    stop: Option<Stop<'a>>,
}

impl fmt::Debug for DeleteWithPurchases<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeleteWithPurchases")
            .field("customer", &self.customer)
            .field("polling", &self.polling)
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

    /// Orders read and cancelled at once (default [`DEFAULT_ORDER_CONCURRENCY`]; at least 1).
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
    /// new starts; the result says the phase reached ([`Removal::is_stopped`]).
    pub fn stop_on(mut self, stop: impl Future<Output = ()> + Send + 'a) -> Self {
        self.stop = Some(Box::pin(stop));
        self
    }

    /// Only the lookup: what the procedure would cancel (reads only; nothing is changed).
    /// `Ok(None)` when the customer no longer exists.
    pub async fn plan(self) -> Result<Option<PurchasePlan>, RemovalError> {
        let DeleteWithPurchases { pc, customer, polling, concurrency, observer, .. } = self;
        let run = Run { pc, customer, polling, concurrency, observer };
        run.lookup().await.map_err(|(order, kind)| {
            let done = Run::nothing_done(customer);
            Run::fail(Phase::LookingUp, order, kind, &done)
        })
    }

    /// Runs the procedure (the same as awaiting it).
    pub async fn send(self) -> Result<Removal, RemovalError> {
        let DeleteWithPurchases { pc, customer, polling, concurrency, observer, stop } = self;
        let mut stop = StopSignal { stop, stopped: false };
        Run { pc, customer, polling, concurrency, observer }.run(&mut stop).await
    }
}

impl<'a> IntoFuture for DeleteWithPurchases<'a> {
    type Output = Result<Removal, RemovalError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// What the procedure did for one customer, to the end or to where it was stopped.
#[derive(Debug, Clone)]
pub struct Removal {
    customer: CustomerTenantId,
    reached: Option<Phase>,
    stopped: bool,
    already_gone: bool,
    cancelled: Vec<OrderId>,
    already_cancelled: Vec<OrderId>,
    by_subscription: Vec<String>,
    waited: Duration,
    deleted: Option<Deleted>,
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

    /// Whether it was stopped before the customer was deleted ([`DeleteWithPurchases::stop_on`]).
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

/// What stands between a customer and its deletion, as the procedure's lookup reads it
/// ([`DeleteWithPurchases::plan`]).
#[derive(Debug, Clone)]
pub struct PurchasePlan {
    customer: CustomerTenantId,
    orders: Vec<PlannedOrder>,
    by_subscription: Vec<String>,
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

    /// Entitlement types cancelled by subscription, outside the documented procedure.
    pub fn cancelled_by_subscription(&self) -> &[String] {
        &self.by_subscription
    }

    /// Whether the procedure would refuse (an order past its cancellation window).
    pub fn is_blocked(&self) -> bool {
        self.orders.iter().any(|o| matches!(o.verdict, Verdict::PastWindow { .. }))
    }
}

/// One order in a [`PurchasePlan`].
#[derive(Debug, Clone)]
pub struct PlannedOrder {
    id: OrderId,
    alternate_id: Option<String>,
    status: OrderStatus,
    creation_date: Option<String>,
    entitlement_types: Vec<String>,
    verdict: Verdict,
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
    /// It already reads `cancelled`: skipped.
    AlreadyCancelled,
    /// It is past its 60-day cancellation window: the procedure cancels nothing for this
    /// customer.
    PastWindow {
        /// Its age in whole days.
        days: u64,
    },
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Cancel => f.write_str("cancel"),
            Verdict::AlreadyCancelled => f.write_str("already cancelled"),
            Verdict::PastWindow { days } => {
                write!(f, "not cancellable: created {days} days ago, past the 60-day window")
            }
        }
    }
}

/// Why the procedure failed, at which phase, for which order, with what it had done so far.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", self.phase)]
pub struct RemovalError {
    phase: Phase,
    order: Option<OrderId>,
    kind: RemovalErrorKind,
    done: Box<Removal>,
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
        "order {order} was created {days} days ago, past the 60-day cancellation window: nothing was cancelled for this customer; it cannot be deleted from the sandbox until Microsoft support cancels that order"
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

/// The procedure's settings, shared by its concurrent calls (so `Sync`); the stop signal is
/// apart, used only between steps and by the wait.
struct Run<'a> {
    pc: &'a PartnerCenter,
    customer: CustomerTenantId,
    polling: PollPolicy,
    concurrency: usize,
    observer: Option<Observer<'a>>,
}

struct StopSignal<'a> {
    stop: Option<Stop<'a>>,
    stopped: bool,
}

impl StopSignal<'_> {
    /// Whether the stop has come (checked between steps; the wait selects on it).
    fn requested(&mut self) -> bool {
        if !self.stopped
            && let Some(stop) = self.stop.as_mut()
            && stop.as_mut().now_or_never().is_some()
        {
            self.stopped = true;
        }
        self.stopped
    }

    /// Sleeps `pause`, or less if the stop comes first; `true` if it did.
    async fn sleep(&mut self, pause: Duration) -> bool {
        let sleep = Box::pin(tokio::time::sleep(pause));
        let already = self.stopped;
        match self.stop.as_mut().filter(|_| !already) {
            Some(stop) => {
                if matches!(future::select(sleep, stop.as_mut()).await, Either::Right(_)) {
                    self.stopped = true;
                }
            }
            None => sleep.await,
        }
        self.stopped
    }
}

impl Run<'_> {
    fn tell(&self, progress: Progress) {
        if let Some(observer) = &self.observer {
            observer(&progress);
        }
    }

    fn phase(&self, done: &mut Removal, phase: Phase) {
        done.reached = Some(phase);
        self.tell(Progress::Phase(phase));
    }

    fn fail(
        phase: Phase,
        order: Option<OrderId>,
        kind: RemovalErrorKind,
        done: &Removal,
    ) -> RemovalError {
        RemovalError { phase, order, kind, done: Box::new(done.clone()) }
    }

    async fn run(self, stop: &mut StopSignal<'_>) -> Result<Removal, RemovalError> {
        let customer = self.customer;
        let mut done = Self::nothing_done(customer);
        let by_id = self.pc.customers().by_id(customer);

        // Look up: entitlements, then each order they reference, once.
        self.phase(&mut done, Phase::LookingUp);
        let plan = match self.lookup().await {
            Ok(Some(plan)) => plan,
            Ok(None) => return Ok(self.gone(done)),
            Err((order, kind)) => return Err(Self::fail(Phase::LookingUp, order, kind, &done)),
        };
        done.by_subscription = plan.by_subscription.clone();
        let mut to_cancel = Vec::new();
        for order in &plan.orders {
            match order.verdict {
                Verdict::AlreadyCancelled => done.already_cancelled.push(order.id.clone()),
                Verdict::Cancel => to_cancel.push(order.id.clone()),
                Verdict::PastWindow { days } => {
                    let kind =
                        RemovalErrorKind::PastCancellationWindow { order: order.id.clone(), days };
                    return Err(Self::fail(Phase::LookingUp, Some(order.id.clone()), kind, &done));
                }
            }
        }
        self.tell(Progress::Found {
            to_cancel: to_cancel.clone(),
            already_cancelled: done.already_cancelled.clone(),
        });

        // Cancel, a few at a time; every cancel in flight finishes before an error is reported.
        if !to_cancel.is_empty() {
            if stop.requested() {
                return Ok(self.stopped(done));
            }
            self.phase(&mut done, Phase::Cancelling);
            let results = self.cancel_orders(to_cancel.clone()).await;
            let mut first_error = None;
            for (order, result) in results {
                match result {
                    Ok(()) => done.cancelled.push(order),
                    Err(kind) => {
                        first_error.get_or_insert((order, kind));
                    }
                }
            }
            if let Some((order, kind)) = first_error {
                return Err(Self::fail(Phase::Cancelling, Some(order), kind, &done));
            }

            // Wait until every one reads `cancelled`: never trust the PATCH answer alone.
            self.phase(&mut done, Phase::Waiting);
            self.wait(stop, &mut done, to_cancel).await?;
            if stop.stopped {
                return Ok(self.stopped(done));
            }
        }

        if stop.requested() {
            return Ok(self.stopped(done));
        }
        self.phase(&mut done, Phase::Deleting);
        match by_id.delete().await {
            Ok(deleted) => {
                done.deleted = Some(deleted);
                self.phase(&mut done, Phase::Done);
                Ok(done)
            }
            Err(e) if e.customer_is_gone() => Ok(self.gone(done)),
            Err(e) if e.status() == Some(StatusCode::CONFLICT) => Err(Self::fail(
                Phase::Deleting,
                None,
                RemovalErrorKind::BlockedBySubscription(e),
                &done,
            )),
            Err(e) => Err(Self::fail(Phase::Deleting, None, RemovalErrorKind::Call(e), &done)),
        }
    }

    /// Reads what stands between the customer and its deletion (`None`: it is gone).
    async fn lookup(&self) -> Result<Option<PurchasePlan>, (Option<OrderId>, RemovalErrorKind)> {
        let by_id = self.pc.customers().by_id(self.customer);
        let entitlements = match by_id.entitlements().await {
            Ok(e) => e,
            Err(e) if e.customer_is_gone() => return Ok(None),
            Err(e) => return Err((None, RemovalErrorKind::Call(e))),
        };
        // Each order once, with the entitlement types that reference it.
        let mut referenced: BTreeMap<OrderId, BTreeSet<String>> = BTreeMap::new();
        let mut by_subscription = BTreeSet::new();
        for e in entitlements.all() {
            let kind = e.entitlement_type().unwrap_or("unknown").to_owned();
            if e.is_cancelled_by_order() {
                let order = e.reference_order().order_id().map_err(|err| (None, err.into()))?;
                referenced.entry(order).or_default().insert(kind);
            } else {
                by_subscription.insert(kind);
            }
        }
        let kinds: Vec<Vec<String>> =
            referenced.values().map(|k| k.iter().cloned().collect()).collect();
        let reads = self.read_orders(referenced.into_keys().collect()).await;
        let now = SystemTime::now();
        let mut orders = Vec::with_capacity(reads.len());
        for ((id, read), entitlement_types) in reads.into_iter().zip(kinds) {
            let read = match read {
                Ok(read) => read,
                Err(e)
                    if e.customer_is_gone()
                        && e.api().is_some_and(|a| is_tenant_gone(a.code())) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err((Some(id), RemovalErrorKind::Call(e))),
            };
            let age = read.created_at().and_then(|c| now.duration_since(c).ok());
            let verdict = if read.status().is_cancelled() {
                Verdict::AlreadyCancelled
            } else if let Some(age) = age.filter(|age| *age > CANCELLATION_WINDOW) {
                Verdict::PastWindow { days: age.as_secs() / 86_400 }
            } else {
                Verdict::Cancel
            };
            orders.push(PlannedOrder {
                id,
                alternate_id: read.alternate_id().map(str::to_owned),
                status: read.status().clone(),
                creation_date: read.creation_date().map(str::to_owned),
                entitlement_types,
                verdict,
            });
        }
        Ok(Some(PurchasePlan {
            customer: self.customer,
            orders,
            by_subscription: by_subscription.into_iter().collect(),
        }))
    }

    fn nothing_done(customer: CustomerTenantId) -> Removal {
        Removal {
            customer,
            reached: None,
            stopped: false,
            already_gone: false,
            cancelled: Vec::new(),
            already_cancelled: Vec::new(),
            by_subscription: Vec::new(),
            waited: Duration::ZERO,
            deleted: None,
        }
    }

    fn gone(&self, mut done: Removal) -> Removal {
        done.already_gone = true;
        self.phase(&mut done, Phase::Done);
        done
    }

    fn stopped(&self, mut done: Removal) -> Removal {
        done.stopped = true;
        done
    }

    async fn read_orders(&self, orders: Vec<OrderId>) -> Vec<(OrderId, Result<Order, Error>)> {
        let by_id = self.pc.customers().by_id(self.customer);
        stream::iter(orders)
            .map(|order| async move {
                let read = by_id.orders().by_id(order.clone()).get().await;
                (order, read)
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    async fn cancel_orders(
        &self,
        orders: Vec<OrderId>,
    ) -> Vec<(OrderId, Result<(), RemovalErrorKind>)> {
        let by_id = self.pc.customers().by_id(self.customer);
        stream::iter(orders)
            .map(|order| async move {
                let result = match by_id.orders().by_id(order.clone()).cancel().await {
                    Ok(_) => Ok(()),
                    // A cancel already in progress (a run before this one sent it): wait on.
                    Err(e) if is_in_progress(&e) => Ok(()),
                    Err(e) if has_code(&e, WINDOW_PASSED) => {
                        Err(RemovalErrorKind::PastCancellationWindow {
                            order: order.clone(),
                            days: CANCELLATION_WINDOW.as_secs() / 86_400,
                        })
                    }
                    Err(e) => Err(RemovalErrorKind::Call(e)),
                };
                if result.is_ok() {
                    self.tell(Progress::CancelAccepted(order.clone()));
                }
                (order, result)
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// Polls the pending orders until each reads `cancelled`, the limit passes or the stop
    /// comes (which ends the wait at once).
    async fn wait(
        &self,
        stop: &mut StopSignal<'_>,
        done: &mut Removal,
        mut pending: Vec<OrderId>,
    ) -> Result<(), RemovalError> {
        let policy = self.polling;
        let started = Instant::now();
        let mut pause = policy.interval;
        loop {
            let left = policy.limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                done.waited = started.elapsed();
                let kind =
                    RemovalErrorKind::WaitLimit { pending: pending.clone(), waited: done.waited };
                return Err(Self::fail(Phase::Waiting, pending.first().cloned(), kind, done));
            }
            if stop.sleep(pause.min(left)).await {
                done.waited = started.elapsed();
                return Ok(());
            }
            pause = policy.next(pause);
            let reads = self.read_orders(pending.clone()).await;
            pending.clear();
            for (order, read) in reads {
                match read {
                    Ok(read) if read.status().is_cancelled() => {}
                    Ok(read)
                        if matches!(
                            read.status(),
                            OrderStatus::Error | OrderStatus::PartialSuccess
                        ) =>
                    {
                        done.waited = started.elapsed();
                        let kind = RemovalErrorKind::CancelFailed {
                            order: order.clone(),
                            status: read.status().clone(),
                        };
                        return Err(Self::fail(Phase::Waiting, Some(order), kind, done));
                    }
                    Ok(_) => pending.push(order),
                    Err(e) if is_in_progress(&e) => pending.push(order),
                    Err(e) => {
                        done.waited = started.elapsed();
                        return Err(Self::fail(
                            Phase::Waiting,
                            Some(order),
                            RemovalErrorKind::Call(e),
                            done,
                        ));
                    }
                }
            }
            done.waited = started.elapsed();
            if pending.is_empty() {
                return Ok(());
            }
            self.tell(Progress::StillPending { pending: pending.len(), waited: done.waited });
        }
    }
}

fn has_code(e: &Error, code: i64) -> bool {
    e.api().and_then(|a| a.code()).is_some_and(|c| *c == ErrorCode::Number(code))
}

fn is_in_progress(e: &Error) -> bool {
    e.status() == Some(StatusCode::CONFLICT) && IN_PROGRESS.iter().any(|&c| has_code(e, c))
}

/// A 404 to an order read means the customer is gone only when it says the tenant is
/// ([`codes::TENANT_NOT_FOUND`]); an unknown order ([`codes::ORDER_NOT_FOUND`]) is an error.
fn is_tenant_gone(code: Option<&ErrorCode>) -> bool {
    code == Some(&ErrorCode::Number(codes::TENANT_NOT_FOUND))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_grows_to_its_ceiling_and_the_limit_is_kept() {
        let p = PollPolicy::default();
        let mut pause = p.interval();
        let mut pauses = Vec::new();
        for _ in 0..10 {
            pauses.push(pause);
            pause = p.next(pause);
        }
        assert_eq!(pauses[0], Duration::from_secs(1));
        assert_eq!(pauses[1], Duration::from_millis(1500));
        assert_eq!(*pauses.last().unwrap_or(&Duration::ZERO), PollPolicy::DEFAULT_MAX_INTERVAL);
        assert!(pauses.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(PollPolicy::default().with_backoff(0.5).backoff(), 1.0);
    }
}
