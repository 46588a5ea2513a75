//! A running sandbox: its address, what it holds, what it received, and faults to script.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use uuid::Uuid;

use crate::builder::SandboxBuilder;
use crate::fault::Fault;
use crate::layers::{self, record::RecordedRequest};
use crate::shared::Shared;

/// A running sandbox. Dropping it stops the server and closes its connections.
pub struct Sandbox {
    pub(crate) addr: SocketAddr,
    pub(crate) shared: Arc<Shared>,
    pub(crate) task: tokio::task::JoinHandle<()>,
    /// The CA of its certificate, when it serves HTTPS.
    pub(crate) ca_pem: Option<String>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts configuring a sandbox.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The base URL to give the client, `http://127.0.0.1:PORT` (`https://` with
    /// [`tls`](SandboxBuilder::tls)).
    pub fn base_url(&self) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The PEM certificate of the authority that signed its certificate, when it serves
    /// HTTPS ([`SandboxBuilder::tls`]); `None` for plain HTTP.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds a customer to the partner that authenticates with `token`; `false` if no partner
    /// has that token.
    pub fn add_customer(&self, token: &str, customer: Uuid) -> bool {
        let Ok(partner) = self.shared.accounts.partner(token) else { return false };
        let Ok(mut store) = self.shared.store.lock() else { return false };
        store.add_customer(partner.index, customer, None);
        true
    }

    /// Whether `customer` still exists (for any partner).
    pub fn has_customer(&self, customer: Uuid) -> bool {
        self.shared.store.lock().is_ok_and(|s| s.has_customer(customer))
    }

    /// The customers of the partner with `token`, sorted.
    pub fn customers(&self, token: &str) -> Vec<Uuid> {
        let Ok(partner) = self.shared.accounts.partner(token) else { return Vec::new() };
        self.shared.store.lock().map(|s| s.customers_of(partner.index)).unwrap_or_default()
    }

    /// The ids of `customer`'s orders (any partner's), in the order they were seeded.
    pub fn orders(&self, customer: Uuid) -> Vec<String> {
        self.shared.store.lock().map(|s| s.order_ids(customer)).unwrap_or_default()
    }

    /// Whether `customer`'s order `order` reads `cancelled` now.
    pub fn order_is_cancelled(&self, customer: Uuid, order: &str) -> bool {
        self.shared.store.lock().is_ok_and(|s| s.order_is_cancelled(customer, order))
    }

    /// Each of `customer`'s subscriptions (any partner's), in the order seeded: its id and
    /// the status a read shows now (`active`, `suspended`, `deleted`).
    pub fn subscriptions(&self, customer: Uuid) -> Vec<(String, &'static str)> {
        self.shared.store.lock().map(|s| s.subscription_statuses(customer)).unwrap_or_default()
    }

    /// Scripts a fault; faults apply in the order they were added.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.push(fault);
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// The requests received so far, oldest first (the most recent [`RECORDED_REQUESTS`](crate::RECORDED_REQUESTS)).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .requests
            .lock()
            .map(|r| r.iter().map(layers::record::Captured::to_recorded).collect())
            .unwrap_or_default()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        if let Ok(mut r) = self.shared.requests.lock() {
            r.clear();
        }
    }

    /// `MS-RequestId`s remembered for idempotent replay now (bounded by
    /// [`SandboxBuilder::idempotency`]'s capacity, plus requests being answered).
    pub fn remembered(&self) -> usize {
        self.shared.replays.len()
    }

    /// `429` answers sent so far (by the rate limit or by throttle faults).
    pub fn throttled(&self) -> usize {
        self.shared.throttled.load(Ordering::Relaxed)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }
}
