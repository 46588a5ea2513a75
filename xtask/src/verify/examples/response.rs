//! Rule 6 (and rules 4 and 5 for responses): an example response's status is declared for its
//! request's operation, and its headers and body are what that status declares.

use std::path::Path;

use openapiv3::{Header, ReferenceOr, Response, StatusCode};
use serde_json::Value;

use super::STANDARD_FIELDS;
use super::body::{BodyOf, check_body};
use crate::problem::Problem;
use crate::spec::Spec;
use crate::verify::message::Message;
use crate::verify::operation::{self, Op};
use crate::verify::schema::SchemaChecker;

/// Every problem of the response `msg` (from `file`, with `status`) to operation `op`.
pub(super) fn check_response(
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
