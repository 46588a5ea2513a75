//! The state every connection and request shares: the accounts, the store, and what the
//! request-wide concerns keep (the record, replays, faults, limits, the gate). What a request is
//! for and which handler answers it is the routing table's ([`crate::routes`]).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize};

use uuid::Uuid;

use crate::layers::record::Captured;
use crate::store::Store;

pub(crate) struct Shared {
    pub(crate) accounts: crate::layers::auth::Accounts,
    pub(crate) store: Mutex<Store>,
    /// Outcomes remembered for idempotent replay.
    pub(crate) replays: crate::layers::idempotency::Replays,
    pub(crate) faults: crate::layers::faults::Scripted,
    pub(crate) requests: Mutex<VecDeque<Captured>>,
    /// Requests received, numbering them for the recorder.
    pub(crate) arrivals: AtomicU64,
    pub(crate) connections: AtomicUsize,
    pub(crate) realm: Uuid,
    /// Signs continuation tokens, so a forged one is recognised.
    pub(crate) secret: u128,
    /// Requests a minute each partner may make, if limited.
    pub(crate) rate_limit: Option<crate::layers::rate_limit::Limiter>,
    /// `429` answers sent.
    pub(crate) throttled: AtomicUsize,
    /// Seeded random faults, if on.
    pub(crate) chaos: Option<crate::chaos::State>,
    /// Holds requests from a given arrival on (tests that stop a client at an event).
    pub(crate) gate: crate::gate::Gate,
    /// The admin routes' token; without one they do not exist.
    pub(crate) admin_token: Option<String>,
}
