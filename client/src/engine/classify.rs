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
        // A success status with an answer that cannot be used: the server did act (a delete
        // answered `200` with an HTML page, say).
        Error::InvalidAnswer { .. } => true,
        // A refused connection (or a connect timeout) never reached the server.
        Error::Transport { source, .. } => !source.is_connect(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, CallInfo};

    fn api(status: u16) -> Error {
        Error::Api(Box::new(ApiError {
            status: StatusCode::from_u16(status).expect("status"),
            code: None,
            description: None,
            component: None,
            data: Vec::new(),
            retry_after: None,
            body_excerpt: None,
            body_truncated: false,
            call: CallInfo::for_fuzzing(),
            hint: None,
        }))
    }

    /// The documented table: which answers are retried, and which may have applied.
    #[test]
    fn the_classification_table() {
        let table: &[(u16, bool, bool)] = &[
            // status, retried, may have applied
            (400, false, false),
            (401, false, false),
            (403, false, false),
            (404, false, false),
            (409, false, false),
            (429, true, false),
            (500, true, true),
            (501, false, true),
            (502, true, true),
            (503, true, true),
            (504, true, true),
        ];
        for &(status, retried, applied) in table {
            let err = api(status);
            assert_eq!(is_retryable(&err), retried, "{status} retried");
            assert_eq!(may_have_applied(&err), applied, "{status} may have applied");
        }
        let timeout = Error::Timeout { call: CallInfo::for_fuzzing() };
        assert!(is_retryable(&timeout) && may_have_applied(&timeout));
        let auth = Error::Auth { source: "no token".into(), call: None };
        assert!(!is_retryable(&auth) && !may_have_applied(&auth));
        let answer = Error::InvalidAnswer { message: "x".into(), call: CallInfo::for_fuzzing() };
        assert!(!is_retryable(&answer) && may_have_applied(&answer), "a 2xx: the server acted");
    }
}
