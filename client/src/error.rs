//! The one error type of the client, and the call record every network error carries.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use uuid::Uuid;

use crate::classify;
use crate::customer_id::ParseCustomerTenantIdError;
use crate::order_id::ParseOrderIdError;
use crate::token::BoxError;

/// What a call had done when it ended: the ids a support ticket needs, how many attempts it
/// made, how long it took, and whether an attempt may have taken effect on the server.
///
/// Carried once by every error that reached the network ([`Error::call`]) and by every
/// successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallInfo {
    pub(crate) request_id: Uuid,
    pub(crate) correlation_id: Uuid,
    pub(crate) attempts: u32,
    pub(crate) elapsed: Duration,
    pub(crate) may_have_applied: bool,
}

impl CallInfo {
    /// The context the fuzz targets' parser entry points (and unit tests) report with: one
    /// attempt, nil ids.
    #[cfg(any(fuzzing, test))]
    pub(crate) fn for_fuzzing() -> Self {
        Self {
            request_id: Uuid::nil(),
            correlation_id: Uuid::nil(),
            attempts: 1,
            elapsed: Duration::ZERO,
            may_have_applied: false,
        }
    }

    /// The call's `MS-RequestId` (as echoed by the server, else as sent). The same on every
    /// retry of the call.
    pub fn request_id(&self) -> Uuid {
        self.request_id
    }

    /// The call's `MS-CorrelationId` (as echoed by the server, else as sent).
    pub fn correlation_id(&self) -> Uuid {
        self.correlation_id
    }

    /// Attempts sent (1 without retries).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time spent on the whole call, waits between attempts included.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether an attempt ended in a way that may have changed state on the server anyway (a
    /// 5xx, a timeout, a connection lost after sending). See [`Error::NotFoundAfterRetry`].
    pub fn may_have_applied(&self) -> bool {
        self.may_have_applied
    }
}

impl fmt::Display for CallInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MS-RequestId {}, MS-CorrelationId {}", self.request_id, self.correlation_id)?;
        match self.attempts {
            0 => f.write_str(", nothing sent"),
            1 => f.write_str(", 1 attempt"),
            n => write!(f, ", {n} attempts"),
        }?;
        write!(f, ", {} ms", self.elapsed.as_millis())
    }
}

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
            Error::Auth { call, .. } => call.as_ref(),
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
            Error::Auth { call, .. } => call.as_mut(),
            _ => None,
        }
    }

    /// The HTTP status Partner Center answered with, if it answered with an error status.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(|e| e.status)
    }

    /// A plain 404: no such customer for this partner. Not true for
    /// [`Error::NotFoundAfterRetry`], which must be told apart.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api(e) if e.status == StatusCode::NOT_FOUND)
    }

    /// See [`Error::NotFoundAfterRetry`].
    pub fn is_not_found_after_retry(&self) -> bool {
        matches!(self, Error::NotFoundAfterRetry(_))
    }

    /// The customer no longer exists, whoever deleted it: a plain 404 or a 404 after retry.
    pub fn customer_is_gone(&self) -> bool {
        self.is_not_found() || self.is_not_found_after_retry()
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

/// A Partner Center error code: a number in most answers, text in some.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A numeric code such as `60003`.
    Number(i64),
    /// A textual code.
    Text(String),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Number(n) => write!(f, "{n}"),
            ErrorCode::Text(s) => f.write_str(s),
        }
    }
}

/// An error status from Partner Center, with everything its body and headers said.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: Option<ErrorCode>,
    pub(crate) description: Option<String>,
    pub(crate) component: Option<String>,
    pub(crate) data: Vec<serde_json::Value>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body_excerpt: Option<String>,
    pub(crate) body_truncated: bool,
    pub(crate) call: CallInfo,
    /// What to do about it, where this client knows better than the answer says.
    pub(crate) hint: Option<&'static str>,
}

impl ApiError {
    /// What to do about it, where the operation knows (for example, that listing
    /// entitlements needs App+User credentials); shown at the end of the message.
    pub fn hint(&self) -> Option<&str> {
        self.hint
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The Partner Center error code (absent for the throttling body and unparsable bodies).
    pub fn code(&self) -> Option<&ErrorCode> {
        self.code.as_ref()
    }

    /// The error's description (the throttling body's `message`).
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The component that reported it (the body's `source`), such as `PartnerFD`.
    pub fn component(&self) -> Option<&str> {
        self.component.as_deref()
    }

    /// Extra details some errors carry (the body's `data`).
    pub fn data(&self) -> &[serde_json::Value] {
        &self.data
    }

    /// `Retry-After`, in either of its forms, as a wait from when the answer arrived.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The start of a body that was not a Partner Center error object (at most
    /// [`MAX_EXCERPT_BYTES`](crate::MAX_EXCERPT_BYTES)).
    pub fn body_excerpt(&self) -> Option<&str> {
        self.body_excerpt.as_deref()
    }

    /// The body was longer than the client reads and was cut.
    pub fn is_body_truncated(&self) -> bool {
        self.body_truncated
    }

    /// The call: ids as echoed by the server (else as sent), attempts, elapsed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// The call's `MS-RequestId`.
    #[deprecated(
        since = "0.1.0",
        note = "use `.call().request_id()`: every result and error reaches its call the same way"
    )]
    pub fn request_id(&self) -> Uuid {
        self.call.request_id
    }

    /// The call's `MS-CorrelationId`.
    #[deprecated(
        since = "0.1.0",
        note = "use `.call().correlation_id()`: every result and error reaches its call the same way"
    )]
    pub fn correlation_id(&self) -> Uuid {
        self.call.correlation_id
    }

    /// Attempts made in the call.
    #[deprecated(
        since = "0.1.0",
        note = "use `.call().attempts()`: every result and error reaches its call the same way"
    )]
    pub fn attempts(&self) -> u32 {
        self.call.attempts
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Partner Center answered {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, ", code {code}")?;
        }
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        if let Some(component) = &self.component {
            write!(f, " (source {component})")?;
        }
        write!(
            f,
            " [MS-RequestId {}, MS-CorrelationId {}",
            self.call.request_id, self.call.correlation_id
        )?;
        if self.call.attempts > 1 {
            write!(f, ", after {} attempts", self.call.attempts)?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, ", Retry-After {}s", wait.as_secs())?;
        }
        f.write_str("]")?;
        if let Some(hint) = self.hint {
            write!(f, " — {hint}")?;
        }
        if let Some(excerpt) = &self.body_excerpt {
            let short: String = excerpt.chars().take(crate::answer::SHOWN_CHARS).collect();
            let more = if short.len() < excerpt.len() || self.body_truncated { "…" } else { "" };
            write!(f, "; body: {short:?}{more}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
