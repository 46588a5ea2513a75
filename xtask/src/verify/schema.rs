//! Validating example values against schemas from the spec with the `jsonschema` crate.
//!
//! OpenAPI 3.0 schema objects are an extended subset of JSON Schema draft 4/5, so they are
//! validated as draft 4 with format checking on. `uuid` is not a draft-4 format, so it is
//! registered here (checked with the `uuid` crate). Schemas may `$ref` into
//! `#/components/...`; the spec's `components` ride along in the root document so those
//! references resolve. OpenAPI 3.0's `nullable: true`, which draft 4 does not know, is written
//! as the draft's own `"type": [T, "null"]` first (see `with_nullable_as_types`).

use std::marker::PhantomData;

use serde_json::{Value, json};

use crate::spec::Spec;

/// Validates instances against schemas of one spec.
pub struct SchemaChecker<'a> {
    components: Value,
    spec: PhantomData<&'a Spec>,
}

impl<'a> SchemaChecker<'a> {
    /// A checker for schemas that may refer to `spec`'s components.
    pub fn new(spec: &'a Spec) -> Self {
        let mut components = spec.raw.get("components").cloned().unwrap_or(Value::Null);
        with_nullable_as_types(&mut components);
        Self { components, spec: PhantomData }
    }

    /// Checks `instance` against `schema`; on failure, one message per violation.
    pub fn check(&self, schema: &Value, instance: &Value) -> Result<(), Vec<String>> {
        let mut schema = schema.clone();
        with_nullable_as_types(&mut schema);
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

/// Rewrites OpenAPI 3.0's `nullable: true` beside a `type` as draft 4's `"type": [T, "null"]`
/// (and lets an `enum` hold `null`), everywhere in `schema`. Without this, draft 4 ignores the
/// keyword and refuses the `null` a documented example sends for a nullable field.
fn with_nullable_as_types(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true))
                && let Some(Value::String(ty)) = map.get("type").cloned()
            {
                map.insert("type".into(), json!([ty, "null"]));
                if let Some(Value::Array(values)) = map.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            map.values_mut().for_each(with_nullable_as_types);
        }
        Value::Array(items) => items.iter_mut().for_each(with_nullable_as_types),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_fields_take_null_and_others_still_refuse_it() {
        let checker = SchemaChecker { components: Value::Null, spec: PhantomData };
        let schema = json!({
            "type": "object",
            "properties": {
                "partnerId": { "type": "string", "nullable": true },
                "kind": { "type": "string", "nullable": true, "enum": ["a"] },
                "id": { "type": "string" },
            },
        });
        assert!(checker.check(&schema, &json!({ "partnerId": null, "kind": null })).is_ok());
        assert!(checker.check(&schema, &json!({ "partnerId": "x", "kind": "a" })).is_ok());
        assert!(checker.check(&schema, &json!({ "kind": "b" })).is_err());
        assert!(checker.check(&schema, &json!({ "id": null })).is_err());
        assert!(checker.check(&schema, &json!({ "partnerId": 1 })).is_err());
    }
}
