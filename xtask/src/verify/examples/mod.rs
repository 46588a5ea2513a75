//! Rules 2, 4, 5 and 6: each example file is an HTTP/1.1 message, and each request/response
//! pair is something the spec allows.
//!
//! Files are named `NAME.request.http` and `NAME.response.http`; the two with the same `NAME`
//! form a pair. Any other file in the directory, or half a pair, is a problem.
//!
//! This module checks one exchange: it finds the request's operation and hands each message
//! to its checks. Reading and pairing the files is `files`; the checks are `request` (rule 4
//! and the request body), `response` (rule 6 and the response's headers) and `body` (rule 5,
//! for both).

mod body;
mod files;
mod request;
mod response;

pub use files::{check_dir, check_pair};

use std::path::Path;

use super::message::{Message, StartLine};
use super::operation::{self, Op};
use super::schema::SchemaChecker;
use crate::problem::Problem;
use crate::spec::Spec;

/// Fields defined by HTTP itself, allowed in any example without being declared in the spec.
const STANDARD_FIELDS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "date",
    "expect",
    "host",
    "keep-alive",
    "pragma",
    "server",
    "strict-transport-security",
    "transfer-encoding",
    "user-agent",
    "vary",
];

/// Checks a request/response exchange that did not come from files, such as one recorded
/// from a server under test; `request_label` and `response_label` name them in problems.
/// This is the same check the documented examples get.
pub fn check_exchange(
    spec: &Spec,
    request_label: &Path,
    request: &Message,
    response_label: &Path,
    response: &Message,
) -> Vec<Problem> {
    let ops = operation::operations(spec);
    let checker = SchemaChecker::new(spec);
    check_messages(
        spec,
        &ops,
        &checker,
        (request_label, Some(request)),
        (response_label, Some(response)),
    )
}

/// Checks an exchange whose messages may have failed to read or parse (`None`, their problems
/// already reported): what can still be checked is.
fn check_messages(
    spec: &Spec,
    ops: &[Op],
    checker: &SchemaChecker<'_>,
    (req, request): (&Path, Option<&Message>),
    (resp, response): (&Path, Option<&Message>),
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let op = request.and_then(|m| match &m.start {
        StartLine::Request { method, target } => {
            let host = m.header("host").map(|h| h.value.as_str());
            match operation::match_request(ops, checker, method, target, host) {
                Ok(op) => Some(op),
                Err(e) => {
                    problems.push(Problem::at(req, 1, e));
                    None
                }
            }
        }
        StartLine::Response { .. } => {
            problems.push(Problem::at(
                req,
                1,
                "a request file must start with a request line, not a status line",
            ));
            None
        }
    });
    if let (Some(op), Some(request)) = (op, request) {
        problems.extend(request::check_request(spec, op, checker, req, request));
    }

    if let Some(response) = response {
        match response.start {
            StartLine::Request { .. } => problems.push(Problem::at(
                resp,
                1,
                "a response file must start with a status line, not a request line",
            )),
            StartLine::Response { status } => {
                if let Some(op) = op {
                    problems.extend(response::check_response(
                        spec, op, checker, resp, response, status,
                    ));
                } else {
                    problems.push(Problem::in_file(
                        resp,
                        format!("not checked: its request {} matches no operation", req.display()),
                    ));
                }
            }
        }
    }
    problems
}
