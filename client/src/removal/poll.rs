//! How the procedure waits for cancelled orders to read `cancelled`: the policy, and the wait.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::outcome::{Removal, RemovalError, RemovalErrorKind};
use super::run::{Run, Sent, Track, Waited, deferred, is_in_progress};
use super::stop::StopSignal;
use super::{Phase, Progress};
use crate::orders::OrderStatus;
use crate::orders::id::OrderId;

/// How the procedure waits for cancelled orders to read `cancelled`: a read of every pending
/// order each round, the pause between rounds growing from [`interval`](Self::interval) by
/// [`backoff`](Self::backoff) up to [`max_interval`](Self::max_interval), for at most
/// [`limit`](Self::limit) in all. Never forever, and never a tight loop: a pause is at least
/// [`MIN_INTERVAL`](Self::MIN_INTERVAL).
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
    pub(super) interval: Duration,
    pub(super) backoff: f64,
    pub(super) max_interval: Duration,
    pub(super) limit: Duration,
}

impl PollPolicy {
    /// The first pause. The page's C# sample waits 5 s between reads; Partner Center
    /// documents no cancellation latency, so the wait starts shorter and grows.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
    /// The shortest pause: a shorter one is raised to it, so that a wait never spends the
    /// Order resource's request budget (shared by every customer of a run) in a tight loop
    /// (Partner Center's guidance: avoid continuous polling).
    pub const MIN_INTERVAL: Duration = Duration::from_millis(10);
    /// Each pause is this much longer than the one before.
    pub const DEFAULT_BACKOFF: f64 = 1.5;
    /// The longest pause.
    pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(15);
    /// The longest wait in all, after which the procedure fails naming the orders still
    /// pending.
    pub const DEFAULT_LIMIT: Duration = Duration::from_secs(10 * 60);

    /// The wait for cancelled Azure subscriptions (Azure entitlements) to read `inactive`,
    /// which Partner Center says takes about ten minutes: pauses from 2 s growing to 30 s, for
    /// at most [`AZURE_LIMIT`](Self::AZURE_LIMIT).
    pub fn for_azure_entitlements() -> Self {
        Self {
            interval: Duration::from_secs(2),
            backoff: Self::DEFAULT_BACKOFF,
            max_interval: Duration::from_secs(30),
            limit: Self::AZURE_LIMIT,
        }
    }

    /// The longest wait for Azure subscriptions to read `inactive`: twice the documented ten
    /// minutes.
    pub const AZURE_LIMIT: Duration = Duration::from_secs(20 * 60);

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

    /// Sets the first pause (at least [`MIN_INTERVAL`](Self::MIN_INTERVAL)).
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Self::MIN_INTERVAL);
        self
    }

    /// Sets the growth factor (at least 1).
    pub fn with_backoff(mut self, factor: f64) -> Self {
        self.backoff = if factor.is_finite() { factor.max(1.0) } else { 1.0 };
        self
    }

    /// Sets the longest pause (at least [`MIN_INTERVAL`](Self::MIN_INTERVAL)).
    pub fn with_max_interval(mut self, max: Duration) -> Self {
        self.max_interval = max.max(Self::MIN_INTERVAL);
        self
    }

    /// Sets the longest wait in all.
    pub fn with_limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// The pause after `pause`: longer by the backoff, up to the longest pause — but never
    /// shorter than the first pause (a first pause above the longest stays as it is) nor than
    /// [`MIN_INTERVAL`](Self::MIN_INTERVAL). Saturates instead of overflowing.
    pub(super) fn next(&self, pause: Duration) -> Duration {
        let grown = Duration::try_from_secs_f64(pause.as_secs_f64() * self.backoff)
            .unwrap_or(Duration::MAX);
        grown.min(self.max_interval.max(self.interval)).max(Self::MIN_INTERVAL)
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

/// The orders the wait still tracks, and what each waits for.
type Tracked = BTreeMap<OrderId, Track>;

impl Run<'_> {
    /// Polls the orders whose cancel was sent until each reads `cancelled`: an accepted one
    /// is read until it does; one Partner Center answered "in progress" is read until it has
    /// left that state, then its cancel is sent again. Ends early on a state that will not
    /// become `cancelled`, on the limit, or at once on the stop.
    pub(super) async fn wait(
        &self,
        stop: &StopSignal<'_>,
        done: &mut Removal,
        mut tracked: Tracked,
        ages: &BTreeMap<OrderId, Option<u64>>,
    ) -> Result<Waited, RemovalError> {
        let policy = self.polling;
        let started = Instant::now();
        let mut pause = policy.interval;
        let end = |done: &mut Removal, tracked: &Tracked| {
            done.waited = started.elapsed();
            done.deferred = deferred(tracked);
        };
        loop {
            end(done, &tracked);
            if tracked.is_empty() {
                return Ok(Waited::Done);
            }
            let left = policy.limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                let pending: Vec<OrderId> = tracked.keys().cloned().collect();
                let kind =
                    RemovalErrorKind::WaitLimit { pending: pending.clone(), waited: done.waited };
                return Err(Run::fail(Phase::Waiting, pending.first().cloned(), kind, done));
            }
            if stop.sleep(pause.min(left)).await {
                end(done, &tracked);
                return Ok(Waited::Done);
            }
            pause = policy.next(pause);

            let orders = tracked.keys().cloned().collect();
            let reads = self.read_orders(orders, stop).await;
            let mut failure = None;
            let mut send_again = Vec::new();
            for (order, read) in reads {
                let track = tracked.get(&order).copied();
                match read {
                    // Not read (the stop came): it stays as it was.
                    None => {}
                    Some(Ok(read)) if read.status().is_cancelled() => {
                        tracked.remove(&order);
                        done.cancelled.push(order.clone());
                        self.tell(Progress::Cancelled(order));
                    }
                    Some(Ok(read))
                        if matches!(
                            read.status(),
                            OrderStatus::Error | OrderStatus::PartialSuccess
                        ) =>
                    {
                        let kind = RemovalErrorKind::CancelFailed {
                            order: order.clone(),
                            status: read.status().clone(),
                        };
                        failure.get_or_insert((order, kind));
                    }
                    Some(Ok(read))
                        if matches!(
                            read.status(),
                            OrderStatus::PendingPoUpload | OrderStatus::PendingReview
                        ) =>
                    {
                        let kind = RemovalErrorKind::NeedsAttention {
                            order: order.clone(),
                            status: read.status().clone(),
                        };
                        failure.get_or_insert((order, kind));
                    }
                    Some(Ok(read))
                        if track == Some(Track::Deferred)
                            && !is_in_progress_state(read.status()) =>
                    {
                        send_again.push((order.clone(), ages.get(&order).copied().flatten()));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) if is_in_progress(&e) => {}
                    // Deleted meanwhile (by someone else): nothing left to wait for.
                    Some(Err(e)) if e.customer_is_gone() => {
                        end(done, &tracked);
                        return Ok(Waited::Gone);
                    }
                    Some(Err(e)) => {
                        failure.get_or_insert((order, RemovalErrorKind::Call(e)));
                    }
                }
            }
            if let Some((order, kind)) = failure {
                end(done, &tracked);
                return Err(Run::fail(Phase::Waiting, Some(order), kind, done));
            }
            if !send_again.is_empty() {
                let sends = self.cancel_orders(send_again, stop).await;
                for (order, sent) in sends {
                    match sent {
                        // Still in progress, or not sent again (the stop came): deferred still.
                        Sent::Deferred | Sent::Skipped => {}
                        sent => match done.record_cancel(order.clone(), sent, &mut failure) {
                            Some(track) => {
                                tracked.insert(order, track);
                            }
                            None => {
                                tracked.remove(&order);
                            }
                        },
                    }
                }
                if let Some((order, kind)) = failure {
                    end(done, &tracked);
                    return Err(Run::fail(Phase::Waiting, Some(order), kind, done));
                }
            }
            end(done, &tracked);
            if stop.requested() || tracked.is_empty() {
                return Ok(Waited::Done);
            }
            self.tell(Progress::StillPending { pending: tracked.len(), waited: done.waited });
        }
    }
}

/// States an order passes through on its own while it is being placed or changed: its cancel
/// waits until it leaves them.
fn is_in_progress_state(status: &OrderStatus) -> bool {
    matches!(status, OrderStatus::Pending | OrderStatus::PoUploadComplete | OrderStatus::Unknown)
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
        let floored =
            PollPolicy::default().with_interval(Duration::ZERO).with_max_interval(Duration::ZERO);
        assert_eq!(floored.interval(), PollPolicy::MIN_INTERVAL);
        assert_eq!(
            floored.next(floored.interval()),
            PollPolicy::MIN_INTERVAL,
            "never a tight loop"
        );
        let long = PollPolicy::default().with_interval(Duration::from_secs(60));
        assert_eq!(long.next(long.interval()), Duration::from_secs(60), "never shrinks");
        let huge = PollPolicy::default().with_backoff(1e20).with_interval(Duration::MAX);
        assert_eq!(huge.next(Duration::MAX), Duration::MAX, "saturates, no panic");
    }
}
