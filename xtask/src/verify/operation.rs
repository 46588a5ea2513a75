//! Rule 3: which operation an example request is, and whether its URL is on a declared server.

use std::collections::BTreeMap;

use openapiv3::{
    Operation, Parameter, ParameterData, ParameterSchemaOrContent, ReferenceOr, Server,
};
use serde_json::Value;
use url::Url;

use super::schema::SchemaChecker;
use crate::spec::Spec;

/// Where a parameter goes in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    /// A path segment (`{name}` in the template).
    Path,
    /// A header (names compare case-insensitively).
    Header,
    /// A query-string parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// One operation of the spec with its parameters resolved.
#[derive(Debug, Clone)]
pub struct Op {
    /// Lower-case method (`delete`).
    pub method: String,
    /// Path template (`/v1/customers/{customer-tenant-id}`).
    pub template: String,
    /// The operation.
    pub operation: Operation,
    /// Its parameters (path-item and operation level, resolved, operation level winning).
    pub parameters: Vec<Parameter>,
    /// Servers that serve it (operation, path-item or document level, first non-empty).
    pub servers: Vec<Server>,
}

impl Op {
    /// `DELETE /v1/customers/{customer-tenant-id}`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.template)
    }

    /// The parameter `name` at `location`; header names
    /// compare case-insensitively.
    pub fn parameter(&self, location: Location, name: &str) -> Option<&ParameterData> {
        self.parameters.iter().find_map(|p| {
            let (loc, data) = split(p);
            let same = if loc == Location::Header {
                data.name.eq_ignore_ascii_case(name)
            } else {
                data.name == name
            };
            (loc == location && same).then_some(data)
        })
    }

    /// All parameters located `in` `location`.
    pub fn parameters_in(&self, location: Location) -> impl Iterator<Item = &ParameterData> {
        self.parameters.iter().filter_map(move |p| {
            let (loc, data) = split(p);
            (loc == location).then_some(data)
        })
    }
}

fn split(p: &Parameter) -> (Location, &ParameterData) {
    match p {
        Parameter::Path { parameter_data, .. } => (Location::Path, parameter_data),
        Parameter::Header { parameter_data, .. } => (Location::Header, parameter_data),
        Parameter::Query { parameter_data, .. } => (Location::Query, parameter_data),
        Parameter::Cookie { parameter_data, .. } => (Location::Cookie, parameter_data),
    }
}

/// The JSON schema of a parameter, as JSON.
pub fn parameter_schema(data: &ParameterData) -> Value {
    schema_json(&data.format)
}

/// The schema of a parameter or header (`schema`, or the first `content` entry's), as JSON.
pub fn schema_json(format: &ParameterSchemaOrContent) -> Value {
    match format {
        ParameterSchemaOrContent::Schema(schema) => {
            serde_json::to_value(schema).unwrap_or(Value::Null)
        }
        ParameterSchemaOrContent::Content(content) => content
            .values()
            .find_map(|m| m.schema.as_ref())
            .and_then(|s| serde_json::to_value(s).ok())
            .unwrap_or(Value::Null),
    }
}

/// The decoded `name=value` pairs of a request target's query string, in order.
pub fn query_pairs(target: &str) -> Vec<(String, String)> {
    let Some((_, rest)) = target.split_once('?') else { return Vec::new() };
    let query = rest.split('#').next().unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// Every operation in the spec. Unresolvable parameters are left out here; rule 1 reports them.
pub fn operations(spec: &Spec) -> Vec<Op> {
    let mut ops = Vec::new();
    for (template, item) in &spec.doc.paths.paths {
        let ReferenceOr::Item(item) = item else { continue };
        for (method, operation) in item.iter() {
            let mut by_key: BTreeMap<(Location, String), Parameter> = BTreeMap::new();
            for p in item.parameters.iter().chain(&operation.parameters) {
                if let Ok(p) = spec.resolve(p) {
                    let (loc, data) = split(&p);
                    by_key.insert((loc, data.name.to_ascii_lowercase()), p.clone());
                }
            }
            let servers = [&operation.servers, &item.servers, &spec.doc.servers]
                .into_iter()
                .find(|s| !s.is_empty())
                .cloned()
                .unwrap_or_default();
            ops.push(Op {
                method: method.to_string(),
                template: template.clone(),
                operation: operation.clone(),
                parameters: by_key.into_values().collect(),
                servers,
            });
        }
    }
    ops
}

/// Finds the one operation an example request is for.
///
/// `target` is the request target; `host` the value of the `Host` header, if any.
pub fn match_request<'o>(
    ops: &'o [Op],
    checker: &SchemaChecker<'_>,
    method: &str,
    target: &str,
    host: Option<&str>,
) -> Result<&'o Op, String> {
    let url = if target.starts_with('/') {
        let host = host.ok_or_else(|| {
            format!("origin-form target `{target}` needs a `Host` header naming a declared server")
        })?;
        Url::parse(&format!("https://{host}{target}"))
            .map_err(|e| format!("`Host: {host}` with target `{target}` is not a valid URL: {e}"))?
    } else {
        Url::parse(target).map_err(|e| {
            format!("request target `{target}` is neither origin-form (`/path`) nor an absolute URL: {e}")
        })?
    };

    let candidates: Vec<&Op> =
        ops.iter().filter(|op| op.method.eq_ignore_ascii_case(method)).collect();
    if candidates.is_empty() {
        return Err(format!("no operation in the spec uses method {method}"));
    }

    let mut matched = Vec::new();
    let mut why_not = Vec::new();
    for op in candidates {
        let Some(rest) =
            op.servers.iter().find_map(|s| strip_server(s, &url, target.starts_with('/')))
        else {
            let declared: Vec<&str> = op.servers.iter().map(|s| s.url.as_str()).collect();
            why_not.push(format!(
                "{}: `{}` is not on a declared server ({})",
                op.label(),
                authority(&url),
                declared.join(", ")
            ));
            continue;
        };
        match match_path(op, checker, &rest) {
            Ok(()) => matched.push(op),
            Err(e) => why_not.push(format!("{}: {e}", op.label())),
        }
        if let Some(query) = url.query() {
            for (name, _) in url::form_urlencoded::parse(query.as_bytes()) {
                if op.parameter(Location::Query, &name).is_none() {
                    why_not
                        .push(format!("{}: query parameter `{name}` is not declared", op.label()));
                    matched.retain(|m| !std::ptr::eq(*m, op));
                }
            }
        }
    }
    match matched.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("{method} {} matches no operation: {}", url.path(), why_not.join("; "))),
        many => Err(format!(
            "{method} {} matches {} operations: {}",
            url.path(),
            many.len(),
            many.iter().map(|o| o.label()).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn authority(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}://{}:{port}", url.scheme(), url.host_str().unwrap_or_default()),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
    }
}

/// The request path below `server`'s base path, when `url` is on `server`. For origin-form
/// targets the scheme is unknown, so only host and port are compared.
fn strip_server(server: &Server, url: &Url, origin_form: bool) -> Option<String> {
    let mut base = server.url.clone();
    if let Some(vars) = &server.variables {
        for (name, var) in vars {
            base = base.replace(&format!("{{{name}}}"), &var.default);
        }
    }
    let base = Url::parse(&base).ok()?;
    let same_origin = base.host_str() == url.host_str()
        && if origin_form {
            url.port().is_none_or(|p| Some(p) == base.port_or_known_default())
        } else {
            base.scheme() == url.scheme()
                && base.port_or_known_default() == url.port_or_known_default()
        };
    if !same_origin {
        return None;
    }
    let prefix = base.path().trim_end_matches('/');
    url.path().strip_prefix(prefix).map(str::to_string)
}

fn match_path(op: &Op, checker: &SchemaChecker<'_>, path: &str) -> Result<(), String> {
    let want: Vec<&str> = op.template.trim_start_matches('/').split('/').collect();
    let got: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if want.len() != got.len() {
        return Err(format!(
            "path `{path}` has {} segments, the template {}",
            got.len(),
            want.len()
        ));
    }
    for (w, g) in want.iter().zip(&got) {
        let g = percent_encoding::percent_decode_str(g).decode_utf8_lossy();
        match w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            None if *w == g => {}
            None => return Err(format!("segment `{g}` is not `{w}`")),
            Some(var) => {
                if let Some(placeholder) = g.strip_prefix('<').and_then(|g| g.strip_suffix('>')) {
                    if placeholder != var {
                        return Err(format!(
                            "placeholder `<{placeholder}>` stands where path parameter `{var}` goes"
                        ));
                    }
                    continue;
                }
                let data = op
                    .parameter(Location::Path, var)
                    .ok_or_else(|| format!("path parameter `{var}` is not declared"))?;
                checker
                    .check_text(&parameter_schema(data), &g)
                    .map_err(|e| format!("`{g}` is not a valid `{var}`: {}", e.join("; ")))?;
            }
        }
    }
    Ok(())
}
