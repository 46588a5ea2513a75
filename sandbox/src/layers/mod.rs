//! What every request goes through, one module per concern, run in order by [`request_wide`]:
//! recording, id echo, fault injection, authentication, the per-partner rate limit, `MS-*`
//! header validation and idempotent replay.
//!
//! Why one function that calls each concern, and not a tower layer (axum `from_fn`) per
//! concern: each such layer costs a boxed future and a boxed service clone per request, which
//! together measured ~15 % of the sandbox's throughput (BENCHMARKS.md); and the order, which
//! matters (faults before authentication, authentication before validation), reads top to
//! bottom in one function instead of bottom to top in a builder chain.
//!
//! A concern that refuses a request returns the refusal (`Err(Response)`): it is the answer,
//! moved once, so it is not boxed.
#![allow(clippy::result_large_err)]

pub(crate) mod auth;
pub(crate) mod faults;
pub(crate) mod idempotency;
pub(crate) mod ids;
pub(crate) mod rate_limit;
pub(crate) mod record;

use axum::body::Body;
use axum::extract::Request;
use axum::http::Response;

use crate::app::{self, Shared};

/// Every request, start to answer: the concerns in order, then the operation's handler
/// ([`app::answer`]), or for a request that is for no operation (an unknown path, a method a
/// path does not serve) a `404` or `405` after recording and faults. Every answer echoes the
/// ids.
pub(crate) async fn request_wide(shared: &Shared, req: Request) -> Response<Body> {
    record::capture(shared, &req);
    let call_ids = ids::Ids::of(&req);
    let target = app::target(req.method(), req.uri().path());
    // A fault applies to whatever request comes next, before anything else looks at it.
    let delay = match faults::take(shared, target) {
        Some(faults::Effect::Answer(response)) => return call_ids.onto(response),
        Some(faults::Effect::Delay(wait)) => Some(wait),
        None => None,
    };
    // A delayed request is slow where a slow server is: in its handler (for a delete, while
    // its `MS-RequestId` is claimed, so a client's retry meets it in flight).
    let slow = || async move {
        if let Some(wait) = delay {
            tokio::time::sleep(wait).await;
        }
    };
    let Some(target) = target else {
        slow().await;
        return call_ids.onto(app::not_served(req.uri().path()));
    };
    let partner = match auth::partner(shared, &req) {
        Ok(partner) => partner,
        Err(refused) => return call_ids.onto(refused),
    };
    if let Err(throttled) = rate_limit::check(shared, partner) {
        return call_ids.onto(throttled);
    }
    let request_id = match call_ids.validate() {
        Ok(id) => id,
        Err(refused) => return call_ids.onto(refused),
    };
    // The body is not needed (no operation takes one), and without it the request can be
    // held across the wait.
    let (request, _body) = req.into_parts();
    let handle = async {
        slow().await;
        app::answer(shared, partner, target, &request)
    };
    let response = match request_id {
        Some(id) if target.changes_state() => {
            idempotency::replayed(shared, partner.index, id, target, handle).await
        }
        _ => handle.await,
    };
    call_ids.onto(response)
}
