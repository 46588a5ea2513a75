//! How a stop reaches every step: each call — an order read, a cancel, the delete — asks for it
//! just before it starts, and a wait selects on it. A call in flight finishes (a sent cancel
//! cannot be taken back; its answer is recorded), and nothing new starts.
//!
//! The caller's stop future is shared by the calls running a few at a time, so it sits behind a
//! lock and is polled where it is asked for: a stop that comes while one call is in flight is
//! seen by the next call before it is sent, not a poll later.

use std::pin::pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::{self, Either};
use futures_util::task::noop_waker_ref;

use super::Stop;

/// The caller's stop, and whether it has come.
pub(super) struct StopSignal<'a> {
    stop: Mutex<Option<Stop<'a>>>,
    came: AtomicBool,
}

impl<'a> StopSignal<'a> {
    pub(super) fn new(stop: Option<Stop<'a>>) -> Self {
        Self { stop: Mutex::new(stop), came: AtomicBool::new(false) }
    }

    /// Polls the stop; `Ready` once it has come, for good.
    fn poll_came(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.came.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        let Ok(mut stop) = self.stop.lock() else { return Poll::Pending };
        match stop.as_mut().map(|s| s.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => {
                // Never polled again once complete.
                *stop = None;
                self.came.store(true, Ordering::SeqCst);
                Poll::Ready(())
            }
            _ => Poll::Pending,
        }
    }

    /// Whether the stop has come: asked before every call and between steps.
    pub(super) fn requested(&self) -> bool {
        self.poll_came(&mut Context::from_waker(noop_waker_ref())).is_ready()
    }

    /// Sleeps `pause`, or less if the stop comes first; `true` if it did.
    pub(super) async fn sleep(&self, pause: Duration) -> bool {
        let sleep = pin!(tokio::time::sleep(pause));
        let came = pin!(future::poll_fn(|cx| self.poll_came(cx)));
        matches!(future::select(sleep, came).await, Either::Right(_))
    }
}

/// Set when a step refuses: the calls of that step not yet started are not sent.
#[derive(Debug, Default)]
pub(super) struct Halt(AtomicBool);

impl Halt {
    pub(super) fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub(super) fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
