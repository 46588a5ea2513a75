//! `MS-RequestId` and `MS-CorrelationId`: every answer echoes them (generating any the request
//! lacked or sent malformed), and a request that sent a malformed one is refused with `400`
//! (after authentication, as the service does).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use axum::middleware::Next;
use uuid::Uuid;

use crate::app::routed;
use crate::{answer, codes};

const REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
const CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");

/// The request's `MS-RequestId`, when it sent a valid one (a request extension).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestId(pub Option<Uuid>);

fn parsed(headers: &HeaderMap, name: &HeaderName) -> Option<Uuid> {
    headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| Uuid::try_parse(v.trim()).ok())
}

/// Outermost: echo the ids on every answer, whoever made it (a fault, a 405 from the router).
pub(crate) async fn echo(req: Request, next: Next) -> Response<Body> {
    let request_id = parsed(req.headers(), &REQUEST_ID).unwrap_or_else(Uuid::new_v4);
    let correlation_id = parsed(req.headers(), &CORRELATION_ID).unwrap_or_else(Uuid::new_v4);
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(REQUEST_ID, value(request_id));
    h.insert(CORRELATION_ID, value(correlation_id));
    response
}

/// After authentication: refuse malformed ids, and hand the request id to what follows.
pub(crate) async fn validate(mut req: Request, next: Next) -> Response<Body> {
    if routed(&req).is_none() {
        return next.run(req).await;
    }
    for name in [&REQUEST_ID, &CORRELATION_ID] {
        if let Some(v) = req.headers().get(name)
            && parsed(req.headers(), name).is_none()
        {
            let shown: String = String::from_utf8_lossy(v.as_bytes()).chars().take(64).collect();
            return answer::error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_REQUEST_INPUT,
                &format!("Invalid {name} header `{shown}`: expected a GUID."),
            );
        }
    }
    let id = RequestId(parsed(req.headers(), &REQUEST_ID));
    req.extensions_mut().insert(id);
    next.run(req).await
}

fn value(id: Uuid) -> HeaderValue {
    HeaderValue::from_str(&id.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}
