//! The HTTP example parser behind `cargo xtask verify` on any bytes: it never panics; every
//! problem names the file, at a line the file has; a parsed message written out again parses to
//! the same message; and a parsed message goes through the spec checks against the real
//! `openapi/partner-center.yaml` (paired with a documented example), which never panic and
//! blame only the two files.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use xtask::spec::Spec;
use xtask::verify::examples::check_exchange;
use xtask::verify::message::{self, Message, StartLine};

const FILE: &str = "fuzz.http";
const DOCUMENTED_REQUEST: &str = "delete-customer.request.http";
const DOCUMENTED_RESPONSE: &str = "delete-customer.response.http";

/// The spec and a documented pair, read once: the checks need a request and a response, and
/// the fuzzed message stands in for one of them.
struct Fixed {
    spec: Spec,
    request: Message,
    response: Message,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let spec = include_str!("../../openapi/partner-center.yaml");
        let parse = |name: &str, bytes: &[u8]| {
            message::parse(Path::new(name), bytes).expect("the documented example parses")
        };
        Fixed {
            spec: Spec::parse(Path::new(xtask::SPEC_PATH), spec.to_string())
                .expect("the spec parses"),
            request: parse(
                DOCUMENTED_REQUEST,
                include_bytes!("../../openapi/examples/delete-customer.request.http"),
            ),
            response: parse(
                DOCUMENTED_RESPONSE,
                include_bytes!("../../openapi/examples/delete-customer.response.http"),
            ),
        }
    })
}

/// The message as an example file again (the reason phrase is not kept; any will do).
fn written(m: &Message) -> Vec<u8> {
    let mut out = match &m.start {
        StartLine::Request { method, target } => format!("{method} {target} HTTP/1.1\n"),
        StartLine::Response { status } => format!("HTTP/1.1 {status:03} Reason\n"),
    };
    for h in &m.headers {
        out.push_str(&format!("{}: {}\n", h.name, h.value));
    }
    out.push('\n');
    let mut out = out.into_bytes();
    out.extend_from_slice(&m.body);
    // The file's final newline is not part of the body; `\r\n` keeps a body's own final `\r`.
    out.extend_from_slice(b"\r\n");
    out
}

fuzz_target!(|data: &[u8]| {
    let file = Path::new(FILE);
    let lines = data.split(|&b| b == b'\n').count();
    let m = match message::parse(file, data) {
        Ok(m) => m,
        Err(problems) => {
            assert!(!problems.is_empty(), "a refusal without a problem");
            for p in &problems {
                assert_eq!(p.file, file, "{p}");
                assert!(p.to_string().starts_with("fuzz.http:"), "{p}");
                if let Some(line) = p.line {
                    assert!((1..=lines).contains(&line), "line {line} of {lines}: {p}");
                }
            }
            return;
        }
    };

    let again = message::parse(file, &written(&m)).expect("a parsed message written out parses");
    assert_eq!(again.start, m.start);
    assert_eq!(again.body, m.body);
    let pairs = |m: &Message| -> Vec<(String, String)> {
        m.headers.iter().map(|h| (h.name.clone(), h.value.clone())).collect()
    };
    assert_eq!(pairs(&again), pairs(&m));

    let fixed = fixed();
    let (request, response) = match m.start {
        StartLine::Request { .. } => {
            ((file, &m), (Path::new(DOCUMENTED_RESPONSE), &fixed.response))
        }
        StartLine::Response { .. } => ((Path::new(DOCUMENTED_REQUEST), &fixed.request), (file, &m)),
    };
    for p in check_exchange(&fixed.spec, request.0, request.1, response.0, response.1) {
        assert!(p.file == request.0 || p.file == response.0, "{p}");
    }
});
