//! The operator's view, for tests that run the sandbox as its own process: its state and its
//! request record as JSON, and the arrival gate. Under `/_sandbox/`, reachable only with the
//! admin token (`--admin-token`; absent, the routes do not exist), never with a partner's, and
//! neither recorded nor subject to faults.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, Response, StatusCode, header};
use serde_json::{Value, json};

use crate::shared::Shared;
use crate::{answer, gate};

/// The prefix of the admin routes.
pub const ADMIN_PREFIX: &str = "/_sandbox/";

/// How long `arrivals` waits before answering `408`.
const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// Whether `path` is an admin route (answered by [`answer`], not by the partner API).
pub(crate) fn is_admin(shared: &Shared, path: &str) -> bool {
    shared.admin_token.is_some() && path.starts_with(ADMIN_PREFIX)
}

pub(crate) async fn answer(shared: &Shared, req: Request) -> Response<Body> {
    let expected = shared.admin_token.as_deref().map(|t| format!("Bearer {t}"));
    let given = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if expected.is_none() || given != expected.as_deref() {
        return plain(StatusCode::UNAUTHORIZED, json!({ "error": "the admin token is required" }));
    }
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let route = req.uri().path().trim_start_matches(ADMIN_PREFIX);
    match (req.method(), route) {
        (&Method::GET, "requests") => plain(StatusCode::OK, requests(shared)),
        (&Method::GET, "state") => {
            let store = shared.store.lock().unwrap_or_else(|p| p.into_inner());
            plain(StatusCode::OK, store.snapshot())
        }
        (&Method::POST, "hold") => {
            let Some(from) = param("from").and_then(|f| f.parse::<u64>().ok()) else {
                return plain(StatusCode::BAD_REQUEST, json!({ "error": "from=N is required" }));
            };
            gate::hold_from(shared, from);
            plain(StatusCode::OK, json!({ "held_from": from }))
        }
        (&Method::GET, "arrivals") => {
            let Some(count) = param("at_least").and_then(|f| f.parse::<u64>().ok()) else {
                return plain(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": "at_least=N is required" }),
                );
            };
            if gate::arrivals(shared, count, WAIT_LIMIT).await {
                plain(StatusCode::OK, json!({ "arrived": count }))
            } else {
                let error = "that many requests did not arrive (within 60 s, or no hold is armed)";
                plain(StatusCode::REQUEST_TIMEOUT, json!({ "error": error }))
            }
        }
        (&Method::POST, "release") => {
            gate::release(shared);
            plain(StatusCode::OK, json!({ "released": true }))
        }
        _ => plain(StatusCode::NOT_FOUND, json!({ "error": "no such admin route" })),
    }
}

fn plain(status: StatusCode, body: Value) -> Response<Body> {
    answer::json(status, &body)
}

/// The request record, oldest first.
fn requests(shared: &Shared) -> Value {
    let requests = shared.requests.lock().unwrap_or_else(|p| p.into_inner());
    Value::Array(
        requests
            .iter()
            .map(|c| {
                let r = c.to_recorded();
                json!({
                    "method": r.method,
                    "path": r.path,
                    "status": r.status,
                    "body": r.body_text(),
                    "fault": r.fault,
                    "handled": r.handled,
                    "applied": r.applied(),
                    "version": r.version,
                })
            })
            .collect(),
    )
}
