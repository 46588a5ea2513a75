//! Error mapping: turning what the generated client returned into this crate's [`Error`].

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;

use crate::engine::ids::CallIds;
use crate::error::{ApiError, CallInfo, Error, ErrorCode};
use crate::generated::types;
use crate::hooks::CallContext;
use crate::tls;

/// At most this much of an unrecognised body is kept in an error.
pub const MAX_EXCERPT_BYTES: usize = 4 * 1024;

/// How much of a server's text (a body, a link, a header) a one-line message shows.
pub(crate) const SHOWN_CHARS: usize = 200;

/// Text from a server, cut to at most [`SHOWN_CHARS`] characters (and `…`) for a message.
pub(crate) fn shown(text: &str) -> String {
    let mut shown: String = text.chars().take(SHOWN_CHARS).collect();
    if text.chars().nth(SHOWN_CHARS).is_some() {
        shown.push('…');
    }
    shown
}

/// Refuses a collection answer that is not the whole collection: Partner Center documents no
/// paging for `what` (entitlements, subscriptions), so an answer that links to a `next` part,
/// or says it holds more (`totalCount`) than it carries, would have a caller act on part of
/// the list as if it were all of it.
pub(crate) fn whole_collection(
    what: &str,
    next: Option<&types::Link>,
    total_count: Option<i32>,
    carried: usize,
    call: CallInfo,
) -> Result<(), Error> {
    if let Some(next) = next {
        return Err(Error::InvalidAnswer {
            message: format!(
                "the {what} answer links to a next part ({:?}): Partner Center documents no paging for {what}, so the rest cannot be read",
                shown(&next.uri)
            ),
            call,
        });
    }
    if let Some(total) = total_count
        && usize::try_from(total).is_ok_and(|total| total > carried)
    {
        return Err(Error::InvalidAnswer {
            message: format!(
                "the {what} answer says it holds {total} but carries {carried}: Partner Center documents no paging for {what}, so the rest cannot be read"
            ),
            call,
        });
    }
    Ok(())
}

/// Maps a failed attempt to an [`Error`]. `call` describes the call up to this attempt (its
/// ids as sent); the ids the server echoed replace them where it echoed any.
pub(crate) async fn map_failure(
    err: progenitor_client::Error<types::ErrorResponse>,
    ctx: &CallContext,
    call: CallInfo,
    secret_success_body: bool,
) -> Error {
    use progenitor_client::Error as G;
    match err {
        G::ErrorResponse(value) => {
            let mut api = ApiError::from_headers(value.status(), value.headers(), call);
            api.fill_from(value.into_inner());
            Error::Api(Box::new(api))
        }
        G::InvalidResponsePayload(body, parse_error) => {
            // Status and headers are not in this variant; the exec hook kept them.
            let Some(seen) = ctx.seen() else {
                return Error::InvalidAnswer {
                    message: format!("the body is not what the spec declares: {parse_error}"),
                    call,
                };
            };
            if seen.status.is_success() && secret_success_body {
                // serde's message can quote the value it choked on: only where and what kind.
                return Error::InvalidAnswer {
                    message: format!(
                        "the {} body is not what the spec declares ({:?} error at line {}, column {}); it is not shown: it holds a secret",
                        seen.status,
                        parse_error.classify(),
                        parse_error.line(),
                        parse_error.column()
                    ),
                    call,
                };
            }
            if seen.status.is_success() {
                let cut = if seen.truncated { " (the body was cut at the size limit)" } else { "" };
                return Error::InvalidAnswer {
                    message: format!(
                        "the {} body is not what the spec declares{cut}: {parse_error}; body: {:?}",
                        seen.status,
                        shown(&excerpt(&body)),
                    ),
                    call,
                };
            }
            let mut api = ApiError::from_headers(seen.status, &seen.headers, call);
            api.fill_from_bytes(&body, seen.truncated);
            Error::Api(Box::new(api))
        }
        G::UnexpectedResponse(response)
            if secret_success_body && response.status().is_success() =>
        {
            // A success the spec does not list, for an answer that holds a secret: the server
            // acted, and its body is never kept.
            Error::InvalidAnswer {
                message: format!(
                    "the answer's status {} is not one the spec lists for this call; its body is not shown: it may hold a secret",
                    response.status()
                ),
                call,
            }
        }
        G::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let truncated = ctx.seen().is_some_and(|s| s.truncated);
            let body = response.bytes().await.unwrap_or_default();
            let mut api = ApiError::from_headers(status, &headers, call);
            api.fill_from_bytes(&body, truncated);
            Error::Api(Box::new(api))
        }
        G::CommunicationError(source)
        | G::ResponseBodyError(source)
        | G::InvalidUpgrade(source) => {
            if let Some(reason) = tls::untrusted_certificate(&source) {
                let host =
                    source.url().and_then(|u| u.host_str()).unwrap_or("the server").to_owned();
                return Error::Certificate { host, reason, source, call };
            }
            // A connect timeout is a connection failure: nothing reached the server, which
            // matters for the 404-after-retry rule.
            if source.is_timeout() && !source.is_connect() {
                Error::Timeout { call }
            } else {
                Error::Transport { source, call }
            }
        }
        G::InvalidRequest(message) | G::Custom(message) => {
            Error::InvalidArgument { message: format!("the request could not be built: {message}") }
        }
    }
}

impl ApiError {
    fn from_headers(status: StatusCode, headers: &HeaderMap, call: CallInfo) -> Self {
        Self {
            status,
            code: None,
            description: None,
            component: None,
            data: Vec::new(),
            retry_after: retry_after(headers, SystemTime::now()),
            body_excerpt: None,
            body_truncated: false,
            call: call.echoed_in(headers),
            hint: None,
        }
    }

    fn fill_from(&mut self, body: types::ErrorResponse) {
        match body {
            types::ErrorResponse::PartnerCenterError(e) => {
                self.code = Some(match e.code {
                    types::ErrorCode::Int64(n) => ErrorCode::Number(n),
                    types::ErrorCode::String(s) => ErrorCode::Text(s),
                });
                self.description = Some(e.description.to_string());
                self.component = e.source;
                self.data = e.data;
            }
            types::ErrorResponse::ThrottlingError(t) => self.description = Some(t.message),
        }
    }

    /// For bodies the generated types refused: read what can be read leniently (any code
    /// type, any description length), else keep a bounded excerpt.
    fn fill_from_bytes(&mut self, body: &[u8], truncated: bool) {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Lenient {
            PartnerCenter {
                code: serde_json::Value,
                description: serde_json::Value,
                #[serde(default)]
                source: Option<serde_json::Value>,
                #[serde(default)]
                data: Option<Vec<serde_json::Value>>,
            },
            Throttling {
                message: String,
            },
        }
        let text = |v: serde_json::Value| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        self.body_truncated = truncated;
        match serde_json::from_slice::<Lenient>(body) {
            Ok(Lenient::PartnerCenter { code, description, source, data }) if !truncated => {
                self.code = Some(match code {
                    serde_json::Value::Number(n) if n.is_i64() => {
                        ErrorCode::Number(n.as_i64().unwrap_or_default())
                    }
                    other => ErrorCode::Text(text(other)),
                });
                self.description = Some(text(description));
                self.component = source.map(text);
                self.data = data.unwrap_or_default();
            }
            Ok(Lenient::Throttling { message }) if !truncated => self.description = Some(message),
            _ if body.is_empty() => {}
            _ => self.body_excerpt = Some(excerpt(body)),
        }
    }
}

impl CallInfo {
    /// This call as the server echoed its ids in `headers`.
    pub(crate) fn echoed_in(mut self, headers: &HeaderMap) -> Self {
        let ids = CallIds { request_id: self.request_id, correlation_id: self.correlation_id }
            .echoed_in(headers);
        self.request_id = ids.request_id;
        self.correlation_id = ids.correlation_id;
        self
    }
}

/// The first [`MAX_EXCERPT_BYTES`] of `body` as text, cut on a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(MAX_EXCERPT_BYTES)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    while text.len() > MAX_EXCERPT_BYTES {
        text.pop();
    }
    text
}

/// `Retry-After` as a wait from `now`: delta-seconds or an HTTP-date (a date in the past
/// means no wait).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The parsers above for the fuzz targets in `fuzz/` (built with `--cfg fuzzing` only, so the
/// public API does not grow); re-exported as `partner_center_client::fuzzing`.
#[cfg(fuzzing)]
pub(crate) mod fuzzing {
    use std::time::{Duration, SystemTime};

    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    use crate::error::{ApiError, CallInfo};
    use crate::generated::types;

    /// The error statuses the spec declares an error body for (on either operation): the
    /// generated client deserializes those bodies itself before `map_failure` sees them.
    const DECLARED: &[u16] = &[400, 401, 403, 404, 409, 429, 500, 502, 503, 504];

    /// The [`ApiError`] a failed call reports for an answer with `status`, `headers` and
    /// `body`, along the paths `map_failure` takes: the generated client's typed error body
    /// for a declared status where it deserializes, else the lenient reading or an excerpt.
    /// `truncated` says the body was cut at the size limit.
    pub fn error_answer(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        truncated: bool,
    ) -> ApiError {
        let call = CallInfo::for_fuzzing();
        let mut api = ApiError::from_headers(status, headers, call);
        let typed = DECLARED
            .contains(&status.as_u16())
            .then(|| serde_json::from_slice::<types::ErrorResponse>(body).ok())
            .flatten();
        match typed {
            Some(typed) => api.fill_from(typed),
            None => api.fill_from_bytes(body, truncated),
        }
        api
    }

    /// See [`super::excerpt`].
    pub fn excerpt(body: &[u8]) -> String {
        super::excerpt(body)
    }

    /// See [`super::retry_after`].
    pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
        super::retry_after(headers, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).expect("header"));
        h
    }

    #[test]
    fn retry_after_reads_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after(&headers("57"), now), Some(Duration::from_secs(57)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&later), now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&earlier), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn excerpt_is_bounded_and_cut_on_a_character() {
        let body = "é".repeat(10_000);
        let e = excerpt(body.as_bytes());
        assert!(e.len() <= MAX_EXCERPT_BYTES);
        assert!(e.chars().all(|c| c == 'é' || c == '\u{fffd}'));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use uuid::Uuid;

        fn call() -> CallInfo {
            CallInfo {
                request_id: Uuid::nil(),
                correlation_id: Uuid::nil(),
                attempts: 1,
                elapsed: Duration::ZERO,
                may_have_applied: false,
            }
        }

        proptest! {
            #[test]
            fn retry_after_never_panics(text in ".{0,64}") {
                if let Ok(value) = HeaderValue::from_str(&text) {
                    let mut h = HeaderMap::new();
                    h.insert(RETRY_AFTER, value);
                    let _ = retry_after(&h, SystemTime::now());
                }
            }

            #[test]
            fn delta_seconds_round_trip(seconds in any::<u64>()) {
                let wait = retry_after(&headers(&seconds.to_string()), SystemTime::now());
                prop_assert_eq!(wait, Some(Duration::from_secs(seconds)));
            }

            #[test]
            fn http_dates_in_all_three_formats_are_read(ahead in 0u64..1_000_000) {
                let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
                let at = now + Duration::from_secs(ahead);
                let imf = httpdate::fmt_http_date(at);
                prop_assert_eq!(retry_after(&headers(&imf), now), Some(Duration::from_secs(ahead)));
                // RFC 850 and asctime, the two obsolete forms HTTP still accepts.
                let parsed = httpdate::HttpDate::from(at);
                let text = parsed.to_string();
                let (_, rest) = text.split_once(", ").expect("imf-fixdate");
                let parts: Vec<&str> = rest.split(' ').collect();
                let (day, month, year, time) = (parts[0], parts[1], parts[2], parts[3]);
                let weekday = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
                    .iter()
                    .find(|w| w.starts_with(&text[..3]))
                    .expect("weekday");
                let rfc850 = format!("{weekday}, {day}-{month}-{} {time} GMT", &year[2..]);
                let asctime = format!("{} {month} {:>2} {time} {year}", &text[..3], day.trim_start_matches('0'));
                for form in [rfc850, asctime] {
                    prop_assert_eq!(retry_after(&headers(&form), now), Some(Duration::from_secs(ahead)), "{}", form);
                }
            }

            #[test]
            fn any_error_body_is_read_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..2048), truncated in any::<bool>()) {
                let mut api = ApiError::from_headers(StatusCode::BAD_GATEWAY, &HeaderMap::new(), call());
                api.fill_from_bytes(&body, truncated);
                if let Some(excerpt) = &api.body_excerpt {
                    prop_assert!(excerpt.len() <= MAX_EXCERPT_BYTES);
                }
            }

            #[test]
            fn error_objects_with_any_code_are_read(code in any::<i128>(), text in "[a-zA-Z0-9 ]{0,40}") {
                let body = format!(r#"{{"code":{code},"description":"{text}"}}"#);
                let mut api = ApiError::from_headers(StatusCode::BAD_REQUEST, &HeaderMap::new(), call());
                api.fill_from_bytes(body.as_bytes(), false);
                prop_assert_eq!(api.description.as_deref(), Some(text.as_str()));
                match i64::try_from(code) {
                    Ok(n) => prop_assert_eq!(api.code, Some(ErrorCode::Number(n))),
                    Err(_) => prop_assert!(matches!(api.code, Some(ErrorCode::Text(_)))),
                }
            }
        }
    }
}
