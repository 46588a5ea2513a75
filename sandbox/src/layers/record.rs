//! Records every request (token redacted), keeping the most recent [`RECORDED_REQUESTS`]: its
//! head on arrival, then its body (for routes that take one) and the status it was answered
//! with once it is answered.

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};

use crate::shared::Shared;

/// The most recent requests kept by the recorder; older ones are forgotten, so a long-running
/// sandbox does not grow without bound.
pub const RECORDED_REQUESTS: usize = 100_000;

/// One request as the sandbox saw it; the `Authorization` value is redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers in arrival order (lower-case names); `authorization` shows only its scheme.
    pub headers: Vec<(String, String)>,
    /// When it arrived.
    pub at: std::time::Instant,
    /// The body, for the routes that read one (`PATCH`); empty otherwise.
    pub body: Vec<u8>,
    /// The status it was answered with; `None` while it is being answered, or when no answer
    /// was sent (a dropped connection, by a fault or by the client).
    pub status: Option<u16>,
    /// The HTTP version it came over: `HTTP/1.1`, or `HTTP/2.0` (HTTPS with ALPN `h2`).
    pub version: String,
    /// The fault it met, if any: `scripted:KIND` or `chaos:KIND` (`chaos:applied-then-dropped`:
    /// the operation ran, the answer was not sent).
    pub fault: Option<String>,
    /// Whether its operation's handler ran (not answered by a fault, a refusal or an
    /// idempotent replay). A state-changing request that was handled and answered 2xx — or
    /// handled and then dropped by chaos — changed the state.
    pub handled: bool,
}

impl RecordedRequest {
    /// The body as text (lossy).
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Whether it changed the sandbox's state: a `DELETE`, `PATCH` or `POST` whose handler ran
    /// and succeeded (its answer sent, or lost to `chaos:applied-then-dropped`).
    pub fn applied(&self) -> bool {
        let changes = self.method == "DELETE" || self.method == "PATCH" || self.method == "POST";
        let succeeded = match self.status {
            Some(status) => (200..300).contains(&status),
            None => self.fault.as_deref() == Some("chaos:applied-then-dropped"),
        };
        changes && self.handled && succeeded
    }
}

/// A request as captured on arrival: cheap to take (the header map shares its buffers with
/// the request), turned into a [`RecordedRequest`] only when someone reads it.
#[derive(Debug)]
pub(crate) struct Captured {
    /// Its place in arrival order, to find it again when it is answered.
    seq: u64,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    at: std::time::Instant,
    body: Bytes,
    status: Option<u16>,
    version: axum::http::Version,
    fault: Option<&'static str>,
    handled: bool,
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
            body: self.body.to_vec(),
            status: self.status,
            version: format!("{:?}", self.version),
            fault: self.fault.map(str::to_owned),
            handled: self.handled,
        }
    }
}

/// A captured request's place, for [`answered`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seq(pub(crate) u64);

/// Records `req`, its token redacted at once (the secret is never kept).
pub(crate) fn capture(shared: &Shared, req: &Request) -> Seq {
    let mut headers = req.headers().clone();
    if let Some(value) = headers.get_mut(header::AUTHORIZATION) {
        *value = redact(value);
    }
    let mut captured = Captured {
        seq: 0,
        method: req.method().clone(),
        uri: req.uri().clone(),
        headers,
        at: std::time::Instant::now(),
        body: Bytes::new(),
        status: None,
        version: req.version(),
        fault: None,
        handled: false,
    };
    let Ok(mut requests) = shared.requests.lock() else { return Seq(u64::MAX) };
    // Numbered under the lock, so the queue is in number order and [`answered`] finds a
    // request by arithmetic.
    let seq = shared.arrivals.fetch_add(1, Ordering::Relaxed);
    captured.seq = seq;
    if requests.len() >= RECORDED_REQUESTS {
        requests.pop_front();
    }
    requests.push_back(captured);
    Seq(seq)
}

/// How a request ended, for its record.
pub(crate) struct Ending {
    /// The body it sent, if its route read one.
    pub(crate) body: Bytes,
    /// The status it was answered with (`None`: no answer was sent).
    pub(crate) status: Option<u16>,
    pub(crate) fault: Option<&'static str>,
    pub(crate) handled: bool,
}

/// Completes the record of request `seq`.
pub(crate) fn answered(shared: &Shared, seq: Seq, ending: Ending) {
    let Ok(mut requests) = shared.requests.lock() else { return };
    let Some(first) = requests.front().map(|c| c.seq) else { return };
    // Forgotten already (the recorder is bounded) when it is before the first.
    let Some(index) = seq.0.checked_sub(first).and_then(|i| usize::try_from(i).ok()) else {
        return;
    };
    if let Some(c) = requests.get_mut(index).filter(|c| c.seq == seq.0) {
        c.body = ending.body;
        c.status = ending.status;
        c.fault = ending.fault;
        c.handled = ending.handled;
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
