//! `DELETE /v1/customers/{customer-tenant-id}`.

use axum::body::Body;
use axum::http::{Response, StatusCode};
use uuid::Uuid;

use crate::app::Shared;
use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::store::Deletion;
use crate::{answer, codes};

pub(crate) fn handle(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    // The raw path segment: an id that is not a GUID (or not even valid percent-encoding) is
    // Partner Center's JSON 400.
    let Ok(customer) = Uuid::try_parse(req.customer) else {
        return answer::error(
            StatusCode::BAD_REQUEST,
            codes::INVALID_CUSTOMER_ID,
            "Invalid Customer Id",
        );
    };
    if !partner.tip {
        return answer::error(
            StatusCode::FORBIDDEN,
            codes::ACCESS_DENIED,
            "Access denied: customers can be deleted only from an integration sandbox (Testing in Production) account.",
        );
    }
    let outcome = match shared.store.lock() {
        Ok(mut store) => store.delete(partner.index, customer),
        Err(_) => {
            return answer::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                500,
                "sandbox state is poisoned",
            );
        }
    };
    match outcome {
        Deletion::Deleted => answer::no_content(),
        Deletion::NotFound => {
            answer::error(StatusCode::NOT_FOUND, codes::TENANT_NOT_FOUND, "Tenant not found.")
        }
        Deletion::OtherPartner => answer::error(
            StatusCode::FORBIDDEN,
            codes::NO_RELATIONSHIP,
            &format!(
                "partner id {} has no commerce relationship with the customer id {customer}",
                partner.index
            ),
        ),
        Deletion::ActivePurchases => answer::error(
            StatusCode::CONFLICT,
            codes::ACTIVE_PURCHASES,
            "Customer relationship cannot be removed due to active Azure reserved instances. \
             Please cancel the following orders: sandbox-order-0001.",
        ),
    }
}
