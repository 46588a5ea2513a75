//! What to do about a refusal, in one place: each hint's wording once, chosen by the operation,
//! the status and Partner Center's code. Partner Center's own reason comes first (a code every
//! operation shares), then what the operation knows; an error carries one hint at most, and
//! only where a document or a user's report supports it.

use reqwest::StatusCode;

use crate::codes;
use crate::customers::refusal::DeleteRefusal;
use crate::error::{ApiError, ErrorCode};

/// 403/20002 on any operation: the customer is another partner's.
pub(crate) const ANOTHER_PARTNERS_CUSTOMER: &str = "Partner Center says this partner has no commerce relationship with the customer: check the id, or sign in as the partner that owns it";

/// 403 to a listing of entitlements (not 20002): the page documents App+User only.
pub(crate) const APP_USER_ONLY: &str = "listing entitlements is documented as App+User only: sign in as a user (App+User credentials, such as `az login`), not with an app-only token";

/// 403/2032 to a delete: no document says why; one possibility is the account.
pub(crate) const MAYBE_NOT_TIP: &str = "Partner Center deletes customers only from a Testing in Production (integration sandbox) account: if this partner account is not one, use the TiP account's credentials";

/// The delete refused for active purchases ([`DeleteRefusal`]).
pub(crate) const ACTIVE_PURCHASES: &str = "the customer still holds purchases that block its deletion: cancel them first with the documented procedure (CustomerById::delete_with_purchases; CLI: --cancel-purchases)";

/// 403 to an Azure entitlement's cancel (not 20002): the page names the role it needs.
pub(crate) const ADMIN_AGENT: &str = "cancelling an Azure subscription needs a Global Administrator with the Admin Agent role in the partner's tenant (\"Cancel an Azure subscription\"): sign in as such a user";

/// The operations that have hints of their own. Public only so that the engine's
/// `Operation` can name it; this module is private, so no one outside the crate can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintsFor {
    /// No hint of its own.
    Nothing,
    /// `DELETE /v1/customers/{id}`.
    Delete,
    /// `GET /v1/customers/{id}/entitlements`.
    Entitlements,
    /// `POST …/azureEntitlements/{id}/cancel`.
    CancelAzureEntitlement,
}

/// The one hint for `api`, answered to an operation of kind `op`.
pub(crate) fn choose(op: HintsFor, api: &ApiError) -> Option<&'static str> {
    let code = api.code().and_then(ErrorCode::number);
    let status = api.status();
    if status == StatusCode::FORBIDDEN && code == Some(codes::NO_RELATIONSHIP) {
        return Some(ANOTHER_PARTNERS_CUSTOMER);
    }
    match op {
        HintsFor::Delete if is_purchases_refusal(api) => Some(ACTIVE_PURCHASES),
        HintsFor::Delete
            if status == StatusCode::FORBIDDEN && code == Some(codes::ACCESS_DENIED) =>
        {
            Some(MAYBE_NOT_TIP)
        }
        HintsFor::Entitlements if status == StatusCode::FORBIDDEN => Some(APP_USER_ONLY),
        HintsFor::CancelAzureEntitlement if status == StatusCode::FORBIDDEN => Some(ADMIN_AGENT),
        _ => None,
    }
}

fn is_purchases_refusal(api: &ApiError) -> bool {
    DeleteRefusal::of_api(api).is_some()
}
