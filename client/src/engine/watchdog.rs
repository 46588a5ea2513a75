//! Attempt timeouts without a timer per attempt.
//!
//! Why: a tokio timer registered and cancelled on every request (what reqwest's per-request
//! timeout does) measured ~4 % of a loopback call's latency on its own (BENCHMARKS.md), more
//! than every other cost of the facade together. A client's attempts nearly all share one
//! timeout, so one task per client can watch them all with a single timer: it sleeps until the
//! earliest deadline among the attempts in flight, fires the ones that are due, and sleeps
//! again. Starting an attempt is a slab insert under an uncontended lock; it wakes the watcher
//! only when its deadline is earlier than the watcher's next look, which in steady traffic
//! (equal timeouts, later starts) never happens.
//!
//! The watcher is a tokio task spawned on first use. It ends when nothing has been watched
//! for [`LINGER`] and is spawned again by the next attempt; if its runtime shuts down it is
//! spawned again on the runtime of the next attempt. Like reqwest's connection pool, a client
//! whose first runtime is alive but no longer driven does not work from a second one.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::Duration;

use futures_util::task::AtomicWaker;
use slab::Slab;
use tokio::sync::Notify;
// tokio's clock, not std's: a paused test clock must move the watcher's deadlines too.
use tokio::time::Instant;

/// How long the watcher stays after the last attempt it watched ended, so that steady
/// traffic never pays for spawning it.
pub(crate) const LINGER: Duration = Duration::from_secs(1);

/// The attempt did not finish in time.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Elapsed;

/// One client's watcher. Clones share it.
#[derive(Clone, Default)]
pub(crate) struct Watchdog {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watchdog").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Wakes the watcher for a deadline earlier than its next look.
    sooner: Notify,
}

#[derive(Default)]
struct State {
    watched: Slab<Watched>,
    /// When the watcher looks next; `None` while it is not running.
    next_look: Option<Instant>,
    /// Which spawn of the watcher is the running one (a dropped old one must not say "stopped"
    /// for a new one).
    generation: u64,
    /// Set by the watcher when it found nothing to watch, cleared by every new attempt: two
    /// empty looks in a row end the watcher.
    quiet: bool,
}

struct Watched {
    deadline: Instant,
    alarm: Arc<Alarm>,
}

/// What the watcher and an attempt share: whether the attempt is out of time, and how to wake it.
#[derive(Default)]
struct Alarm {
    fired: AtomicBool,
    waker: AtomicWaker,
}

impl Alarm {
    fn fire(&self) {
        self.fired.store(true, Ordering::Release);
        self.waker.wake();
    }
}

impl Watchdog {
    /// Runs `attempt`, giving up with [`Elapsed`] once `limit` has passed. A limit too large to
    /// be a point in time is no limit.
    pub(crate) async fn run<F: Future>(
        &self,
        limit: Duration,
        attempt: F,
    ) -> Result<F::Output, Elapsed> {
        let Some(deadline) = Instant::now().checked_add(limit) else {
            return Ok(attempt.await);
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Outside any tokio runtime there is nothing to run the watcher on (nor, for
            // reqwest, any reactor to send with): the attempt fails on its own.
            return Ok(attempt.await);
        };
        let watch = self.watch(deadline, &runtime);
        let mut attempt = pin!(attempt);
        poll_fn(|cx| {
            // An answer that is ready wins over an alarm that is due at the same time.
            if let Poll::Ready(output) = attempt.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            // Register first, then look: an alarm fired in between is not missed.
            watch.alarm.waker.register(cx.waker());
            if watch.alarm.fired.load(Ordering::Acquire) {
                Poll::Ready(Err(Elapsed))
            } else {
                Poll::Pending
            }
        })
        .await
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock guards plain bookkeeping that no code path leaves half-done; a panic
        // elsewhere while holding it cannot corrupt it, so a poisoned lock is still usable.
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn watch(&self, deadline: Instant, runtime: &tokio::runtime::Handle) -> Watch<'_> {
        let alarm = Arc::new(Alarm::default());
        let mut state = self.lock();
        let key = state.watched.insert(Watched { deadline, alarm: alarm.clone() });
        state.quiet = false;
        match state.next_look {
            None => {
                state.generation += 1;
                state.next_look = Some(deadline);
                let generation = state.generation;
                drop(state);
                runtime.spawn(watcher(self.clone(), generation));
            }
            Some(next) if deadline < next => {
                state.next_look = Some(deadline);
                drop(state);
                self.shared.sooner.notify_one();
            }
            Some(_) => {}
        }
        Watch { dog: self, key, alarm }
    }

    /// One look: fires what is due; says when to look next, or `None` to stop.
    fn look(&self, generation: u64) -> Option<Instant> {
        let mut state = self.lock();
        if state.generation != generation {
            return None;
        }
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for (_, watched) in state.watched.iter() {
            if watched.alarm.fired.load(Ordering::Relaxed) {
                continue;
            }
            if watched.deadline <= now {
                watched.alarm.fire();
            } else {
                next = Some(next.map_or(watched.deadline, |n| n.min(watched.deadline)));
            }
        }
        let next = match next {
            Some(next) => next,
            None if state.quiet => {
                state.next_look = None;
                return None;
            }
            None => {
                state.quiet = true;
                now + LINGER
            }
        };
        state.next_look = Some(next);
        Some(next)
    }
}

/// The watcher task.
async fn watcher(dog: Watchdog, generation: u64) {
    /// Marks the watcher stopped however it ends, including its runtime shutting down.
    struct Stopped<'a>(&'a Watchdog, u64);
    impl Drop for Stopped<'_> {
        fn drop(&mut self) {
            let mut state = self.0.lock();
            if state.generation == self.1 {
                state.next_look = None;
            }
        }
    }
    let _stopped = Stopped(&dog, generation);
    let mut sleep = pin!(tokio::time::sleep(Duration::ZERO));
    while let Some(next) = dog.look(generation) {
        sleep.as_mut().reset(next);
        let sooner = dog.shared.sooner.notified();
        futures_util::future::select(sleep.as_mut(), pin!(sooner)).await;
    }
}

/// An attempt being watched; dropping it stops watching.
struct Watch<'a> {
    dog: &'a Watchdog,
    key: usize,
    alarm: Arc<Alarm>,
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        self.dog.lock().watched.remove(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::Instant;

    async fn slow(d: Duration) -> Duration {
        tokio::time::sleep(d).await;
        d
    }

    #[tokio::test]
    async fn an_attempt_in_time_is_not_touched_and_a_late_one_is_cut_at_its_limit() {
        let dog = Watchdog::default();
        assert_eq!(
            dog.run(Duration::from_secs(5), slow(Duration::from_millis(10))).await,
            Ok(Duration::from_millis(10))
        );
        let started = Instant::now();
        assert_eq!(
            dog.run(Duration::from_millis(50), slow(Duration::from_secs(5))).await,
            Err(Elapsed)
        );
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(50) && took < Duration::from_millis(1000),
            "{took:?}"
        );
        assert!(dog.lock().watched.is_empty(), "a finished attempt is no longer watched");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_attempts_each_get_their_own_limit() {
        let dog = Watchdog::default();
        // A long limit first (the watcher looks late), then shorter ones that must wake it.
        let limits = [1000, 40, 200, 120, 1000, 80];
        let started = Instant::now();
        let runs = limits.map(|ms| {
            let dog = dog.clone();
            tokio::spawn(async move {
                let r = dog.run(Duration::from_millis(ms), slow(Duration::from_secs(60))).await;
                (ms, r, started.elapsed())
            })
        });
        for run in runs {
            let (ms, result, took) = run.await.expect("task");
            assert_eq!(result, Err(Elapsed));
            assert!(took >= Duration::from_millis(ms), "{ms} ms limit cut after {took:?}");
            assert!(took < Duration::from_millis(ms + 500), "{ms} ms limit cut after {took:?}");
        }
    }

    #[test]
    fn the_watcher_comes_back_on_a_new_runtime_after_its_own_shut_down() {
        let dog = Watchdog::default();
        for _ in 0..3 {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("runtime");
            let result =
                rt.block_on(dog.run(Duration::from_millis(30), slow(Duration::from_secs(60))));
            assert_eq!(result, Err(Elapsed));
            drop(rt);
            assert_eq!(dog.lock().next_look, None, "the shut-down runtime's watcher is gone");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_watcher_stops_when_idle_and_starts_again() {
        let dog = Watchdog::default();
        dog.run(Duration::from_secs(30), async {}).await.expect("in time");
        assert!(dog.lock().next_look.is_some());
        // Two empty looks, a linger apart (paused time advances as the runtime idles).
        tokio::time::sleep(3 * LINGER).await;
        assert_eq!(dog.lock().next_look, None, "an idle watcher ends");
        assert_eq!(
            dog.run(Duration::from_millis(10), slow(Duration::from_secs(60))).await,
            Err(Elapsed)
        );
    }
}
