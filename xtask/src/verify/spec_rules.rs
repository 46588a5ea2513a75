//! Rule 1: the spec itself is sound.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{Parameter, ReferenceOr};
use serde_json::Value;

use crate::problem::Problem;
use crate::spec::{ResolveError, Spec};

/// Every problem with the spec on its own: unresolved `$ref`s, path templates and path
/// parameters that disagree, missing or duplicate operationIds.
pub fn check(spec: &Spec) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_refs(spec, &spec.raw, "", &mut problems);

    let mut operation_ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (template, item) in &spec.doc.paths.paths {
        let ReferenceOr::Item(item) = item else {
            problems.push(at(
                spec,
                template,
                format!("path `{template}` is a `$ref`; write it inline"),
            ));
            continue;
        };
        let in_template = template_variables(template);
        for (method, op) in item.iter() {
            let where_ = format!("{} {template}", method.to_uppercase());
            match &op.operation_id {
                Some(id) => operation_ids.entry(id).or_default().push(where_.clone()),
                None => problems.push(at(spec, template, format!("{where_} has no operationId"))),
            }
            let mut declared = BTreeSet::new();
            for param in item.parameters.iter().chain(&op.parameters) {
                match spec.resolve(param) {
                    Ok(Parameter::Path { parameter_data, .. }) => {
                        declared.insert(parameter_data.name);
                    }
                    Ok(_) => {}
                    // An unresolved `$ref` is already reported by `check_refs`.
                    Err(ResolveError::Unresolved(_)) => {}
                    Err(e) => problems.push(at(spec, template, format!("{where_}: {e}"))),
                }
            }
            for var in in_template.difference(&declared) {
                problems.push(at(
                    spec,
                    template,
                    format!("{where_}: `{{{var}}}` in the path is not a declared path parameter"),
                ));
            }
            for name in declared.difference(&in_template) {
                problems.push(at(
                    spec,
                    template,
                    format!("{where_}: path parameter `{name}` does not appear in the path"),
                ));
            }
        }
    }
    for (id, places) in operation_ids {
        if places.len() > 1 {
            problems.push(at(
                spec,
                &format!("operationId: {id}"),
                format!("operationId `{id}` is used by {}", places.join(" and ")),
            ));
        }
    }
    problems
}

/// The `{name}` variables of a path template.
pub fn template_variables(template: &str) -> BTreeSet<String> {
    template
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect()
}

fn check_refs(spec: &Spec, value: &Value, pointer: &str, problems: &mut Vec<Problem>) {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                match reference.as_str() {
                    Some(r) if r.starts_with('#') => {
                        if spec.resolve_raw(r).is_none() {
                            problems.push(at(
                                spec,
                                r,
                                format!("`$ref: {r}` at `{pointer}` does not resolve"),
                            ));
                        }
                    }
                    Some(r) => problems.push(at(
                        spec,
                        r,
                        format!("`$ref: {r}` at `{pointer}` is not local; only `#/...` references are supported"),
                    )),
                    None => problems.push(Problem::in_file(
                        &spec.path,
                        format!("`$ref` at `{pointer}` is not a string"),
                    )),
                }
            }
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                check_refs(spec, child, &format!("{pointer}/{escaped}"), problems);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                check_refs(spec, child, &format!("{pointer}/{i}"), problems);
            }
        }
        _ => {}
    }
}

fn at(spec: &Spec, needle: &str, message: String) -> Problem {
    match spec.line_containing(needle) {
        Some(line) => Problem::at(&spec.path, line, message),
        None => Problem::in_file(&spec.path, message),
    }
}
