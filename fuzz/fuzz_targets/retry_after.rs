//! `Retry-After` as the client reads it, from any header bytes at any time: it never panics, and
//! a wait is exactly what the text says — delta-seconds as written, an HTTP-date as the time
//! left until it (none once it has passed) — never more; a later `now` never waits longer.
//!
//! Input, readable so seeds are easy to write: a first line with `now` in seconds since the
//! epoch (bounded; anything else is the epoch), then the header values, one per line (a header
//! value cannot hold a newline; the client reads the first).

#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use http::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use libfuzzer_sys::fuzz_target;
use partner_center_client::fuzzing::retry_after;

fuzz_target!(|data: &[u8]| {
    let mut lines = data.split(|&b| b == b'\n');
    let seconds = lines
        .next()
        .and_then(|line| std::str::from_utf8(line).ok())
        .and_then(|line| line.trim().parse::<u64>().ok())
        .unwrap_or_default();
    // Up to about the year 6300: far past any HTTP-date, and `now + 1 s` cannot overflow.
    let now = UNIX_EPOCH + Duration::from_secs(seconds % (1 << 37));

    let mut headers = HeaderMap::new();
    for value in lines {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(RETRY_AFTER, value);
        }
    }
    let wait = retry_after(&headers, now);
    let text = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::trim);

    let Some(wait) = wait else {
        if let Some(text) = text {
            assert!(text.parse::<u64>().is_err(), "delta-seconds `{text}` ignored");
            assert!(httpdate::parse_http_date(text).is_err(), "HTTP-date `{text}` ignored");
        }
        return;
    };
    let text = text.expect("a wait comes from a Retry-After value");
    let later = retry_after(&headers, now + Duration::from_secs(1)).expect("still readable");
    assert!(later <= wait, "a later now waits longer: {later:?} > {wait:?}");
    match text.parse::<u64>() {
        Ok(delta) => {
            assert_eq!(wait, Duration::from_secs(delta), "delta-seconds `{text}`");
            assert_eq!(later, wait, "delta-seconds do not depend on now");
        }
        Err(_) => {
            let at = httpdate::parse_http_date(text)
                .expect("a wait that is not delta-seconds is a date");
            let left = at.duration_since(now).unwrap_or(Duration::ZERO);
            assert_eq!(wait, left, "HTTP-date `{text}` at {now:?}");
            assert!(at.duration_since(UNIX_EPOCH).is_ok_and(|d| wait <= d));
        }
    }
});
