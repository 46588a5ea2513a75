//! `DELETE /v1/customers/{customer-tenant-id}`: refused while the customer has orders to cancel
//! (Reserved Instances, software) or an Azure plan.

use axum::body::Body;
use axum::http::{Response, StatusCode};

use crate::handlers::{customer_id, refused, with_store};
use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::store::Deletion;
use crate::{answer, codes};

pub(crate) fn handle(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    if !partner.tip {
        return answer::error(
            StatusCode::FORBIDDEN,
            codes::ACCESS_DENIED,
            "Access denied: customers can be deleted only from an integration sandbox (Testing in Production) account.",
        );
    }
    let outcome = match with_store(shared, |store| {
        let status = store.purchases_refusal.unwrap_or(StatusCode::CONFLICT);
        store.delete(partner.index, customer).map(|d| (d, status))
    }) {
        Ok(outcome) => outcome,
        Err(refusal) => return refusal,
    };
    match outcome {
        Err(lookup) => refused(lookup, partner, customer),
        Ok((Deletion::Deleted, _)) => answer::no_content(),
        // The wording users report from Partner Center (Partner-Center-PowerShell issue 215),
        // also when what blocks is not a reservation. Its status is not documented: 409 unless
        // the builder chose another.
        Ok((Deletion::ActivePurchases(orders), status)) => answer::error(
            status,
            codes::ACTIVE_PURCHASES,
            &format!(
                "Customer relationship cannot be removed due to active Azure reserved instances.Please cancel the following orders: {}",
                orders.join(", ")
            ),
        ),
    }
}
