//! One pacer for the whole run: per documented resource (customers, orders, subscriptions), a
//! rate limit every request on it waits on (lists included), and a shared pause when Partner
//! Center throttles it, so no worker starts a request on that resource until the `Retry-After`
//! has passed.
//!
//! Requests get their turn in the order they asked for it: each reserves the next free slot
//! of its resource. A first-come order is what lets a cleanup finish near the floor its limits
//! allow: customers looked up early start their waits (cancellations, subscriptions reading
//! ended) early, and a worker whose turn has come is never overtaken by one that asked later
//! (a rate limiter whose waiters race, such as `governor`'s `until_ready`, can leave a lookup
//! to the end of the run, and its waits then add to the run's length).

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use partner_center_client::{Pacer, Resource};

/// The run's pacer; see the module docs.
#[derive(Debug)]
pub struct RunPacer {
    /// One budget and one pause per documented resource, in [`Resource::ALL`]'s order.
    lanes: Vec<Lane>,
}

/// One resource's budget and pause.
#[derive(Debug)]
struct Lane {
    /// The spacing of requests (`None`: no pacing).
    period: Option<Duration>,
    /// The next free slot.
    next: Mutex<Instant>,
    pause: Mutex<Pause>,
}

/// Throttling pauses so far.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pause {
    until: Option<Instant>,
    /// Distinct pauses (a throttle while paused extends the pause instead).
    pub count: u32,
    /// Wall time spent paused.
    pub total: Duration,
}

impl RunPacer {
    /// Paces each documented resource at `per_minute` requests a minute, evenly spaced (no
    /// bursts); 0 turns pacing off.
    pub fn new(per_minute: u32) -> Self {
        let lane = || Lane {
            period: NonZeroU32::new(per_minute).map(|n| Duration::from_secs(60) / n.get()),
            next: Mutex::new(Instant::now()),
            pause: Mutex::new(Pause::default()),
        };
        Self { lanes: Resource::ALL.iter().map(|_| lane()).collect() }
    }

    /// The pauses so far, over every resource.
    pub fn pauses(&self) -> Pause {
        self.lanes.iter().fold(Pause::default(), |sum, lane| {
            let p = lane.pause.lock().map(|p| *p).unwrap_or_default();
            Pause { until: None, count: sum.count + p.count, total: sum.total + p.total }
        })
    }

    fn lane(&self, resource: Resource) -> &Lane {
        let i = Resource::ALL.iter().position(|r| *r == resource).unwrap_or(0);
        &self.lanes[i.min(self.lanes.len() - 1)]
    }
}

impl Lane {
    fn paused_until(&self) -> Option<Instant> {
        self.pause.lock().ok().and_then(|p| p.until).filter(|&t| t > Instant::now())
    }

    async fn ready(&self) {
        loop {
            // A throttle may extend the pause while we sleep: look again after each sleep.
            while let Some(until) = self.paused_until() {
                tokio::time::sleep_until(until.into()).await;
            }
            let Some(period) = self.period else { return };
            // Reserve the next slot now, in the order callers came; wait for it after.
            let slot = match self.next.lock() {
                Ok(mut next) => {
                    let slot = (*next).max(Instant::now());
                    *next = slot + period;
                    slot
                }
                Err(_) => Instant::now(),
            };
            tokio::time::sleep_until(slot.into()).await;
            // A throttle that came while this caller waited for its slot holds it back too:
            // it takes a new slot after the pause.
            if self.paused_until().is_none() {
                return;
            }
        }
    }

    fn throttled(&self, wait: Duration) {
        let now = Instant::now();
        let end = now + wait;
        if let Ok(mut pause) = self.pause.lock() {
            match pause.until {
                Some(until) if until > now => {
                    if end > until {
                        pause.total += end - until;
                        pause.until = Some(end);
                    }
                }
                _ => {
                    pause.count += 1;
                    pause.total += wait;
                    pause.until = Some(end);
                }
            }
        }
    }
}

/// A request on one resource waits for that resource's budget and pause only: a 429 on the
/// orders pauses every worker's order requests, not its customer requests.
#[async_trait::async_trait]
impl Pacer for RunPacer {
    async fn ready(&self) {
        self.ready_for(Resource::Customer).await;
    }

    fn throttled(&self, wait: Duration) {
        self.throttled_on(Resource::Customer, wait);
    }

    async fn ready_for(&self, resource: Resource) {
        self.lane(resource).ready().await;
    }

    fn throttled_on(&self, resource: Resource, wait: Duration) {
        self.lane(resource).throttled(wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_throttle_pauses_every_caller_and_overlapping_ones_count_once() {
        let pacer = RunPacer::new(0);
        pacer.throttled(Duration::from_millis(200));
        pacer.throttled(Duration::from_millis(300));
        let started = Instant::now();
        pacer.ready().await;
        assert!(started.elapsed() >= Duration::from_millis(290));
        let pauses = pacer.pauses();
        assert_eq!(pauses.count, 1);
        assert!(
            pauses.total >= Duration::from_millis(299) && pauses.total < Duration::from_millis(400)
        );
    }

    #[tokio::test]
    async fn each_resource_has_its_own_budget_and_pause() {
        let pacer = RunPacer::new(60); // one a second per resource
        pacer.ready_for(Resource::Customer).await;
        pacer.throttled_on(Resource::Customer, Duration::from_secs(60));
        let started = Instant::now();
        // Orders are neither paused nor spent by the customer requests.
        pacer.ready_for(Resource::Order).await;
        assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
        assert_eq!(pacer.pauses().count, 1);
    }

    #[tokio::test]
    async fn callers_get_their_turn_in_the_order_they_asked() {
        let pacer = std::sync::Arc::new(RunPacer::new(600)); // one every 100 ms
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..5 {
            let (pacer, order) = (std::sync::Arc::clone(&pacer), std::sync::Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                pacer.ready().await;
                order.lock().expect("order").push(i);
            }));
            // Each asks after the one before.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for t in tasks {
            t.await.expect("task");
        }
        assert_eq!(*order.lock().expect("order"), [0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn a_throttle_holds_back_callers_already_waiting_for_their_slot() {
        let pacer = std::sync::Arc::new(RunPacer::new(600)); // one every 100 ms
        pacer.ready().await;
        let waiting = {
            let pacer = std::sync::Arc::clone(&pacer);
            tokio::spawn(async move {
                pacer.ready().await;
                Instant::now()
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let throttled_at = Instant::now();
        pacer.throttled(Duration::from_millis(300));
        let went = waiting.await.expect("task");
        assert!(went >= throttled_at + Duration::from_millis(290), "sent during the pause");
    }

    #[tokio::test]
    async fn the_rate_spaces_requests_evenly() {
        let pacer = RunPacer::new(1200); // one every 50 ms
        let started = Instant::now();
        for _ in 0..5 {
            pacer.ready().await;
        }
        assert!(started.elapsed() >= Duration::from_millis(195), "{:?}", started.elapsed());
    }
}
