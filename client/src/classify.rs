//! Retry classification, kept apart from the retry loop (as smithy-rs does): which failures
//! are worth another attempt, and which may already have taken effect on the server.

use reqwest::StatusCode;

use crate::error::Error;

/// Statuses that say "try again": throttling and the transient server errors.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// Whether another attempt of the same call (same `MS-RequestId`) may succeed.
pub(crate) fn is_retryable(err: &Error) -> bool {
    match err {
        Error::Api(e) => is_retryable_status(e.status),
        // Redirect loops, undecodable answers and unbuildable requests fail the same way every
        // time; connection and I/O failures may not.
        Error::Transport { source, .. } => {
            !(source.is_redirect() || source.is_decode() || source.is_builder())
        }
        Error::Timeout { .. } => true,
        // A 404 after a possibly applied attempt, a token failure, an unusable answer, bad
        // configuration or arguments: the same again.
        _ => false,
    }
}

/// Whether an attempt that failed like this may still have changed state on the server.
pub(crate) fn may_have_applied(err: &Error) -> bool {
    match err {
        Error::Api(api) => api.status.is_server_error(),
        Error::Timeout { .. } => true,
        // A refused connection (or a connect timeout) never reached the server.
        Error::Transport { source, .. } => !source.is_connect(),
        _ => false,
    }
}
