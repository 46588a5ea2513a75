//! The one error type of the client.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use uuid::Uuid;

use crate::customer_id::ParseCustomerTenantIdError;
use crate::token::BoxError;

/// Everything that can go wrong in a call. Every variant that reached the network carries the
/// call's `MS-RequestId` and `MS-CorrelationId`, which is what a support ticket needs; no
/// variant ever shows the access token.
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
    #[error(
        "could not reach Partner Center (MS-RequestId {request_id}, MS-CorrelationId {correlation_id}, attempt {attempts}): {source}"
    )]
    Transport {
        /// The underlying HTTP error.
        source: reqwest::Error,
        /// The call's `MS-RequestId`.
        request_id: Uuid,
        /// The call's `MS-CorrelationId`.
        correlation_id: Uuid,
        /// Attempts made.
        attempts: u32,
    },

    /// An attempt or the whole call ran out of time.
    #[error(
        "Partner Center call timed out after {elapsed:?} (MS-RequestId {request_id}, MS-CorrelationId {correlation_id}, attempt {attempts})"
    )]
    Timeout {
        /// Time spent on the whole call when it gave up (not only the last attempt).
        elapsed: Duration,
        /// The call's `MS-RequestId`.
        request_id: Uuid,
        /// The call's `MS-CorrelationId`.
        correlation_id: Uuid,
        /// Attempts made.
        attempts: u32,
    },

    /// The token provider failed; nothing was sent.
    #[error("could not get a Partner Center access token: {source}")]
    Auth {
        /// The provider's error.
        source: BoxError,
    },

    /// The client was configured wrongly; nothing was sent.
    #[error("invalid Partner Center client configuration: {message}")]
    InvalidConfig {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A customer tenant id did not parse.
    #[error(transparent)]
    InvalidCustomerTenantId(#[from] ParseCustomerTenantIdError),
}

impl Error {
    /// The API error, for `Api` and `NotFoundAfterRetry`.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::NotFoundAfterRetry(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status Partner Center answered with, if it answered.
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

    /// Whether the client retries this error (given attempts and time left).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => is_retryable_status(e.status),
            // Redirect loops, undecodable answers and unbuildable requests fail the same way
            // every time; connection and I/O failures may not.
            Error::Transport { source, .. } => {
                !(source.is_redirect() || source.is_decode() || source.is_builder())
            }
            Error::Timeout { .. } => true,
            _ => false,
        }
    }

    /// The call's `MS-RequestId`, when the call got as far as sending.
    pub fn request_id(&self) -> Option<Uuid> {
        match self {
            Error::Api(e) | Error::NotFoundAfterRetry(e) => Some(e.request_id),
            Error::Transport { request_id, .. } | Error::Timeout { request_id, .. } => {
                Some(*request_id)
            }
            _ => None,
        }
    }

    /// The call's `MS-CorrelationId`, when the call got as far as sending.
    pub fn correlation_id(&self) -> Option<Uuid> {
        match self {
            Error::Api(e) | Error::NotFoundAfterRetry(e) => Some(e.correlation_id),
            Error::Transport { correlation_id, .. } | Error::Timeout { correlation_id, .. } => {
                Some(*correlation_id)
            }
            _ => None,
        }
    }

    /// The server-requested wait, for a throttled or unavailable answer.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    pub(crate) fn set_attempts(&mut self, n: u32) {
        match self {
            Error::Api(e) | Error::NotFoundAfterRetry(e) => e.attempts = n,
            Error::Transport { attempts, .. } | Error::Timeout { attempts, .. } => *attempts = n,
            _ => {}
        }
    }
}

pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
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
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The Partner Center error code (absent for the throttling body and unparsable bodies).
    pub code: Option<ErrorCode>,
    /// The error's description (the throttling body's `message`).
    pub description: Option<String>,
    /// The component that reported it, such as `PartnerFD`.
    pub source: Option<String>,
    /// Extra details some errors carry.
    pub data: Vec<serde_json::Value>,
    /// The call's `MS-RequestId` (as echoed by the server, else as sent).
    pub request_id: Uuid,
    /// The call's `MS-CorrelationId` (as echoed by the server, else as sent).
    pub correlation_id: Uuid,
    /// `Retry-After`, in either of its forms, as a wait from when the answer arrived.
    pub retry_after: Option<Duration>,
    /// The start of a body that was not a Partner Center error object (at most 4 KiB).
    pub body_excerpt: Option<String>,
    /// The body was longer than the client reads and was cut.
    pub body_truncated: bool,
    /// Attempts made in the call.
    pub attempts: u32,
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
        if let Some(source) = &self.source {
            write!(f, " (source {source})")?;
        }
        write!(f, " [MS-RequestId {}, MS-CorrelationId {}", self.request_id, self.correlation_id)?;
        if self.attempts > 1 {
            write!(f, ", after {} attempts", self.attempts)?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, ", Retry-After {}s", wait.as_secs())?;
        }
        f.write_str("]")?;
        if let Some(excerpt) = &self.body_excerpt {
            let short: String = excerpt.chars().take(200).collect();
            let more = if short.len() < excerpt.len() || self.body_truncated { "…" } else { "" };
            write!(f, "; body: {short:?}{more}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
