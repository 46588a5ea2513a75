//! `cargo xtask verify`: checks that the spec is sound and that every documented example
//! request and response is something the spec allows.
//!
//! Rules, each reported as `file:line: message`:
//! 1. the spec parses as OpenAPI 3.0.x, path templates and path parameters agree, every
//!    `$ref` resolves, operationIds are unique ([`spec_rules`]);
//! 2. each example parses as an HTTP/1.1 message ([`message`]);
//! 3. a request matches exactly one operation, on a declared server ([`operation`]);
//! 4. every header and query parameter is declared (or a standard header), declared values
//!    satisfy their schemas, and required ones are present;
//! 5. bodies appear only where declared (and a required request body is there), carry a
//!    declared `Content-Type`, and (JSON) parse and validate against their schemas;
//! 6. a response's status is declared for its request's operation ([`examples`]).

pub mod examples;
pub mod message;
pub mod operation;
pub mod schema;
pub mod spec_rules;

use std::path::Path;

use crate::problem::Problem;
use crate::spec::Spec;

/// What a successful verification looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Example pairs checked.
    pub pairs: usize,
}

/// Runs every rule on the spec at `spec_path` and the examples in `examples_dir`.
///
/// Returns every problem found (sorted by file and line), or a summary when there are none.
pub fn run(spec_path: &Path, examples_dir: &Path) -> Result<Summary, Vec<Problem>> {
    let spec = Spec::load(spec_path).map_err(|p| vec![p])?;
    let mut problems = spec_rules::check(&spec);
    if !problems.is_empty() {
        // Examples are checked against the spec; against a broken spec that only adds noise.
        return Err(problems);
    }
    let (pairs, example_problems) = examples::check_dir(&spec, examples_dir);
    problems.extend(example_problems);
    if problems.is_empty() {
        Ok(Summary { pairs })
    } else {
        problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Err(problems)
    }
}
