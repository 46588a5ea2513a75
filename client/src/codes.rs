//! Partner Center error codes this client (and its CLI) acts on, named once, from Partner
//! Center's "REST error codes" page and the operation pages (see `openapi/SOURCES.md`).
//!
//! The sandbox names its own (`partner_center_sandbox::codes`): it is the client's independent
//! check, so it does not borrow these; `tests/tests/suite/one_home.rs` holds the two together.

/// 403: access denied ("Access denied"). No document says why; for a delete, one possibility
/// is that the partner is not a Testing in Production (integration sandbox) account.
pub const ACCESS_DENIED: i64 = 2032;
/// 403: the customer is another partner's ("partner id … has no commerce relationship with the
/// customer id …").
pub const NO_RELATIONSHIP: i64 = 20002;
/// 404: no such customer (tenant) for this partner: for an order read, the customer is gone.
pub const TENANT_NOT_FOUND: i64 = 60003;
/// 404: no such order for this customer.
pub const ORDER_NOT_FOUND: i64 = 20000;
/// 409: "Your order is in progress. Check your order history for recent orders in few
/// minutes": the order is still being placed (or changed). Not an acceptance of a cancel: the
/// procedure reads the order and sends its cancel again once it has left that state.
pub const ORDER_IN_PROGRESS: i64 = 800060;
/// 409: "There is a pending adjustment requested for this order". Not an acceptance of a
/// cancel either: treated as [`ORDER_IN_PROGRESS`].
pub const ORDER_CHANGE_IN_PROGRESS: i64 = 800014;
/// 400: the order is past its 60-day cancellation window.
pub const CANCELLATION_WINDOW_PASSED: i64 = 900117;
/// 400: the subscription is past its cancellation window, counted in hours (marketplace and
/// new-commerce offers with an hour window); the day-counted one is
/// [`CANCELLATION_WINDOW_PASSED`]. Which of the two a late `deleted` update gets is not
/// documented: the procedure takes either as "past its window".
pub const CANCELLATION_WINDOW_PASSED_HOURS: i64 = 900213;
/// 400: "Subscription with ID {0} and deleted status can't be updated": it is already
/// cancelled.
pub const SUBSCRIPTION_DELETED: i64 = 2011;
/// 409: "There is a pending operation on this subscription. Please try again after 24 hours."
/// The procedure stops for that customer with that advice; any other 409 to a subscription
/// update (a renewal being processed: "resubmit after two minutes") is waited out.
pub const SUBSCRIPTION_PENDING_OPERATION: i64 = 900278;
/// 403: an Azure plan cannot be suspended while one of its Azure subscriptions (or a
/// reservation) is active. The procedure waits and sends the suspend again.
pub const AZURE_PLAN_HAS_ACTIVE_USAGE: i64 = 900115;
