//! Idempotent replay for requests that change state (DELETE, PATCH): a repeat of a partner's
//! `MS-RequestId` gets the original answer, within the bounds of [`Idempotency`]; the same id
//! sent for another request (another operation, path or body) is a `409`. Reads (GET) are
//! safe to repeat and are not replayed.
//!
//! A repeat that arrives while the original is still being answered waits for that answer
//! instead of being handled a second time (a client retrying after its own timeout can race
//! the server this way).

use std::collections::hash_map::Entry as Slot;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, to_bytes};
use axum::http::request::Parts;
use axum::http::{Response, StatusCode, header};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::routes::Target;
use crate::shared::Shared;
use crate::{answer, codes};

/// Remembered answers are Partner Center error objects or empty; anything larger is not kept.
const MAX_REMEMBERED_BODY: usize = 64 * 1024;

/// Bounds on the idempotency memory.
#[derive(Debug, Clone, Copy)]
pub struct Idempotency {
    /// How long an outcome is remembered.
    pub window: Duration,
    /// How many outcomes are remembered (oldest forgotten first).
    pub capacity: usize,
}

impl Default for Idempotency {
    fn default() -> Self {
        Self { window: Duration::from_secs(15 * 60), capacity: 100_000 }
    }
}

/// What a request was: a repeat with the same `MS-RequestId` is a retry only if it is the same
/// (operation, method and path, body); anything else reuses the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    target: Target,
    digest: u64,
}

impl Fingerprint {
    pub(crate) fn of(target: Target, head: &Parts, body: &[u8]) -> Self {
        use std::hash::{DefaultHasher, Hash, Hasher};
        // Within one process the hasher is the same for every request, which is all a
        // comparison between a request and its repeat needs.
        let mut h = DefaultHasher::new();
        head.method.as_str().hash(&mut h);
        head.uri.path_and_query().map(|p| p.as_str()).hash(&mut h);
        body.hash(&mut h);
        Self { target, digest: h.finish() }
    }
}

/// What a request came to, kept so a repeat with the same `MS-RequestId` gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// What the request was: a reused `MS-RequestId` for another request is not a retry.
    pub request: Fingerprint,
    pub status: StatusCode,
    pub body: Bytes,
    /// The answer's `Location` (a `202` to a subscription update names the subscription).
    pub location: Option<header::HeaderValue>,
}

/// A partner's request id.
type Key = (usize, Uuid);

enum Entry {
    /// Being answered now; a repeat waits for [`Memory::settled`].
    InFlight {
        request: Fingerprint,
    },
    Done {
        at: Instant,
        outcome: Outcome,
    },
}

/// The remembered outcomes, bounded in time and number.
pub(crate) struct Memory {
    bounds: Idempotency,
    entries: HashMap<Key, Entry>,
    /// When each outcome was remembered, oldest first; an entry whose time no longer matches
    /// the map is stale (the key was remembered again later).
    order: VecDeque<(Instant, Key)>,
    /// Repeats waiting for a request in flight; only then is [`Memory::settled`] notified.
    waiting: usize,
}

enum Begin {
    Replay(Outcome),
    InFlight(Fingerprint),
    Fresh,
}

impl Memory {
    pub(crate) fn new(bounds: Idempotency) -> Self {
        Self { bounds, entries: HashMap::new(), order: VecDeque::new(), waiting: 0 }
    }

    /// The outcome to replay, the request answering now, or (marked in flight) a fresh start.
    fn begin(&mut self, key: Key, request: Fingerprint, now: Instant) -> Begin {
        self.expire(now);
        match self.entries.entry(key) {
            Slot::Occupied(e) => match e.get() {
                Entry::Done { outcome, .. } => Begin::Replay(outcome.clone()),
                Entry::InFlight { request } => Begin::InFlight(*request),
            },
            Slot::Vacant(e) => {
                e.insert(Entry::InFlight { request });
                Begin::Fresh
            }
        }
    }

    /// A fresh request that ended without an answer (its connection closed): forget it, so a
    /// repeat is handled anew.
    fn abandon(&mut self, key: Key) {
        if matches!(self.entries.get(&key), Some(Entry::InFlight { .. })) {
            self.entries.remove(&key);
        }
    }

    fn remember(&mut self, key: Key, outcome: Outcome, now: Instant) {
        self.expire(now);
        self.abandon(key);
        if self.bounds.capacity == 0 {
            return;
        }
        // Make room only for a new key.
        while !self.entries.contains_key(&key) && self.entries.len() >= self.bounds.capacity {
            let Some((at, old)) = self.order.pop_front() else { break };
            self.forget_if_remembered_at(old, at);
        }
        self.entries.insert(key, Entry::Done { at: now, outcome });
        self.order.push_back((now, key));
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(at, key)) = self.order.front() {
            if now.duration_since(at) < self.bounds.window {
                break;
            }
            self.order.pop_front();
            self.forget_if_remembered_at(key, at);
        }
    }

    fn forget_if_remembered_at(&mut self, key: Key, at: Instant) {
        if matches!(self.entries.get(&key), Some(Entry::Done { at: t, .. }) if *t == at) {
            self.entries.remove(&key);
        }
    }

    /// Outcomes and in-flight requests held (what the capacity bounds).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The memory and what repeats wait on.
pub(crate) struct Replays {
    memory: Mutex<Memory>,
    /// Notified when a request in flight settles (answered or abandoned) while repeats wait.
    settled: Notify,
}

impl Replays {
    pub(crate) fn new(bounds: Idempotency) -> Self {
        Self { memory: Mutex::new(Memory::new(bounds)), settled: Notify::new() }
    }

    fn lock(&self) -> MutexGuard<'_, Memory> {
        // Every update leaves the memory consistent, so a panic elsewhere cannot poison it.
        self.memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Outcomes remembered and requests in flight.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Ends a claim: remembers its outcome, or (none: the request was abandoned) frees its key.
    fn settle(&self, key: Key, outcome: Option<Outcome>) {
        let mut memory = self.lock();
        match outcome {
            Some(outcome) => memory.remember(key, outcome, Instant::now()),
            None => memory.abandon(key),
        }
        if memory.waiting > 0 {
            self.settled.notify_waiters();
        }
    }
}

/// A repeat waiting for its original to settle.
struct Waiting<'a>(&'a Replays);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.lock().waiting -= 1;
    }
}

/// A fresh request's claim on its key; dropped without an outcome (the connection closed
/// while answering), it frees the key for a repeat.
struct Claim<'a> {
    replays: &'a Replays,
    key: Key,
    settled: bool,
}

impl Claim<'_> {
    fn settle(mut self, outcome: Outcome) {
        self.settled = true;
        self.replays.settle(self.key, Some(outcome));
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.replays.settle(self.key, None);
        }
    }
}

/// Answers a state-changing request with `answer`, or replays the answer its `MS-RequestId`
/// already had.
pub(crate) async fn replayed(
    shared: &Shared,
    partner: usize,
    request_id: Uuid,
    target: Target,
    head: &Parts,
    body: &[u8],
    answer: impl Future<Output = Response<Body>>,
) -> Response<Body> {
    let key = (partner, request_id);
    let request = Fingerprint::of(target, head, body);
    let replays = &shared.replays;
    let claim = loop {
        let settled = replays.settled.notified();
        let mut settled = pin!(settled);
        {
            let mut memory = replays.lock();
            match memory.begin(key, request, Instant::now()) {
                Begin::InFlight(other) | Begin::Replay(Outcome { request: other, .. })
                    if other != request =>
                {
                    return reused();
                }
                Begin::Replay(previous) => return replay(&previous),
                Begin::Fresh => break Claim { replays, key, settled: false },
                // Wait for the original to settle, then look again. Registered while the
                // lock is held, so a settling in between is not missed.
                Begin::InFlight(_) => {
                    settled.as_mut().enable();
                    memory.waiting += 1;
                }
            }
        }
        // Counted off however the wait ends (the waiting request's connection may close).
        let _waiting = Waiting(replays);
        settled.await;
    };
    let response = answer.await;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_REMEMBERED_BODY).await else {
        return answer::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            500,
            "sandbox: answer too large to remember",
        );
    };
    let location = parts.headers.get(header::LOCATION).cloned();
    claim.settle(Outcome { request, status: parts.status, body: bytes.clone(), location });
    Response::from_parts(parts, Body::from(bytes))
}

fn reused() -> Response<Body> {
    answer::error(
        StatusCode::CONFLICT,
        codes::REQUEST_ID_REUSED,
        "This MS-RequestId was already used for another request; send a new one for a new call.",
    )
}

fn replay(previous: &Outcome) -> Response<Body> {
    let mut r = if previous.body.is_empty() {
        answer::no_content()
    } else {
        let mut r = Response::new(Body::from(previous.body.clone()));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
        r
    };
    *r.status_mut() = previous.status;
    if let Some(location) = &previous.location {
        r.headers_mut().insert(header::LOCATION, location.clone());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: u16) -> Outcome {
        Outcome {
            request: request(),
            status: StatusCode::from_u16(status).expect("status"),
            body: Bytes::new(),
            location: None,
        }
    }

    fn request() -> Fingerprint {
        Fingerprint {
            target: Target { operation: crate::Operation::DeleteCustomer, customer: None },
            digest: 0,
        }
    }

    /// What a repeat would be answered with now, if anything (leaves nothing in flight).
    fn recall(memory: &mut Memory, key: Key, now: Instant) -> Option<Outcome> {
        match memory.begin(key, request(), now) {
            Begin::Replay(o) => Some(o),
            Begin::InFlight(..) => panic!("nothing is in flight in these tests"),
            Begin::Fresh => {
                memory.abandon(key);
                None
            }
        }
    }

    fn bounded() -> Memory {
        Memory::new(Idempotency { window: Duration::from_secs(10), capacity: 2 })
    }

    #[test]
    fn outcomes_are_forgotten_after_the_window_and_beyond_capacity() {
        let mut m = bounded();
        let t0 = Instant::now();
        let (a, b, c) = ((0, Uuid::new_v4()), (0, Uuid::new_v4()), (0, Uuid::new_v4()));
        m.remember(a, outcome(204), t0);
        m.remember(b, outcome(404), t0);
        assert_eq!(recall(&mut m, a, t0), Some(outcome(204)));
        m.remember(c, outcome(204), t0);
        assert_eq!(recall(&mut m, a, t0), None, "oldest forgotten at capacity");
        assert_eq!(recall(&mut m, b, t0), Some(outcome(404)));
        let later = t0 + Duration::from_secs(11);
        assert_eq!(recall(&mut m, b, later), None, "forgotten after the window");
    }

    #[test]
    fn remembering_a_key_again_keeps_it_and_evicts_nothing_else() {
        let mut m = bounded();
        let t0 = Instant::now();
        let (a, b) = ((0, Uuid::new_v4()), (0, Uuid::new_v4()));
        m.remember(a, outcome(500), t0);
        m.remember(b, outcome(404), t0);
        m.remember(a, outcome(204), t0 + Duration::from_secs(5));
        assert_eq!(recall(&mut m, a, t0 + Duration::from_secs(5)), Some(outcome(204)));
        assert_eq!(recall(&mut m, b, t0 + Duration::from_secs(5)), Some(outcome(404)));
        // The stale first entry for `a` expires without taking the fresh one with it.
        assert_eq!(recall(&mut m, a, t0 + Duration::from_secs(11)), Some(outcome(204)));
        assert_eq!(recall(&mut m, b, t0 + Duration::from_secs(11)), None);
    }

    #[test]
    fn outcomes_are_per_partner() {
        let mut m = Memory::new(Idempotency::default());
        let id = Uuid::new_v4();
        let now = Instant::now();
        m.remember((0, id), outcome(204), now);
        assert_eq!(recall(&mut m, (1, id), now), None);
    }

    #[test]
    fn a_repeat_of_a_request_in_flight_is_told_so_and_an_abandoned_one_frees_its_key() {
        let mut m = bounded();
        let key = (0, Uuid::new_v4());
        let now = Instant::now();
        assert!(matches!(m.begin(key, request(), now), Begin::Fresh));
        assert!(matches!(m.begin(key, request(), now), Begin::InFlight(t) if t == request()));
        // The original is abandoned: the key is free again.
        m.abandon(key);
        assert!(matches!(m.begin(key, request(), now), Begin::Fresh));
        assert_eq!(m.len(), 1);
    }
}
