//! Fault injection: the next scripted fault that matches the request (its operation, its
//! customer) replaces or delays the answer. Runs before authentication, so a fault applies
//! to whatever request comes next.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::json;

use crate::fault::{self, Fault, FaultKind};
use crate::routes::Target;
use crate::shared::Shared;
use crate::{RetryAfter, answer};

/// Marks an answer that must not be sent: the connection is closed instead (see
/// [`crate::server`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// What the next matching fault does to a request.
pub(crate) enum Effect {
    /// Answer with this instead.
    Answer(Response<Body>),
    /// Wait this long, then go on.
    Delay(std::time::Duration),
}

/// The scripted faults, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Scripted {
    faults: Mutex<Vec<Fault>>,
    /// Whether any is left: most requests meet no fault and need not take the lock.
    any: AtomicBool,
}

impl Scripted {
    pub(crate) fn push(&self, fault: Fault) {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        faults.push(fault);
        self.any.store(true, Ordering::Release);
    }

    pub(crate) fn clear(&self) {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        faults.clear();
        self.any.store(false, Ordering::Release);
    }

    fn take(&self, target: Option<Target>) -> Option<FaultKind> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        let taken = fault::take(&mut faults, target);
        self.any.store(!faults.is_empty(), Ordering::Release);
        taken
    }
}

/// Takes the next scripted fault that matches `target`, if any, with the name the request
/// record gives it.
pub(crate) fn take(shared: &Shared, target: Option<Target>) -> Option<(&'static str, Effect)> {
    let taken = shared.faults.take(target)?;
    Some(match taken {
        FaultKind::Drop => {
            let mut r = Response::new(Body::empty());
            r.extensions_mut().insert(DropConnection);
            ("scripted:drop", Effect::Answer(r))
        }
        FaultKind::Delay(d) => ("scripted:delay", Effect::Delay(d)),
        FaultKind::Throttle(retry_after) => {
            shared.throttled.fetch_add(1, Ordering::Relaxed);
            ("scripted:throttle", Effect::Answer(throttled(retry_after)))
        }
        FaultKind::ServerError(status) => ("scripted:error", Effect::Answer(server_error(status))),
        FaultKind::Refuse { status, code } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let description =
                crate::codes::description(code).unwrap_or("Refused (injected by the sandbox)");
            ("scripted:refusal", Effect::Answer(answer::error(status, code, description)))
        }
    })
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

pub(crate) fn server_error(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Server error");
    answer::error(
        status,
        i64::from(status.as_u16()),
        &format!("{reason} (injected by the sandbox)"),
    )
}
