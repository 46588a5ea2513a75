//! `DELETE /v1/customers/{customer-tenant-id}`.

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, StatusCode, Uri};
use uuid::Uuid;

use crate::app::Shared;
use crate::layers::auth::Partner;
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
    let deleted = shared.store.lock().is_ok_and(|mut s| s.delete(partner.index, customer));
    if deleted {
        answer::no_content()
    } else {
        answer::error(StatusCode::NOT_FOUND, codes::TENANT_NOT_FOUND, "Tenant not found.")
    }
}
