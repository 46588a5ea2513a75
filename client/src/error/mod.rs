//! The one error type of the client ([`Error`]); the call record every network error carries
//! ([`call`]) and Partner Center's error answers ([`api`]) have modules of their own.

mod api;
mod call;
pub(crate) mod hints;

pub use api::{ApiError, ErrorCode};
pub use call::CallInfo;

use std::time::Duration;

use reqwest::StatusCode;
use uuid::Uuid;

use crate::codes;
use crate::customers::id::ParseCustomerTenantIdError;
use crate::engine::classify;
use crate::orders::id::ParseOrderIdError;
use crate::subscriptions::id::ParseSubscriptionIdError;
use crate::token::BoxError;

/// Everything that can go wrong in a call. Every variant that reached the network carries the
/// call's [`CallInfo`] (`MS-RequestId`, `MS-CorrelationId`, attempts, elapsed), which is what
/// a support ticket needs; no variant ever shows the access token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Partner Center answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// Partner Center answered 404 to a retry, after an earlier attempt of the same call (same
    /// `MS-RequestId`) ended in a way that may have deleted the customer already (a 5xx, a
    /// timeout or a connection lost after sending). The customer is gone, but whether this
    /// call deleted it is unknown.
    #[error("{0} — but an earlier attempt of this call may already have deleted the customer")]
    NotFoundAfterRetry(Box<ApiError>),

    /// The request could not be sent or the response not read.
    #[error("could not reach Partner Center ({call}): {}", chain_text(source))]
    Transport {
        /// The underlying HTTP error.
        source: reqwest::Error,
        /// The call so far.
        call: CallInfo,
    },

    /// The server's TLS certificate is not trusted (an unknown issuer, expired, another host's):
    /// not transient, so not retried. Nothing was sent.
    #[error(
        "the TLS certificate of {host} is not trusted: {reason} ({call}); trust its certificate authority (the CLI's --ca-cert FILE adds it to the system's roots; SSL_CERT_FILE replaces them), or give the client an HTTP client of your own (PartnerCenterBuilder::http_client)"
    )]
    Certificate {
        /// The host whose certificate was refused.
        host: String,
        /// Why, in words.
        reason: String,
        /// The underlying HTTP error (its source chain holds the TLS library's error).
        source: reqwest::Error,
        /// The call so far.
        call: CallInfo,
    },

    /// An attempt or the whole call ran out of time.
    #[error("Partner Center call timed out ({call})")]
    Timeout {
        /// The call so far; its `elapsed` is the whole call's, not only the last attempt's.
        call: CallInfo,
    },

    /// Partner Center answered with a success status, but the answer cannot be used: a body
    /// that does not match the spec, or a `next` link this client cannot follow.
    #[error("Partner Center's answer cannot be used: {message} ({call})")]
    InvalidAnswer {
        /// What is wrong with it (with a bounded excerpt of the body where that helps).
        message: String,
        /// The call.
        call: CallInfo,
    },

    /// The token provider failed, or gave a token that cannot be sent in a header. Never
    /// retried. On a first attempt nothing was sent and `call` is `None`; on a retry `call`
    /// says what the earlier attempts did, including whether one may already have applied.
    #[error("could not get a usable Partner Center access token: {source}{}", after(.call))]
    Auth {
        /// What went wrong (never the token itself).
        source: BoxError,
        /// The attempts sent before the token failed, if any.
        call: Option<CallInfo>,
    },

    /// The client was configured wrongly (builder settings); nothing was sent.
    #[error("invalid Partner Center client configuration: {message}")]
    InvalidConfig {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// An argument of one call is out of range (for example a page size); nothing was sent.
    #[error("invalid argument: {message}")]
    InvalidArgument {
        /// What is wrong and what is allowed.
        message: String,
    },

    /// A customer tenant id did not parse.
    #[error(transparent)]
    InvalidCustomerTenantId(#[from] ParseCustomerTenantIdError),

    /// An order id did not parse; nothing was sent.
    #[error(transparent)]
    InvalidOrderId(#[from] ParseOrderIdError),

    /// A subscription id did not parse; nothing was sent.
    #[error(transparent)]
    InvalidSubscriptionId(#[from] ParseSubscriptionIdError),

    /// A write that Partner Center would also carry out for a production partner (cancelling
    /// an order) was not sent, because the partner is not known to be a Testing in Production
    /// account: no TiP partner tenant was named
    /// ([`PartnerCenterBuilder::tip_partner_tenant`](crate::PartnerCenterBuilder::tip_partner_tenant)),
    /// or the access token is another tenant's. Nothing was sent.
    #[error(
        "refused to send {operation}: {reason}. This call would change a production partner's customers too, so it is sent only for a Testing in Production (integration sandbox) partner: name the TiP partner tenant with PartnerCenterBuilder::tip_partner_tenant (CLI: --tip-tenant or PARTNER_CENTER_TIP_TENANT) and use that tenant's credentials; {}",
        match call { Some(c) => format!("nothing more was sent (earlier attempts: {c})"), None => "nothing was sent".to_owned() }
    )]
    NotKnownTip {
        /// The operation refused, such as `a cancel of an order`.
        operation: &'static str,
        /// Why the partner is not known to be a TiP account (never the token).
        reason: String,
        /// Earlier attempts of the call, if the refusal came on a retry (a token that changed
        /// tenant); `None`: nothing was sent.
        call: Option<CallInfo>,
    },

    /// The caller's stop came before an attempt was sent (the delete procedure's
    /// [`stop_on`](crate::DeleteWithPurchases::stop_on) reaching a call that waited for its
    /// turn under the pacer or for a retry). `call` says what earlier attempts did, including
    /// whether one may already have applied; `None`: nothing was sent.
    #[error("stopped before sending{}", after(.call))]
    Stopped {
        /// Earlier attempts of the call, if any.
        call: Option<CallInfo>,
    },
}

/// An error and its causes on one line, `outer: inner: innermost`: the one way this crate shows
/// a cause chain. Each error's own text names its direct cause, except where a library's text
/// leaves it out (reqwest's "error sending request" hides "connection refused"), so a cause is
/// added only when the text so far does not already say it.
pub(crate) fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        let said = cause.to_string();
        if !said.is_empty() && !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        next = cause.source();
    }
    text
}

fn after(call: &Option<CallInfo>) -> String {
    call.map(|c| format!(" (after earlier attempts: {c})")).unwrap_or_default()
}

impl Error {
    /// The API error, for `Api` and `NotFoundAfterRetry`.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::NotFoundAfterRetry(e) => Some(e),
            _ => None,
        }
    }

    /// What the call had done, for every error that got as far as the network (and for an
    /// [`Error::Auth`] on a retry).
    pub fn call(&self) -> Option<&CallInfo> {
        match self {
            Error::Api(e) | Error::NotFoundAfterRetry(e) => Some(&e.call),
            Error::Transport { call, .. }
            | Error::Certificate { call, .. }
            | Error::Timeout { call }
            | Error::InvalidAnswer { call, .. } => Some(call),
            Error::Auth { call, .. }
            | Error::NotKnownTip { call, .. }
            | Error::Stopped { call } => call.as_ref(),
            _ => None,
        }
    }

    pub(crate) fn call_mut(&mut self) -> Option<&mut CallInfo> {
        match self {
            Error::Api(e) | Error::NotFoundAfterRetry(e) => Some(&mut e.call),
            Error::Transport { call, .. }
            | Error::Certificate { call, .. }
            | Error::Timeout { call }
            | Error::InvalidAnswer { call, .. } => Some(call),
            Error::Auth { call, .. }
            | Error::NotKnownTip { call, .. }
            | Error::Stopped { call } => call.as_mut(),
            _ => None,
        }
    }

    /// The same error without the hint it carried, for a message that says what to do itself.
    pub(crate) fn without_hint(self) -> Self {
        match self {
            Error::Api(mut api) => {
                api.hint = None;
                Error::Api(api)
            }
            other => other,
        }
    }

    /// The HTTP status Partner Center answered with, if it answered with an error status.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(|e| e.status)
    }

    /// A plain 404, whatever it says (a missing customer, a missing order, or a gateway's
    /// answer to a wrong route). Not true for [`Error::NotFoundAfterRetry`], which must be
    /// told apart. Whether the customer is gone is [`Error::customer_is_gone`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api(e) if e.status == StatusCode::NOT_FOUND)
    }

    /// See [`Error::NotFoundAfterRetry`].
    pub fn is_not_found_after_retry(&self) -> bool {
        matches!(self, Error::NotFoundAfterRetry(_))
    }

    /// Partner Center says the customer does not exist for this partner: a 404 (plain or after
    /// a retry) with its tenant-not-found code ([`codes::TENANT_NOT_FOUND`]). Any other 404 —
    /// a gateway's `{"statusCode":404,"message":"Resource not found"}` from a wrong route, an
    /// unknown order — is not: [`CustomerById::confirm_gone`](crate::CustomerById::confirm_gone)
    /// reads the customer to decide.
    pub fn customer_is_gone(&self) -> bool {
        self.api().is_some_and(|a| {
            a.status == StatusCode::NOT_FOUND && a.has_code(codes::TENANT_NOT_FOUND)
        })
    }

    /// 429: throttled (see [`ApiError::retry_after`]).
    pub fn is_throttled(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// 401 or 403, or the token provider failed.
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth { .. })
            || matches!(self.status(), Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN))
    }

    /// Whether the client retries this error (given attempts and time left); see
    /// [`RetryPolicy`](crate::RetryPolicy).
    pub fn is_retryable(&self) -> bool {
        classify::is_retryable(self)
    }

    /// The call's `MS-RequestId`, when the call got as far as sending.
    #[deprecated(
        since = "0.1.0",
        note = "use `.call().map(CallInfo::request_id)`: every result and error reaches its call the same way"
    )]
    pub fn request_id(&self) -> Option<Uuid> {
        self.call().map(CallInfo::request_id)
    }

    /// The call's `MS-CorrelationId`, when the call got as far as sending.
    #[deprecated(
        since = "0.1.0",
        note = "use `.call().map(CallInfo::correlation_id)`: every result and error reaches its call the same way"
    )]
    pub fn correlation_id(&self) -> Option<Uuid> {
        self.call().map(CallInfo::correlation_id)
    }

    /// Attempts sent, when the call got as far as sending.
    #[deprecated(
        since = "0.1.0",
        note = "use `.call().map(CallInfo::attempts)`: every result and error reaches its call the same way"
    )]
    pub fn attempts(&self) -> Option<u32> {
        self.call().map(CallInfo::attempts)
    }

    /// Whether an attempt may have taken effect despite this error (see [`CallInfo`]).
    pub fn may_have_applied(&self) -> bool {
        self.call().is_some_and(CallInfo::may_have_applied)
    }

    /// The server-requested wait, for a throttled or unavailable answer.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }
}
