//! Building answers: Partner Center's error object and JSON bodies.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::json;

/// A JSON answer.
pub(crate) fn json(status: StatusCode, body: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Partner Center's error object with `code` and `description`.
pub(crate) fn error(status: StatusCode, code: i64, description: &str) -> Response<Body> {
    json(
        status,
        &json!({ "code": code, "description": description, "data": [], "source": "PartnerFD" }),
    )
}

/// `204 No Content`.
pub(crate) fn no_content() -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}
