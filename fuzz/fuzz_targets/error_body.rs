//! The error answer the client reports for any status, headers and body (the Partner Center
//! error object, the throttling body, any JSON, any bytes): it never panics, the status is
//! kept, ids echoed in `MS-RequestId` / `MS-CorrelationId` are taken, and an unrecognised body
//! is kept as an excerpt of at most `MAX_EXCERPT_BYTES` that is as much of the body as fits.
//!
//! Input, readable so seeds are easy to write: a first line `STATUS` (optionally followed by
//! ` truncated`: the body was cut at the size limit), `Name: value` header lines, an empty
//! line, then the body.

#![no_main]

use http::StatusCode;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use partner_center_client::MAX_EXCERPT_BYTES;
use partner_center_client::fuzzing::{error_answer, excerpt};

struct Answer<'a> {
    status: StatusCode,
    truncated: bool,
    headers: HeaderMap,
    body: &'a [u8],
}

fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

fn answer(data: &[u8]) -> Answer<'_> {
    let (first, mut rest) = split_line(data);
    let first = String::from_utf8_lossy(first);
    let mut words = first.split_whitespace();
    let status = words
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .and_then(|n| StatusCode::from_u16(n).ok())
        .unwrap_or(StatusCode::BAD_GATEWAY);
    let truncated = words.next() == Some("truncated");
    let mut headers = HeaderMap::new();
    while !rest.is_empty() {
        let (line, after) = split_line(rest);
        rest = after;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    Answer { status, truncated, headers, body: rest }
}

fn echoed(headers: &HeaderMap, name: &str) -> Option<uuid::Uuid> {
    let value = headers.get(name)?.to_str().ok()?;
    uuid::Uuid::try_parse(value.trim()).ok()
}

fuzz_target!(|data: &[u8]| {
    let Answer { status, truncated, headers, body } = answer(data);
    let api = error_answer(status, &headers, body, truncated);
    assert_eq!(api.status(), status);
    assert_eq!(api.call().request_id(), echoed(&headers, "ms-requestid").unwrap_or_default());
    assert_eq!(api.call().correlation_id(), echoed(&headers, "ms-correlationid").unwrap_or_default());
    if let Some(kept) = api.body_excerpt() {
        assert!(!body.is_empty(), "an excerpt of an empty body");
        assert!(kept.len() <= MAX_EXCERPT_BYTES, "a {}-byte excerpt", kept.len());
        assert!(api.code().is_none() && api.description().is_none());
    }
    // Display never panics, and shows at most 200 characters of an excerpt (escaped).
    let shown = api.to_string();
    let said = api.code().map_or(0, |c| c.to_string().len())
        + api.description().map_or(0, str::len)
        + api.component().map_or(0, str::len);
    assert!(shown.len() <= said + 200 * 12 + 512, "a {}-byte message", shown.len());

    // The excerpt on its own: the whole body when it fits (as text), else as much as fits.
    let cut = excerpt(body);
    let whole = String::from_utf8_lossy(body);
    assert!(cut.len() <= MAX_EXCERPT_BYTES);
    if whole.len() <= MAX_EXCERPT_BYTES {
        assert_eq!(cut, whole, "a body that fits is kept whole");
    } else {
        assert!(cut.len() + 3 >= MAX_EXCERPT_BYTES, "a {}-byte excerpt of a long body", cut.len());
        // The last character may stand for bytes cut in the middle of a character.
        let sound = cut.strip_suffix('\u{fffd}').unwrap_or(&cut);
        assert!(whole.starts_with(sound), "the excerpt is the start of the body");
    }
});
