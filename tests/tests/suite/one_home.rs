//! Facts the client and the sandbox each keep on their own — the sandbox is the client's
//! independent check, so it does not borrow the client's values — held against the spec and
//! against each other here, so neither side can drift alone.

use std::path::Path;

use xtask::spec::Spec;

fn spec() -> Spec {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Spec::load(&root.join(xtask::SPEC_PATH)).expect("the spec loads")
}

/// Every `maximum` the spec gives the list's `size` parameter (wherever it is declared).
fn size_maxima(value: &serde_json::Value, out: &mut Vec<u64>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("name").and_then(|n| n.as_str()) == Some("size")
                && let Some(max) = value.pointer("/schema/maximum").and_then(|m| m.as_u64())
            {
                out.push(max);
            }
            map.values().for_each(|v| size_maxima(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| size_maxima(v, out)),
        _ => {}
    }
}

#[test]
fn the_page_size_limit_is_the_specs_on_both_sides() {
    let mut maxima = Vec::new();
    size_maxima(&spec().raw, &mut maxima);
    assert!(!maxima.is_empty(), "the spec declares the size parameter's maximum");
    for max in maxima {
        assert_eq!(u64::from(partner_center_client::MAX_PAGE_SIZE), max);
        assert_eq!(partner_center_sandbox::MAX_PAGE_SIZE as u64, max);
    }
}

#[test]
fn the_cancellation_window_is_the_same_on_both_sides() {
    assert_eq!(
        partner_center_client::CANCELLATION_WINDOW,
        partner_center_sandbox::CANCELLATION_WINDOW
    );
}

#[test]
fn the_error_codes_the_client_acts_on_are_the_sandboxs_and_the_specs() {
    use partner_center_client::codes as client;
    use partner_center_sandbox::codes as sandbox;
    let pairs = [
        (client::ACCESS_DENIED, sandbox::ACCESS_DENIED),
        (client::NO_RELATIONSHIP, sandbox::NO_RELATIONSHIP),
        (client::TENANT_NOT_FOUND, sandbox::TENANT_NOT_FOUND),
        (client::ORDER_NOT_FOUND, sandbox::ORDER_NOT_FOUND),
        (client::ORDER_IN_PROGRESS, sandbox::ORDER_IN_PROGRESS),
        (client::CANCELLATION_WINDOW_PASSED, sandbox::CANCELLATION_WINDOW_PASSED),
        (client::SUBSCRIPTION_DELETED, sandbox::SUBSCRIPTION_DELETED),
        (client::SUBSCRIPTION_PENDING_OPERATION, sandbox::SUBSCRIPTION_PENDING_OPERATION),
    ];
    let text = std::fs::read_to_string(&spec().path).expect("spec text");
    for (client_code, sandbox_code) in pairs {
        assert_eq!(client_code, sandbox_code);
        assert!(text.contains(&client_code.to_string()), "the spec documents code {client_code}");
    }
    // The one the sandbox never answers with is still the spec's.
    assert!(text.contains(&client::ORDER_CHANGE_IN_PROGRESS.to_string()));
    assert!(text.contains(&client::CANCELLATION_WINDOW_PASSED_HOURS.to_string()));
}
