#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod admin;
mod answer;
mod builder;
mod chaos;
pub mod codes;
mod customers;
mod entitlements;
mod fault;
mod gate;
mod handlers;
mod layers;
mod orders;
mod routes;
mod running;
mod seed;
mod server;
mod shared;
mod store;
mod subscriptions;
#[cfg(feature = "tls")]
mod tls;

use std::time::Duration;

pub use admin::ADMIN_PREFIX;

/// A host name the HTTPS sandbox's certificate also names (feature `tls`) and that is not
/// loopback to a client: a test resolves it to the sandbox's address (reqwest's
/// `ClientBuilder::resolve`) to try what a client does against a base URL that could be
/// Partner Center — the TiP-account check before a cancel, for one.
pub const NON_LOOPBACK_NAME: &str = "tip.partner-center.test";
pub use builder::SandboxBuilder;
pub use chaos::{BadChaos, Chaos};
pub use customers::continuation::CONTINUATION_LIFETIME;
pub use customers::delete::DeleteBlockers;
pub use customers::list::MAX_PAGE_SIZE;
pub use fault::{Fault, FaultKind, RetryAfter};
pub use layers::idempotency::Idempotency;
pub use layers::record::{RECORDED_REQUESTS, RecordedRequest};
pub use orders::carts::{CATALOG, MAX_SANDBOX_QUANTITY};
pub use orders::purchases::{
    CANCELLATION_WINDOW, DEFAULT_CANCELLATION_LATENCY, OrderSeed, ProductKind,
};
pub use routes::{Operation, Resource};
pub use running::Sandbox;
pub use subscriptions::model::{
    DEFAULT_AZURE_ENTITLEMENT_LATENCY, DEFAULT_SUBSCRIPTION_LATENCY,
    DOCUMENTED_AZURE_ENTITLEMENT_LATENCY, MARKETPLACE_CANCELLATION_WINDOW,
    NEW_COMMERCE_CANCELLATION_WINDOW, SubscriptionKind, SubscriptionSeed,
};

/// How long a created customer reads as not found by default
/// ([`SandboxBuilder::read_after_create_lag`]): long enough that a client which reads right
/// after creating meets it, short enough for tests.
pub const DEFAULT_READ_AFTER_CREATE_LAG: Duration = Duration::from_secs(1);

/// How long a bought order's entitlements take to appear by default
/// ([`SandboxBuilder::purchase_listing_lag`]).
pub const DEFAULT_PURCHASE_LISTING_LAG: Duration = Duration::from_secs(1);

/// The most customers a TiP (integration sandbox) account holds, as documented
/// ([`SandboxBuilder::customer_limit`]).
pub const TIP_CUSTOMER_LIMIT: usize = 75;

/// How long a connection may take to send a request's head (request line and headers),
/// counted from when the server starts waiting for it, idle keep-alive time included: a client
/// that sends its head byte by byte, or never finishes it, is disconnected after this.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A token that signs in `token`'s partner until `until` (to the second), then is refused with
/// `401` and "The access token has expired." — for testing that a client refreshes its token.
/// Whatever expiry the client is told (an `AccessToken`'s), the sandbox keeps this one, as a
/// server whose clock or revocation disagrees with the client's would.
///
/// ```
/// use std::time::{Duration, SystemTime};
///
/// let soon = SystemTime::now() + Duration::from_secs(60);
/// assert!(partner_center_sandbox::expiring_token("tip", soon).starts_with("tip~exp="));
/// ```
pub fn expiring_token(token: &str, until: std::time::SystemTime) -> String {
    let second = until.duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    format!("{token}{}{second}", layers::auth::EXPIRY_MARK)
}

/// The token of the partner [`SandboxBuilder::customers`] adds when none was configured.
pub const DEFAULT_TOKEN: &str = "sandbox-token";
