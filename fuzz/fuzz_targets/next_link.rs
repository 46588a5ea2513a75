//! The list operation's reading of a page's `links.next`: it never panics; a followed link
//! gives a continuation the client can send (a non-empty token that is a valid header value,
//! a page size Partner Center serves), which survives being stored (serde) and being written
//! back as the documented link; a refused link is an `InvalidAnswer` with a bounded message.
//!
//! Input, two forms: a page body as JSON (starts with `{`), as the generated client would
//! deserialize it; or, so the fuzzer need not find JSON first, lines: the uri, the method (`-`
//! for none), then `Key: value` header lines.

#![no_main]

use libfuzzer_sys::fuzz_target;
use partner_center_client::fuzzing::next_link;
use partner_center_client::generated::types::{
    CollectionLinks, CustomerCollection, KeyValuePair, Link,
};
use partner_center_client::{Continuation, Error, MAX_PAGE_SIZE};

/// A refusal names the link, cut short; a message stays well under a screenful.
const MAX_MESSAGE_BYTES: usize = 2048;

fn from_lines(text: &str) -> Link {
    let mut lines = text.split('\n');
    let uri = lines.next().unwrap_or_default().to_string();
    let method = lines.next().filter(|m| *m != "-").map(str::to_string);
    let headers = lines
        .map(|line| {
            let (key, value) = line.split_once(": ").unwrap_or((line, ""));
            KeyValuePair { key: key.to_string(), value: value.to_string() }
        })
        .collect();
    Link { uri, method, headers }
}

fn documented(c: &Continuation) -> Link {
    let size = c.page_size().map(|n| format!("size={n}&")).unwrap_or_default();
    Link {
        uri: format!("/v1/customers?{size}seekOperation=Next"),
        method: Some("GET".into()),
        headers: vec![KeyValuePair { key: "MS-ContinuationToken".into(), value: c.token().into() }],
    }
}

fn with_next(next: Link) -> Option<CollectionLinks> {
    Some(CollectionLinks { next: Some(next), previous: None, self_: None })
}

fuzz_target!(|data: &[u8]| {
    let links = if data.first() == Some(&b'{') {
        match serde_json::from_slice::<CustomerCollection>(data) {
            Ok(page) => page.links,
            Err(_) => return,
        }
    } else {
        with_next(from_lines(&String::from_utf8_lossy(data)))
    };
    let has_next = links.as_ref().is_some_and(|l| l.next.is_some());
    match next_link(links) {
        Ok(None) => assert!(!has_next, "a next link was dropped"),
        Ok(Some(c)) => {
            assert!(has_next);
            assert!(!c.token().is_empty());
            assert!(http::HeaderValue::from_str(c.token()).is_ok(), "unsendable token");
            if let Some(n) = c.page_size() {
                assert!((1..=MAX_PAGE_SIZE).contains(&n), "page size {n}");
            }
            let stored = serde_json::to_string(&c).expect("a continuation serializes");
            let restored: Continuation = serde_json::from_str(&stored).expect("and deserializes");
            assert_eq!(restored, c);
            let again = next_link(with_next(documented(&c))).expect("the documented link");
            assert_eq!(again, Some(c), "the documented link round-trips");
        }
        Err(Error::InvalidAnswer { message, .. }) => {
            assert!(has_next);
            assert!(message.contains("next link"), "{message}");
            assert!(message.len() <= MAX_MESSAGE_BYTES, "a {}-byte message", message.len());
        }
        Err(other) => panic!("not an InvalidAnswer: {other:?}"),
    }
});
