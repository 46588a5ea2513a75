//! `DELETE /v1/customers/{customer-tenant-id}`.

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, StatusCode, Uri};
use uuid::Uuid;

use crate::app::Shared;
use crate::layers::auth::Partner;
use crate::store::Deletion;
use crate::{answer, codes};

pub(crate) async fn handler(
    State(shared): State<Arc<Shared>>,
    Extension(partner): Extension<Partner>,
    uri: Uri,
) -> Response<Body> {
    // The raw segment, not axum's `Path`, whose own rejection would be a text/plain 400.
    let raw_id = uri.path().rsplit('/').next().unwrap_or_default();
    let Ok(customer) = Uuid::try_parse(raw_id) else {
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
