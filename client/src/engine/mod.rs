//! The call engine: what every Partner Center call shares, written once.
//!
//! An operation ([`Operation`]) says only how to send one attempt with the generated client
//! and how to read a successful answer (and, if it must, how to reinterpret an error, as
//! delete does for a 404 after a possibly applied attempt). The engine does the rest: the
//! call's ids (a fresh `MS-RequestId` kept on every retry, the correlation id), the tracing
//! span, the pacer (if any), a token per attempt, the time budget (attempt timeout and
//! deadline), backoff with `Retry-After`, retry classification ([`crate::engine::classify`]), body
//! bounds and error mapping ([`crate::engine::answer`]).

pub(crate) mod answer;
pub(crate) mod classify;
pub(crate) mod ids;
pub(crate) mod pacer;
pub(crate) mod pending;
pub(crate) mod retry;
pub(crate) mod watchdog;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use progenitor_client::{ClientInfo, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use tracing::Instrument;
use uuid::Uuid;

use crate::client::{PartnerCenter, Shared};
use crate::engine::answer::map_failure;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::watchdog::Elapsed;
use crate::error::hints::{self, HintsFor};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};
use crate::hooks::CallContext;

/// What the generated client's `send()` returns.
pub type Sent<T> = Result<ResponseValue<T>, progenitor_client::Error<types::ErrorResponse>>;

/// One Partner Center operation, as the engine drives it. Public only so that [`Pending`]'s
/// bounds can name it: it lives in a private module, so no one outside the crate can name,
/// implement or call it.
///
/// [`Pending`]: crate::Pending
pub trait Operation: Sync {
    /// The body type of the success answer in the generated client (`()` for none).
    type Body: Send;
    /// What the caller gets.
    type Output;
    /// The most a success body may take; error bodies are bounded by
    /// [`MAX_BODY_BYTES`](crate::hooks::MAX_BODY_BYTES).
    const MAX_SUCCESS_BODY: usize;
    /// Whether the operation changes state on the server (a delete) or only reads (a list):
    /// only then can a failed attempt "may have applied".
    const CHANGES_STATE: bool;
    /// The documented resource whose rate limit it counts against (for the pacer).
    const RESOURCE: Resource;
    /// `Some(what it does)` for a write Partner Center would also carry out for a production
    /// partner (a cancel): sent only once the partner is known to be a Testing in Production
    /// account ([`crate::tip`]). A delete is not one: Partner Center refuses it outside TiP.
    const PRODUCTION_WRITE: Option<&'static str> = None;
    /// Which of [`crate::error::hints`]' hints its refusals may carry.
    const HINTS: HintsFor = HintsFor::Nothing;
    /// Whether a success answer's body holds a secret (a create's admin password): then an
    /// error about that body never quotes it.
    const SUCCESS_BODY_IS_SECRET: bool = false;

    /// The call's span, made with [`call_span!`] so every call has the same fields.
    fn span(&self, ids: CallIds) -> tracing::Span;

    /// Sends one attempt. The engine's hooks add credentials, ids and limits.
    fn send_attempt<'c>(
        &'c self,
        client: &'c generated::Client,
    ) -> impl Future<Output = Sent<Self::Body>> + Send + 'c;

    /// Reads a successful answer.
    fn read(
        &self,
        answer: ResponseValue<Self::Body>,
        call: CallInfo,
    ) -> Result<Self::Output, Error>;

    /// Gives an attempt's error another meaning where the operation needs one. `err.call()`
    /// says whether an earlier attempt may have applied.
    fn reinterpret(&self, err: Error) -> Error {
        err
    }
}

/// The span of one call: `name` must be a string literal (tracing names are static), then the
/// call's ids, then the operation's own fields. `attempt`, `status` and `elapsed_ms` are
/// filled in by the engine.
macro_rules! call_span {
    ($name:literal, $ids:expr $(, $($fields:tt)*)?) => {
        tracing::info_span!(
            $name,
            request_id = %$ids.request_id,
            correlation_id = %$ids.correlation_id,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
            $($($fields)*)?
        )
    };
}
pub(crate) use call_span;

/// Asked just before each attempt is sent (after the pacer's wait and the token): `false`
/// ends the call there with [`Error::Stopped`]. How a caller's stop reaches a call that is
/// waiting for its turn or for a retry (the delete procedure's `stop_on`).
pub(crate) type Gate<'g> = &'g (dyn Fn() -> bool + Sync);

/// Runs `op` as one call: a fresh `MS-RequestId`, `correlation_id` or a fresh one; each
/// attempt only if `gate` (when given) still allows it.
pub(crate) async fn call<O: Operation>(
    pc: &PartnerCenter,
    op: &O,
    correlation_id: Option<Uuid>,
    gate: Option<Gate<'_>>,
) -> Result<O::Output, Error> {
    let ids = CallIds::fresh(correlation_id);
    let span = op.span(ids);
    run(pc.shared(), op, ids, gate).instrument(span).await
}

async fn run<O: Operation>(
    shared: &Shared,
    op: &O,
    ids: CallIds,
    gate: Option<Gate<'_>>,
) -> Result<O::Output, Error> {
    let policy = &shared.retry;
    let budget = Budget::start(policy.attempt_timeout(), policy.deadline());
    let attempts = AtomicU32::new(0);
    // Set once an attempt ended in a way that may have changed state on the server.
    let maybe_applied = AtomicBool::new(false);
    // A `401` gets one more attempt, at once, when the token source gives another token (an
    // expired or revoked one the cache still thought good); set while that retry is due.
    let refreshed = AtomicBool::new(false);
    let retry_refused = AtomicBool::new(false);
    let call_so_far = |attempts: u32| CallInfo {
        request_id: ids.request_id,
        correlation_id: ids.correlation_id,
        attempts,
        elapsed: budget.elapsed(),
        may_have_applied: maybe_applied.load(Ordering::Relaxed),
    };

    let attempt = || async {
        let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
        let span = tracing::Span::current();
        span.record("attempt", n);
        let Attempt { result, sent, authorization } =
            attempt_once(shared, op, &budget, call_so_far(n), gate).await;
        match result {
            Ok((status, output)) => {
                span.record("status", status);
                Ok(output)
            }
            Err(err) => {
                if let Some(status) = err.status() {
                    span.record("status", status.as_u16());
                }
                if let (Some(pacer), true, Some(wait)) =
                    (&shared.pacer, err.is_throttled(), err.retry_after())
                {
                    pacer.throttled_on(O::RESOURCE, wait.min(policy.max_retry_after()));
                }
                if let (Some(StatusCode::UNAUTHORIZED), Some(refused)) =
                    (err.status(), &authorization)
                    && !refreshed.swap(true, Ordering::Relaxed)
                    && shared.tokens.refresh_after_refusal(refused).await
                {
                    tracing::info!("access token refused (401): retrying once with a fresh one");
                    retry_refused.store(true, Ordering::Relaxed);
                }
                let err = op.reinterpret(with_hint::<O>(err));
                // Only a sent request can have changed anything, and only if it could.
                if sent && O::CHANGES_STATE && classify::may_have_applied(&err) {
                    maybe_applied.store(true, Ordering::Relaxed);
                }
                Err(err)
            }
        }
    };

    let backoff = ExponentialBuilder::default()
        .with_min_delay(policy.initial_backoff())
        .with_max_delay(policy.max_backoff())
        .with_max_times(policy.max_attempts().saturating_sub(1) as usize)
        .with_jitter();
    let outcome = attempt
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|err| classify::is_retryable(err) || retry_refused.swap(false, Ordering::Relaxed))
        .adjust(|err, next| {
            // The refused token's retry goes at once: the new token is already in hand.
            if err.status() == Some(StatusCode::UNAUTHORIZED) {
                return next.map(|_| Duration::ZERO);
            }
            // backon adds its jitter after its own ceiling; keep the documented one.
            let computed = next?.min(policy.max_backoff());
            let wait =
                err.retry_after().map_or(computed, |asked| asked.min(policy.max_retry_after()));
            // A wait that ends past the deadline would only postpone the same failure.
            budget.allows_wait(wait).then_some(wait)
        })
        .notify(|err, wait| {
            tracing::warn!(
                attempt = attempts.load(Ordering::Relaxed),
                wait_ms = wait.as_millis() as u64,
                error = %err,
                "retrying Partner Center call"
            );
        })
        .await;

    tracing::Span::current().record("elapsed_ms", budget.elapsed().as_millis() as u64);
    outcome.map_err(|mut err| {
        let applied = maybe_applied.load(Ordering::Relaxed);
        if let Some(call) = err.call_mut() {
            // Ids stay as echoed and attempts as counted when the error was made; the time and
            // the "may have applied" verdict are the whole call's.
            call.elapsed = budget.elapsed();
            call.may_have_applied = applied;
        }
        err
    })
}

/// `err` with the one hint [`crate::error::hints`] gives for it on this operation.
fn with_hint<O: Operation>(err: Error) -> Error {
    match err {
        Error::Api(mut api) => {
            api.hint = hints::choose(O::HINTS, &api);
            Error::Api(api)
        }
        other => other,
    }
}

/// What one attempt came to, whether anything was sent, and the `Authorization` it sent.
struct Attempt<T> {
    result: Result<(u16, T), Error>,
    sent: bool,
    authorization: Option<HeaderValue>,
}

/// One attempt: the pacer, a token, a generated client carrying this attempt's context, the
/// send, and the answer read or mapped. The token and the send share one time limit: the
/// attempt timeout, or what is left of the deadline.
async fn attempt_once<O: Operation>(
    shared: &Shared,
    op: &O,
    budget: &Budget,
    call: CallInfo,
    gate: Option<Gate<'_>>,
) -> Attempt<O::Output> {
    // What the call had sent before this attempt, for an error that stops it before sending
    // (its elapsed time is set for the whole call when the call ends).
    let before = CallInfo { attempts: call.attempts - 1, ..call };
    let unsent = |error| Attempt { result: Err(error), sent: false, authorization: None };
    // A token failure carries the call's context only if something was sent before it.
    let auth = |source| Error::Auth { source, call: (before.attempts > 0).then_some(before) };
    if let Some(pacer) = &shared.pacer {
        pacer.ready_for(O::RESOURCE).await;
    }
    let Some(limit) = budget.attempt_limit() else {
        return unsent(Error::Timeout { call: before });
    };
    // A cached token is ready: no timer, and the whole limit is left for the request.
    let cached = shared.tokens.fresh();
    let attempt_end = if cached.is_some() { None } else { Instant::now().checked_add(limit) };
    let fetched = match cached {
        Some(value) => Ok(Ok(value)),
        None => tokio::time::timeout(limit, shared.tokens.authorization()).await,
    };
    let authorization = match fetched {
        Ok(Ok(value)) => value,
        Ok(Err(source)) => return unsent(auth(source)),
        Err(_) => {
            return unsent(auth(
                format!("the token provider did not answer within {limit:?}").into(),
            ));
        }
    };
    // A write production would carry out too goes only with a token of the named TiP tenant
    // (checked on the very token it would carry).
    if let Some(operation) = O::PRODUCTION_WRITE
        && let Err(reason) = shared.tip.allows(&authorization)
    {
        return unsent(Error::NotKnownTip {
            operation,
            reason,
            call: (before.attempts > 0).then_some(before),
        });
    }
    // The caller's stop, asked as late as possible: after the pacer's wait and the token.
    if gate.is_some_and(|may_send| !may_send()) {
        return unsent(Error::Stopped { call: (before.attempts > 0).then_some(before) });
    }
    let ctx = CallContext::with_authorization(authorization.clone());
    // What the token took comes out of the same limit.
    let left = attempt_end.map_or(limit, |end| end.saturating_duration_since(Instant::now()));
    if left.is_zero() {
        return unsent(Error::Timeout { call: before });
    }
    let ids = CallIds { request_id: call.request_id, correlation_id: call.correlation_id };
    let ctx = ctx.for_attempt(ids, &shared.application, O::MAX_SUCCESS_BODY);
    // A generated client per attempt carries that attempt's token; it shares the pool.
    let client = generated::Client::new_with_client(&shared.base_url, shared.http.clone(), ctx);
    // The limit covers the whole exchange: sending, the answer's body, an error's mapping.
    let exchange = async {
        match op.send_attempt(&client).await {
            Ok(answer) => {
                let status = answer.status().as_u16();
                let call =
                    CallInfo { elapsed: budget.elapsed(), ..call.echoed_in(answer.headers()) };
                op.read(answer, call).map(|output| (status, output))
            }
            Err(err) => {
                Err(map_failure(err, client.inner(), call, O::SUCCESS_BODY_IS_SECRET).await)
            }
        }
    };
    let result = match shared.watchdog.run(left, exchange).await {
        Ok(result) => result,
        Err(Elapsed) => Err(Error::Timeout { call }),
    };
    Attempt { result, sent: true, authorization: Some(authorization) }
}

/// The call's time budget, in one place: each attempt gets the attempt timeout or what is left
/// of the deadline, whichever is less, and a wait is taken only if it ends before the deadline.
struct Budget {
    started: Instant,
    attempt_timeout: Duration,
    /// `None`: a deadline too far away to represent, i.e. none.
    deadline: Option<Instant>,
}

impl Budget {
    fn start(attempt_timeout: Duration, deadline: Duration) -> Self {
        let started = Instant::now();
        Self { started, attempt_timeout, deadline: started.checked_add(deadline) }
    }

    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The time the next attempt may take; `None` when the deadline has passed.
    fn attempt_limit(&self) -> Option<Duration> {
        match self.deadline {
            None => Some(self.attempt_timeout),
            Some(deadline) => {
                let left = deadline.checked_duration_since(Instant::now())?;
                (!left.is_zero()).then(|| left.min(self.attempt_timeout))
            }
        }
    }

    fn allows_wait(&self, wait: Duration) -> bool {
        match (Instant::now().checked_add(wait), self.deadline) {
            (_, None) => true,
            (Some(end), Some(deadline)) => end < deadline,
            (None, Some(_)) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_gives_each_attempt_its_timeout_or_what_is_left_and_refuses_late_waits() {
        let roomy = Budget::start(Duration::from_secs(60), Duration::from_secs(180));
        assert_eq!(roomy.attempt_limit(), Some(Duration::from_secs(60)));
        assert!(roomy.allows_wait(Duration::from_secs(1)));
        assert!(!roomy.allows_wait(Duration::from_secs(181)));

        let tight = Budget::start(Duration::from_secs(60), Duration::from_secs(5));
        let limit = tight.attempt_limit().expect("time left");
        assert!(limit <= Duration::from_secs(5) && limit > Duration::from_secs(4), "{limit:?}");

        let spent = Budget::start(Duration::from_secs(60), Duration::ZERO);
        assert_eq!(spent.attempt_limit(), None, "past the deadline: no attempt");
        assert!(!spent.allows_wait(Duration::ZERO));

        let unbounded = Budget::start(Duration::from_secs(1), Duration::MAX);
        assert_eq!(unbounded.attempt_limit(), Some(Duration::from_secs(1)));
        assert!(unbounded.allows_wait(Duration::from_secs(3600)));
    }
}
