//! The HTTP side: the accept loop, the router, and `DELETE /v1/customers/{id}`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, Uri, header};
use axum::routing::delete;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::ServiceExt;
use uuid::Uuid;

use crate::fault::{self, Fault, FaultKind};
use crate::store::{Outcome, Store};

/// One request as the sandbox saw it; the `Authorization` value is redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers in arrival order (lower-case names); `authorization` shows only its scheme.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// The most recent requests kept by the recorder; older ones are forgotten, so a long-running
/// sandbox does not grow without bound.
pub const RECORDED_REQUESTS: usize = 100_000;

pub(crate) struct Shared {
    pub store: Mutex<Store>,
    pub faults: Mutex<Vec<Fault>>,
    pub requests: Mutex<VecDeque<RecordedRequest>>,
    pub connections: AtomicUsize,
    pub realm: Uuid,
}

/// Why a connection is closed without an answer.
#[derive(Debug, thiserror::Error)]
#[error("fault injection: connection dropped")]
struct Dropped;

/// Accepts connections until the task is aborted; aborting it also ends every connection.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let router = router(Arc::clone(&shared));
    let mut connections = JoinSet::new();
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors and the like: pause instead of spinning on the error.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        shared.connections.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let shared = Arc::clone(&shared);
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let router = router.clone();
                let shared = Arc::clone(&shared);
                async move {
                    let req = req.map(Body::new);
                    record(&shared, &req);
                    let customer = customer_in_path(req.uri().path());
                    let fault =
                        shared.faults.lock().ok().and_then(|mut f| fault::take(&mut f, customer));
                    match fault {
                        Some(FaultKind::Drop) => return Err(Dropped),
                        Some(FaultKind::Delay(d)) => tokio::time::sleep(d).await,
                        Some(FaultKind::Throttle(retry_after)) => {
                            return Ok(throttled(req.headers(), retry_after));
                        }
                        Some(FaultKind::ServerError(status)) => {
                            return Ok(server_error(req.headers(), status));
                        }
                        None => {}
                    }
                    let (request_id, correlation_id) = echo_ids(req.headers());
                    let response: Result<Response<Body>, Infallible> = router.oneshot(req).await;
                    let mut response = match response {
                        Ok(r) => r,
                        Err(never) => match never {},
                    };
                    // Answers axum makes itself (405) echo the ids like every other answer.
                    let h = response.headers_mut();
                    h.entry("ms-requestid").or_insert_with(|| uuid_value(request_id));
                    h.entry("ms-correlationid").or_insert_with(|| uuid_value(correlation_id));
                    Ok(response)
                }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
        });
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/customers/{customer_tenant_id}", delete(delete_customer))
        .fallback(not_found_path)
        .with_state(shared)
}

fn record(shared: &Shared, req: &Request<Body>) {
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
    };
    if let Ok(mut requests) = shared.requests.lock() {
        if requests.len() >= RECORDED_REQUESTS {
            requests.pop_front();
        }
        requests.push_back(recorded);
    }
}

fn redact(value: &HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    match text.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <redacted>"),
        None => "<redacted>".to_string(),
    }
}

fn customer_in_path(path: &str) -> Option<Uuid> {
    path.strip_prefix("/v1/customers/").and_then(|id| Uuid::try_parse(id).ok())
}

/// The ids a response echoes: the request's own when they are GUIDs, else fresh ones.
fn echo_ids(headers: &HeaderMap) -> (Uuid, Uuid) {
    let id = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| Uuid::try_parse(v.trim()).ok())
            .unwrap_or_else(Uuid::new_v4)
    };
    (id("ms-requestid"), id("ms-correlationid"))
}

fn respond(headers: &HeaderMap, status: u16, body: Option<serde_json::Value>) -> Response<Body> {
    let (request_id, correlation_id) = echo_ids(headers);
    let mut response = match &body {
        Some(json) => {
            let mut r = Response::new(Body::from(json.to_string()));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        None => Response::new(Body::empty()),
    };
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    h.insert(HeaderName::from_static("ms-requestid"), uuid_value(request_id));
    h.insert(HeaderName::from_static("ms-correlationid"), uuid_value(correlation_id));
    response
}

fn uuid_value(id: Uuid) -> HeaderValue {
    HeaderValue::from_str(&id.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn error_body(code: i64, description: &str) -> serde_json::Value {
    json!({ "code": code, "description": description, "data": [], "source": "PartnerFD" })
}

fn throttled(headers: &HeaderMap, retry_after: crate::RetryAfter) -> Response<Body> {
    let message =
        format!("Rate limit is exceeded. Try again in {} seconds.", retry_after.seconds());
    let mut r = respond(headers, 429, Some(json!({ "statusCode": 429, "message": message })));
    if let Ok(v) = HeaderValue::from_str(&retry_after.header_value()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn server_error(headers: &HeaderMap, status: u16) -> Response<Body> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Server error");
    respond(
        headers,
        status,
        Some(error_body(i64::from(status), &format!("{reason} (injected by the sandbox)"))),
    )
}

async fn not_found_path(req: Request<Body>) -> Response<Body> {
    respond(req.headers(), 404, Some(error_body(1000, "Not found")))
}

fn bad_request(headers: &HeaderMap, code: i64, description: &str) -> Response<Body> {
    respond(headers, 400, Some(error_body(code, description)))
}

async fn delete_customer(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    // The raw segment, not axum's `Path`, whose own rejection would be a text/plain 400.
    let raw_id = uri.path().rsplit('/').next().unwrap_or_default().to_string();
    // Authentication first, as the service does: a bad id without a token is a 401.
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    let partner =
        token.as_deref().and_then(|t| shared.store.lock().ok()?.partner_index_for_token(t));
    let Some(partner) = partner else {
        let description = if token.is_none() {
            "Partner Token missing in request context."
        } else {
            "The access token is not valid for this sandbox."
        };
        let mut r = respond(&headers, 401, Some(error_body(800001, description)));
        if let Ok(v) =
            HeaderValue::from_str(&format!("OAuth realm=urn:cpsvc:cpid:{}", shared.realm))
        {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        return r;
    };

    for name in ["ms-requestid", "ms-correlationid"] {
        if let Some(value) = headers.get(name) {
            let valid = value.to_str().ok().is_some_and(|v| Uuid::try_parse(v.trim()).is_ok());
            if !valid {
                let shown =
                    String::from_utf8_lossy(value.as_bytes()).chars().take(64).collect::<String>();
                return bad_request(
                    &headers,
                    400,
                    &format!("Invalid {name} header `{shown}`: expected a GUID."),
                );
            }
        }
    }
    let Ok(customer) = Uuid::try_parse(&raw_id) else {
        return bad_request(&headers, 900118, "Invalid Customer Id");
    };
    let request_id = headers
        .get("ms-requestid")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::try_parse(v.trim()).ok());

    let outcome = {
        let Ok(mut store) = shared.store.lock() else {
            return respond(&headers, 500, Some(error_body(500, "sandbox state is poisoned")));
        };
        let now = Instant::now();
        if let Some(previous) = request_id.and_then(|rid| store.recall(partner, rid, now)) {
            if previous.customer != customer {
                return respond(
                    &headers,
                    409,
                    Some(error_body(
                        409,
                        "This MS-RequestId was already used for another customer; send a new one for a new call.",
                    )),
                );
            }
            previous
        } else {
            let tip = store.partner(partner).is_some_and(|p| p.tip);
            let outcome = if !tip {
                Outcome {
                    customer,
                    status: 403,
                    body: Some(error_body(
                        2032,
                        "Access denied: customers can be deleted only from an integration sandbox (Testing in Production) account.",
                    )),
                }
            } else if store.delete(partner, customer) {
                Outcome { customer, status: 204, body: None }
            } else {
                Outcome {
                    customer,
                    status: 404,
                    body: Some(error_body(60003, "Tenant not found.")),
                }
            };
            if let Some(rid) = request_id {
                store.remember(partner, rid, outcome.clone(), now);
            }
            outcome
        }
    };
    respond(&headers, outcome.status, outcome.body)
}

/// Binds `addr` and serves in a background task; returns the bound address and the task.
pub(crate) async fn start(
    addr: SocketAddr,
    shared: Arc<Shared>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    Ok((bound, tokio::spawn(serve(listener, shared))))
}
