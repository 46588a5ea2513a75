//! When and how long to retry.

use std::time::Duration;

/// Retry and timeout settings for one call, given with
/// [`PartnerCenterBuilder::retry_policy`](crate::PartnerCenterBuilder::retry_policy). This is
/// the one place they are described; the crate's guide and the CLI's link here.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | `max_attempts` | 4 | attempts in all, the first included (3 retries, as the .NET SDK) |
/// | `initial_backoff` | 500 ms | first backoff; doubles each retry, with jitter (the `backon` crate) |
/// | `max_backoff` | 10 s | ceiling of one computed backoff, jitter included |
/// | `max_retry_after` | 60 s | ceiling on a server's `Retry-After` (the docs' example says 57 s) |
/// | `attempt_timeout` | 60 s | one attempt: the token, then connect to last body byte, together |
/// | `deadline` | 180 s | the whole call, waits included (the .NET SDK's 3-minute timeout) |
///
/// **Retried:** 429, 500, 502, 503, 504, connection and I/O failures and timeouts, always
/// under the same `MS-RequestId`, which makes a retried delete or cancel idempotent (a read
/// is always safe). `Retry-After` is honoured in delta-seconds and HTTP-date form, capped by
/// `max_retry_after`; without it the exponential backoff applies. A `401` is retried once, at
/// once, when the token source then gives a different token (one the server found expired or
/// revoked while the client's cache still held it; one refresh serves every call refused
/// meanwhile).
///
/// **Never retried:** any other status (400, 403, 404, 409, ...); redirect loops; token
/// failures (a token provider slower than the attempt's limit included:
/// [`Error::Auth`](crate::Error::Auth), nothing sent); answers that cannot be decoded or used
/// ([`Error::InvalidAnswer`](crate::Error::InvalidAnswer): they would fail the same way
/// again; for a delete or a cancel the success status means the server acted, so the call
/// says it may have applied). A token failure on a retry keeps the call's context, so the error still says which
/// `MS-RequestId`, how many attempts were sent and whether one may already have applied.
///
/// **Time:** each attempt is limited to `attempt_timeout` or what is left of `deadline`,
/// whichever is less, kept by one watcher task per client rather than a timer per request. A
/// wait that would end past the deadline is not taken: the last error is returned at once,
/// with its `retry_after`.
///
/// ```
/// use std::time::Duration;
/// use partner_center_client::RetryPolicy;
///
/// let policy = RetryPolicy::default().with_max_attempts(6).with_deadline(Duration::from_secs(30));
/// assert_eq!(policy.max_attempts(), 6);
/// assert_eq!(RetryPolicy::no_retries().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    attempt_timeout: Duration,
    deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            attempt_timeout: Duration::from_secs(60),
            deadline: Duration::from_secs(180),
        }
    }
}

impl RetryPolicy {
    /// One attempt only; timeouts as in the default.
    pub fn no_retries() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Attempts in all, at least 1.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first computed backoff.
    pub fn with_initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The ceiling of a computed backoff.
    pub fn with_max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The ceiling on a server-sent `Retry-After`.
    pub fn with_max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The limit on one attempt.
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The limit on the whole call.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Attempts in all.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The first computed backoff.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The ceiling of a computed backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The ceiling on a server-sent `Retry-After`.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The limit on one attempt.
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// The limit on the whole call.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }
}
