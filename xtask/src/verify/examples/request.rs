//! Rule 4 (and rule 5's request-body part) for an example request matched to its operation:
//! its headers, query string and body are what the operation declares.

use std::path::Path;

use openapiv3::SecurityScheme;

use super::STANDARD_FIELDS;
use super::body::{BodyOf, check_body};
use crate::problem::Problem;
use crate::spec::Spec;
use crate::verify::message::{Message, StartLine};
use crate::verify::operation::{self, Location, Op};
use crate::verify::schema::SchemaChecker;

/// Every problem of the request `msg` (from `file`) for operation `op`.
pub(super) fn check_request(
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
