//! The two ids every call sends: `MS-RequestId` (one per call, kept on its retries, which makes
//! the retries idempotent) and `MS-CorrelationId` (ties calls together in Partner Center's logs).

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use uuid::Uuid;

pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
pub(crate) const CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");

/// The ids of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallIds {
    pub(crate) request_id: Uuid,
    pub(crate) correlation_id: Uuid,
}

impl CallIds {
    /// A fresh `MS-RequestId`, and the given correlation id or a fresh one.
    pub(crate) fn fresh(correlation_id: Option<Uuid>) -> Self {
        Self {
            request_id: Uuid::new_v4(),
            correlation_id: correlation_id.unwrap_or_else(Uuid::new_v4),
        }
    }

    /// The ids as the server echoed them in `headers`, each falling back to the one sent.
    pub(crate) fn echoed_in(self, headers: &HeaderMap) -> Self {
        let echoed = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| Uuid::try_parse(v.trim()).ok())
        };
        Self {
            request_id: echoed(&REQUEST_ID).unwrap_or(self.request_id),
            correlation_id: echoed(&CORRELATION_ID).unwrap_or(self.correlation_id),
        }
    }
}

/// A uuid as a header value, hyphenated lower-case, without going through `String`.
pub(crate) fn header_value(id: Uuid) -> HeaderValue {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = id.hyphenated().encode_lower(&mut buf);
    // A hyphenated uuid is always a valid header value.
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
