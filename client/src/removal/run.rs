//! The procedure itself: look up, cancel, wait ([`super::poll`]), delete; every call asks for
//! the stop before it starts ([`super::stop`]).

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use futures_util::{StreamExt, stream};
use reqwest::StatusCode;

use super::outcome::{Removal, RemovalError, RemovalErrorKind};
use super::plan::{PlannedOrder, PurchasePlan, Verdict};
use super::stop::{Halt, StopSignal};
use super::{CANCELLATION_WINDOW, DAY, Observer, Phase, PollPolicy, Progress};
use crate::client::PartnerCenter;
use crate::codes;
use crate::customer_id::CustomerTenantId;
use crate::error::{Error, ErrorCode};
use crate::order_id::OrderId;
use crate::orders::Order;
use crate::refusal::DeleteRefusal;

/// Partner Center's codes for "this order is still in progress" (409): not an acceptance.
const IN_PROGRESS: [i64; 2] = [codes::ORDER_CHANGE_IN_PROGRESS, codes::ORDER_IN_PROGRESS];

/// The procedure's settings, shared by its concurrent calls (so `Sync`); the stop signal is
/// apart, asked for before every call.
pub(super) struct Run<'a> {
    pub(super) pc: &'a PartnerCenter,
    pub(super) customer: CustomerTenantId,
    pub(super) polling: PollPolicy,
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

/// What one cancel sent came to.
pub(super) enum Sent {
    /// A 2xx: accepted, provisionally.
    Accepted,
    /// 409 "in progress": not accepted; sent again once the order has left that state.
    Deferred,
    /// Refused: the procedure ends.
    Failed(RemovalErrorKind),
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

    fn phase(&self, done: &mut Removal, phase: Phase) {
        done.reached = Some(phase);
        self.tell(Progress::Phase(phase));
    }

    pub(super) fn fail(
        phase: Phase,
        order: Option<OrderId>,
        kind: RemovalErrorKind,
        done: &Removal,
    ) -> RemovalError {
        RemovalError { phase, order, kind, done: Box::new(done.clone()) }
    }

    pub(super) async fn run(self, stop: &StopSignal<'_>) -> Result<Removal, RemovalError> {
        let customer = self.customer;
        let mut done = Removal::nothing_done(customer);

        // Look up: entitlements, then each order they reference, once.
        self.phase(&mut done, Phase::LookingUp);
        let plan = match self.lookup(stop).await {
            Ok(Lookup::Plan(plan)) => plan,
            Ok(Lookup::Gone) => return Ok(self.gone(done)),
            Ok(Lookup::Stopped) => return Ok(stopped(done)),
            Err((order, kind)) => return Err(Self::fail(Phase::LookingUp, order, kind, &done)),
        };
        done.by_subscription = plan.by_subscription.clone();
        let mut to_cancel = Vec::new();
        for order in &plan.orders {
            match order.verdict {
                Verdict::AlreadyCancelled => done.already_cancelled.push(order.id.clone()),
                Verdict::Cancel | Verdict::CancelAgeUnknown => {
                    to_cancel.push((order.id.clone(), order.age_days));
                }
                Verdict::PastWindow { days } => {
                    let kind =
                        RemovalErrorKind::PastCancellationWindow { order: order.id.clone(), days };
                    return Err(Self::fail(Phase::LookingUp, Some(order.id.clone()), kind, &done));
                }
            }
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
                match sent {
                    Some(Sent::Accepted) => {
                        done.cancel_accepted.push(order.clone());
                        tracked.insert(order, Track::Accepted);
                    }
                    Some(Sent::Deferred) => {
                        tracked.insert(order, Track::Deferred);
                    }
                    Some(Sent::Failed(kind)) => {
                        failure.get_or_insert((order, kind));
                    }
                    None => done.not_attempted.push(order),
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
            self.wait(stop, &mut done, tracked, &ages).await?;
            if stop.requested() {
                return Ok(stopped(done));
            }
        }

        if stop.requested() {
            return Ok(stopped(done));
        }
        self.phase(&mut done, Phase::Deleting);
        let by_id = self.pc.customers().by_id(customer);
        let err = match by_id.delete().await {
            Ok(deleted) => {
                done.deleted = Some(deleted);
                self.phase(&mut done, Phase::Done);
                return Ok(done);
            }
            Err(err) => err,
        };
        if let Some(refusal) = DeleteRefusal::of(&err) {
            let kind = refused(err, &refusal, &plan, &done);
            return Err(Self::fail(Phase::Deleting, None, kind, &done));
        }
        match by_id.confirm_gone(&err).await {
            Ok(true) => Ok(self.gone(done)),
            Ok(false) => Err(Self::fail(Phase::Deleting, None, RemovalErrorKind::Call(err), &done)),
            Err(read) => {
                Err(Self::fail(Phase::Deleting, None, RemovalErrorKind::Call(read), &done))
            }
        }
    }

    /// Reads what stands between the customer and its deletion.
    pub(super) async fn lookup(
        &self,
        stop: &StopSignal<'_>,
    ) -> Result<Lookup, (Option<OrderId>, RemovalErrorKind)> {
        if stop.requested() {
            return Ok(Lookup::Stopped);
        }
        let by_id = self.pc.customers().by_id(self.customer);
        let entitlements = match by_id.entitlements().await {
            Ok(e) => e,
            Err(e) => {
                return match by_id.confirm_gone(&e).await {
                    Ok(true) => Ok(Lookup::Gone),
                    Ok(false) => Err((None, RemovalErrorKind::Call(e))),
                    Err(read) => Err((None, RemovalErrorKind::Call(read))),
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
        let kinds: Vec<Vec<String>> =
            referenced.values().map(|k| k.iter().cloned().collect()).collect();
        let reads = self.read_orders(referenced.into_keys().collect(), stop).await;
        let now = SystemTime::now();
        let mut orders = Vec::with_capacity(reads.len());
        for ((id, read), entitlement_types) in reads.into_iter().zip(kinds) {
            let read = match read {
                Some(Ok(read)) => read,
                None => return Ok(Lookup::Stopped),
                // Only Partner Center's tenant-not-found code says the customer is gone; an
                // unknown order (20000) or a gateway's 404 is an error.
                Some(Err(e)) if e.customer_is_gone() => return Ok(Lookup::Gone),
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
                entitlement_types,
                verdict,
            });
        }
        Ok(Lookup::Plan(PurchasePlan {
            customer: self.customer,
            orders,
            by_subscription: by_subscription.into_iter().collect(),
        }))
    }

    fn gone(&self, mut done: Removal) -> Removal {
        done.already_gone = true;
        self.phase(&mut done, Phase::Done);
        done
    }

    /// Reads each order, a few at a time; once the stop has come, an order is not read
    /// (`None`).
    pub(super) async fn read_orders(
        &self,
        orders: Vec<OrderId>,
        stop: &StopSignal<'_>,
    ) -> Vec<(OrderId, Option<Result<Order, Error>>)> {
        let by_id = self.pc.customers().by_id(self.customer);
        stream::iter(orders)
            .map(|order| async move {
                if stop.requested() {
                    return (order, None);
                }
                let read = by_id.orders().by_id(order.clone()).get().await;
                (order, Some(read))
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// Sends each order's cancel, a few at a time; none starts (`None`) once the stop has come
    /// or a cancel was refused.
    pub(super) async fn cancel_orders(
        &self,
        orders: Vec<(OrderId, Option<u64>)>,
        stop: &StopSignal<'_>,
    ) -> Vec<(OrderId, Option<Sent>)> {
        let halt = &Halt::default();
        stream::iter(orders)
            .map(|(order, age_days)| async move {
                if halt.is_set() || stop.requested() {
                    return (order, None);
                }
                let sent = self.cancel_one(&order, age_days).await;
                if matches!(sent, Sent::Failed(_)) {
                    halt.set();
                }
                (order, Some(sent))
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    async fn cancel_one(&self, order: &OrderId, age_days: Option<u64>) -> Sent {
        let by_id = self.pc.customers().by_id(self.customer);
        match by_id.orders().by_id(order.clone()).cancel().await {
            Ok(_) => {
                self.tell(Progress::CancelAccepted(order.clone()));
                Sent::Accepted
            }
            Err(e) if is_in_progress(&e) => {
                self.tell(Progress::CancelDeferred(order.clone()));
                Sent::Deferred
            }
            Err(e) if has_code(&e, codes::CANCELLATION_WINDOW_PASSED) => {
                Sent::Failed(RemovalErrorKind::CancelRefusedPastWindow {
                    order: order.clone(),
                    days: age_days,
                    error: e,
                })
            }
            Err(e) => Sent::Failed(RemovalErrorKind::Call(e)),
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
    for named in refusal.orders() {
        let seen = plan.orders.iter().find(|o| o.alternate_id.as_deref() == Some(named.as_str()));
        match seen {
            Some(o) if read_cancelled.contains(&o.id) => still_reported.push(named.clone()),
            Some(_) => {}
            None => not_seen.push(named.clone()),
        }
    }
    RemovalErrorKind::DeleteRefused {
        error,
        still_reported,
        not_seen,
        by_subscription: plan.by_subscription.clone(),
    }
}

pub(super) fn has_code(e: &Error, code: i64) -> bool {
    e.api().and_then(|a| a.code()).is_some_and(|c| *c == ErrorCode::Number(code))
}

pub(super) fn is_in_progress(e: &Error) -> bool {
    e.status() == Some(StatusCode::CONFLICT) && IN_PROGRESS.iter().any(|&c| has_code(e, c))
}
