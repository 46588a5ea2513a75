//! What the handlers of operations on one customer share. There is one small handler per
//! operation, in its resource's module ([`crate::customers`], [`crate::orders`],
//! [`crate::entitlements`]), called through the routing table ([`crate::routes`]); what every
//! request shares runs before them ([`crate::layers`]).

// A refusal is the answer itself, moved once (as in `crate::layers`), so it is not boxed.
#![allow(clippy::result_large_err)]

use axum::body::Body;
use axum::http::{Response, StatusCode};
use uuid::Uuid;

use crate::layers::auth::Partner;
use crate::store::{Lookup, Store};
use crate::{answer, codes};

/// The customer a path names: an id that is not a GUID (or not even valid percent-encoding)
/// is Partner Center's JSON `400`.
pub(crate) fn customer_id(raw: &str) -> Result<Uuid, Response<Body>> {
    Uuid::try_parse(raw).map_err(|_| {
        answer::error(StatusCode::BAD_REQUEST, codes::INVALID_CUSTOMER_ID, "Invalid Customer Id")
    })
}

/// The answer when `customer` is not `partner`'s.
pub(crate) fn refused(lookup: Lookup, partner: Partner, customer: Uuid) -> Response<Body> {
    match lookup {
        Lookup::NotFound => {
            answer::error(StatusCode::NOT_FOUND, codes::TENANT_NOT_FOUND, "Tenant not found.")
        }
        Lookup::OtherPartner => answer::error(
            StatusCode::FORBIDDEN,
            codes::NO_RELATIONSHIP,
            &format!(
                "partner id {} has no commerce relationship with the customer id {customer}",
                partner.index
            ),
        ),
    }
}

/// Runs `f` on the store; a poisoned lock is a `500`.
pub(crate) fn with_store<T>(
    shared: &crate::shared::Shared,
    f: impl FnOnce(&mut Store) -> T,
) -> Result<T, Response<Body>> {
    match shared.store.lock() {
        Ok(mut store) => Ok(f(&mut store)),
        Err(_) => {
            Err(answer::error(StatusCode::INTERNAL_SERVER_ERROR, 500, "sandbox state is poisoned"))
        }
    }
}
