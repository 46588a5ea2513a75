//! The procedure itself: look up, cancel, wait, delete, stopping between steps when asked.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::{self, Either};
use futures_util::{FutureExt, StreamExt, stream};
use reqwest::StatusCode;

use super::outcome::{Removal, RemovalError, RemovalErrorKind};
use super::plan::{PlannedOrder, PurchasePlan, Verdict};
use super::{CANCELLATION_WINDOW, Observer, Phase, PollPolicy, Progress, Stop};
use crate::client::PartnerCenter;
use crate::codes;
use crate::customer_id::CustomerTenantId;
use crate::error::{Error, ErrorCode};
use crate::order_id::OrderId;
use crate::orders::{Order, OrderStatus};

/// Partner Center's codes for "a change of this order is in progress" (409): the wait goes on.
const IN_PROGRESS: [i64; 2] = [codes::ORDER_CHANGE_IN_PROGRESS, codes::ORDER_IN_PROGRESS];
/// Partner Center's code for an order past its cancellation window (400).
const WINDOW_PASSED: i64 = codes::CANCELLATION_WINDOW_PASSED;

/// The procedure's settings, shared by its concurrent calls (so `Sync`); the stop signal is
/// apart, used only between steps and by the wait.
pub(super) struct Run<'a> {
    pub(super) pc: &'a PartnerCenter,
    pub(super) customer: CustomerTenantId,
    pub(super) polling: PollPolicy,
    pub(super) concurrency: usize,
    pub(super) observer: Option<Observer<'a>>,
}

pub(super) struct StopSignal<'a> {
    pub(super) stop: Option<Stop<'a>>,
    pub(super) stopped: bool,
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

    pub(super) fn fail(
        phase: Phase,
        order: Option<OrderId>,
        kind: RemovalErrorKind,
        done: &Removal,
    ) -> RemovalError {
        RemovalError { phase, order, kind, done: Box::new(done.clone()) }
    }

    pub(super) async fn run(self, stop: &mut StopSignal<'_>) -> Result<Removal, RemovalError> {
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
    pub(super) async fn lookup(
        &self,
    ) -> Result<Option<PurchasePlan>, (Option<OrderId>, RemovalErrorKind)> {
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

    pub(super) fn nothing_done(customer: CustomerTenantId) -> Removal {
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
                            days: super::CANCELLATION_WINDOW_DAYS,
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
