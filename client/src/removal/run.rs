//! The procedure itself: look up, cancel, wait ([`super::poll`]), delete; every call asks for
//! the stop before it starts ([`super::stop`]).

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use futures_util::{StreamExt, stream};
use reqwest::StatusCode;

use super::outcome::{Removal, RemovalError, RemovalErrorKind};
use super::plan::{PlannedOrder, PurchasePlan, Verdict};
use super::stop::{Halt, StopSignal};
use super::subscriptions::{
    Ended, PlannedSubscription, SubscriptionAction, SubscriptionOutcome, SubscriptionStep,
    action_for,
};
use super::{CANCELLATION_WINDOW, DAY, Observer, Phase, PollPolicy, Progress};
use crate::client::PartnerCenter;
use crate::codes;
use crate::customers::id::CustomerTenantId;
use crate::customers::refusal::DeleteRefusal;
use crate::error::Error;
use crate::orders::Order;
use crate::orders::id::OrderId;
use crate::subscriptions::kind::SubscriptionKind;
use crate::subscriptions::{Subscription, SubscriptionStatus};

/// Partner Center's codes for "this order is still in progress" (409): not an acceptance.
const IN_PROGRESS: [i64; 2] = [codes::ORDER_CHANGE_IN_PROGRESS, codes::ORDER_IN_PROGRESS];

/// The procedure's settings, shared by its concurrent calls (so `Sync`); the stop signal is
/// apart, asked for before every call.
pub(super) struct Run<'a> {
    pub(super) pc: &'a PartnerCenter,
    pub(super) customer: CustomerTenantId,
    pub(super) polling: PollPolicy,
    pub(super) subscription_polling: PollPolicy,
    pub(super) azure_polling: PollPolicy,
    pub(super) cancel_azure: bool,
    /// Orders the caller named, planned with those the entitlements show.
    pub(super) known_orders: Vec<OrderId>,
    pub(super) concurrency: usize,
    pub(super) observer: Option<Observer<'a>>,
}

/// What the lookup came to.
pub(super) enum Lookup {
    /// What stands between the customer and its deletion.
    Plan(PurchasePlan),
    /// Partner Center says the customer does not exist.
    Gone,
    /// The stop came before every order was read.
    Stopped,
}

/// What reading a list of orders came to.
enum OrderReads {
    /// Each order, read, with what the procedure does with it.
    Read(Vec<PlannedOrder>),
    /// The stop came before every order was read.
    Stopped,
    /// Partner Center says the customer does not exist.
    Gone,
}

/// The order of the plan that `s` (a software subscription) belongs to: by its `orderId`, the
/// order's id or else its alternate id.
fn joined(orders: &[PlannedOrder], s: &Subscription) -> Option<OrderId> {
    let named = s.order_id()?;
    orders
        .iter()
        .find(|o| o.id.as_str() == named)
        .or_else(|| orders.iter().find(|o| o.alternate_id.as_deref() == Some(named)))
        .map(|o| o.id.clone())
}

fn subscription_ended(s: &Subscription) -> bool {
    super::subscriptions::is_ended(s.status())
}

/// What one cancel came to.
pub(super) enum Sent {
    /// A 2xx: accepted, provisionally.
    Accepted,
    /// 409 "in progress": not accepted; sent again once the order has left that state.
    Deferred,
    /// Refused, or failed: the procedure ends. `may_have_applied`: an attempt may have taken
    /// effect anyway (a 5xx, a timeout, a lost connection, an unusable 2xx).
    Failed { kind: Box<RemovalErrorKind>, may_have_applied: bool },
    /// The stop came after some attempts were sent and before the next one.
    Interrupted { may_have_applied: bool },
    /// Not sent: the stop (or an earlier refusal) came first.
    Skipped,
}

impl Removal {
    /// Records what the cancel of `order` came to; the first failure is kept in `failure`.
    /// Returns the order's track in the wait, if it has one.
    pub(super) fn record_cancel(
        &mut self,
        order: OrderId,
        sent: Sent,
        failure: &mut Option<(OrderId, RemovalErrorKind)>,
    ) -> Option<Track> {
        let failed = |done: &mut Removal, may_have_applied: bool| {
            done.cancel_failed.push(order.clone());
            if may_have_applied {
                done.cancel_maybe_applied.push(order.clone());
            }
        };
        match sent {
            Sent::Accepted => {
                self.cancel_accepted.push(order);
                Some(Track::Accepted)
            }
            Sent::Deferred => Some(Track::Deferred),
            Sent::Failed { kind, may_have_applied } => {
                failed(self, may_have_applied);
                failure.get_or_insert((order, *kind));
                None
            }
            Sent::Interrupted { may_have_applied } => {
                failed(self, may_have_applied);
                None
            }
            Sent::Skipped => {
                self.not_attempted.push(order);
                None
            }
        }
    }
}

/// How the wait ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Waited {
    /// Every order read cancelled, or the stop came.
    Done,
    /// Partner Center says the customer does not exist (deleted meanwhile, by someone else).
    Gone,
}

/// An order whose cancel the run has sent, as the wait tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Track {
    /// Its cancel was accepted: waiting for a read to show `cancelled`.
    Accepted,
    /// Partner Center answered "in progress": its cancel is to be sent again.
    Deferred,
}

impl Run<'_> {
    pub(super) fn tell(&self, progress: Progress) {
        if let Some(observer) = &self.observer {
            observer(&progress);
        }
    }

    pub(super) fn phase(&self, done: &mut Removal, phase: Phase) {
        done.reached = Some(phase);
        self.tell(Progress::Phase(phase));
    }

    pub(super) fn fail(
        phase: Phase,
        order: Option<OrderId>,
        kind: RemovalErrorKind,
        done: &Removal,
    ) -> RemovalError {
        RemovalError { phase, order, kind: Box::new(kind), done: Box::new(done.clone()) }
    }

    pub(super) async fn run(self, stop: &StopSignal<'_>) -> Result<Removal, RemovalError> {
        let customer = self.customer;
        let mut done = Removal::nothing_done(customer);
        // Nothing is sent, not even a read, when the cancels that may follow could not be.
        if let Err(e) = self.pc.check_tip_account().await {
            return Err(Self::fail(Phase::LookingUp, None, RemovalErrorKind::Call(e), &done));
        }

        // Look up: entitlements, then each order they reference, once.
        self.phase(&mut done, Phase::LookingUp);
        let plan = match self.lookup(stop).await {
            Ok(Lookup::Plan(plan)) => plan,
            Ok(Lookup::Gone) => return Ok(self.gone(done)),
            Ok(Lookup::Stopped) => return Ok(stopped(done)),
            Err((order, kind)) => return Err(Self::fail(Phase::LookingUp, order, kind, &done)),
        };
        done.by_subscription = plan.by_subscription.clone();
        done.subscriptions = plan.subscriptions.iter().map(SubscriptionOutcome::planned).collect();
        let mut to_cancel = Vec::new();
        let mut past_window = None;
        for order in &plan.orders {
            match order.verdict {
                Verdict::AlreadyCancelled => done.already_cancelled.push(order.id.clone()),
                Verdict::Cancel | Verdict::CancelAgeUnknown => {
                    to_cancel.push((order.id.clone(), order.age_days));
                }
                Verdict::PastWindow { days } => {
                    past_window.get_or_insert((order.id.clone(), days));
                }
            }
        }
        // The client's own check: an order past its window refuses the whole customer before
        // any cancel is sent; the rest are named as not attempted.
        if let Some((order, days)) = past_window {
            done.not_attempted = to_cancel.into_iter().map(|(id, _)| id).collect();
            let kind = RemovalErrorKind::PastCancellationWindow { order: order.clone(), days };
            return Err(Self::fail(Phase::LookingUp, Some(order), kind, &done));
        }
        self.tell(Progress::Found {
            to_cancel: to_cancel.iter().map(|(id, _)| id.clone()).collect(),
            already_cancelled: done.already_cancelled.clone(),
        });

        if !to_cancel.is_empty() {
            if stop.requested() {
                done.not_attempted = to_cancel.into_iter().map(|(id, _)| id).collect();
                return Ok(stopped(done));
            }
            // Cancel, a few at a time; the first refusal or the stop ends the sending (the
            // cancels in flight finish and are recorded).
            self.phase(&mut done, Phase::Cancelling);
            let ages: BTreeMap<OrderId, Option<u64>> = to_cancel.iter().cloned().collect();
            let sends = self.cancel_orders(to_cancel, stop).await;
            let mut tracked = BTreeMap::new();
            let mut failure = None;
            for (order, sent) in sends {
                if let Some(track) = done.record_cancel(order.clone(), sent, &mut failure) {
                    tracked.insert(order, track);
                }
            }
            done.deferred = deferred(&tracked);
            if let Some((order, kind)) = failure {
                return Err(Self::fail(Phase::Cancelling, Some(order), kind, &done));
            }
            if stop.requested() {
                return Ok(stopped(done));
            }

            // Wait until every one reads `cancelled`: never trust the PATCH answer alone.
            self.phase(&mut done, Phase::Waiting);
            if self.wait(stop, &mut done, tracked, &ages).await? == Waited::Gone {
                return Ok(self.gone(done));
            }
            if stop.requested() {
                return Ok(stopped(done));
            }
        }

        // Then the subscriptions that are ended by an update of their own.
        let to_end: Vec<PlannedSubscription> =
            plan.subscriptions.iter().filter(|s| s.action.change().is_some()).cloned().collect();
        if !plan.subscriptions.is_empty() {
            self.tell(Progress::SubscriptionsFound {
                to_end: to_end
                    .iter()
                    .filter_map(|s| Some((s.id().clone(), s.action.change()?)))
                    .collect(),
                already_ended: plan
                    .subscriptions
                    .iter()
                    .filter(|s| s.action == SubscriptionAction::AlreadyEnded)
                    .map(|s| s.id().clone())
                    .collect(),
                left_alone: plan
                    .subscriptions
                    .iter()
                    .filter(|s| matches!(s.action, SubscriptionAction::LeaveAlone(_)))
                    .map(|s| s.id().clone())
                    .collect(),
            });
        }
        if !to_end.is_empty() {
            if stop.requested() {
                return Ok(stopped(done));
            }
            self.phase(&mut done, Phase::EndingSubscriptions);
            if self.end_subscriptions(stop, &mut done, to_end).await? == Ended::Gone {
                return Ok(self.gone(done));
            }
        }

        if stop.requested() {
            return Ok(stopped(done));
        }
        self.phase(&mut done, Phase::Deleting);
        let by_id = self.pc.customers().by_id(customer);
        let may_send = || !stop.requested();
        let err = match by_id.delete().send_while(&may_send).await {
            Ok(deleted) => {
                done.deleted = Some(deleted);
                self.phase(&mut done, Phase::Done);
                return Ok(done);
            }
            Err(Error::Stopped { call: None }) => return Ok(stopped(done)),
            Err(err) => err,
        };
        if let Some(refusal) = DeleteRefusal::of(&err) {
            let kind = refused(err.without_hint(), &refusal, &plan, &done);
            return Err(Self::fail(Phase::Deleting, None, kind, &done));
        }
        // A failed read to decide leaves the delete's own error.
        if by_id.confirm_gone(&err).await.unwrap_or(false) {
            return Ok(self.gone(done));
        }
        Err(Self::fail(Phase::Deleting, None, RemovalErrorKind::Call(err), &done))
    }

    /// Reads what stands between the customer and its deletion.
    pub(super) async fn lookup(
        &self,
        stop: &StopSignal<'_>,
    ) -> Result<Lookup, (Option<OrderId>, RemovalErrorKind)> {
        let by_id = self.pc.customers().by_id(self.customer);
        let may_send = || !stop.requested();
        let entitlements = match by_id.entitlements().send_while(&may_send).await {
            Ok(e) => e,
            Err(Error::Stopped { .. }) => return Ok(Lookup::Stopped),
            // A failed read to decide leaves the entitlements' own error.
            Err(e) => {
                return match by_id.confirm_gone(&e).await {
                    Ok(true) => Ok(Lookup::Gone),
                    _ => Err((None, RemovalErrorKind::Call(e))),
                };
            }
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
        for order in &self.known_orders {
            referenced.entry(order.clone()).or_default().insert("named by the caller".to_owned());
        }
        let subscriptions = match by_id.subscriptions().list().send_while(&may_send).await {
            Ok(list) => list,
            Err(Error::Stopped { .. }) => return Ok(Lookup::Stopped),
            Err(e) if e.customer_is_gone() => return Ok(Lookup::Gone),
            Err(e) => return Err((None, RemovalErrorKind::Call(e))),
        };
        let mut orders = match self.plan_orders(referenced.into_iter().collect(), stop).await? {
            OrderReads::Read(orders) => orders,
            OrderReads::Stopped => return Ok(Lookup::Stopped),
            OrderReads::Gone => return Ok(Lookup::Gone),
        };

        // Software subscriptions are also orders (facts §2.3): each is joined to its order by
        // `orderId` (the order's id, else its alternate id), so that it gets one action; an
        // order no entitlement showed is read here and cancelled with the rest.
        let now = SystemTime::now();
        let kinds: Vec<SubscriptionKind> = subscriptions.items().iter().map(|s| s.kind()).collect();
        let mut more = BTreeMap::new();
        for (s, kind) in subscriptions.items().iter().zip(&kinds) {
            if *kind != SubscriptionKind::Software || subscription_ended(s) {
                continue;
            }
            if joined(&orders, s).is_none()
                && let Some(order) = s.order_id().and_then(|o| o.parse::<OrderId>().ok())
            {
                more.entry(order)
                    .or_insert_with(BTreeSet::new)
                    .insert("software subscription".to_owned());
            }
        }
        if !more.is_empty() {
            match self.plan_orders(more.into_iter().collect(), stop).await? {
                OrderReads::Read(extra) => orders.extend(extra),
                OrderReads::Stopped => return Ok(Lookup::Stopped),
                OrderReads::Gone => return Ok(Lookup::Gone),
            }
        }
        let mut planned: Vec<PlannedSubscription> = subscriptions
            .items()
            .iter()
            .zip(kinds)
            .map(|(s, kind)| PlannedSubscription {
                subscription: s.clone(),
                kind,
                action: action_for(s, kind, joined(&orders, s), self.cancel_azure, now),
                azure: Vec::new(),
            })
            .collect();
        // An active Azure plan's Azure subscriptions, so that the plan shows every blocker.
        for p in planned.iter_mut().filter(|p| {
            p.kind == SubscriptionKind::AzurePlan && !subscription_ended(&p.subscription)
        }) {
            let plan = by_id.subscriptions().by_id(p.id().clone());
            match plan.azure_entitlements().send_while(&may_send).await {
                Ok(listed) => p.azure = listed.items().to_vec(),
                Err(Error::Stopped { .. }) => return Ok(Lookup::Stopped),
                Err(e) if e.customer_is_gone() => return Ok(Lookup::Gone),
                Err(e) => return Err((None, RemovalErrorKind::Call(e))),
            }
        }
        let subscriptions = planned;
        Ok(Lookup::Plan(PurchasePlan {
            customer: self.customer,
            orders,
            subscriptions,
            by_subscription: by_subscription.into_iter().collect(),
        }))
    }

    /// Reads each order and decides what to do with it.
    async fn plan_orders(
        &self,
        referenced: Vec<(OrderId, BTreeSet<String>)>,
        stop: &StopSignal<'_>,
    ) -> Result<OrderReads, (Option<OrderId>, RemovalErrorKind)> {
        let (ids, kinds): (Vec<OrderId>, Vec<BTreeSet<String>>) = referenced.into_iter().unzip();
        let reads = self.read_orders(ids, stop).await;
        let now = SystemTime::now();
        let mut orders = Vec::with_capacity(reads.len());
        for ((id, read), entitlement_types) in reads.into_iter().zip(kinds) {
            let read = match read {
                Some(Ok(read)) => read,
                None => return Ok(OrderReads::Stopped),
                // Only Partner Center's tenant-not-found code says the customer is gone; an
                // unknown order (20000) or a gateway's 404 is an error.
                Some(Err(e)) if e.customer_is_gone() => return Ok(OrderReads::Gone),
                Some(Err(e)) => return Err((Some(id), RemovalErrorKind::Call(e))),
            };
            // A date ahead of this clock is a new order.
            let age_days = read
                .created_at()
                .map(|c| now.duration_since(c).unwrap_or_default().as_secs() / DAY);
            let verdict = if read.status().is_cancelled() {
                Verdict::AlreadyCancelled
            } else {
                match age_days {
                    Some(days) if days * DAY > CANCELLATION_WINDOW.as_secs() => {
                        Verdict::PastWindow { days }
                    }
                    Some(_) => Verdict::Cancel,
                    None => Verdict::CancelAgeUnknown,
                }
            };
            orders.push(PlannedOrder {
                id,
                alternate_id: read.alternate_id().map(str::to_owned),
                status: read.status().clone(),
                creation_date: read.creation_date().map(str::to_owned),
                age_days,
                entitlement_types: entitlement_types.into_iter().collect(),
                verdict,
            });
        }
        Ok(OrderReads::Read(orders))
    }

    fn gone(&self, mut done: Removal) -> Removal {
        done.already_gone = true;
        self.phase(&mut done, Phase::Done);
        done
    }

    /// Reads each order, a few at a time; once the stop has come, an order is not read
    /// (`None`), also one waiting for its turn or for a retry.
    pub(super) async fn read_orders(
        &self,
        orders: Vec<OrderId>,
        stop: &StopSignal<'_>,
    ) -> Vec<(OrderId, Option<Result<Order, Error>>)> {
        let by_id = self.pc.customers().by_id(self.customer);
        let may_send = &|| !stop.requested();
        stream::iter(orders)
            .map(|order| async move {
                match by_id.orders().by_id(order.clone()).get().send_while(may_send).await {
                    Err(Error::Stopped { .. }) => (order, None),
                    read => (order, Some(read)),
                }
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// Sends each order's cancel, a few at a time; none is sent once the stop has come or a
    /// cancel failed (asked just before each attempt, so also of a cancel waiting for its turn
    /// or for a retry).
    pub(super) async fn cancel_orders(
        &self,
        orders: Vec<(OrderId, Option<u64>)>,
        stop: &StopSignal<'_>,
    ) -> Vec<(OrderId, Sent)> {
        let halt = &Halt::default();
        let may_send = &|| !halt.is_set() && !stop.requested();
        stream::iter(orders)
            .map(|(order, age_days)| async move {
                let sent = self.cancel_one(&order, age_days, may_send).await;
                if matches!(sent, Sent::Failed { .. }) {
                    halt.set();
                }
                (order, sent)
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    async fn cancel_one(
        &self,
        order: &OrderId,
        age_days: Option<u64>,
        may_send: crate::engine::Gate<'_>,
    ) -> Sent {
        let by_id = self.pc.customers().by_id(self.customer);
        match by_id.orders().by_id(order.clone()).cancel().send_while(may_send).await {
            Ok(_) => {
                self.tell(Progress::CancelAccepted(order.clone()));
                Sent::Accepted
            }
            Err(e) if is_in_progress(&e) => {
                self.tell(Progress::CancelDeferred(order.clone()));
                Sent::Deferred
            }
            Err(Error::Stopped { call: None }) => Sent::Skipped,
            Err(e @ Error::Stopped { .. }) => {
                Sent::Interrupted { may_have_applied: e.may_have_applied() }
            }
            Err(e) if has_code(&e, codes::CANCELLATION_WINDOW_PASSED) => Sent::Failed {
                may_have_applied: e.may_have_applied(),
                kind: Box::new(RemovalErrorKind::CancelRefusedPastWindow {
                    order: order.clone(),
                    days: age_days,
                    error: e,
                }),
            },
            Err(e) => Sent::Failed {
                may_have_applied: e.may_have_applied(),
                kind: Box::new(RemovalErrorKind::Call(e)),
            },
        }
    }
}

fn stopped(mut done: Removal) -> Removal {
    done.stopped = true;
    done
}

/// The orders whose cancel Partner Center answered "in progress" and never accepted.
pub(super) fn deferred(tracked: &BTreeMap<OrderId, Track>) -> Vec<OrderId> {
    tracked.iter().filter(|(_, t)| **t == Track::Deferred).map(|(id, _)| id.clone()).collect()
}

/// The delete's refusal for active purchases, told against what this run saw: orders it read
/// cancelled that Partner Center still names, and orders the entitlements never showed.
fn refused(
    error: Error,
    refusal: &DeleteRefusal,
    plan: &PurchasePlan,
    done: &Removal,
) -> RemovalErrorKind {
    let read_cancelled: BTreeSet<&OrderId> =
        done.cancelled.iter().chain(&done.already_cancelled).collect();
    let mut still_reported = Vec::new();
    let mut not_seen = Vec::new();
    let mut suspended_named = Vec::new();
    for named in refusal.orders() {
        let order = plan.orders.iter().find(|o| o.alternate_id.as_deref() == Some(named.as_str()));
        // Every subscription of that order (several can share one).
        let subscriptions: Vec<&SubscriptionOutcome> = done
            .subscriptions
            .iter()
            .zip(&plan.subscriptions)
            .filter(|(_, p)| {
                p.subscription.order_id().is_some_and(|o| o.eq_ignore_ascii_case(named))
            })
            .map(|(s, _)| s)
            .collect();
        let all_ended =
            !subscriptions.is_empty() && subscriptions.iter().all(|s| s.is_read_ended());
        let suspended = subscriptions.iter().any(|s| {
            matches!(
                s.step(),
                SubscriptionStep::Ended(SubscriptionStatus::Suspended)
                    | SubscriptionStep::AlreadyEnded(SubscriptionStatus::Suspended)
            )
        });
        match (order, subscriptions.is_empty()) {
            (Some(o), _) if read_cancelled.contains(&o.id) => still_reported.push(named.clone()),
            // Suspended is not cancelled: waiting may not help, so it is not called a lag.
            (_, false) if all_ended && suspended => suspended_named.push(named.clone()),
            (_, false) if all_ended => still_reported.push(named.clone()),
            (Some(_), _) | (_, false) => {}
            (None, true) => not_seen.push(named.clone()),
        }
    }
    let mut still_active: Vec<String> = done
        .subscriptions
        .iter()
        .filter(|s| !s.is_read_ended() && !matches!(s.step(), SubscriptionStep::ByOrder(_)))
        .map(ToString::to_string)
        .collect();
    if !suspended_named.is_empty() {
        still_active.push(format!(
            "Partner Center still names the order of subscriptions read suspended ({}): a suspended subscription may keep blocking the delete, and waiting may not change that",
            suspended_named.join(", ")
        ));
    }
    // Entitlement types not cancelled by order matter only when no subscription was read
    // to account for them.
    let by_subscription =
        if plan.subscriptions.is_empty() { plan.by_subscription.clone() } else { Vec::new() };
    RemovalErrorKind::DeleteRefused {
        error,
        still_reported,
        not_seen,
        still_active,
        by_subscription,
    }
}

pub(super) fn has_code(e: &Error, code: i64) -> bool {
    e.api().is_some_and(|a| a.has_code(code))
}

pub(super) fn is_in_progress(e: &Error) -> bool {
    e.status() == Some(StatusCode::CONFLICT) && IN_PROGRESS.iter().any(|&c| has_code(e, c))
}
