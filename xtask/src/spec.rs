//! Loading the OpenAPI document and following its local `$ref`s.

use std::path::{Path, PathBuf};

use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::Value;

use crate::problem::Problem;

/// A parsed OpenAPI 3.0.x document, kept both typed and as raw JSON (for `$ref` lookups and
/// for handing schemas to the JSON Schema validator).
#[derive(Debug, Clone)]
pub struct Spec {
    /// Where the spec was read from, for messages.
    pub path: PathBuf,
    /// The document as JSON.
    pub raw: Value,
    /// The document as typed OpenAPI.
    pub doc: OpenAPI,
    text: String,
}

impl Spec {
    /// Reads and parses the spec at `path`. Every failure is reported as a [`Problem`].
    pub fn load(path: &Path) -> Result<Self, Problem> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Problem::in_file(path, format!("cannot read the spec: {e}")))?;
        Self::parse(path, text)
    }

    /// Parses spec text that claims to come from `path`.
    pub fn parse(path: &Path, text: String) -> Result<Self, Problem> {
        if text.trim().is_empty() {
            return Err(Problem::at(path, 1, "the spec is empty"));
        }
        let raw: Value = serde_yaml_ng::from_str(&text).map_err(|e| {
            let line = e.location().map_or(1, |l| l.line());
            Problem::at(path, line, format!("not valid YAML or JSON: {e}"))
        })?;
        let version = raw.get("openapi").and_then(Value::as_str).ok_or_else(|| {
            Problem::at(path, 1, "no `openapi` version field; expected `openapi: 3.0.x`")
        })?;
        if !version.starts_with("3.0.") {
            let line = line_of_key(&text, "openapi").unwrap_or(1);
            return Err(Problem::at(
                path,
                line,
                format!("OpenAPI {version} is not supported; progenitor takes 3.0.x only"),
            ));
        }
        let doc: OpenAPI = serde_json::from_value(raw.clone()).map_err(|e| {
            Problem::in_file(path, format!("not a valid OpenAPI 3.0 document: {e}"))
        })?;
        Ok(Self { path: path.to_path_buf(), raw, doc, text })
    }

    /// The 1-based line of the first line whose text contains `needle`, to point messages at.
    pub fn line_containing(&self, needle: &str) -> Option<usize> {
        self.text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
    }

    /// Looks up a local reference (`#/components/...`) in the raw document.
    pub fn resolve_raw(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        let decoded = percent_encoding::percent_decode_str(pointer).decode_utf8().ok()?;
        self.raw.pointer(&decoded)
    }

    /// Follows `$ref`s (also chains of them) to a typed object, by looking the target up in
    /// the raw document and deserializing it.
    pub fn resolve<T>(&self, item: &ReferenceOr<T>) -> Result<T, ResolveError>
    where
        T: Clone + serde::de::DeserializeOwned,
    {
        let mut reference = match item {
            ReferenceOr::Item(item) => return Ok(item.clone()),
            ReferenceOr::Reference { reference } => reference.clone(),
        };
        // Bounded so that a cycle of references is an error, not a hang.
        for _ in 0..32 {
            let Some(target) = self.resolve_raw(&reference) else {
                return Err(ResolveError::Unresolved(reference));
            };
            match target.get("$ref").and_then(Value::as_str) {
                Some(next) => reference = next.to_string(),
                None => {
                    return serde_json::from_value(target.clone())
                        .map_err(|e| ResolveError::Invalid { reference, message: e.to_string() });
                }
            }
        }
        Err(ResolveError::Cycle(reference))
    }
}

/// Why a `$ref` could not be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// Nothing in the document at that reference.
    Unresolved(String),
    /// Something is there, but not the kind of object the reference stands for.
    Invalid {
        /// The reference.
        reference: String,
        /// What deserializing it said.
        message: String,
    },
    /// The reference leads back to itself.
    Cycle(String),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Unresolved(r) => write!(f, "`$ref: {r}` does not resolve"),
            ResolveError::Invalid { reference, message } => {
                write!(f, "`$ref: {reference}` points at an invalid object: {message}")
            }
            ResolveError::Cycle(r) => write!(f, "`$ref: {r}` is part of a reference cycle"),
        }
    }
}

impl std::error::Error for ResolveError {}

impl From<ResolveError> for String {
    fn from(e: ResolveError) -> Self {
        e.to_string()
    }
}

fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let prefix = format!("{key}:");
    text.lines().position(|l| l.trim_start().starts_with(&prefix)).map(|i| i + 1)
}
