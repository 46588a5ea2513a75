//! The application: shared state, the routes, and the middleware stack every route shares.

use std::collections::VecDeque;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, Response, StatusCode};
use axum::routing::{delete, get};
use uuid::Uuid;

use crate::layers::record::Captured;
use crate::ops;
use crate::store::Store;
use crate::{answer, codes};

pub(crate) struct Shared {
    pub accounts: crate::layers::auth::Accounts,
    pub store: Mutex<Store>,
    /// Outcomes remembered for idempotent replay.
    pub replays: crate::layers::idempotency::Replays,
    pub faults: crate::layers::faults::Scripted,
    pub requests: Mutex<VecDeque<Captured>>,
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

/// The operation a method and path are for (`None` for anything the sandbox does not serve).
pub(crate) fn target(method: &Method, path: &str) -> Option<Target> {
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

/// The routes, each a small handler. Every request reaches them through
/// [`crate::layers::request_wide`].
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/customers", get(ops::list::handler))
        .route("/v1/customers/{customer_tenant_id}", delete(ops::delete::handler))
        .fallback(not_found_path)
        .with_state(shared)
}

async fn not_found_path(_req: Request) -> Response<Body> {
    answer::error(StatusCode::NOT_FOUND, codes::NOT_FOUND, "Not found")
}
