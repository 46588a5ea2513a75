//! Rules 2, 4, 5 and 6: each example file is an HTTP/1.1 message, and each request/response
//! pair is something the spec allows.
//!
//! Files are named `NAME.request.http` and `NAME.response.http`; the two with the same `NAME`
//! form a pair. Any other file in the directory, or half a pair, is a problem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use openapiv3::{Header, ReferenceOr, Response, SecurityScheme, StatusCode};
use serde_json::Value;

use super::message::{self, Message, StartLine};
use super::operation::{self, Location, Op};
use super::schema::SchemaChecker;
use crate::problem::Problem;
use crate::spec::Spec;

const REQUEST_SUFFIX: &str = ".request.http";
const RESPONSE_SUFFIX: &str = ".response.http";

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

#[derive(Default)]
struct Pair {
    request: Option<PathBuf>,
    response: Option<PathBuf>,
}

/// Checks every example in `dir` against `spec`; returns the number of pairs and the problems.
pub fn check_dir(spec: &Spec, dir: &Path) -> (usize, Vec<Problem>) {
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            return (
                0,
                vec![Problem::in_file(dir, format!("cannot read the examples directory: {e}"))],
            );
        }
    };
    let mut pairs: BTreeMap<String, Pair> = BTreeMap::new();
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(e) => {
                problems.push(Problem::in_file(
                    dir,
                    format!("cannot list the examples directory: {e}"),
                ));
                continue;
            }
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(stem) = name.strip_suffix(REQUEST_SUFFIX) {
            pairs.entry(stem.to_string()).or_default().request = Some(path);
        } else if let Some(stem) = name.strip_suffix(RESPONSE_SUFFIX) {
            pairs.entry(stem.to_string()).or_default().response = Some(path);
        } else {
            problems.push(Problem::in_file(
                &path,
                "not an example: expected NAME.request.http or NAME.response.http",
            ));
        }
    }
    if pairs.is_empty() && problems.is_empty() {
        problems.push(Problem::in_file(
            dir,
            "no examples found (NAME.request.http + NAME.response.http)",
        ));
    }

    let ops = operation::operations(spec);
    let checker = SchemaChecker::new(spec);
    let count = pairs.len();
    for (name, pair) in pairs {
        match (pair.request, pair.response) {
            (Some(req), Some(resp)) => {
                problems.extend(check_pair(spec, &ops, &checker, &req, &resp))
            }
            (Some(only), None) => problems.push(Problem::in_file(
                &only,
                format!("has no paired response {name}{RESPONSE_SUFFIX}"),
            )),
            (None, Some(only)) => problems.push(Problem::in_file(
                &only,
                format!("has no paired request {name}{REQUEST_SUFFIX}"),
            )),
            (None, None) => {}
        }
    }
    (count, problems)
}

/// Checks one request file and its response file.
pub fn check_pair(
    spec: &Spec,
    ops: &[Op],
    checker: &SchemaChecker<'_>,
    req: &Path,
    resp: &Path,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let request = read_message(req, &mut problems);
    let response = read_message(resp, &mut problems);
    problems.extend(check_messages(
        spec,
        ops,
        checker,
        (req, request.as_ref()),
        (resp, response.as_ref()),
    ));
    problems
}

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
        problems.extend(check_request(spec, op, checker, req, request));
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
                    problems.extend(check_response(spec, op, checker, resp, response, status));
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

fn read_message(path: &Path, problems: &mut Vec<Problem>) -> Option<Message> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            problems.push(Problem::in_file(path, format!("cannot read: {e}")));
            return None;
        }
    };
    match message::parse(path, &bytes) {
        Ok(m) => Some(m),
        Err(ps) => {
            problems.extend(ps);
            None
        }
    }
}

fn check_request(
    spec: &Spec,
    op: &Op,
    checker: &SchemaChecker<'_>,
    file: &Path,
    msg: &Message,
) -> Vec<Problem> {
    let mut problems = check_query(op, checker, file, msg);
    let bearer_like = security_header_schemes(spec, op);
    for h in &msg.headers {
        let lower = h.name.to_ascii_lowercase();
        if STANDARD_FIELDS.contains(&lower.as_str()) {
            continue;
        }
        if let Some(data) = op.parameter(Location::Header, &h.name) {
            if let Err(e) = checker.check_text(&operation::parameter_schema(data), &h.value) {
                problems.push(Problem::at(
                    file,
                    h.line,
                    format!("{} `{}` is invalid: {}", h.name, h.value, e.join("; ")),
                ));
            }
            continue;
        }
        match bearer_like.iter().find(|(name, _)| name.eq_ignore_ascii_case(&h.name)) {
            Some((_, Some(scheme))) => {
                let ok = h
                    .value
                    .split_once(' ')
                    .is_some_and(|(s, cred)| s.eq_ignore_ascii_case(scheme) && !cred.trim().is_empty());
                if !ok {
                    problems.push(Problem::at(
                        file,
                        h.line,
                        format!("{} must be `{scheme} <credentials>` per the security scheme", h.name),
                    ));
                }
            }
            Some((_, None)) => {}
            None => problems.push(Problem::at(
                file,
                h.line,
                format!(
                    "header `{}` is not declared for {} (as a parameter or by its security) and is not a standard HTTP field",
                    h.name,
                    op.label()
                ),
            )),
        }
    }
    for data in op.parameters_in(Location::Header) {
        if data.required && msg.header(&data.name).is_none() {
            problems.push(Problem::in_file(
                file,
                format!("required header `{}` is missing", data.name),
            ));
        }
    }
    match &op.operation.request_body {
        None if !msg.body.is_empty() => problems.push(Problem::at(
            file,
            msg.body_line,
            format!(
                "{} declares no request body, but the example has {} bytes",
                op.label(),
                msg.body.len()
            ),
        )),
        None => {}
        Some(body) => match spec.resolve(body) {
            Ok(body) => problems.extend(check_request_body(checker, file, msg, op, &body)),
            Err(e) => problems.push(Problem::in_file(file, e)),
        },
    }
    problems
}

/// Rule 5 for a request whose operation declares a request body: present when it is
/// required; when present, sent with a `Content-Type` the operation declares, and (for JSON)
/// JSON that validates against the declared schema.
fn check_request_body(
    checker: &SchemaChecker<'_>,
    file: &Path,
    msg: &Message,
    op: &Op,
    body: &openapiv3::RequestBody,
) -> Vec<Problem> {
    if msg.body.is_empty() {
        if body.required {
            let declared: Vec<&str> = body.content.keys().map(String::as_str).collect();
            return vec![Problem::at(
                file,
                1,
                format!(
                    "{} requires a request body ({}), but the example has none",
                    op.label(),
                    declared.join(", ")
                ),
            )];
        }
        return Vec::new();
    }
    let whose = BodyOf { noun: "the request body", declarer: op.label() };
    check_body(checker, file, msg, &body.content, &whose)
}

/// Rule 4 for the query string: each value satisfies its parameter's schema (placeholders
/// such as `<size>` stand for any value), and required query parameters are present.
/// Undeclared names were already refused when the request was matched to its operation.
fn check_query(op: &Op, checker: &SchemaChecker<'_>, file: &Path, msg: &Message) -> Vec<Problem> {
    let StartLine::Request { target, .. } = &msg.start else { return Vec::new() };
    let pairs = operation::query_pairs(target);
    let mut problems = Vec::new();
    for (name, value) in &pairs {
        let Some(data) = op.parameter(Location::Query, name) else { continue };
        if value.starts_with('<') && value.ends_with('>') {
            continue;
        }
        if let Err(e) = checker.check_text(&operation::parameter_schema(data), value) {
            problems.push(Problem::at(
                file,
                1,
                format!("query parameter `{name}` value `{value}` is invalid: {}", e.join("; ")),
            ));
        }
    }
    for data in op.parameters_in(Location::Query) {
        if data.required && !pairs.iter().any(|(name, _)| *name == data.name) {
            problems.push(Problem::at(
                file,
                1,
                format!("required query parameter `{}` is missing", data.name),
            ));
        }
    }
    problems
}

/// Header names that the operation's security schemes put on a request, with the HTTP
/// authentication scheme expected in the value (`Bearer`) where there is one.
fn security_header_schemes(spec: &Spec, op: &Op) -> Vec<(String, Option<String>)> {
    let requirements = op.operation.security.as_ref().or(spec.doc.security.as_ref());
    let Some(components) = &spec.doc.components else { return Vec::new() };
    requirements
        .into_iter()
        .flatten()
        .flat_map(|req| req.keys())
        .filter_map(|name| components.security_schemes.get(name))
        .filter_map(|s| spec.resolve(s).ok())
        .filter_map(|s| match s {
            SecurityScheme::HTTP { scheme, .. } => {
                let scheme = match scheme.to_ascii_lowercase().as_str() {
                    "bearer" => "Bearer".to_string(),
                    "basic" => "Basic".to_string(),
                    _ => scheme,
                };
                Some(("Authorization".to_string(), Some(scheme)))
            }
            SecurityScheme::APIKey {
                location: openapiv3::APIKeyLocation::Header, name, ..
            } => Some((name, None)),
            SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => {
                Some(("Authorization".to_string(), Some("Bearer".to_string())))
            }
            SecurityScheme::APIKey { .. } => None,
        })
        .collect()
}

fn check_response(
    spec: &Spec,
    op: &Op,
    checker: &SchemaChecker<'_>,
    file: &Path,
    msg: &Message,
    status: u16,
) -> Vec<Problem> {
    let responses = &op.operation.responses;
    let declared = responses
        .responses
        .get(&StatusCode::Code(status))
        .or_else(|| responses.responses.get(&StatusCode::Range(status / 100)))
        .or(responses.default.as_ref());
    let Some(declared) = declared else {
        let mut codes: Vec<String> = responses.responses.keys().map(ToString::to_string).collect();
        codes.sort();
        return vec![Problem::at(
            file,
            1,
            format!(
                "status {status} is not declared for {} (declared: {})",
                op.label(),
                codes.join(", ")
            ),
        )];
    };
    let response: Response = match spec.resolve(declared) {
        Ok(r) => r,
        Err(e) => return vec![Problem::at(file, 1, e)],
    };

    let mut problems = Vec::new();
    for h in &msg.headers {
        let declared = response.headers.iter().find(|(name, _)| name.eq_ignore_ascii_case(&h.name));
        match declared {
            Some((_, header)) => match header_schema(spec, header) {
                Ok(schema) => {
                    if let Err(e) = checker.check_text(&schema, &h.value) {
                        problems.push(Problem::at(file, h.line, format!("{} `{}` is invalid: {}", h.name, h.value, e.join("; "))));
                    }
                }
                Err(e) => problems.push(Problem::at(file, h.line, e)),
            },
            None if STANDARD_FIELDS.contains(&h.name.to_ascii_lowercase().as_str()) => {}
            None => problems.push(Problem::at(
                file,
                h.line,
                format!(
                    "header `{}` is not declared for status {status} of {} and is not a standard HTTP field",
                    h.name,
                    op.label()
                ),
            )),
        }
    }
    for (name, header) in &response.headers {
        let required = spec.resolve(header).is_ok_and(|h| h.required);
        if required && msg.header(name).is_none() {
            problems.push(Problem::in_file(
                file,
                format!("required response header `{name}` is missing"),
            ));
        }
    }
    problems.extend(check_body(
        checker,
        file,
        msg,
        &response.content,
        &BodyOf { noun: "the body", declarer: format!("status {status}") },
    ));
    problems
}

fn header_schema(spec: &Spec, header: &ReferenceOr<Header>) -> Result<Value, String> {
    Ok(operation::schema_json(&spec.resolve(header)?.format))
}

/// Whose body is checked, in the words of a problem: "the request body" of
/// "PATCH /v1/…", or "the body" of "status 200".
struct BodyOf {
    noun: &'static str,
    declarer: String,
}

/// Rule 5 for one message: a body only where content is declared, with a declared
/// `Content-Type`, and (for JSON) valid against its schema.
fn check_body(
    checker: &SchemaChecker<'_>,
    file: &Path,
    msg: &Message,
    content: &indexmap::IndexMap<String, openapiv3::MediaType>,
    BodyOf { noun, declarer }: &BodyOf,
) -> Vec<Problem> {
    if msg.body.is_empty() {
        return Vec::new();
    }
    if content.is_empty() {
        return vec![Problem::at(
            file,
            msg.body_line,
            format!("{declarer} declares no body, but the example has {} bytes", msg.body.len()),
        )];
    }
    let declared: Vec<&str> = content.keys().map(String::as_str).collect();
    let declared = declared.join(", ");
    let Some(content_type) = msg.header("content-type") else {
        return vec![Problem::at(
            file,
            msg.body_line,
            format!("{noun} has no Content-Type header ({declarer} declares {declared})"),
        )];
    };
    let essence =
        content_type.value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let Some(media) =
        content.iter().find(|(k, _)| k.eq_ignore_ascii_case(&essence)).map(|(_, m)| m)
    else {
        return vec![Problem::at(
            file,
            content_type.line,
            format!(
                "Content-Type `{}` is not declared for {declarer} (declared: {declared})",
                content_type.value
            ),
        )];
    };
    if !(essence == "application/json" || essence.ends_with("+json")) {
        return Vec::new();
    }
    let json: Value = match serde_json::from_slice(&msg.body) {
        Ok(v) => v,
        Err(e) => {
            return vec![Problem::at(
                file,
                msg.body_line + e.line().saturating_sub(1),
                format!("{noun} is not valid JSON: {e}"),
            )];
        }
    };
    let Some(schema) = media.schema.as_ref().and_then(|s| serde_json::to_value(s).ok()) else {
        return Vec::new();
    };
    match checker.check(&schema, &json) {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .map(|e| {
                Problem::at(
                    file,
                    msg.body_line,
                    format!("{noun} does not match the spec's schema for {declarer}: {e}"),
                )
            })
            .collect(),
    }
}
