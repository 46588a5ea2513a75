//! `cargo xtask verify`: the documented examples pass, and every rule has a fixture that fails
//! with a message naming the offending file (and line, where one applies).

use std::path::{Path, PathBuf};

use xtask::problem::Problem;
use xtask::verify;

fn root() -> PathBuf {
    xtask::workspace_root()
}

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/verify")
}

fn real_spec() -> PathBuf {
    root().join(xtask::SPEC_PATH)
}

fn real_examples() -> PathBuf {
    root().join(xtask::EXAMPLES_DIR)
}

/// Runs verify and returns its problems, failing the test if it passed.
fn problems(spec: &Path, examples: &Path) -> Vec<Problem> {
    match verify::run(spec, examples) {
        Ok(summary) => panic!("expected problems, verify passed with {summary:?}"),
        Err(problems) => problems,
    }
}

/// Asserts some problem is in `file_name`, on `line` when given, and says `needle`.
fn assert_reported(problems: &[Problem], file_name: &str, line: Option<usize>, needle: &str) {
    let hit = problems.iter().any(|p| {
        p.file.file_name().is_some_and(|n| n == file_name)
            && (line.is_none() || p.line == line)
            && p.message.contains(needle)
    });
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        hit,
        "no problem in {file_name} (line {line:?}) saying {needle:?}; got:\n{}",
        shown.join("\n")
    );
    // Every problem line names a real file, so a reader can find it.
    for p in problems {
        assert!(p.file.exists(), "problem names a file that does not exist: {p}");
    }
}

#[test]
fn documented_examples_match_the_spec() {
    let summary = verify::run(&real_spec(), &real_examples()).unwrap_or_else(|ps| {
        panic!("{}", ps.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    });
    // delete-customer (the documented pair), customer-not-found, throttled, missing-token;
    // list-customers (the documented pair), list-customers-first-of-two-pages, -next-page;
    // list-entitlements, list-entitlements-software-with-expiry, get-order, cancel-order (the
    // documented pairs) and cancel-order-past-window; get-customer (the documented pair);
    // list-subscriptions, get-subscription, get-subscription-legacy-addon,
    // cancel-subscription, suspend-subscription, list-azure-entitlements,
    // cancel-azure-entitlement, create-customer, list-customers-by-name,
    // validate-address-verified-shippable, validate-address-street-partial, check-domain,
    // check-domain-available, create-cart, checkout-cart (the documented pairs).
    assert_eq!(summary.pairs, 28);
}

#[test]
fn a_minimal_valid_spec_passes_rule_one() {
    let spec =
        xtask::spec::Spec::load(&fixtures().join("specs/valid-minimal.yaml")).expect("loads");
    assert_eq!(verify::spec_rules::check(&spec), vec![]);
}

/// Rule 1: the spec itself.
#[test]
fn broken_specs_are_reported_with_file_and_line() {
    let cases: &[(&str, Option<usize>, &str)] = &[
        ("r1-openapi-3.1.yaml", Some(1), "OpenAPI 3.1.0 is not supported"),
        (
            "r1-path-parameter-mismatch.yaml",
            Some(8),
            "`{customer-tenant-id}` in the path is not a declared path parameter",
        ),
        (
            "r1-path-parameter-mismatch.yaml",
            Some(8),
            "path parameter `customerId` does not appear in the path",
        ),
        ("r1-unresolved-ref.yaml", Some(16), "`$ref: #/components/schemas/Missing`"),
        ("r1-duplicate-operation-id.yaml", None, "operationId `delete_customer` is used by DELETE"),
        ("r1-missing-operation-id.yaml", Some(8), "has no operationId"),
        ("r1-not-yaml.yaml", Some(4), "not valid YAML or JSON"),
        ("r1-empty.yaml", Some(1), "the spec is empty"),
    ];
    for (file, line, needle) in cases {
        let ps = problems(&fixtures().join("specs").join(file), &real_examples());
        assert_reported(&ps, file, *line, needle);
    }
}

#[test]
fn a_missing_spec_or_examples_directory_is_reported() {
    let ps = problems(&fixtures().join("specs/nope.yaml"), &real_examples());
    assert!(ps[0].message.contains("cannot read the spec"), "{:?}", ps);
    assert!(ps[0].file.ends_with("nope.yaml"));

    let ps = problems(&real_spec(), &fixtures().join("no-such-dir"));
    assert!(ps[0].message.contains("cannot read the examples directory"), "{:?}", ps);
}

/// Rules 2–6 and pairing: one fixture directory per broken example.
#[test]
fn broken_examples_are_reported_with_file_and_line() {
    let cases: &[(&str, &str, Option<usize>, &str)] = &[
        // Rule 2: HTTP/1.1 syntax. The first is the request line as printed on the Partner
        // Center page: method and target run together.
        (
            "r2-garbled-request-line",
            "case.request.http",
            Some(1),
            "malformed request line `DELETE<customer-tenant-id> HTTP/1.1`",
        ),
        ("r2-empty-file", "case.request.http", Some(1), "empty file"),
        (
            "r2-malformed-header",
            "case.request.http",
            Some(3),
            "malformed header line `MS-RequestId 655890ba",
        ),
        (
            "r2-content-length-mismatch",
            "case.response.http",
            Some(3),
            "Content-Length is 10 but the body has 39 bytes",
        ),
        ("r2-malformed-status-line", "case.response.http", Some(1), "malformed status line"),
        // Rule 3: the request is one operation, on a declared server.
        (
            "r3-undeclared-server",
            "case.request.http",
            Some(1),
            "`https://api.example.com` is not on a declared server",
        ),
        ("r3-origin-form-without-host", "case.request.http", Some(1), "needs a `Host` header"),
        (
            "r3-id-not-a-uuid",
            "case.request.http",
            Some(1),
            "`not-a-guid` is not a valid `customer-tenant-id`",
        ),
        (
            "r3-unknown-placeholder",
            "case.request.http",
            Some(1),
            "placeholder `<customer-id>` stands where path parameter `customer-tenant-id` goes",
        ),
        (
            "r3-undeclared-method",
            "case.request.http",
            Some(1),
            "no operation in the spec uses method PUT",
        ),
        (
            "r3-undeclared-query-parameter",
            "case.request.http",
            Some(1),
            "query parameter `orderBy` is not declared",
        ),
        (
            "r3-undeclared-path",
            "case.request.http",
            Some(1),
            "segment `partners` is not `customers`",
        ),
        // Rule 4: headers declared or standard, values valid.
        (
            "r4-undeclared-request-header",
            "case.request.http",
            Some(3),
            "header `X-Debug` is not declared",
        ),
        (
            "r4-request-id-not-a-uuid",
            "case.request.http",
            Some(3),
            "MS-RequestId `12345` is invalid",
        ),
        (
            "r4-undeclared-response-header",
            "case.response.http",
            Some(3),
            "header `Retry-After` is not declared for status 204",
        ),
        ("r4-bad-retry-after", "case.response.http", Some(4), "Retry-After `soon` is invalid"),
        (
            "r4-authorization-not-bearer",
            "case.request.http",
            Some(2),
            "Authorization must be `Bearer <credentials>`",
        ),
        (
            "r4-query-value-invalid",
            "case.request.http",
            Some(1),
            "query parameter `size` value `-1` is invalid: -1 is less than the minimum of 0",
        ),
        (
            "r4-query-value-not-an-enum",
            "case.request.http",
            Some(1),
            "query parameter `seekOperation` value `Previous` is invalid",
        ),
        (
            "r4-empty-continuation-token",
            "case.request.http",
            Some(3),
            "MS-ContinuationToken `` is invalid",
        ),
        // Rule 5: bodies only where declared, valid against their schema.
        (
            "r5-list-body-off-schema",
            "case.response.http",
            Some(4),
            "at `/items/0`: \"id\" is a required property",
        ),
        (
            "r5-list-next-link-without-uri",
            "case.response.http",
            Some(4),
            "at `/links/next`: \"uri\" is a required property",
        ),
        (
            "r5-body-on-204",
            "case.response.http",
            Some(5),
            "status 204 declares no body, but the example has 2 bytes",
        ),
        (
            "r5-request-body",
            "case.request.http",
            Some(5),
            "declares no request body, but the example has 2 bytes",
        ),
        // Rule 5 for request bodies (update_order declares a required JSON body). The first
        // is the documented cancel-order request as printed: a trailing comma.
        (
            "r5-request-body-not-json",
            "case.request.http",
            Some(10),
            "the request body is not valid JSON: trailing comma at line 4",
        ),
        (
            "r5-request-body-off-schema",
            "case.request.http",
            Some(7),
            "the request body does not match the spec's schema for PATCH /v1/customers/{customer-tenant-id}/orders/{order-id}: \"status\" is a required property",
        ),
        (
            "r5-request-body-without-content-type",
            "case.request.http",
            Some(6),
            "the request body has no Content-Type header (PATCH /v1/customers/{customer-tenant-id}/orders/{order-id} declares application/json)",
        ),
        (
            "r5-request-body-undeclared-content-type",
            "case.request.http",
            Some(5),
            "Content-Type `text/plain` is not declared for PATCH /v1/customers/{customer-tenant-id}/orders/{order-id} (declared: application/json)",
        ),
        (
            "r5-request-body-missing",
            "case.request.http",
            Some(1),
            "PATCH /v1/customers/{customer-tenant-id}/orders/{order-id} requires a request body (application/json), but the example has none",
        ),
        (
            "r5-error-body-off-schema",
            "case.response.http",
            Some(5),
            "the body does not match the spec's schema",
        ),
        ("r5-body-not-json", "case.response.http", Some(5), "the body is not valid JSON"),
        (
            "r5-undeclared-content-type",
            "case.response.http",
            Some(2),
            "Content-Type `text/html` is not declared",
        ),
        // Rule 6: the status is declared for the request's operation.
        (
            "r6-undeclared-status",
            "case.response.http",
            Some(1),
            "status 418 is not declared for DELETE /v1/customers/{customer-tenant-id}",
        ),
        // Pairing and naming.
        (
            "pair-missing-response",
            "case.request.http",
            None,
            "has no paired response case.response.http",
        ),
        ("pair-stray-file", "README.md", None, "not an example"),
        (
            "pair-response-first-line-is-request",
            "case.response.http",
            Some(1),
            "must start with a status line",
        ),
    ];
    for (dir, file, line, needle) in cases {
        let ps = problems(&real_spec(), &fixtures().join("examples").join(dir));
        assert_reported(&ps, file, *line, needle);
    }
}

/// Rule 4: a required query parameter must be present (the real spec has none, so this
/// fixture brings its own spec).
#[test]
fn a_missing_required_query_parameter_is_reported() {
    let dir = fixtures().join("required-query");
    let ps = problems(&dir.join("spec.yaml"), &dir.join("examples"));
    assert_reported(
        &ps,
        "case.request.http",
        Some(1),
        "required query parameter `size` is missing",
    );
}

#[test]
fn every_fixture_directory_is_exercised() {
    // A fixture added without a test case would silently prove nothing.
    let source = include_str!("verify_rules.rs");
    for entry in std::fs::read_dir(fixtures().join("examples")).expect("fixtures") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(source.contains(&format!("\"{name}\",")), "fixture {name} has no test case");
    }
}

#[test]
fn odd_bytes_never_panic_the_message_parser() {
    let inputs: &[&[u8]] = &[
        b"",
        b"\n\n\n",
        b"\xff\xfe\x00garbage",
        b"HTTP/1.1",
        b"DELETE / HTTP/1.1\n: no-name\n",
        b"DELETE / HTTP/1.1\nContent-Length: 99999999999999999999999\n\nx",
        b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/2 204\n",
    ];
    for input in inputs {
        let _ = verify::message::parse(Path::new("fuzz.http"), input);
    }
    let long = vec![b'a'; 1 << 20];
    assert!(verify::message::parse(Path::new("long.http"), &long).is_err());
}
