//! Rule 5 for one message, request or response: a body only where content is declared, with a
//! declared `Content-Type`, and (for JSON) valid against its schema.

use std::path::Path;

use serde_json::Value;

use crate::problem::Problem;
use crate::verify::message::Message;
use crate::verify::schema::SchemaChecker;

/// Whose body is checked, in the words of a problem: "the request body" of
/// "PATCH /v1/…", or "the body" of "status 200".
pub(super) struct BodyOf {
    pub(super) noun: &'static str,
    pub(super) declarer: String,
}

/// The problems of `msg`'s body against `content`, the media types its operation or status
/// declares (empty when it declares none).
pub(super) fn check_body(
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
