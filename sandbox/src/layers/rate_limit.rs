//! The rate limit (optional), per partner and documented resource ([`Resource`]: Customer and
//! Order are each limited to 500 requests a minute): above it, `429` with `Retry-After` and
//! the throttling body, as Partner Center answers above its limits.

use std::num::NonZeroU32;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::RetryAfter;
use crate::layers::auth::Partner;
use crate::layers::faults::throttled;
use crate::routes::Resource;
use crate::shared::Shared;

/// One token bucket per partner and resource.
pub(crate) type Limiter = DefaultKeyedRateLimiter<(usize, Resource)>;

pub(crate) fn limiter(per_minute: NonZeroU32, burst: NonZeroU32) -> Limiter {
    RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst))
}

/// `Ok` if `partner` is under the limit of `resource` (or there is none), else the `429`.
pub(crate) fn check(
    shared: &Shared,
    partner: Partner,
    resource: Resource,
) -> Result<(), Response<Body>> {
    let Some(limiter) = &shared.rate_limit else { return Ok(()) };
    limiter.check_key(&(partner.index, resource)).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        // Retry-After is whole seconds: round up, so a client that obeys it is let in.
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        shared.throttled.fetch_add(1, Ordering::Relaxed);
        throttled(RetryAfter::Seconds(seconds.max(1)))
    })
}
