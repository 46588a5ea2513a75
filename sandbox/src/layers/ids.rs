//! `MS-RequestId` and `MS-CorrelationId`: every answer echoes them (generating any the request
//! lacked or sent malformed), and a request that sent a malformed one is refused with `400`
//! (after authentication, as the service does).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use uuid::Uuid;

use crate::{answer, codes};

const REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
const CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");

fn parsed(headers: &HeaderMap, name: &HeaderName) -> Option<Uuid> {
    headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| Uuid::try_parse(v.trim()).ok())
}

/// The ids an answer carries: the request's own, or fresh ones where it sent none (or
/// malformed ones).
#[derive(Debug, Clone)]
pub(crate) struct Echo {
    request_id: HeaderValue,
    correlation_id: HeaderValue,
}

impl Echo {
    /// Taken first, so that every answer echoes them, whoever made it (a fault, a `405`).
    pub(crate) fn of(req: &Request) -> Self {
        Self {
            request_id: echoed(req.headers(), &REQUEST_ID),
            correlation_id: echoed(req.headers(), &CORRELATION_ID),
        }
    }

    pub(crate) fn onto(self, mut response: Response<Body>) -> Response<Body> {
        let h = response.headers_mut();
        h.insert(REQUEST_ID, self.request_id);
        h.insert(CORRELATION_ID, self.correlation_id);
        response
    }
}

/// A valid id is sent back as it came (the value shares the request's buffer); a missing or
/// malformed one is replaced by a fresh GUID.
fn echoed(headers: &HeaderMap, name: &HeaderName) -> HeaderValue {
    match headers.get(name) {
        Some(v) if parsed(headers, name).is_some() => v.clone(),
        _ => value(Uuid::new_v4()),
    }
}

/// After authentication: a malformed id is a `400`; otherwise the request's `MS-RequestId`,
/// if it sent one (what idempotent replay is keyed on).
pub(crate) fn validate(req: &Request) -> Result<Option<Uuid>, Response<Body>> {
    for name in [&REQUEST_ID, &CORRELATION_ID] {
        if let Some(v) = req.headers().get(name)
            && parsed(req.headers(), name).is_none()
        {
            let shown: String = String::from_utf8_lossy(v.as_bytes()).chars().take(64).collect();
            return Err(answer::error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_REQUEST_INPUT,
                &format!("Invalid {name} header `{shown}`: expected a GUID."),
            ));
        }
    }
    Ok(parsed(req.headers(), &REQUEST_ID))
}

fn value(id: Uuid) -> HeaderValue {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = id.hyphenated().encode_lower(&mut buf);
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
