//! `DELETE /v1/customers/{customer-tenant-id}`: refused while the customer holds what
//! [`DeleteBlockers`] says blocks it (by default: orders to cancel, an Azure plan, an active
//! subscription).

use axum::body::Body;
use axum::http::{Response, StatusCode};

use crate::handlers::{customer_id, refused, with_store};
use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::store::Deletion;
use crate::{answer, codes};

/// What keeps a customer from being deleted. The docs do not say in full, so this is a rule
/// you can change; the default follows the evidence:
///
/// - **documented**: Azure Reserved Instance and software orders not yet cancelled ("Delete a
///   customer account from the integration sandbox");
/// - **reported**: an Azure plan until it is suspended (Partner-Center-PowerShell issue 215);
/// - **inferred**: any active subscription (removing a reseller relationship requires that none
///   is active, and in the sandbox that removal is the delete). A suspended or deleted one does
///   not block.
///
/// ```
/// use partner_center_sandbox::{DeleteBlockers, Sandbox};
///
/// // Only what the delete page documents.
/// let builder = Sandbox::builder().delete_blocked_by(DeleteBlockers::default().active_subscriptions(false));
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteBlockers {
    pub(crate) active_orders: bool,
    pub(crate) azure_plans: bool,
    pub(crate) active_subscriptions: bool,
    pub(crate) suspended_subscriptions: bool,
}

impl Default for DeleteBlockers {
    fn default() -> Self {
        Self {
            active_orders: true,
            azure_plans: true,
            active_subscriptions: true,
            suspended_subscriptions: false,
        }
    }
}

impl DeleteBlockers {
    /// Whether orders not yet cancelled block (documented; default on).
    pub fn active_orders(mut self, block: bool) -> Self {
        self.active_orders = block;
        self
    }

    /// Whether an Azure plan blocks (reported; default on).
    pub fn azure_plans(mut self, block: bool) -> Self {
        self.azure_plans = block;
        self
    }

    /// Whether an active subscription blocks (inferred; default on).
    pub fn active_subscriptions(mut self, block: bool) -> Self {
        self.active_subscriptions = block;
        self
    }

    /// Whether a suspended subscription blocks too (default off).
    pub fn suspended_subscriptions(mut self, block: bool) -> Self {
        self.suspended_subscriptions = block;
        self
    }
}

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
        // The docs say such a customer cannot be deleted; they name no answer for it.
        Ok((Deletion::InvalidAddress, _)) => answer::error(
            StatusCode::BAD_REQUEST,
            codes::INVALID_PROPERTY,
            "The customer was created with an address that did not validate: a sandbox customer created with an invalid address cannot be deleted.",
        ),
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
