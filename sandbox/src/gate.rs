//! Holding requests from a given arrival on, so a test can stop a client after the sandbox has
//! received exactly its k-th request (an event, not a sleep), then let the held ones go.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::layers::record::Seq;
use crate::shared::Shared;

/// No request is held.
const OPEN: u64 = u64::MAX;

#[derive(Debug)]
pub(crate) struct Gate {
    /// Requests numbered from this on (0-based arrival order) wait for a release.
    hold_from: AtomicU64,
    /// Woken at each arrival while holding is armed.
    arrivals: tokio::sync::Notify,
    /// Bumped by each release.
    released: tokio::sync::watch::Sender<u64>,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            hold_from: AtomicU64::new(OPEN),
            arrivals: tokio::sync::Notify::new(),
            released: tokio::sync::watch::Sender::new(0),
        }
    }
}

/// Called for each request as it arrives: waits while it is to be held.
pub(crate) async fn arrived(shared: &Shared, seq: Seq) {
    let gate = &shared.gate;
    let from = gate.hold_from.load(Ordering::Acquire);
    if from == OPEN {
        return;
    }
    gate.arrivals.notify_waiters();
    if seq.0 < from {
        return;
    }
    let mut released = gate.released.subscribe();
    let generation = *released.borrow_and_update();
    // A release between the first look and subscribing has opened the gate already.
    if gate.hold_from.load(Ordering::Acquire) == OPEN {
        return;
    }
    let _ = released.wait_for(|g| *g != generation).await;
}

/// Holds every request from arrival number `from` (0-based) on, until [`release`].
pub(crate) fn hold_from(shared: &Shared, from: u64) {
    shared.gate.hold_from.store(from, Ordering::Release);
}

/// Waits until `count` requests have arrived (`true`), or `limit` passed (`false`). Arrivals
/// are announced only while a hold is armed: without one this answers `false` at once unless
/// the count is reached already.
pub(crate) async fn arrivals(shared: &Shared, count: u64, limit: Duration) -> bool {
    let gate = &shared.gate;
    let waiting = async {
        loop {
            let next = gate.arrivals.notified();
            if shared.arrivals.load(Ordering::Acquire) >= count {
                return true;
            }
            if gate.hold_from.load(Ordering::Acquire) == OPEN {
                return false;
            }
            next.await;
        }
    };
    tokio::time::timeout(limit, waiting).await.unwrap_or(false)
}

/// Lets every held request go on, and holds no more.
pub(crate) fn release(shared: &Shared) {
    shared.gate.hold_from.store(OPEN, Ordering::Release);
    shared.gate.released.send_modify(|g| *g += 1);
}
