//! The application's shared state. What a request is for and which handler answers it is the
//! routing table's ([`crate::routes`]).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize};

use uuid::Uuid;

use crate::layers::record::Captured;
use crate::store::Store;

pub(crate) struct Shared {
    pub accounts: crate::layers::auth::Accounts,
    pub store: Mutex<Store>,
    /// Outcomes remembered for idempotent replay.
    pub replays: crate::layers::idempotency::Replays,
    pub faults: crate::layers::faults::Scripted,
    pub requests: Mutex<VecDeque<Captured>>,
    /// Requests received, numbering them for the recorder.
    pub arrivals: AtomicU64,
    pub connections: AtomicUsize,
    pub realm: Uuid,
    /// Signs continuation tokens, so a forged one is recognised.
    pub secret: u128,
    /// Requests a minute each partner may make, if limited.
    pub rate_limit: Option<crate::layers::rate_limit::Limiter>,
    /// `429` answers sent.
    pub throttled: AtomicUsize,
    /// Seeded random faults, if on.
    pub chaos: Option<crate::chaos::State>,
    /// Holds requests from a given arrival on (tests that stop a client at an event).
    pub gate: crate::gate::Gate,
    /// The admin routes' token; without one they do not exist.
    pub admin_token: Option<String>,
}
