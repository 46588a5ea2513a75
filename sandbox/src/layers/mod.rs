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

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{Response, StatusCode};

use std::sync::atomic::{AtomicBool, Ordering};

use crate::layers::faults::DropConnection;
use crate::shared::Shared;
use crate::{answer, chaos, codes, routes};

/// The largest request body a route reads; Partner Center's PATCH bodies are a few KiB.
pub(crate) const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// Every request, start to answer: the concerns in order, then the operation's handler
/// ([`routes::answer`]), or for a request that is for no operation (an unknown path, a method a
/// path does not serve) a `404` or `405` after recording and faults. Every answer echoes the
/// ids, and the recorder gets the body read and the status answered.
pub(crate) async fn request_wide(shared: &Shared, req: Request) -> Response<Body> {
    let seq = record::capture(shared, &req);
    crate::gate::arrived(shared, seq).await;
    let mut fault = None;
    let handled = AtomicBool::new(false);
    let (response, body) = concerns(shared, req, &mut fault, &handled).await;
    let status =
        response.extensions().get::<DropConnection>().is_none().then(|| response.status().as_u16());
    let ending = record::Ending { body, status, fault, handled: handled.load(Ordering::Relaxed) };
    record::answered(shared, seq, ending);
    response
}

/// A response that closes the connection unanswered.
fn dropped() -> Response<Body> {
    let mut r = Response::new(Body::empty());
    r.extensions_mut().insert(DropConnection);
    r
}

async fn concerns(
    shared: &Shared,
    req: Request,
    fault: &mut Option<&'static str>,
    handled: &AtomicBool,
) -> (Response<Body>, Bytes) {
    let call_ids = ids::Ids::of(&req);
    let target = routes::target(req.method(), req.uri().path());
    // The routes that take a body read it first, so the record has it whatever the answer;
    // the others are answered without waiting for one.
    let (req, body) = match target.filter(|t| t.route().takes_body) {
        Some(_) => {
            let (head, body) = req.into_parts();
            match to_bytes(body, MAX_REQUEST_BODY).await {
                Ok(bytes) => (Request::from_parts(head, Body::empty()), bytes),
                Err(_) => {
                    let refused = answer::error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        codes::INVALID_REQUEST_INPUT,
                        "The request body is too large, or was not sent whole.",
                    );
                    return (call_ids.onto(refused), Bytes::new());
                }
            }
        }
        None => (req, Bytes::new()),
    };
    // A scripted fault applies to whatever request comes next, before anything else looks at
    // it; chaos (seeded, on every route) to requests no scripted fault took.
    let mut delay = None;
    let mut drop_after = false;
    if let Some((name, effect)) = faults::take(shared, target) {
        *fault = Some(name);
        match effect {
            faults::Effect::Answer(response) => return (call_ids.onto(response), body),
            faults::Effect::Delay(wait) => delay = Some(wait),
        }
    } else if let Some(effect) = shared.chaos.as_ref().and_then(|chaos| {
        chaos.decide(
            req.method().as_str(),
            req.uri().path(),
            target.is_some_and(|t| t.changes_state()),
        )
    }) {
        *fault = Some(effect.name());
        match effect {
            chaos::Effect::Throttle => {
                shared.throttled.fetch_add(1, Ordering::Relaxed);
                return (call_ids.onto(faults::throttled(crate::RetryAfter::Seconds(1))), body);
            }
            chaos::Effect::ServerError(status) => {
                return (call_ids.onto(faults::server_error(status)), body);
            }
            chaos::Effect::Drop => return (dropped(), body),
            chaos::Effect::Delay(wait) => delay = Some(wait),
            chaos::Effect::AppliedThenDropped => drop_after = true,
        }
    }
    // A delayed request is slow where a slow server is: in its handler (for a delete, while
    // its `MS-RequestId` is claimed, so a client's retry meets it in flight).
    let slow = || async move {
        if let Some(wait) = delay {
            tokio::time::sleep(wait).await;
        }
    };
    let Some(target) = target else {
        slow().await;
        return (call_ids.onto(routes::not_served(req.uri().path())), body);
    };
    let partner = match auth::partner(shared, &req) {
        Ok(partner) => partner,
        Err(refused) => return (call_ids.onto(refused), body),
    };
    if let Err(throttled) = rate_limit::check(shared, partner, target.route().resource) {
        return (call_ids.onto(throttled), body);
    }
    let request_id = match call_ids.validate() {
        Ok(id) => id,
        Err(refused) => return (call_ids.onto(refused), body),
    };
    let (request, _) = req.into_parts();
    let handle = async {
        slow().await;
        handled.store(true, Ordering::Relaxed);
        routes::answer(shared, partner, target, &request, &body)
    };
    let response = match request_id {
        Some(id) if target.changes_state() => {
            idempotency::replayed(shared, partner.index, id, target, &request, &body, handle).await
        }
        _ => handle.await,
    };
    if drop_after {
        // The operation ran (and its outcome is kept for a replay); only the answer is lost.
        return (dropped(), body);
    }
    (call_ids.onto(response), body)
}
