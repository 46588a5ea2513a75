//! Partner Center error codes the sandbox answers with, named once (from Partner Center's
//! "REST error codes" page and the operation pages; see `openapi/SOURCES.md`). Tests match on
//! these names instead of repeating numbers.

/// 404: the path names no resource.
pub const NOT_FOUND: i64 = 1000;
/// 403: access denied; here, a delete by a partner that is not a TiP (integration sandbox)
/// account.
pub const ACCESS_DENIED: i64 = 2032;
/// 403: the customer is another partner's ("partner id {0} has no commerce relationship with
/// the customer id {1}").
pub const NO_RELATIONSHIP: i64 = 20002;
/// 409: active Azure reservations or software orders must be cancelled before the customer
/// can be deleted. Partner Center documents no code for it (users report the description
/// "Customer relationship cannot be removed due to active Azure reserved instances"); the
/// sandbox answers with the status as its code.
pub const ACTIVE_PURCHASES: i64 = 409;
/// 404: no such customer (tenant) for this partner.
pub const TENANT_NOT_FOUND: i64 = 60003;
/// 401: no usable partner token.
pub const PARTNER_TOKEN_MISSING: i64 = 800001;
/// 400: invalid request input; here, a malformed `MS-RequestId`/`MS-CorrelationId`, a page
/// size out of range, or a stale, forged or misplaced continuation token.
pub const INVALID_REQUEST_INPUT: i64 = 800002;
/// 409: the `MS-RequestId` was already used for another request (sandbox-specific wording;
/// Partner Center documents 409 for conflicts without a specific code).
pub const REQUEST_ID_REUSED: i64 = 409;
/// 400: the customer tenant id is not a GUID.
pub const INVALID_CUSTOMER_ID: i64 = 900118;
/// 403: a partner that is not an integration sandbox account may cancel only software orders
/// ("Non-Sandbox tenants are not allowed to cancel purchases other than software subscriptions
/// and perpetual software").
pub const NON_SANDBOX_CANCEL: i64 = 800019;
/// 409: a cancel of this order is still being processed ("Your order is in progress. Check
/// your order history for recent orders in few minutes").
pub const ORDER_IN_PROGRESS: i64 = 800060;
/// 400: the order cannot be cancelled ("Order cannot be canceled"); here, a `PATCH` asking for
/// a status other than `cancelled`.
pub const ORDER_CANNOT_BE_CANCELLED: i64 = 800061;
/// 404: no such order for this customer ("Order ID not found").
pub const ORDER_NOT_FOUND: i64 = 20000;
/// 400: the order is older than its cancellation window ("You have passed your 60-day
/// cancellation window").
pub const CANCELLATION_WINDOW_PASSED: i64 = 900117;
/// 404: no such subscription for this customer ("Subscription with ID {0} not found.").
pub const SUBSCRIPTION_NOT_FOUND: i64 = 20003;
/// 400: a deleted subscription cannot be updated ("Subscription with ID {0} and deleted status
/// can't be updated.").
pub const SUBSCRIPTION_DELETED: i64 = 2011;
/// 400: `If-Match` names a version of the subscription that is no longer current ("Etag is no
/// longer valid"). Partner Center's status list also has `412`; the sandbox answers with this
/// documented code.
pub const ETAG_NO_LONGER_VALID: i64 = 2055;
/// 400: the status cannot be changed this way ("Can't update the status for this
/// subscription"); here, cancelling (`deleted`) a legacy subscription, which is suspended
/// instead, or asking for a status an update cannot set.
pub const CANNOT_UPDATE_STATUS: i64 = 800096;
/// 409: "There is a pending operation on this subscription. Please try again after 24
/// hours." The sandbox never answers it on its own: inject it with
/// [`Fault::refusal`](crate::Fault::refusal).
pub const SUBSCRIPTION_PENDING_OPERATION: i64 = 900278;

/// 403: an Azure plan cannot be suspended while an Azure subscription (entitlement) or a
/// reservation of it is active.
pub const AZURE_PLAN_HAS_ACTIVE_USAGE: i64 = 900115;
/// 404: "Azure entitlement with ID {0} isn't found."
pub const AZURE_ENTITLEMENT_NOT_FOUND: i64 = 800111;
/// 400: "Cancellation reason '{0} is invalid."
pub const INVALID_CANCELLATION_REASON: i64 = 900307;

/// 400: "Customer details are missing" (a required field of a new customer is missing or
/// empty; the answer's `data` names it, as a reported answer does).
pub const CUSTOMER_DETAILS_MISSING: i64 = 2001;
/// 400: "A property has invalid data." (reported for a bad contact e-mail or state on a
/// create); here also the delete of a customer created with an invalid address.
pub const INVALID_PROPERTY: i64 = 27002;
/// 409: the domain of a new customer is in use ("The domain specified during customer
/// creation is already used by another tenant.", as reported). Neither status nor code is
/// documented: `409` is what the .NET SDK calls `AlreadyExists`, and the sandbox answers with
/// the status as its code.
pub const DOMAIN_IN_USE: i64 = 409;
/// 400: "Organization registration ID information is missing".
pub const ORGANIZATION_REGISTRATION_ID_MISSING: i64 = 600049;
/// 400: "Customer phone number is missing".
pub const PHONE_NUMBER_MISSING: i64 = 600051;
/// 400: "Organization registration ID value isn't supported" (sent for a country that takes
/// none).
pub const ORGANIZATION_REGISTRATION_ID_NOT_SUPPORTED: i64 = 600002;
/// 400: "The sandbox limit has been met" (the docs' generic sandbox-limit code; which answer
/// the 76th customer gets is not documented).
pub const SANDBOX_LIMIT_MET: i64 = 800018;

/// 400: "CatalogItemIdIsNotValid" (a cart line item's documented error code); here, an item
/// the sandbox does not sell.
pub const CATALOG_ITEM_ID_NOT_VALID: i64 = 10001;
/// 403: "The desired seat count exceeded the maximum seat count allowed per subscription"
/// (the sandbox's 25 licenses).
pub const SEAT_LIMIT_EXCEEDED: i64 = 800067;
/// 409: the cart was already checked out (no code is documented; the status as its code).
pub const CART_ALREADY_ORDERED: i64 = 409;

/// The documented description of `code`, where the sandbox knows one (for injected
/// refusals).
pub(crate) fn description(code: i64) -> Option<&'static str> {
    Some(match code {
        SUBSCRIPTION_PENDING_OPERATION => {
            "There is a pending operation on this subscription. Please try again after 24 hours."
        }
        CANCELLATION_WINDOW_PASSED => {
            "You have passed your 7-day cancellation window. We are unable to cancel your purchase"
        }
        SUBSCRIPTION_DELETED => "Subscription with ID and deleted status can't be updated.",
        _ => return None,
    })
}
