//! Test support shared by every test file: the sandbox and client set-ups (here), the ids
//! and tokens they use, and
//!
//! - [`scripted`]: a scripted HTTP/1.1 server on 127.0.0.1 that records what it receives, for
//!   answers the local sandbox cannot give (HTML bodies, oversized bodies, redirects, exact
//!   status sequences);
//! - [`fixtures`]: the test-only certificates and keys, and an HTTPS server using them;
//! - [`binary`]: a built binary run isolated from the machine (environment, `PATH`, stdin);
//! - [`identity`]: what the offline credential tests need: a local Microsoft Entra ID token
//!   endpoint over TLS, JWT-shaped test tokens, and fake `az`/`azd` tools.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub mod binary;
pub mod fixtures;
pub mod identity;
pub mod scripted;

pub use fixtures::{auth_fixture, auth_fixture_path, https_server, tls_fixture};
pub use scripted::{Reply, ScriptedServer, Seen};

/// A token for tests that talk to the scripted server (JWT-shaped, so it looks like one in
/// logs: the secrets test checks it never shows).
pub const TOKEN: &str = "eyJ0eXAi.secret-token-value.sig";

/// A `reqwest::ClientBuilder` for a test's own requests, after making sure rustls has its
/// crypto provider (the workspace builds reqwest without one: see
/// `partner_center_client::ensure_crypto_provider`).
pub fn http_builder() -> reqwest::ClientBuilder {
    partner_center_client::ensure_crypto_provider();
    reqwest::Client::builder()
}

/// A default `reqwest::Client` for a test's own requests (see [`http_builder`]).
pub fn http() -> reqwest::Client {
    http_builder().build().expect("a reqwest client")
}

/// A fixed, valid customer id, for tests where which customer does not matter.
pub fn customer_id() -> partner_center_client::CustomerTenantId {
    "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f".parse().expect("valid id")
}

/// `n` fresh customer ids.
pub fn ids(n: usize) -> Vec<uuid::Uuid> {
    (0..n).map(|_| uuid::Uuid::new_v4()).collect()
}

/// Seconds since the Unix epoch now, for token expiries.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("the clock is after 1970").as_secs()
}

/// The text of a documented example in `openapi/examples/` (`NAME.request.http`, ...).
pub fn example_text(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/examples").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// How many requests with `method` the sandbox has recorded.
pub fn requests_with(sandbox: &partner_center_sandbox::Sandbox, method: &str) -> usize {
    sandbox.requests().iter().filter(|r| r.method == method).count()
}

/// The token of the TiP partner in [`sandbox_with`].
pub const TIP: &str = "tip-token";
/// The token of the production (non-TiP) partner in [`sandbox_with`].
pub const PROD: &str = "production-token";

/// A sandbox with a TiP partner owning `customers` and a production partner owning
/// `prod_customers`.
pub async fn sandbox_with(
    customers: &[uuid::Uuid],
    prod_customers: &[uuid::Uuid],
) -> partner_center_sandbox::Sandbox {
    partner_center_sandbox::Sandbox::builder()
        .tip_partner(TIP)
        .customers(customers.iter().copied())
        .production_partner(PROD)
        .customers(prod_customers.iter().copied())
        .start()
        .await
        .expect("sandbox starts")
}

/// A sandbox whose only partner (TiP) signs in with `token` and has one customer: for tests
/// whose point is which token arrives.
pub async fn sandbox_accepting(token: &str) -> partner_center_sandbox::Sandbox {
    partner_center_sandbox::Sandbox::builder()
        .tip_partner(token)
        .customers([uuid::Uuid::new_v4()])
        .start()
        .await
        .expect("sandbox starts")
}

/// A client for `base_url` with `token` and `policy`.
pub fn client_for(
    base_url: &str,
    token: &str,
    policy: partner_center_client::RetryPolicy,
) -> partner_center_client::PartnerCenter {
    partner_center_client::PartnerCenter::builder()
        .base_url(base_url)
        .bearer_token(token)
        .retry_policy(policy)
        .build()
        .expect("client builds")
}

/// A client for `sandbox` with `token` and `policy`.
pub fn sandbox_client(
    sandbox: &partner_center_sandbox::Sandbox,
    token: &str,
    policy: partner_center_client::RetryPolicy,
) -> partner_center_client::PartnerCenter {
    client_for(&sandbox.base_url(), token, policy)
}

/// Retries with millisecond backoff, so tests spend no time waiting unless they mean to.
pub fn quick_retries() -> partner_center_client::RetryPolicy {
    partner_center_client::RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
        .with_attempt_timeout(Duration::from_secs(10))
        .with_deadline(Duration::from_secs(20))
}
