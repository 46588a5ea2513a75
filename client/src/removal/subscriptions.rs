//! The subscriptions the procedure ends once the orders are cancelled: what it does with each
//! (by its kind's row in [`SUBSCRIPTION_KINDS`](crate::SUBSCRIPTION_KINDS) and its status),
//! the updates it sends, and the wait until each reads its end state.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Instant, SystemTime};

use futures_util::{StreamExt, stream};
use reqwest::StatusCode;

use super::outcome::{Removal, RemovalError, RemovalErrorKind};
use super::run::{Run, has_code};
use super::stop::{Halt, StopSignal};
use super::{Phase, Progress};
use crate::codes;
use crate::error::Error;
use crate::orders::id::OrderId;
use crate::subscriptions::azure_entitlements::AzureEntitlement;
use crate::subscriptions::id::{AzureEntitlementId, SubscriptionId};
use crate::subscriptions::kind::{SubscriptionEnding, SubscriptionKind};
use crate::subscriptions::update::SubscriptionUpdated;
use crate::subscriptions::{Subscription, SubscriptionChange, SubscriptionStatus};

/// One subscription in a [`PurchasePlan`](super::PurchasePlan): as read, its kind, and what
/// the procedure does with it.
#[derive(Debug, Clone)]
pub struct PlannedSubscription {
    pub(super) subscription: Subscription,
    pub(super) kind: SubscriptionKind,
    pub(super) action: SubscriptionAction,
    pub(super) azure: Vec<AzureEntitlement>,
}

impl PlannedSubscription {
    /// The subscription as the lookup read it.
    pub fn subscription(&self) -> &Subscription {
        &self.subscription
    }

    /// Its id.
    pub fn id(&self) -> &SubscriptionId {
        self.subscription.id()
    }

    /// Its name for people.
    pub fn name(&self) -> &str {
        self.subscription.name()
    }

    /// Its kind, by the call that ends it.
    pub fn kind(&self) -> SubscriptionKind {
        self.kind
    }

    /// Its status when read.
    pub fn status(&self) -> &SubscriptionStatus {
        self.subscription.status()
    }

    /// What the procedure does with it.
    pub fn action(&self) -> &SubscriptionAction {
        &self.action
    }

    /// For an active Azure plan: its Azure subscriptions as the lookup read them (empty for
    /// any other subscription).
    pub fn azure_subscriptions(&self) -> &[AzureEntitlement] {
        &self.azure
    }
}

/// What the procedure does with a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriptionAction {
    /// Cancelled: `status` `deleted`.
    Cancel,
    /// Cancelled although the window it states (`cancellationAllowedUntilDate`) has passed:
    /// Partner Center decides; when it refuses for the window, the procedure suspends it
    /// instead and says "suspended, not cancelled".
    CancelPastWindow {
        /// The date it states, as sent.
        until: String,
    },
    /// Suspended: `status` `suspended` (legacy license-based).
    Suspend,
    /// An Azure plan: each active Azure subscription cancelled, then, once each reads
    /// `inactive`, the plan suspended
    /// ([`cancel_azure_subscriptions`](super::DeleteWithPurchases::cancel_azure_subscriptions)).
    CancelAzureSubscriptionsThenSuspend,
    /// Ended by cancelling its order (software), which the plan's orders list.
    ByOrder(OrderId),
    /// Already not active (`deleted`, `suspended`, `expired`, `disabled`): skipped.
    AlreadyEnded,
    /// Not touched, and reported: the procedure does not know how to end it safely.
    LeaveAlone(LeftAlone),
}

impl SubscriptionAction {
    /// The update it sends, if any.
    pub fn change(&self) -> Option<SubscriptionChange> {
        match self {
            SubscriptionAction::Cancel | SubscriptionAction::CancelPastWindow { .. } => {
                Some(SubscriptionChange::Cancel)
            }
            SubscriptionAction::Suspend
            | SubscriptionAction::CancelAzureSubscriptionsThenSuspend => {
                Some(SubscriptionChange::Suspend)
            }
            _ => None,
        }
    }
}

impl fmt::Display for SubscriptionAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscriptionAction::Cancel => f.write_str("cancel (status deleted)"),
            SubscriptionAction::CancelPastWindow { until } => write!(
                f,
                "cancel, though its cancellation window ended {until}: if refused, suspend instead"
            ),
            SubscriptionAction::Suspend => f.write_str("suspend (status suspended)"),
            SubscriptionAction::CancelAzureSubscriptionsThenSuspend => f.write_str(
                "cancel each active Azure subscription, wait until each reads inactive, then suspend the plan",
            ),
            SubscriptionAction::ByOrder(order) => {
                write!(f, "ended by cancelling its order {order}")
            }
            SubscriptionAction::AlreadyEnded => f.write_str("already ended"),
            SubscriptionAction::LeaveAlone(why) => write!(f, "left alone: {why}"),
        }
    }
}

/// Why the procedure leaves a subscription alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeftAlone {
    /// No row of [`SUBSCRIPTION_KINDS`](crate::SUBSCRIPTION_KINDS) places it.
    UnknownKind,
    /// An Azure plan, and ending Azure plans was not asked for: its Azure subscriptions are
    /// cancelled by a call meant for compromise or abuse, sent only on request
    /// ([`cancel_azure_subscriptions`](super::DeleteWithPurchases::cancel_azure_subscriptions)).
    AzurePlan,
    /// Its status is one the procedure does not act on (`pending`, `none`, or a value it does
    /// not know): run again once it has settled.
    Status,
    /// A software subscription whose `orderId` this client cannot send.
    OrderUnusable,
}

impl fmt::Display for LeftAlone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LeftAlone::UnknownKind => "its kind is not one the procedure knows how to end",
            LeftAlone::AzurePlan => {
                "an Azure plan: its Azure subscriptions must be cancelled first, then the plan suspended; ask for it with cancel_azure_subscriptions (CLI: --cancel-azure-subscriptions), which needs a Global Administrator with the Admin Agent role"
            }
            LeftAlone::Status => "its status is not one the procedure acts on",
            LeftAlone::OrderUnusable => "its order id is not one this client can send",
        })
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Whether a subscription in `status` is no longer active.
pub(super) fn is_ended(status: &SubscriptionStatus) -> bool {
    matches!(
        status,
        SubscriptionStatus::Deleted
            | SubscriptionStatus::Suspended
            | SubscriptionStatus::Expired
            | SubscriptionStatus::Disabled
    )
}

/// What the procedure does with `s` (of `kind`), read at `now`; `order` is its software
/// order's id as the plan knows it, when it has one.
pub(super) fn action_for(
    s: &Subscription,
    kind: SubscriptionKind,
    order: Option<OrderId>,
    cancel_azure: bool,
    now: SystemTime,
) -> SubscriptionAction {
    if is_ended(s.status()) {
        return SubscriptionAction::AlreadyEnded;
    }
    if *s.status() != SubscriptionStatus::Active {
        return SubscriptionAction::LeaveAlone(LeftAlone::Status);
    }
    match kind.ending() {
        SubscriptionEnding::CancelOrder => match order {
            Some(order) => SubscriptionAction::ByOrder(order),
            None => SubscriptionAction::LeaveAlone(LeftAlone::OrderUnusable),
        },
        // Only the window the subscription states: none is guessed.
        SubscriptionEnding::Cancel => {
            match (s.cancellation_allowed_until(), s.cancellation_allowed_until_date()) {
                (Some(until), Some(text)) if until < now => {
                    SubscriptionAction::CancelPastWindow { until: text.to_owned() }
                }
                _ => SubscriptionAction::Cancel,
            }
        }
        SubscriptionEnding::Suspend => SubscriptionAction::Suspend,
        SubscriptionEnding::CancelEntitlementsThenSuspend if cancel_azure => {
            SubscriptionAction::CancelAzureSubscriptionsThenSuspend
        }
        SubscriptionEnding::CancelEntitlementsThenSuspend => {
            SubscriptionAction::LeaveAlone(LeftAlone::AzurePlan)
        }
        _ => SubscriptionAction::LeaveAlone(LeftAlone::UnknownKind),
    }
}

/// What became of one subscription in a run ([`Removal::subscriptions`]).
#[derive(Debug, Clone)]
pub struct SubscriptionOutcome {
    pub(super) id: SubscriptionId,
    pub(super) name: String,
    pub(super) kind: SubscriptionKind,
    pub(super) step: SubscriptionStep,
    pub(super) window_refused: bool,
    pub(super) azure_cancel_accepted: Vec<AzureEntitlementId>,
    pub(super) azure_cancel_maybe_applied: Vec<AzureEntitlementId>,
    pub(super) azure_inactive: Vec<AzureEntitlementId>,
}

impl SubscriptionOutcome {
    /// Where `p` stands before the run sends anything.
    pub(super) fn planned(p: &PlannedSubscription) -> Self {
        let step = match &p.action {
            SubscriptionAction::AlreadyEnded => SubscriptionStep::AlreadyEnded(p.status().clone()),
            SubscriptionAction::ByOrder(order) => SubscriptionStep::ByOrder(order.clone()),
            SubscriptionAction::LeaveAlone(why) => SubscriptionStep::LeftAlone(*why),
            _ => SubscriptionStep::NotAttempted,
        };
        Self {
            id: p.id().clone(),
            name: p.name().to_owned(),
            kind: p.kind,
            step,
            window_refused: false,
            azure_cancel_accepted: Vec::new(),
            azure_cancel_maybe_applied: Vec::new(),
            azure_inactive: Vec::new(),
        }
    }

    /// The subscription.
    pub fn id(&self) -> &SubscriptionId {
        &self.id
    }

    /// Its name for people.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its kind.
    pub fn kind(&self) -> SubscriptionKind {
        self.kind
    }

    /// Where it stands.
    pub fn step(&self) -> &SubscriptionStep {
        &self.step
    }

    /// Whether Partner Center refused its cancel as past its window, so that the procedure
    /// suspended it instead ("suspended, not cancelled").
    pub fn was_window_refused(&self) -> bool {
        self.window_refused
    }

    /// For an Azure plan: its Azure subscriptions whose cancel this run sent and Partner
    /// Center accepted.
    pub fn azure_cancel_accepted(&self) -> &[AzureEntitlementId] {
        &self.azure_cancel_accepted
    }

    /// For an Azure plan: its Azure subscriptions whose cancel was sent and not accepted, and
    /// which an attempt may have cancelled anyway (a 5xx, a timeout, a stop between retries):
    /// unknown until read; a run again reads them.
    pub fn azure_cancel_maybe_applied(&self) -> &[AzureEntitlementId] {
        &self.azure_cancel_maybe_applied
    }

    /// For an Azure plan: its Azure subscriptions a read showed `inactive` (cancelled by this
    /// run, or before).
    pub fn azure_inactive(&self) -> &[AzureEntitlementId] {
        &self.azure_inactive
    }

    /// Whether a read showed it ended (at the lookup, or after this run's update).
    pub fn is_read_ended(&self) -> bool {
        matches!(self.step, SubscriptionStep::AlreadyEnded(_) | SubscriptionStep::Ended(_))
    }
}

impl fmt::Display for SubscriptionOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {}): ", self.id, self.name, self.kind)?;
        match (&self.step, self.window_refused) {
            (SubscriptionStep::Ended(SubscriptionStatus::Suspended), true) => {
                f.write_str("suspended, not cancelled: Partner Center refused the cancel as past its cancellation window")?;
            }
            (step, _) => write!(f, "{step}")?,
        }
        if !self.azure_cancel_accepted.is_empty() {
            write!(
                f,
                "; Azure subscription cancels accepted: {}",
                join(&self.azure_cancel_accepted)
            )?;
        }
        if !self.azure_cancel_maybe_applied.is_empty() {
            write!(
                f,
                "; Azure subscription cancels not accepted that may have applied: {}",
                join(&self.azure_cancel_maybe_applied)
            )?;
        }
        if !self.azure_inactive.is_empty() {
            write!(f, "; Azure subscriptions read inactive: {}", join(&self.azure_inactive))?;
        }
        Ok(())
    }
}

/// Where a subscription stands at the end of a run. Each is what happened on the wire: an
/// update Partner Center accepted is not yet a subscription read ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriptionStep {
    /// It read ended (`deleted`, `suspended`, ...) at the lookup: skipped.
    AlreadyEnded(SubscriptionStatus),
    /// Ended with its order (software): see the orders.
    ByOrder(OrderId),
    /// Not touched ([`LeftAlone`] says why): still active.
    LeftAlone(LeftAlone),
    /// To be updated, but no update was sent (a stop, or an earlier failure): still active.
    NotAttempted,
    /// Partner Center accepted this update (a 2xx) and no read has shown it yet.
    Accepted(SubscriptionChange),
    /// Partner Center answered 409 (an operation such as a renewal in progress) and had
    /// accepted no update when the run ended: still active.
    Deferred,
    /// Its update was sent and not accepted (refused, failed, or stopped between retries).
    /// `may_have_applied`: an attempt may have taken effect anyway; a run again reads it.
    Failed {
        /// Whether an attempt may have applied anyway.
        may_have_applied: bool,
    },
    /// A read after this run's update shows it ended, in this status.
    Ended(SubscriptionStatus),
    /// Its cancel was accepted but it stays active until the end of its term, as a commercial
    /// marketplace subscription cancelled past its window does: it ends then, not now.
    EndsAtRenewal {
        /// The end of its term (`commitmentEndDate`), as sent.
        on: Option<String>,
    },
}

impl fmt::Display for SubscriptionStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscriptionStep::AlreadyEnded(status) => write!(f, "already {status}"),
            SubscriptionStep::ByOrder(order) => {
                write!(f, "ended by cancelling its order {order} (see the orders)")
            }
            SubscriptionStep::LeftAlone(why) => write!(f, "left alone, still active: {why}"),
            SubscriptionStep::NotAttempted => f.write_str("no update sent, still active"),
            SubscriptionStep::Accepted(change) => {
                write!(f, "{change} accepted, not yet read ended")
            }
            SubscriptionStep::Deferred => f.write_str(
                "Partner Center refused the update for now (409: an operation such as a renewal pending; or 403/900115: an Azure plan with an Azure subscription or reservation still active); no update accepted, still active",
            ),
            SubscriptionStep::Failed { may_have_applied: true } => {
                f.write_str("update not accepted (it may have applied: unknown until read)")
            }
            SubscriptionStep::Failed { may_have_applied: false } => {
                f.write_str("update not accepted, still active")
            }
            SubscriptionStep::Ended(status) => write!(f, "read {status}"),
            SubscriptionStep::EndsAtRenewal { on } => write!(
                f,
                "cancel accepted, but Partner Center's answer still shows it active, its term ending {}: a commercial-marketplace subscription cancelled past its window ends at the end of its term (the end of its term is the earliest it can be deleted; run again then)",
                on.as_deref().unwrap_or("(date not stated)")
            ),
        }
    }
}

/// What one update came to.
enum Sent {
    /// A 2xx that says the change is made or under way.
    Accepted(SubscriptionChange),
    /// The cancel was accepted, and the answer shows it active until its term ends.
    EndsAtRenewal(Option<String>),
    /// Already `deleted` (400, 2011): someone else was first.
    AlreadyDeleted,
    /// A 409 other than 900278: sent again once a read shows it settled.
    Deferred,
    /// The customer is gone.
    Gone,
    /// Refused or failed: the procedure ends for this customer.
    Failed { kind: Box<RemovalErrorKind>, may_have_applied: bool },
    /// The stop came between attempts.
    Interrupted { may_have_applied: bool },
    /// Not sent.
    Skipped,
    /// A cancel refused as past the subscription's window (400, 900117 or 900213).
    WindowRefused,
    /// The cancel was refused as past its window; this is what the suspend sent instead
    /// came to.
    PastWindow(Box<Sent>),
}

/// How ending the subscriptions went, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ended {
    /// Every one sent was read ended (or the stop came: see [`StopSignal::requested`]).
    Done,
    /// Partner Center says the customer does not exist.
    Gone,
}

impl Removal {
    fn subscription_mut(&mut self, id: &SubscriptionId) -> Option<&mut SubscriptionOutcome> {
        self.subscriptions.iter_mut().find(|s| &s.id == id)
    }

    fn set_step(&mut self, id: &SubscriptionId, step: SubscriptionStep) {
        if let Some(s) = self.subscription_mut(id) {
            s.step = step;
        }
    }
}

/// The subscriptions still waited for: what each was asked to become, and whether its update
/// is to be sent again (Partner Center answered 409).
type Tracked = BTreeMap<SubscriptionId, (SubscriptionChange, bool)>;

impl Run<'_> {
    /// Sends each planned update, then waits until each reads ended. The first failure ends
    /// the sending (updates in flight finish and are recorded) and is returned.
    pub(super) async fn end_subscriptions(
        &self,
        stop: &StopSignal<'_>,
        done: &mut Removal,
        planned: Vec<PlannedSubscription>,
    ) -> Result<Ended, RemovalError> {
        // An Azure plan's Azure subscriptions first: the plan is suspended only once each reads
        // `inactive`.
        for plan in planned
            .iter()
            .filter(|p| p.action == SubscriptionAction::CancelAzureSubscriptionsThenSuspend)
        {
            if stop.requested() {
                return Ok(Ended::Done);
            }
            if self.end_azure_subscriptions(stop, done, plan).await? == Ended::Gone {
                return Ok(Ended::Gone);
            }
        }
        if stop.requested() {
            return Ok(Ended::Done);
        }
        let mut tracked = Tracked::new();
        let updates = planned
            .iter()
            .filter_map(|p| Some((p.subscription.clone(), p.kind, p.action.change()?)))
            .collect();
        let sends = self.send_updates(updates, stop).await;
        let mut failure = None;
        let mut gone = false;
        for (id, sent) in sends {
            self.record(done, &id, sent, &mut tracked, &mut failure, &mut gone);
        }
        if gone {
            return Ok(Ended::Gone);
        }
        if let Some(kind) = failure {
            return Err(Run::fail(Phase::EndingSubscriptions, None, kind, done));
        }
        if stop.requested() || tracked.is_empty() {
            return Ok(Ended::Done);
        }
        self.phase(done, Phase::WaitingForSubscriptions);
        let kinds: BTreeMap<SubscriptionId, SubscriptionKind> =
            planned.iter().map(|p| (p.id().clone(), p.kind)).collect();
        self.wait_subscriptions(stop, done, tracked, &kinds).await
    }

    fn record(
        &self,
        done: &mut Removal,
        id: &SubscriptionId,
        sent: (SubscriptionChange, Sent),
        tracked: &mut Tracked,
        failure: &mut Option<RemovalErrorKind>,
        gone: &mut bool,
    ) {
        let (mut change, mut sent) = sent;
        if let Sent::PastWindow(suspend) = sent {
            if let Some(s) = done.subscription_mut(id) {
                s.window_refused = true;
            }
            change = SubscriptionChange::Suspend;
            sent = *suspend;
        }
        match sent {
            Sent::Accepted(change) => {
                done.set_step(id, SubscriptionStep::Accepted(change));
                tracked.insert(id.clone(), (change, false));
            }
            Sent::EndsAtRenewal(on) => {
                tracked.remove(id);
                self.tell(Progress::SubscriptionEndsAtRenewal(id.clone(), on.clone()));
                done.set_step(id, SubscriptionStep::EndsAtRenewal { on });
            }
            Sent::AlreadyDeleted => {
                tracked.remove(id);
                done.set_step(id, SubscriptionStep::AlreadyEnded(SubscriptionStatus::Deleted));
            }
            Sent::Deferred => {
                self.tell(Progress::SubscriptionDeferred(id.clone()));
                // An update accepted before (and sent again) stays accepted.
                if !matches!(
                    done.subscription_mut(id).map(|s| &s.step),
                    Some(SubscriptionStep::Accepted(_))
                ) {
                    done.set_step(id, SubscriptionStep::Deferred);
                }
                tracked.insert(id.clone(), (change, true));
            }
            Sent::Gone => *gone = true,
            Sent::Failed { kind, may_have_applied } => {
                tracked.remove(id);
                done.set_step(id, SubscriptionStep::Failed { may_have_applied });
                failure.get_or_insert(*kind);
            }
            Sent::Interrupted { may_have_applied } => {
                tracked.remove(id);
                done.set_step(id, SubscriptionStep::Failed { may_have_applied });
            }
            // Not sent; a suspend after a window refusal cannot come here twice.
            Sent::Skipped | Sent::PastWindow(_) | Sent::WindowRefused => {}
        }
    }

    /// Cancels each active Azure subscription of `plan` and waits until each reads `inactive`
    /// (the stop ends the wait at once).
    async fn end_azure_subscriptions(
        &self,
        stop: &StopSignal<'_>,
        done: &mut Removal,
        planned: &PlannedSubscription,
    ) -> Result<Ended, RemovalError> {
        let plan = planned.id();
        let by_id = self.pc.customers().by_id(self.customer).subscriptions().by_id(plan.clone());
        let may_send = &|| !stop.requested();
        let fail = |done: &mut Removal, phase, entitlement, error: Error| {
            let kind =
                RemovalErrorKind::AzureSubscription { plan: plan.clone(), entitlement, error };
            Err(Run::fail(phase, None, kind, done))
        };
        // Only `inactive` counts as ended: no list of statuses is documented, and one the
        // procedure does not know is waited on (and named if the wait runs out), never called
        // inactive.
        let inactive_of = |listed: &[AzureEntitlement]| -> Vec<AzureEntitlementId> {
            listed.iter().filter(|e| e.is_inactive()).map(|e| e.id().clone()).collect()
        };
        // What the lookup read (it lists an active plan's Azure subscriptions): not read again.
        let listed = planned.azure_subscriptions();
        let active: Vec<AzureEntitlementId> =
            listed.iter().filter(|e| e.is_active()).map(|e| e.id().clone()).collect();
        let mut pending: Vec<AzureEntitlementId> =
            listed.iter().filter(|e| !e.is_inactive()).map(|e| e.id().clone()).collect();
        if let Some(s) = done.subscription_mut(plan) {
            s.azure_inactive = inactive_of(listed);
        }
        // One at a time: a plan holds a few, and the first refusal (a missing role) ends it.
        for entitlement in &active {
            let sent =
                by_id.cancel_azure_entitlement(entitlement.clone()).send_while(may_send).await;
            let maybe = |done: &mut Removal, e: &Error| {
                if e.may_have_applied()
                    && let Some(s) = done.subscription_mut(plan)
                {
                    s.azure_cancel_maybe_applied.push(entitlement.clone());
                }
            };
            match sent {
                Ok(_) => {
                    self.tell(Progress::AzureSubscriptionCancelAccepted(
                        plan.clone(),
                        entitlement.clone(),
                    ));
                    if let Some(s) = done.subscription_mut(plan) {
                        s.azure_cancel_accepted.push(entitlement.clone());
                    }
                }
                Err(e @ Error::Stopped { .. }) => {
                    maybe(done, &e);
                    return Ok(Ended::Done);
                }
                Err(e) if e.customer_is_gone() => return Ok(Ended::Gone),
                Err(e) => {
                    maybe(done, &e);
                    return fail(done, Phase::EndingSubscriptions, Some(entitlement.clone()), e);
                }
            }
        }
        // Wait until each reads `inactive`.
        let policy = self.azure_polling;
        let started = Instant::now();
        let before = done.waited;
        let mut pause = policy.interval;
        self.phase(done, Phase::WaitingForSubscriptions);
        let result = loop {
            done.waited = before + started.elapsed();
            if pending.is_empty() {
                self.tell(Progress::AzureSubscriptionsInactive(plan.clone()));
                break Ok(Ended::Done);
            }
            let left = policy.limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                let kind = RemovalErrorKind::AzureWaitLimit {
                    plan: plan.clone(),
                    pending,
                    waited: started.elapsed(),
                };
                return Err(Run::fail(Phase::WaitingForSubscriptions, None, kind, done));
            }
            if stop.sleep(pause.min(left)).await {
                done.waited = before + started.elapsed();
                return Ok(Ended::Done);
            }
            pause = policy.next(pause);
            let listed = match by_id.azure_entitlements().send_while(may_send).await {
                Ok(listed) => listed,
                Err(Error::Stopped { .. }) => {
                    done.waited = before + started.elapsed();
                    return Ok(Ended::Done);
                }
                Err(e) if e.customer_is_gone() => {
                    done.waited = before + started.elapsed();
                    return Ok(Ended::Gone);
                }
                Err(e) => {
                    done.waited = before + started.elapsed();
                    return fail(done, Phase::WaitingForSubscriptions, None, e);
                }
            };
            let inactive = inactive_of(listed.items());
            pending.retain(|p| !inactive.iter().any(|i| i.same_as(p)));
            if let Some(s) = done.subscription_mut(plan) {
                s.azure_inactive = inactive;
            }
        };
        // Back to sending: the next plan's cancels, then the suspends.
        self.phase(done, Phase::EndingSubscriptions);
        result
    }

    /// Sends each update, a few at a time; none once the stop has come or an update failed.
    async fn send_updates(
        &self,
        updates: Vec<(Subscription, SubscriptionKind, SubscriptionChange)>,
        stop: &StopSignal<'_>,
    ) -> Vec<(SubscriptionId, (SubscriptionChange, Sent))> {
        let halt = &Halt::default();
        let may_send = &|| !halt.is_set() && !stop.requested();
        stream::iter(updates)
            .map(|(s, kind, change)| async move {
                let sent = self.send_update(&s, kind, change, may_send).await;
                if matches!(sent, Sent::Failed { .. } | Sent::Gone) {
                    halt.set();
                }
                (s.id().clone(), (change, sent))
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// Reads each subscription, a few at a time; none once the stop has come.
    async fn read_subscriptions(
        &self,
        ids: Vec<SubscriptionId>,
        stop: &StopSignal<'_>,
    ) -> Vec<(SubscriptionId, Result<Subscription, Error>)> {
        let subscriptions = self.pc.customers().by_id(self.customer).subscriptions();
        let may_send = &|| !stop.requested();
        stream::iter(ids)
            .map(|id| async move {
                let read = subscriptions.by_id(id.clone()).get().send_while(may_send).await;
                (id, read)
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// One update; a cancel refused as past its window is followed by a suspend.
    async fn send_update(
        &self,
        s: &Subscription,
        kind: SubscriptionKind,
        change: SubscriptionChange,
        may_send: crate::engine::Gate<'_>,
    ) -> Sent {
        match self.send_once(s, kind, change, may_send).await {
            Sent::WindowRefused => {
                self.tell(Progress::SubscriptionPastWindow(s.id().clone()));
                let suspend = SubscriptionChange::Suspend;
                Sent::PastWindow(Box::new(self.send_once(s, kind, suspend, may_send).await))
            }
            sent => sent,
        }
    }

    async fn send_once(
        &self,
        s: &Subscription,
        kind: SubscriptionKind,
        change: SubscriptionChange,
        may_send: crate::engine::Gate<'_>,
    ) -> Sent {
        let subscriptions = self.pc.customers().by_id(self.customer).subscriptions();
        let id = s.id().clone();
        match subscriptions.update(s, change).send_while(may_send).await {
            Ok(SubscriptionUpdated::Updated(now))
                if kind == SubscriptionKind::Marketplace
                    && change == SubscriptionChange::Cancel
                    && *now.status() == SubscriptionStatus::Active =>
            {
                Sent::EndsAtRenewal(now.commitment_end_date().map(str::to_owned))
            }
            Ok(_) => {
                self.tell(Progress::SubscriptionAccepted(id, change));
                Sent::Accepted(change)
            }
            Err(e)
                if change == SubscriptionChange::Cancel
                    && e.status() == Some(StatusCode::BAD_REQUEST)
                    && (has_code(&e, codes::CANCELLATION_WINDOW_PASSED)
                        || has_code(&e, codes::CANCELLATION_WINDOW_PASSED_HOURS)) =>
            {
                Sent::WindowRefused
            }
            Err(e) if has_code(&e, codes::SUBSCRIPTION_DELETED) => Sent::AlreadyDeleted,
            // An Azure plan with an Azure subscription still active: waited out like a 409.
            Err(e)
                if e.status() == Some(StatusCode::FORBIDDEN)
                    && has_code(&e, codes::AZURE_PLAN_HAS_ACTIVE_USAGE) =>
            {
                Sent::Deferred
            }
            Err(e) if e.status() == Some(StatusCode::CONFLICT) => {
                if has_code(&e, codes::SUBSCRIPTION_PENDING_OPERATION) {
                    Sent::Failed {
                        may_have_applied: false,
                        kind: Box::new(RemovalErrorKind::SubscriptionPendingOperation {
                            subscription: id,
                            error: e,
                        }),
                    }
                } else {
                    Sent::Deferred
                }
            }
            Err(e) if e.customer_is_gone() => Sent::Gone,
            Err(Error::Stopped { call: None }) => Sent::Skipped,
            Err(e @ Error::Stopped { .. }) => {
                Sent::Interrupted { may_have_applied: e.may_have_applied() }
            }
            Err(e) => Sent::Failed {
                may_have_applied: e.may_have_applied(),
                kind: Box::new(RemovalErrorKind::Subscription { subscription: id, error: e }),
            },
        }
    }

    /// Reads each tracked subscription until it reads ended: an update answered 409 is sent
    /// again from the fresh read. Ends on the limit, at once on the stop.
    async fn wait_subscriptions(
        &self,
        stop: &StopSignal<'_>,
        done: &mut Removal,
        mut tracked: Tracked,
        kinds: &BTreeMap<SubscriptionId, SubscriptionKind>,
    ) -> Result<Ended, RemovalError> {
        let policy = self.subscription_polling;
        let started = Instant::now();
        let before = done.waited;
        let mut pause = policy.interval;
        let fail = |done: &mut Removal, kind| {
            Err(Run::fail(Phase::WaitingForSubscriptions, None, kind, done))
        };
        loop {
            done.waited = before + started.elapsed();
            if tracked.is_empty() {
                return Ok(Ended::Done);
            }
            let left = policy.limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                let pending = tracked.keys().cloned().collect();
                let kind =
                    RemovalErrorKind::SubscriptionWaitLimit { pending, waited: started.elapsed() };
                return fail(done, kind);
            }
            if stop.sleep(pause.min(left)).await {
                done.waited = before + started.elapsed();
                return Ok(Ended::Done);
            }
            pause = policy.next(pause);

            let reads = self.read_subscriptions(tracked.keys().cloned().collect(), stop).await;
            let mut failure = None;
            let mut send_again = Vec::new();
            for (id, read) in reads {
                match read {
                    Ok(s) if is_ended(s.status()) => {
                        tracked.remove(&id);
                        self.tell(Progress::SubscriptionEnded(id.clone(), s.status().clone()));
                        done.set_step(&id, SubscriptionStep::Ended(s.status().clone()));
                    }
                    Ok(s) => {
                        if let Some((change, true)) = tracked.get(&id).copied() {
                            send_again.push((s, change));
                        }
                    }
                    Err(Error::Stopped { .. }) => {}
                    Err(e) if e.customer_is_gone() => {
                        done.waited = before + started.elapsed();
                        return Ok(Ended::Gone);
                    }
                    Err(e) => {
                        failure.get_or_insert(RemovalErrorKind::Subscription {
                            subscription: id,
                            error: e,
                        });
                    }
                }
            }
            if let Some(kind) = failure {
                done.waited = before + started.elapsed();
                return fail(done, kind);
            }
            if !send_again.is_empty() && !stop.requested() {
                let updates = send_again
                    .into_iter()
                    .map(|(s, change)| {
                        let kind = kinds.get(s.id()).copied().unwrap_or(SubscriptionKind::Unknown);
                        (s, kind, change)
                    })
                    .collect();
                let sends = self.send_updates(updates, stop).await;
                let mut gone = false;
                for (id, (change, sent)) in sends {
                    self.record(done, &id, (change, sent), &mut tracked, &mut failure, &mut gone);
                }
                done.waited = before + started.elapsed();
                if gone {
                    return Ok(Ended::Gone);
                }
                if let Some(kind) = failure {
                    return fail(done, kind);
                }
            }
            done.waited = before + started.elapsed();
            if stop.requested() || tracked.is_empty() {
                return Ok(Ended::Done);
            }
            self.tell(Progress::SubscriptionsStillPending {
                pending: tracked.len(),
                waited: started.elapsed(),
            });
        }
    }
}
