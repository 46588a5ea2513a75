//! The application: shared state, the routes, and the middleware stack every route shares.

use std::collections::VecDeque;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, Response, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::routing::{delete, get};
use uuid::Uuid;

use crate::fault::Fault;
use crate::layers::record::RecordedRequest;
use crate::layers::{auth, faults, idempotency, ids, rate_limit, record};
use crate::ops;
use crate::store::Store;
use crate::{answer, codes};

pub(crate) struct Shared {
    pub store: Mutex<Store>,
    pub faults: Mutex<Vec<Fault>>,
    pub requests: Mutex<VecDeque<RecordedRequest>>,
    pub connections: AtomicUsize,
    pub realm: Uuid,
    /// Signs continuation tokens, so a forged one is recognised.
    pub secret: u128,
    /// Requests a minute each partner may make, if limited.
    pub rate_limit: Option<crate::layers::rate_limit::Limiter>,
    /// `429` answers sent.
    pub throttled: AtomicUsize,
}

/// The operations the sandbox serves, for faults that target one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /v1/customers`.
    ListCustomers,
    /// `DELETE /v1/customers/{customer-tenant-id}`.
    DeleteCustomer,
}

/// What a request is for: its operation and, where the path names one, its customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    pub operation: Operation,
    pub customer: Option<Uuid>,
}

impl Target {
    pub(crate) fn changes_state(&self) -> bool {
        matches!(self.operation, Operation::DeleteCustomer)
    }
}

/// What a request is for, worked out once per request by [`route`] and read by every later
/// layer.
pub(crate) fn routed(req: &Request) -> Option<Target> {
    req.extensions().get::<Routed>().and_then(|r| r.0)
}

#[derive(Debug, Clone, Copy)]
struct Routed(Option<Target>);

/// Works out what the request is for, once, for the layers after it.
async fn route(mut req: Request, next: Next) -> Response<Body> {
    let routed = Routed(target(req.method(), req.uri().path()));
    req.extensions_mut().insert(routed);
    next.run(req).await
}

/// The operation a method and path are for (`None` for anything the sandbox does not serve).
fn target(method: &Method, path: &str) -> Option<Target> {
    let rest = path.strip_prefix("/v1/customers")?;
    match (method, rest) {
        (&Method::GET, "") => Some(Target { operation: Operation::ListCustomers, customer: None }),
        (&Method::DELETE, id) => {
            let id = id.strip_prefix('/')?;
            (!id.is_empty() && !id.contains('/')).then(|| Target {
                operation: Operation::DeleteCustomer,
                customer: Uuid::try_parse(id).ok(),
            })
        }
        _ => None,
    }
}

/// The routes, each a small handler, under the shared middleware. Layers run outermost first:
/// record → echo ids → route → faults → authenticate → rate limit → validate ids → replay →
/// handler.
/// The last four
/// apply only to requests for an operation ([`target`]); anything else goes on to the router's
/// own `405` (with `Allow`) or `404`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/customers", get(ops::list::handler))
        .route("/v1/customers/{customer_tenant_id}", delete(ops::delete::handler))
        .fallback(not_found_path)
        .layer(from_fn_with_state(Arc::clone(&shared), idempotency::layer))
        .layer(from_fn(ids::validate))
        .layer(from_fn_with_state(Arc::clone(&shared), rate_limit::layer))
        .layer(from_fn_with_state(Arc::clone(&shared), auth::layer))
        .layer(from_fn_with_state(Arc::clone(&shared), faults::layer))
        .layer(from_fn(route))
        .layer(from_fn(ids::echo))
        .layer(from_fn_with_state(Arc::clone(&shared), record::layer))
        .with_state(shared)
}

async fn not_found_path(_req: Request) -> Response<Body> {
    answer::error(StatusCode::NOT_FOUND, codes::NOT_FOUND, "Not found")
}
