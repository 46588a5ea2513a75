//! One pacer for the whole run: per documented resource (customers, orders), a rate limit every
//! request on it waits on (lists included), and a shared pause when Partner Center throttles
//! it, so no worker starts a request on that resource until the `Retry-After` has passed.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
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
    limiter: Option<DefaultDirectRateLimiter>,
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
            limiter: NonZeroU32::new(per_minute).and_then(|n| {
                let period = Duration::from_secs(60) / n.get();
                Quota::with_period(period).map(RateLimiter::direct)
            }),
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
        // A throttle may extend the pause while we sleep: look again after each sleep.
        while let Some(until) = self.paused_until() {
            tokio::time::sleep_until(until.into()).await;
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
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
    async fn the_rate_spaces_requests_evenly() {
        let pacer = RunPacer::new(1200); // one every 50 ms
        let started = Instant::now();
        for _ in 0..5 {
            pacer.ready().await;
        }
        assert!(started.elapsed() >= Duration::from_millis(195), "{:?}", started.elapsed());
    }
}
