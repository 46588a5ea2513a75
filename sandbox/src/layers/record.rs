//! Records every request (token redacted), keeping the most recent [`RECORDED_REQUESTS`].

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Response, header};
use axum::middleware::Next;

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

pub(crate) async fn layer(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response<Body> {
    let headers = req
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = if name == header::AUTHORIZATION {
                redact(value)
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_string(), value)
        })
        .collect();
    let recorded = RecordedRequest {
        method: req.method().to_string(),
        path: req.uri().path_and_query().map(ToString::to_string).unwrap_or_default(),
        headers,
        at: std::time::Instant::now(),
    };
    if let Ok(mut requests) = shared.requests.lock() {
        if requests.len() >= RECORDED_REQUESTS {
            requests.pop_front();
        }
        requests.push_back(recorded);
    }
    next.run(req).await
}

fn redact(value: &HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    match text.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <redacted>"),
        None => "<redacted>".to_string(),
    }
}
