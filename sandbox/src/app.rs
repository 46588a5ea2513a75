//! The application: shared state, what a request is for ([`target`]), and which handler
//! answers it ([`answer`]).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::AtomicUsize;

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, Response, StatusCode, header};
use uuid::Uuid;

use crate::layers::auth::Partner;
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
        // HEAD is GET without the body (hyper leaves it out).
        (&Method::GET | &Method::HEAD, "") => {
            Some(Target { operation: Operation::ListCustomers, customer: None })
        }
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

/// The operation's handler answers a request the request-wide concerns let through.
pub(crate) fn answer(
    shared: &Shared,
    partner: Partner,
    target: Target,
    req: &Parts,
) -> Response<Body> {
    match target.operation {
        Operation::ListCustomers => ops::list::handle(shared, partner, req),
        Operation::DeleteCustomer => ops::delete::handle(shared, partner, req),
    }
}

/// The answer to a request that is for no operation: `405` with `Allow` on a path the sandbox
/// serves with other methods, `404` elsewhere.
pub(crate) fn not_served(path: &str) -> Response<Body> {
    let allow = match path.strip_prefix("/v1/customers") {
        Some("") => Some("GET,HEAD"),
        Some(id) if id.strip_prefix('/').is_some_and(|id| !id.is_empty() && !id.contains('/')) => {
            Some("DELETE")
        }
        _ => None,
    };
    match allow {
        Some(allow) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
            r
        }
        None => answer::error(StatusCode::NOT_FOUND, codes::NOT_FOUND, "Not found"),
    }
}
