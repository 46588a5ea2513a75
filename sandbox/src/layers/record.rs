//! Records every request (token redacted), keeping the most recent [`RECORDED_REQUESTS`].

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};

use crate::app::Shared;

/// The most recent requests kept by the recorder; older ones are forgotten, so a long-running
/// sandbox does not grow without bound.
pub const RECORDED_REQUESTS: usize = 100_000;

/// One request as the sandbox saw it; the `Authorization` value is redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers in arrival order (lower-case names); `authorization` shows only its scheme.
    pub headers: Vec<(String, String)>,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// A request as captured on arrival: cheap to take (the header map shares its buffers with
/// the request), turned into a [`RecordedRequest`] only when someone reads it.
#[derive(Debug)]
pub(crate) struct Captured {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    at: std::time::Instant,
}

impl Captured {
    pub(crate) fn to_recorded(&self) -> RecordedRequest {
        RecordedRequest {
            method: self.method.to_string(),
            path: self.uri.path_and_query().map(ToString::to_string).unwrap_or_default(),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_string(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            at: self.at,
        }
    }
}

/// Records `req`, its token redacted at once (the secret is never kept).
pub(crate) fn capture(shared: &Shared, req: &Request) {
    let mut headers = req.headers().clone();
    if let Some(value) = headers.get_mut(header::AUTHORIZATION) {
        *value = redact(value);
    }
    let captured = Captured {
        method: req.method().clone(),
        uri: req.uri().clone(),
        headers,
        at: std::time::Instant::now(),
    };
    if let Ok(mut requests) = shared.requests.lock() {
        if requests.len() >= RECORDED_REQUESTS {
            requests.pop_front();
        }
        requests.push_back(captured);
    }
}

fn redact(value: &HeaderValue) -> HeaderValue {
    match value.as_bytes().iter().position(|&b| b == b' ') {
        Some(space) if value.as_bytes()[..space].eq_ignore_ascii_case(b"bearer") => {
            HeaderValue::from_static("Bearer <redacted>")
        }
        Some(space) => {
            let scheme = String::from_utf8_lossy(&value.as_bytes()[..space]);
            HeaderValue::from_str(&format!("{scheme} <redacted>"))
                .unwrap_or_else(|_| HeaderValue::from_static("<redacted>"))
        }
        None => HeaderValue::from_static("<redacted>"),
    }
}
