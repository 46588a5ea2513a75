//! One pacer for the whole run: a rate limit every request waits on (lists included), and a
//! shared pause when Partner Center throttles, so no worker starts a request until the
//! `Retry-After` of any throttled answer has passed.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use partner_center_client::Pacer;

/// The run's pacer; see the module docs.
#[derive(Debug)]
pub struct RunPacer {
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
    /// Paces at `per_minute` requests a minute, evenly spaced (no bursts); 0 turns pacing off.
    pub fn new(per_minute: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute).and_then(|n| {
            let period = Duration::from_secs(60) / n.get();
            Quota::with_period(period).map(RateLimiter::direct)
        });
        Self { limiter, pause: Mutex::new(Pause::default()) }
    }

    /// The pauses so far.
    pub fn pauses(&self) -> Pause {
        self.pause.lock().map(|p| *p).unwrap_or_default()
    }

    fn paused_until(&self) -> Option<Instant> {
        self.pause.lock().ok().and_then(|p| p.until).filter(|&t| t > Instant::now())
    }
}

#[async_trait::async_trait]
impl Pacer for RunPacer {
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
    async fn the_rate_spaces_requests_evenly() {
        let pacer = RunPacer::new(1200); // one every 50 ms
        let started = Instant::now();
        for _ in 0..5 {
            pacer.ready().await;
        }
        assert!(started.elapsed() >= Duration::from_millis(195), "{:?}", started.elapsed());
    }
}
