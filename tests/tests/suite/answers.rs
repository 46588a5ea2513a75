//! The spec and the client agree on every answer the spec allows: for each operation, random
//! success answers built from the spec's own schemas (`openapi/partner-center.yaml`, its
//! `$ref`s followed) are served by the scripted server, and the client's public call must
//! accept every one. Unknown fields are added wherever a schema allows them. A field the
//! client refuses while the spec allows it fails here, with the smallest such answer
//! (proptest shrinks it); the fix is in the spec (say what the client requires) or in the
//! client (accept it).
//!
//! Deterministic (a fixed seed) and quick: a few hundred answers over one connection.

use partner_center_client::{
    Address, AzureEntitlementId, CartItem, Error, NewCustomer, OrderId, OrderStatus, PartnerCenter,
    RetryPolicy, SubscriptionChange, SubscriptionId, SubscriptionStatus, SubscriptionUpdated,
};
use partner_center_tests::{Reply, ScriptedServer, TOKEN, client_for, customer_id};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Map, Value, json};
use xtask::spec::Spec;

/// Random answers per operation.
const CASES: u32 = 64;
/// How many `$ref`s deep the generator goes before it leaves optional fields out and arrays
/// empty (an entitlement includes entitlements).
const MAX_DEPTH: usize = 3;
/// The schema keywords the generator understands; any other fails the test, so the spec
/// cannot outgrow the generator unnoticed.
const KNOWN: &[&str] = &[
    "$ref",
    "type",
    "format",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "anyOf",
    "oneOf",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "description",
    "example",
    "nullable",
];

/// Builds proptest strategies for the JSON values a schema of the spec allows.
struct Generator<'s> {
    spec: &'s Spec,
}

impl Generator<'_> {
    fn schema(&self, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
        let obj = schema.as_object().unwrap_or_else(|| panic!("not a schema: {schema}"));
        for key in obj.keys() {
            assert!(KNOWN.contains(&key.as_str()), "the generator does not know `{key}`");
        }
        if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
            let target = self.spec.resolve_raw(reference).unwrap_or_else(|| panic!("{reference}"));
            return self.schema(target, depth + 1);
        }
        if obj.get("nullable") == Some(&Value::Bool(true)) {
            let mut inner = obj.clone();
            inner.remove("nullable");
            return prop_oneof![Just(Value::Null), self.schema(&Value::Object(inner), depth)]
                .boxed();
        }
        if let Some(branches) = obj.get("anyOf").or_else(|| obj.get("oneOf")) {
            let branches = branches.as_array().expect("anyOf is a list");
            return Union::new(branches.iter().map(|b| self.schema(b, depth))).boxed();
        }
        if let Some(values) = obj.get("enum") {
            return proptest::sample::select(values.as_array().expect("enum is a list").clone())
                .boxed();
        }
        match obj.get("type").and_then(Value::as_str) {
            Some("object") => self.object(obj, depth),
            None if obj.contains_key("properties") => self.object(obj, depth),
            Some("array") => self.array(obj, depth),
            Some("string") => string(obj),
            Some("integer") => integer(obj),
            Some("number") => finite_number(),
            Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
            None => any_json(),
            Some(other) => panic!("the generator does not know type `{other}`"),
        }
    }

    /// The required properties always, the others or not, and (unless the schema forbids
    /// them) a few fields it does not name.
    fn object(&self, obj: &Map<String, Value>, depth: usize) -> BoxedStrategy<Value> {
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = obj.get("properties").and_then(Value::as_object);
        let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
        for (name, schema) in properties.into_iter().flatten() {
            let is_required = required.contains(&name.as_str());
            if !is_required && depth >= MAX_DEPTH {
                continue;
            }
            let name = name.clone();
            let field = self.schema(schema, depth).prop_map(move |v| (name.clone(), v));
            fields.push(if is_required {
                field.prop_map(Some).boxed()
            } else {
                proptest::option::of(field).boxed()
            });
        }
        let declared: Vec<String> =
            properties.into_iter().flatten().map(|(k, _)| k.clone()).collect();
        let extra_value = match obj.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(Value::Object(schema)) if !schema.is_empty() => {
                Some(self.schema(&Value::Object(schema.clone()), depth))
            }
            _ => Some(any_json()),
        };
        let extras = match extra_value {
            None => Just(Vec::new()).boxed(),
            Some(value) => {
                let key = "[A-Za-z][A-Za-z0-9_]{0,9}"
                    .prop_filter("not a declared property", move |k| !declared.contains(k));
                proptest::collection::vec((key, value), 0..=2).boxed()
            }
        };
        (fields, extras)
            .prop_map(|(fields, extras)| {
                let mut map: Map<String, Value> = extras.into_iter().collect();
                map.extend(fields.into_iter().flatten());
                Value::Object(map)
            })
            .boxed()
    }

    fn array(&self, obj: &Map<String, Value>, depth: usize) -> BoxedStrategy<Value> {
        let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = obj.get("maxItems").and_then(Value::as_u64).map_or(min + 2, |m| m as usize);
        let max = if depth >= MAX_DEPTH { min } else { max };
        if max == 0 {
            return Just(json!([])).boxed();
        }
        let items = obj.get("items").cloned().unwrap_or_else(|| json!({}));
        proptest::collection::vec(self.schema(&items, depth), min..=max)
            .prop_map(Value::Array)
            .boxed()
    }
}

/// A string of the schema: a uuid, a match of its pattern, or any text within its lengths.
fn string(obj: &Map<String, Value>) -> BoxedStrategy<Value> {
    match obj.get("format").and_then(Value::as_str) {
        Some("uuid") => {
            return (any::<u128>(), any::<bool>())
                .prop_map(|(n, upper)| {
                    let text = uuid::Uuid::from_u128(n).hyphenated().to_string();
                    Value::String(if upper { text.to_uppercase() } else { text })
                })
                .boxed();
        }
        Some(other) => panic!("the generator does not know string format `{other}`"),
        None => {}
    }
    let regex = match obj.get("pattern").and_then(Value::as_str) {
        // proptest generates whole matches and takes no anchors: a pattern anchored at both
        // ends is its inside, any other is searched for, so a whole match of it will do.
        Some(pattern) => pattern.trim_start_matches('^').trim_end_matches('$').to_string(),
        None => {
            let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(0);
            let max = obj.get("maxLength").and_then(Value::as_u64).unwrap_or(min + 16);
            format!("(?s:.{{{min},{max}}})")
        }
    };
    proptest::string::string_regex(&regex)
        .unwrap_or_else(|e| panic!("pattern `{regex}`: {e}"))
        .prop_map(Value::String)
        .boxed()
}

/// An integer of the schema's format (`int32`, `int64`), within its bounds.
fn integer(obj: &Map<String, Value>) -> BoxedStrategy<Value> {
    let (mut lo, mut hi) = match obj.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") | None => (i64::MIN, i64::MAX),
        Some(other) => panic!("the generator does not know integer format `{other}`"),
    };
    if let Some(min) = obj.get("minimum").and_then(Value::as_i64) {
        lo = lo.max(min);
    }
    if let Some(max) = obj.get("maximum").and_then(Value::as_i64) {
        hi = hi.min(max);
    }
    (lo..=hi).prop_map(|n| json!(n)).boxed()
}

fn finite_number() -> BoxedStrategy<Value> {
    any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)).boxed()
}

/// Any JSON value (what `{}` and `additionalProperties: true` allow), kept small.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        finite_number(),
        "(?s:.{0,8})".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// One success status of an operation and the schema of its JSON body (`None`: no body).
type Success = (u16, Option<Value>);

/// Every operation of the spec (by `operationId`) with its success statuses.
fn successes(spec: &Spec) -> Vec<(String, Vec<Success>)> {
    let mut operations = Vec::new();
    let paths = spec.raw["paths"].as_object().expect("paths");
    for item in paths.values() {
        for (method, operation) in item.as_object().expect("a path item") {
            if !["get", "put", "post", "delete", "patch", "head", "options", "trace"]
                .contains(&method.as_str())
            {
                continue;
            }
            let id = operation["operationId"].as_str().expect("operationId").to_string();
            let mut answers = Vec::new();
            for (status, response) in operation["responses"].as_object().expect("responses") {
                let Ok(code @ 200..=299) = status.parse::<u16>() else { continue };
                let response = match response.get("$ref").and_then(Value::as_str) {
                    Some(r) => spec.resolve_raw(r).expect("response ref"),
                    None => response,
                };
                let schema = response.pointer("/content/application~1json/schema").cloned();
                answers.push((code, schema));
            }
            assert!(!answers.is_empty(), "{id} declares no success");
            operations.push((id, answers));
        }
    }
    operations
}

fn subscription() -> SubscriptionId {
    "a4c1340d-6911-4758-bba3-0c4c6007d161".parse().expect("a documented subscription id")
}

/// The subscription an update sends back: read first (served before the update's answer).
const READ_BEFORE_UPDATE: &str = r#"{"id": "a4c1340d-6911-4758-bba3-0c4c6007d161", "status": "active", "autoRenewEnabled": true, "attributes": {"etag": "eyJ2IjoxfQ=="}}"#;

fn order() -> OrderId {
    "YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1".parse().expect("a documented order id")
}

/// How many entitlements a collection holds, included ones too.
fn entitlements_in(items: &Value) -> usize {
    items.as_array().map_or(0, |items| {
        items.iter().map(|e| 1 + entitlements_in(&e["includedEntitlements"])).sum()
    })
}

/// The refusal the spec states for a collection with no documented paging
/// (`EntitlementCollection`, `SubscriptionCollection`): an answer that says it holds more than
/// it carries, or links to a next part, must be refused as unusable. `Some` with the verdict
/// for such an answer, `None` for a whole one (then read it as usual).
fn refused_unless_whole<T: std::fmt::Debug>(
    body: &Value,
    read: &Result<T, Error>,
) -> Option<Result<(), String>> {
    let total = body["totalCount"].as_u64();
    let carried = body["items"].as_array().map_or(0, Vec::len) as u64;
    let next = body["links"]["next"].is_object();
    if !(next || total.is_some_and(|total| total > carried)) {
        return None;
    }
    Some(match read {
        Err(Error::InvalidAnswer { .. }) => Ok(()),
        other => Err(format!("holds {total:?}, carries {carried}: {other:?}")),
    })
}

/// Calls `operation` through the client's public API and checks what it read against the
/// answer served. Every operation of the spec needs a row here.
async fn check(
    operation: &str,
    pc: &PartnerCenter,
    status: u16,
    body: Option<&Value>,
) -> Result<(), String> {
    let customer = pc.customers().by_id(customer_id());
    let body = body.cloned().unwrap_or(Value::Null);
    let same = |what: &str, ok: bool| {
        if ok { Ok(()) } else { Err(format!("the client read another {what} than was sent")) }
    };
    let id_of = |v: &Value| v.as_str().map(str::to_ascii_lowercase);
    match operation {
        "list_customers" => {
            let page = pc.customers().list().first_page().await.map_err(|e| e.to_string())?;
            let sent = body["items"].as_array().map_or(0, Vec::len);
            same("number of customers", page.customers().len() == sent)
        }
        "get_customer" => {
            let found = customer.get().await.map_err(|e| e.to_string())?;
            same("customer id", Some(found.customer().id().to_string()) == id_of(&body["id"]))
        }
        "delete_customer" => {
            let deleted = customer.delete().await.map_err(|e| e.to_string())?;
            same("status", deleted.status().as_u16() == status)
        }
        "list_entitlements" => {
            let read = customer.entitlements().await;
            if let Some(refused) = refused_unless_whole(&body, &read) {
                return refused;
            }
            let read = read.map_err(|e| e.to_string())?;
            same("number of entitlements", read.all().count() == entitlements_in(&body["items"]))
        }
        "get_order" | "update_order" => {
            let orders = customer.orders().by_id(order());
            let read =
                if operation == "get_order" { orders.get().await } else { orders.cancel().await };
            let read = read.map_err(|e| e.to_string())?;
            same("order id", Some(read.id().as_str()) == body["id"].as_str())?;
            let status = OrderStatus::from(body["status"].as_str().unwrap_or_default());
            same("order status", *read.status() == status)
        }
        "list_subscriptions" => {
            let read = customer.subscriptions().list().await;
            if let Some(refused) = refused_unless_whole(&body, &read) {
                return refused;
            }
            let read = read.map_err(|e| e.to_string())?;
            let carried = body["items"].as_array().map_or(0, Vec::len);
            same("number of subscriptions", read.items().len() == carried)?;
            // Each keeps its JSON as sent, for an update to send back whole.
            let sent = body["items"].as_array().cloned().unwrap_or_default();
            same(
                "subscription JSON",
                read.items().iter().zip(&sent).all(|(s, j)| Some(s.json()) == j.as_object()),
            )
        }
        "get_subscription" => {
            let read = customer.subscriptions().by_id(subscription()).get().await;
            let read = read.map_err(|e| e.to_string())?;
            same("subscription id", Some(read.id().as_str()) == body["id"].as_str())?;
            let status = SubscriptionStatus::from(body["status"].as_str().unwrap_or_default());
            same("subscription status", *read.status() == status)?;
            same("subscription JSON", Some(read.json()) == body.as_object())
        }
        "update_subscription" => {
            let subscriptions = customer.subscriptions();
            let read =
                subscriptions.by_id(subscription()).get().await.map_err(|e| e.to_string())?;
            let answer = subscriptions
                .update(&read, SubscriptionChange::Cancel)
                .await
                .map_err(|e| e.to_string())?;
            match (status, answer) {
                (200, SubscriptionUpdated::Updated(s)) => {
                    same("subscription id", Some(s.id().as_str()) == body["id"].as_str())
                }
                (202, SubscriptionUpdated::Accepted { .. }) => Ok(()),
                (status, other) => Err(format!("{status} read as {other:?}")),
            }
        }
        "list_azure_entitlements" => {
            let read = customer.subscriptions().by_id(subscription()).azure_entitlements().await;
            if let Some(refused) = refused_unless_whole(&body, &read) {
                return refused;
            }
            let read = read.map_err(|e| e.to_string())?;
            let carried = body["items"].as_array().map_or(0, Vec::len);
            same("number of Azure entitlements", read.items().len() == carried)
        }
        "cancel_azure_entitlement" => {
            let entitlement: AzureEntitlementId =
                "899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8".parse().expect("a documented id");
            let answer = customer
                .subscriptions()
                .by_id(subscription())
                .cancel_azure_entitlement(entitlement)
                .await
                .map_err(|e| e.to_string())?;
            match (status, answer.entitlement) {
                (200, Some(e)) => {
                    same("Azure entitlement id", Some(e.id().as_str()) == body["id"].as_str())
                }
                (202, None) => Ok(()),
                (status, other) => Err(format!("{status} read as {other:?}")),
            }
        }
        "create_customer" => {
            let new = NewCustomer::new(
                "Fabrikam Tests",
                "fabrikamtests.onmicrosoft.com",
                "ops@fabrikam.example",
                Address::documented_example().with_contact("Avery", "Quinn"),
            )
            .map_err(|e| e.to_string())?;
            let created = pc.customers().create(&new).await.map_err(|e| e.to_string())?;
            let password = body["userCredentials"]["password"].as_str();
            same("customer id", Some(created.customer.id().to_string()) == id_of(&body["id"]))?;
            same("password", created.admin.as_ref().map(|a| a.expose_password()) == password)
        }
        "validate_address" => {
            let read = pc
                .customers()
                .validate_address(&Address::documented_example())
                .await
                .map_err(|e| e.to_string())?;
            same("status", Some(read.status.as_str()) == body["status"].as_str())
        }
        "check_domain" => {
            let read = pc
                .customers()
                .check_domain("contoso.onmicrosoft.com")
                .await
                .map_err(|e| e.to_string())?;
            same("verdict", read.taken)
        }
        "create_cart" => {
            let cart = customer
                .carts()
                .create(&[CartItem::new("DG7GMGF0DWTL:0001:DG7GMGF0DSFM", 1, "one_time")])
                .await
                .map_err(|e| e.to_string())?;
            same("cart id", Some(cart.id.to_string()) == id_of(&body["id"]))
        }
        "checkout_cart" => {
            let placed =
                customer.carts().checkout(uuid::Uuid::nil()).await.map_err(|e| e.to_string())?;
            let sent = body["orders"].as_array().map_or(0, Vec::len);
            same("number of orders", placed.orders.len() == sent)
        }
        other => panic!("operation {other} has no row in `check`: say how the client calls it"),
    }
}

#[test]
fn every_success_answer_the_spec_allows_is_one_the_client_accepts() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let root = xtask::workspace_root();
    let spec = Spec::load(&root.join(xtask::SPEC_PATH)).expect("the spec loads");
    let server = runtime.block_on(ScriptedServer::start(Vec::new()));
    // One attempt: every answer here is a success, and a refusal must not be retried away.
    let pc = client_for(&server.url(), TOKEN, RetryPolicy::default().with_max_attempts(1));
    let generator = Generator { spec: &spec };

    let served = std::cell::Cell::new(0_usize);
    for (index, (operation, answers)) in successes(&spec).into_iter().enumerate() {
        let mut choices: Vec<BoxedStrategy<(u16, Option<Value>)>> = answers
            .iter()
            .map(|(status, schema)| {
                let status = *status;
                match schema {
                    Some(schema) => {
                        generator.schema(schema, 0).prop_map(move |v| (status, Some(v))).boxed()
                    }
                    None => Just((status, None)).boxed(),
                }
            })
            .collect();
        if operation == "delete_customer" {
            // The `200`'s description: an empty body is as good as an object.
            choices.push(Just((200, None)).boxed());
        }
        let config = Config { cases: CASES, failure_persistence: None, ..Config::default() };
        // A fixed seed of its own for each operation (reads and cancels of an order share a
        // schema, not their answers).
        let mut seed = [0_u8; 32];
        seed[0] = u8::try_from(index).expect("fewer than 256 operations");
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        let result = runner.run(&Union::new(choices), |(status, body)| {
            served.set(served.get() + 1);
            if operation == "update_subscription" {
                server.push(Reply::json(200, READ_BEFORE_UPDATE));
            }
            server.push(match &body {
                Some(body) => Reply::json(status, &body.to_string()),
                None => Reply::status(status),
            });
            runtime
                .block_on(check(&operation, &pc, status, body.as_ref()))
                .map_err(|e| TestCaseError::fail(format!("{status}: {e}")))
        });
        if let Err(e) = result {
            panic!("{operation}: a success answer the spec allows was refused: {e}");
        }
    }
    let served = served.into_inner();
    assert!(served >= 9 * CASES as usize, "every operation was served its answers ({served})");
}
