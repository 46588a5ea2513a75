//! The example files: listing the directory, pairing `NAME.request.http` with
//! `NAME.response.http`, and reading each file as a message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::check_messages;
use crate::problem::Problem;
use crate::spec::Spec;
use crate::verify::message::{self, Message};
use crate::verify::operation::{self, Op};
use crate::verify::schema::SchemaChecker;

const REQUEST_SUFFIX: &str = ".request.http";
const RESPONSE_SUFFIX: &str = ".response.http";

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
