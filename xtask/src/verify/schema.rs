//! Validating example values against schemas from the spec with the `jsonschema` crate.
//!
//! OpenAPI 3.0 schema objects are an extended subset of JSON Schema draft 4/5, so they are
//! validated as draft 4 with format checking on. `uuid` is not a draft-4 format, so it is
//! registered here (checked with the `uuid` crate). Schemas may `$ref` into
//! `#/components/...`; the spec's `components` ride along in the root document so those
//! references resolve.

use serde_json::{Value, json};

use crate::spec::Spec;

/// Validates instances against schemas of one spec.
pub struct SchemaChecker<'a> {
    components: &'a Value,
}

impl<'a> SchemaChecker<'a> {
    /// A checker for schemas that may refer to `spec`'s components.
    pub fn new(spec: &'a Spec) -> Self {
        static EMPTY: Value = Value::Null;
        Self { components: spec.raw.get("components").unwrap_or(&EMPTY) }
    }

    /// Checks `instance` against `schema`; on failure, one message per violation.
    pub fn check(&self, schema: &Value, instance: &Value) -> Result<(), Vec<String>> {
        let root = json!({ "allOf": [schema], "components": self.components });
        let validator = jsonschema::draft4::options()
            .should_validate_formats(true)
            .with_format("uuid", |s: &str| uuid::Uuid::try_parse(s).is_ok())
            .build(&root)
            .map_err(|e| vec![format!("the spec's schema is unusable: {e}")])?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() { e.to_string() } else { format!("at `{at}`: {e}") }
            })
            .collect();
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Checks a header or path value, which is text on the wire, against `schema`. The text
    /// is tried as a JSON string and, where it reads as one, as a JSON number or boolean, so
    /// `integer` and `boolean` schemas work too.
    pub fn check_text(&self, schema: &Value, text: &str) -> Result<(), Vec<String>> {
        let as_string = Value::String(text.to_string());
        let first = self.check(schema, &as_string);
        if first.is_ok() {
            return first;
        }
        let others = [
            text.parse::<i64>().ok().map(Value::from),
            text.parse::<f64>()
                .ok()
                .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number)),
            text.parse::<bool>().ok().map(Value::Bool),
        ];
        // Report the reading closest to what the text is: a number that breaks a bound says
        // so, rather than "not of type integer".
        let mut closest = None;
        for value in others.into_iter().flatten() {
            match self.check(schema, &value) {
                Ok(()) => return Ok(()),
                Err(errors) => {
                    closest.get_or_insert(errors);
                }
            }
        }
        match closest {
            Some(errors) if !errors.iter().all(|e| e.contains("is not of type")) => Err(errors),
            _ => first,
        }
    }
}
