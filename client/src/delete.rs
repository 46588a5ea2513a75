//! One delete call: ids, attempts, retries, the deadline and the call's tracing span.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use backon::{ExponentialBuilder, Retryable};
use tracing::{Instrument, field};
use uuid::Uuid;

use crate::answer::{CallIds, map_failure};
use crate::client::{Deleted, PartnerCenter};
use crate::customer_id::CustomerTenantId;
use crate::error::Error;
use crate::generated;
use crate::hooks::{CallContext, MAX_BODY_BYTES};

/// A pending `DELETE /v1/customers/{id}`; `.await` it.
#[must_use = "nothing is sent until the call is awaited"]
#[derive(Debug)]
pub struct DeleteCustomer<'a> {
    pc: &'a PartnerCenter,
    id: CustomerTenantId,
    correlation_id: Option<Uuid>,
}

impl<'a> DeleteCustomer<'a> {
    pub(crate) fn new(pc: &'a PartnerCenter, id: CustomerTenantId) -> Self {
        Self { pc, id, correlation_id: None }
    }

    /// Sends this `MS-CorrelationId` instead of a fresh one, to tie several calls together in
    /// Partner Center's logs.
    pub fn correlation_id(mut self, id: Uuid) -> Self {
        self.correlation_id = Some(id);
        self
    }

    /// Sends the call (same as awaiting it).
    pub async fn send(self) -> Result<Deleted, Error> {
        let ids = CallIds {
            request_id: Uuid::new_v4(),
            correlation_id: self.correlation_id.unwrap_or_else(Uuid::new_v4),
        };
        let span = tracing::info_span!(
            "partner_center.delete_customer",
            operation = "delete_customer",
            customer_id = %self.id,
            request_id = %ids.request_id,
            correlation_id = %ids.correlation_id,
            attempt = field::Empty,
            status = field::Empty,
            elapsed_ms = field::Empty,
        );
        run(self.pc, self.id, ids).instrument(span).await
    }
}

impl<'a> IntoFuture for DeleteCustomer<'a> {
    type Output = Result<Deleted, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

async fn run(pc: &PartnerCenter, id: CustomerTenantId, ids: CallIds) -> Result<Deleted, Error> {
    let policy = &pc.shared().retry;
    let started = Instant::now();
    // `None`: a deadline too far away to represent, i.e. none.
    let deadline = started.checked_add(policy.get_deadline());
    let attempts = AtomicU32::new(0);
    // Set once an attempt ended in a way that may have deleted the customer.
    let maybe_applied = AtomicBool::new(false);

    let attempt = || async {
        let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
        let span = tracing::Span::current();
        span.record("attempt", n);
        let result = attempt_once(pc, id, ids, n, started).await;
        match &result {
            Ok(_) => {
                span.record("status", 204);
            }
            Err(e) => {
                if let Some(status) = e.status() {
                    span.record("status", status.as_u16());
                }
            }
        }
        match result {
            Err(Error::Api(api)) if api.status == 404 && maybe_applied.load(Ordering::Relaxed) => {
                Err(Error::NotFoundAfterRetry(api))
            }
            Err(e) => {
                if may_have_applied(&e) {
                    maybe_applied.store(true, Ordering::Relaxed);
                }
                Err(e)
            }
            ok => ok,
        }
    };

    let backoff = ExponentialBuilder::default()
        .with_min_delay(policy.get_initial_backoff())
        .with_max_delay(policy.get_max_backoff())
        .with_max_times(policy.get_max_attempts().saturating_sub(1) as usize)
        .with_jitter();
    let retrying = attempt
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(Error::is_retryable)
        .adjust(|err, next| {
            // backon adds its jitter after its own ceiling; keep the documented one.
            let computed = next?.min(policy.get_max_backoff());
            let wait =
                err.retry_after().map_or(computed, |asked| asked.min(policy.get_max_retry_after()));
            // A wait that ends past the deadline would only postpone the same failure.
            let ends_in_time = match (Instant::now().checked_add(wait), deadline) {
                (_, None) => true,
                (Some(end), Some(deadline)) => end < deadline,
                (None, Some(_)) => false,
            };
            ends_in_time.then_some(wait)
        })
        .notify(|err, wait| {
            tracing::warn!(
                attempt = attempts.load(Ordering::Relaxed),
                wait_ms = wait.as_millis() as u64,
                error = %err,
                "retrying Partner Center call"
            );
        });

    let outcome = match tokio::time::timeout(policy.get_deadline(), retrying).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout {
            elapsed: started.elapsed(),
            request_id: ids.request_id,
            correlation_id: ids.correlation_id,
            attempts: attempts.load(Ordering::Relaxed),
        }),
    };
    let span = tracing::Span::current();
    span.record("elapsed_ms", started.elapsed().as_millis() as u64);
    outcome.map_err(|mut e| {
        e.set_attempts(attempts.load(Ordering::Relaxed));
        e
    })
}

/// Whether an attempt that failed like this may still have deleted the customer.
fn may_have_applied(err: &Error) -> bool {
    match err {
        Error::Api(api) => api.status.is_server_error(),
        Error::Timeout { .. } => true,
        // A refused connection never reached the server.
        Error::Transport { source, .. } => !source.is_connect(),
        _ => false,
    }
}

async fn attempt_once(
    pc: &PartnerCenter,
    id: CustomerTenantId,
    ids: CallIds,
    attempt: u32,
    started: Instant,
) -> Result<Deleted, Error> {
    let shared = pc.shared();
    let token = shared.tokens.token().await.map_err(|source| Error::Auth { source })?;
    let ctx =
        CallContext::new(token).with_limits(shared.retry.get_attempt_timeout(), MAX_BODY_BYTES);
    // A generated client per attempt carries that attempt's token; it shares the pool.
    let client =
        generated::Client::new_with_client(&shared.base_url, shared.http.clone(), ctx.clone());
    let sent = client
        .delete_customer()
        .customer_tenant_id(id.as_uuid())
        .ms_request_id(ids.request_id)
        .ms_correlation_id(ids.correlation_id)
        .ms_partner_center_application(shared.application.clone())
        .send()
        .await;
    match sent {
        Ok(response) => {
            let ids = ids.echoed_in(response.headers());
            Ok(Deleted {
                customer: id,
                request_id: ids.request_id,
                correlation_id: ids.correlation_id,
                attempts: attempt,
            })
        }
        Err(e) => Err(map_failure(e, &ctx, ids, attempt, started.elapsed()).await),
    }
}
