//! An error status from Partner Center, with everything its body and headers said.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use uuid::Uuid;

use super::CallInfo;

/// A Partner Center error code: a number in most answers, text in some.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A numeric code such as `60003`.
    Number(i64),
    /// A textual code.
    Text(String),
}

impl ErrorCode {
    /// The code as a number: a numeric code, or a textual one that reads as a number (the
    /// documented schema says string, the examples show numbers; both mean the same code).
    pub fn number(&self) -> Option<i64> {
        match self {
            ErrorCode::Number(n) => Some(*n),
            ErrorCode::Text(t) => t.trim().parse().ok(),
        }
    }
}

impl ApiError {
    /// Whether Partner Center's code is `code`, sent as a number or as text.
    pub fn has_code(&self, code: i64) -> bool {
        self.code.as_ref().and_then(ErrorCode::number) == Some(code)
    }
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
            let short: String = excerpt.chars().take(crate::engine::answer::SHOWN_CHARS).collect();
            let more = if short.len() < excerpt.len() || self.body_truncated { "…" } else { "" };
            write!(f, "; body: {short:?}{more}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
