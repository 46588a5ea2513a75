//! Idempotent replay for requests that change state (DELETE): a repeat of a partner's
//! `MS-RequestId` gets the original answer, within the bounds of [`crate::Idempotency`]; the
//! same id sent for another request is a `409`. Reads (GET) are safe to repeat and are not
//! replayed.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Response, StatusCode, header};
use axum::middleware::Next;

use crate::app::{Shared, routed};
use crate::layers::auth::Partner;
use crate::layers::ids::RequestId;
use crate::store::Outcome;
use crate::{answer, codes};

/// Remembered answers are Partner Center error objects or empty; anything larger is not kept.
const MAX_REMEMBERED_BODY: usize = 64 * 1024;

pub(crate) async fn layer(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response<Body> {
    let partner = req.extensions().get::<Partner>().copied();
    let request_id = req.extensions().get::<RequestId>().and_then(|r| r.0);
    let target = routed(&req).filter(|t| t.changes_state());
    let (Some(partner), Some(request_id), Some(target)) = (partner, request_id, target) else {
        return next.run(req).await;
    };

    let remembered = shared
        .store
        .lock()
        .ok()
        .and_then(|mut s| s.recall(partner.index, request_id, Instant::now()));
    if let Some(previous) = remembered {
        if previous.target != target {
            return answer::error(
                StatusCode::CONFLICT,
                codes::REQUEST_ID_REUSED,
                "This MS-RequestId was already used for another request; send a new one for a new call.",
            );
        }
        return replay(&previous);
    }

    let response = next.run(req).await;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_REMEMBERED_BODY).await else {
        return answer::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            500,
            "sandbox: answer too large to remember",
        );
    };
    let outcome = Outcome { target, status: parts.status, body: bytes.clone() };
    if let Ok(mut store) = shared.store.lock() {
        store.remember(partner.index, request_id, outcome, Instant::now());
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(previous: &Outcome) -> Response<Body> {
    if previous.body.is_empty() {
        let mut r = answer::no_content();
        *r.status_mut() = previous.status;
        return r;
    }
    let mut r = Response::new(Body::from(previous.body.clone()));
    *r.status_mut() = previous.status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    r
}
