//! Fault injection: the next scripted fault that matches the request (its operation, its
//! customer) replaces or delays the answer. Runs before authentication, so a fault applies
//! to whatever request comes next.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::middleware::Next;
use serde_json::json;

use crate::app::{Shared, routed};
use crate::fault::{self, FaultKind};
use crate::{RetryAfter, answer};

/// Marks an answer that must not be sent: the connection is closed instead (see
/// [`crate::server`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

pub(crate) async fn layer(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response<Body> {
    let target = routed(&req);
    let taken = shared.faults.lock().ok().and_then(|mut f| fault::take(&mut f, target));
    match taken {
        Some(FaultKind::Drop) => {
            let mut r = Response::new(Body::empty());
            r.extensions_mut().insert(DropConnection);
            r
        }
        Some(FaultKind::Delay(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(FaultKind::Throttle(retry_after)) => {
            shared.throttled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            throttled(retry_after)
        }
        Some(FaultKind::ServerError(status)) => server_error(status),
        None => next.run(req).await,
    }
}

pub(crate) fn throttled(retry_after: RetryAfter) -> Response<Body> {
    let message =
        format!("Rate limit is exceeded. Try again in {} seconds.", retry_after.seconds());
    let mut r = answer::json(
        StatusCode::TOO_MANY_REQUESTS,
        &json!({ "statusCode": 429, "message": message }),
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after.header_value()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn server_error(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Server error");
    answer::error(
        status,
        i64::from(status.as_u16()),
        &format!("{reason} (injected by the sandbox)"),
    )
}
