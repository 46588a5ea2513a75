//! `MS-RequestId` and `MS-CorrelationId`: every answer echoes them (generating any the request
//! lacked or sent malformed), and a request that sent a malformed one is refused with `400`
//! (after authentication, as the service does).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use uuid::Uuid;

use crate::{answer, codes};

const REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
const CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");

/// One id header as the request sent it, read once for both the echo and the validation.
#[derive(Debug, Clone)]
enum Sent {
    Missing,
    Valid(Uuid, HeaderValue),
    Malformed(HeaderValue),
}

impl Sent {
    fn read(headers: &HeaderMap, name: &HeaderName) -> Self {
        let Some(v) = headers.get(name) else { return Sent::Missing };
        match v.to_str().ok().and_then(|text| Uuid::try_parse(text.trim()).ok()) {
            Some(id) => Sent::Valid(id, v.clone()),
            None => Sent::Malformed(v.clone()),
        }
    }

    /// A valid id is sent back as it came (the value shares the request's buffer); a missing
    /// or malformed one is replaced by a fresh GUID.
    fn echoed(self) -> HeaderValue {
        match self {
            Sent::Valid(_, v) => v,
            Sent::Missing | Sent::Malformed(_) => value(Uuid::new_v4()),
        }
    }
}

/// The request's `MS-RequestId` and `MS-CorrelationId`: echoed on every answer, validated
/// after authentication.
#[derive(Debug, Clone)]
pub(crate) struct Ids {
    request_id: Sent,
    correlation_id: Sent,
}

impl Ids {
    /// Read first, so that every answer echoes them, whoever made it (a fault, a `405`).
    pub(crate) fn of(req: &Request) -> Self {
        Self {
            request_id: Sent::read(req.headers(), &REQUEST_ID),
            correlation_id: Sent::read(req.headers(), &CORRELATION_ID),
        }
    }

    /// After authentication: a malformed id is a `400`; otherwise the request's
    /// `MS-RequestId`, if it sent one (what idempotent replay is keyed on).
    pub(crate) fn validate(&self) -> Result<Option<Uuid>, Response<Body>> {
        for (name, sent) in
            [(&REQUEST_ID, &self.request_id), (&CORRELATION_ID, &self.correlation_id)]
        {
            if let Sent::Malformed(v) = sent {
                let shown: String =
                    String::from_utf8_lossy(v.as_bytes()).chars().take(64).collect();
                return Err(answer::error(
                    StatusCode::BAD_REQUEST,
                    codes::INVALID_REQUEST_INPUT,
                    &format!("Invalid {name} header `{shown}`: expected a GUID."),
                ));
            }
        }
        Ok(match self.request_id {
            Sent::Valid(id, _) => Some(id),
            Sent::Missing | Sent::Malformed(_) => None,
        })
    }

    /// The ids on `response`.
    pub(crate) fn onto(self, mut response: Response<Body>) -> Response<Body> {
        let h = response.headers_mut();
        h.insert(REQUEST_ID, self.request_id.echoed());
        h.insert(CORRELATION_ID, self.correlation_id.echoed());
        response
    }
}

fn value(id: Uuid) -> HeaderValue {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = id.hyphenated().encode_lower(&mut buf);
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
