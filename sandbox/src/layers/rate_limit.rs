//! The per-partner rate limit (optional): above it, `429` with `Retry-After` and the
//! throttling body, as Partner Center answers above its limits.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Response;
use axum::middleware::Next;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::RetryAfter;
use crate::app::Shared;
use crate::layers::auth::Partner;
use crate::layers::faults::throttled;

/// One token bucket per partner.
pub(crate) type Limiter = DefaultKeyedRateLimiter<usize>;

pub(crate) fn limiter(per_minute: NonZeroU32, burst: NonZeroU32) -> Limiter {
    RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst))
}

pub(crate) async fn layer(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response<Body> {
    let (Some(limiter), Some(partner)) = (&shared.rate_limit, req.extensions().get::<Partner>())
    else {
        return next.run(req).await;
    };
    match limiter.check_key(&partner.index) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            // Retry-After is whole seconds: round up, so a client that obeys it is let in.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            shared.throttled.fetch_add(1, Ordering::Relaxed);
            throttled(RetryAfter::Seconds(seconds.max(1)))
        }
    }
}
