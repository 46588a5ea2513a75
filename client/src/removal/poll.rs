//! How the procedure waits for cancelled orders to read `cancelled`.

use std::time::Duration;

/// How the procedure waits for cancelled orders to read `cancelled`: a read of every pending
/// order each round, the pause between rounds growing from [`interval`](Self::interval) by
/// [`backoff`](Self::backoff) up to [`max_interval`](Self::max_interval), for at most
/// [`limit`](Self::limit) in all. Never forever.
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
    /// The first pause: the page's C# sample waits 5 s; the sandbox's cancellation latency is
    /// 2 s by default, so 1 s reads most orders on the second or third round.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
    /// Each pause is this much longer than the one before.
    pub const DEFAULT_BACKOFF: f64 = 1.5;
    /// The longest pause.
    pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(15);
    /// The longest wait in all, after which the procedure fails naming the orders still
    /// pending.
    pub const DEFAULT_LIMIT: Duration = Duration::from_secs(10 * 60);

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

    /// Sets the first pause.
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the growth factor (at least 1).
    pub fn with_backoff(mut self, factor: f64) -> Self {
        self.backoff = if factor.is_finite() { factor.max(1.0) } else { 1.0 };
        self
    }

    /// Sets the longest pause.
    pub fn with_max_interval(mut self, max: Duration) -> Self {
        self.max_interval = max;
        self
    }

    /// Sets the longest wait in all.
    pub fn with_limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    pub(super) fn next(&self, pause: Duration) -> Duration {
        pause.mul_f64(self.backoff).min(self.max_interval)
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
    }
}
