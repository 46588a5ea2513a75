//! Every kind of answer the sandbox gives, for every operation, validated against the spec by
//! the code that validates the documented examples (`xtask::verify::examples::check_exchange`).
//! The cases are one table; adding an operation adds rows.

use std::path::Path;
use std::time::Duration;

use partner_center_sandbox::{
    CANCELLATION_WINDOW, Fault, NEW_COMMERCE_CANCELLATION_WINDOW, Operation, OrderSeed, RetryAfter,
    Sandbox, SubscriptionSeed,
};
use partner_center_tests::{PROD, TIP};
use uuid::Uuid;
use xtask::verify::message::{Header, Message, StartLine};

/// One request to send, with an optional fault scripted first, and the status it must get.
struct Case {
    label: &'static str,
    method: &'static str,
    target: String,
    headers: Vec<(&'static str, String)>,
    fault: Option<Fault>,
    body: Option<String>,
    expect: u16,
}

fn case(label: &'static str, method: &'static str, target: String, expect: u16) -> Case {
    Case { label, method, target, headers: Vec::new(), fault: None, body: None, expect }
}

impl Case {
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// A JSON body (sent with `Content-Type: application/json`).
    fn json(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self.header("Content-Type", "application/json")
    }

    fn fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }
}

fn header(name: &str, value: &str) -> Header {
    Header { name: name.into(), value: value.into(), line: 0 }
}

/// Sends `case` to the sandbox and returns the exchange as messages, the request shown as
/// sent to the declared server (the sandbox stands in for it).
async fn exchange(sandbox: &Sandbox, case: &Case) -> (Message, Message) {
    if let Some(fault) = &case.fault {
        sandbox.inject(fault.clone());
    }
    let mut req = partner_center_tests::http().request(
        case.method.parse().expect("method"),
        format!("{}{}", sandbox.base_url(), case.target),
    );
    for (n, v) in &case.headers {
        req = req.header(*n, v);
    }
    if let Some(body) = &case.body {
        req = req.body(body.clone());
    }
    let resp = req.send().await.expect("answer");
    let status = resp.status().as_u16();
    let resp_headers = resp
        .headers()
        .iter()
        .map(|(n, v)| header(n.as_str(), v.to_str().unwrap_or_default()))
        .collect();
    let body = resp.bytes().await.expect("body").to_vec();
    let mut req_headers = vec![header("Host", "api.partnercenter.microsoft.com")];
    req_headers.extend(case.headers.iter().map(|(n, v)| header(n, v)));
    let request = Message {
        start: StartLine::Request { method: case.method.into(), target: case.target.clone() },
        headers: req_headers,
        body: case.body.clone().unwrap_or_default().into_bytes(),
        body_line: 0,
    };
    let response = Message {
        start: StartLine::Response { status },
        headers: resp_headers,
        body,
        body_line: 0,
    };
    (request, response)
}

fn status_of(m: &Message) -> u16 {
    match m.start {
        StartLine::Response { status } => status,
        StartLine::Request { .. } => 0,
    }
}

#[tokio::test]
async fn every_kind_of_answer_of_every_operation_conforms_to_the_spec() {
    let root = xtask::workspace_root();
    let spec = xtask::spec::Spec::load(&root.join(xtask::SPEC_PATH)).expect("spec");
    let (c, p, buyer, quiet) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let old = OrderSeed::software()
        .id("Old1")
        .created_ago(CANCELLATION_WINDOW + Duration::from_secs(3600));
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .customers([c, quiet, Uuid::new_v4()])
        .customer_with_orders(
            buyer,
            [
                OrderSeed::reserved_instance().id("Ri1"),
                OrderSeed::software().id("Sw1").line_items(2).included(2),
                old,
            ],
        )
        .customer_with_subscriptions(
            quiet,
            [
                SubscriptionSeed::new_commerce().id("a4c1340d-6911-4758-bba3-0c4c6007d161"),
                SubscriptionSeed::new_commerce()
                    .id("b4c1340d-6911-4758-bba3-0c4c6007d161")
                    .created_ago(NEW_COMMERCE_CANCELLATION_WINDOW + Duration::from_secs(3600)),
                SubscriptionSeed::legacy().id("968BA1CF-C146-4ADF-A300-308DCF718EEE"),
                SubscriptionSeed::marketplace().id("6e7aa601-629e-461b-8933-0898c3cc3c7c"),
                SubscriptionSeed::new_commerce()
                    .id("d4c1340d-6911-4758-bba3-0c4c6007d161")
                    .deleted(),
            ],
        )
        // Long enough that a second cancel meets the first in progress.
        .cancellation_latency(Duration::from_secs(3600))
        .production_partner(PROD)
        .customers([p])
        .start()
        .await
        .expect("sandbox starts");
    let entitlements = |id: &Uuid, query: &str| format!("/v1/customers/{id}/entitlements{query}");
    let order = |id: &Uuid, order: &str| format!("/v1/customers/{id}/orders/{order}");
    let cancel = |order: &str| format!(r#"{{"id": "{order}", "status": "cancelled"}}"#);
    let patch_rid = Uuid::new_v4().to_string();
    let tip = format!("Bearer {TIP}");
    let prod = format!("Bearer {PROD}");
    let rid = Uuid::new_v4().to_string();
    let customer = |id: &Uuid| format!("/v1/customers/{id}");
    let list = |query: &str| format!("/v1/customers{query}");
    let subscriptions = |id: &Uuid| format!("/v1/customers/{id}/subscriptions");
    let subscription = |id: &Uuid, s: &str| format!("/v1/customers/{id}/subscriptions/{s}");
    let (nce, late_nce, legacy, saas, gone) = (
        "a4c1340d-6911-4758-bba3-0c4c6007d161",
        "b4c1340d-6911-4758-bba3-0c4c6007d161",
        "968BA1CF-C146-4ADF-A300-308DCF718EEE",
        "6e7aa601-629e-461b-8933-0898c3cc3c7c",
        "d4c1340d-6911-4758-bba3-0c4c6007d161",
    );
    let set_status = |s: &str, status: &str| format!(r#"{{"id": "{s}", "status": "{status}"}}"#);

    // A real continuation token, from a first page of one.
    let first: serde_json::Value = partner_center_tests::http()
        .get(format!("{}/v1/customers?size=1", sandbox.base_url()))
        .header("Authorization", &tip)
        .send()
        .await
        .expect("page")
        .json()
        .await
        .expect("json");
    let token = first["links"]["next"]["headers"][0]["value"].as_str().expect("token").to_string();

    let throttle = |op| Fault::throttle(RetryAfter::Seconds(57)).for_operation(op);
    let throttle_date =
        |op| Fault::throttle(RetryAfter::HttpDateIn(Duration::from_secs(30))).for_operation(op);
    let mut cases = vec![
        // list_customers
        case("list 200 first page", "GET", list("?size=2"), 200)
            .header("Authorization", &tip)
            .header("Accept", "application/json")
            .header("MS-RequestId", Uuid::new_v4().to_string()),
        case("list 200 default size", "GET", list(""), 200).header("Authorization", &tip),
        case("list 200 next page", "GET", list("?size=1&seekOperation=Next"), 200)
            .header("Authorization", &tip)
            .header("MS-ContinuationToken", &token),
        case("list 200 production partner", "GET", list("?size=40"), 200)
            .header("Authorization", &prod),
        case("list 400 size", "GET", list("?size=<size>"), 400).header("Authorization", &tip),
        case("list 400 forged token", "GET", list("?size=1&seekOperation=Next"), 400)
            .header("Authorization", &tip)
            .header("MS-ContinuationToken", "forged"),
        case("list 400 other partner's token", "GET", list("?seekOperation=Next"), 400)
            .header("Authorization", &prod)
            .header("MS-ContinuationToken", &token),
        case("list 401", "GET", list("?size=1"), 401),
        case("list 429 seconds", "GET", list("?size=1"), 429)
            .header("Authorization", &tip)
            .fault(throttle(Operation::ListCustomers)),
        case("list 429 date", "GET", list("?size=1"), 429)
            .header("Authorization", &tip)
            .fault(throttle_date(Operation::ListCustomers)),
        // get_customer (before the deletes below, which remove `c`)
        case("get customer 200", "GET", customer(&c), 200)
            .header("Authorization", &tip)
            .header("Accept", "application/json")
            .header("MS-RequestId", Uuid::new_v4().to_string()),
        case("get customer 200 production partner", "GET", customer(&p), 200)
            .header("Authorization", &prod),
        case("get customer 404", "GET", customer(&Uuid::new_v4()), 404)
            .header("Authorization", &tip),
        case("get customer 403 other partner's", "GET", customer(&p), 403)
            .header("Authorization", &tip),
        case("get customer 400 id", "GET", "/v1/customers/<customer-tenant-id>".into(), 400)
            .header("Authorization", &tip),
        case("get customer 401", "GET", customer(&c), 401),
        case("get customer 429", "GET", customer(&c), 429)
            .header("Authorization", &tip)
            .fault(throttle(Operation::GetCustomer)),
        // delete_customer
        case("delete 204", "DELETE", customer(&c), 204)
            .header("Authorization", &tip)
            .header("Accept", "application/json")
            .header("MS-RequestId", &rid),
        case("delete 204 replayed", "DELETE", customer(&c), 204)
            .header("Authorization", &tip)
            .header("Accept", "application/json")
            .header("MS-RequestId", &rid),
        case("delete 404", "DELETE", customer(&c), 404).header("Authorization", &tip),
        case("delete 403", "DELETE", customer(&p), 403).header("Authorization", &prod),
        case("delete 401 missing", "DELETE", customer(&c), 401),
        case("delete 401 unknown", "DELETE", customer(&c), 401)
            .header("Authorization", "Bearer nope"),
        case("delete 400 id", "DELETE", "/v1/customers/<customer-tenant-id>".into(), 400)
            .header("Authorization", &tip),
        case("delete 409 reused request id", "DELETE", customer(&p), 409)
            .header("Authorization", &tip)
            .header("MS-RequestId", &rid),
        case("delete 429 seconds", "DELETE", customer(&c), 429)
            .header("Authorization", &tip)
            .fault(throttle(Operation::DeleteCustomer)),
        case("delete 429 date", "DELETE", customer(&c), 429)
            .header("Authorization", &tip)
            .fault(throttle_date(Operation::DeleteCustomer)),
        case("delete 409 active purchases", "DELETE", customer(&buyer), 409)
            .header("Authorization", &tip),
        case("get customer 404 deleted", "GET", customer(&c), 404).header("Authorization", &tip),
        // list_entitlements
        case("entitlements 200", "GET", entitlements(&buyer, ""), 200)
            .header("Authorization", &tip)
            .header("Accept", "application/json"),
        case(
            "entitlements 200 software with expiry",
            "GET",
            entitlements(&buyer, "?entitlementType=software&showExpiry=true"),
            200,
        )
        .header("Authorization", &tip),
        case("entitlements 200 none", "GET", entitlements(&quiet, ""), 200)
            .header("Authorization", &tip),
        case(
            "entitlements 400 id",
            "GET",
            "/v1/customers/<customer-tenant-id>/entitlements".into(),
            400,
        )
        .header("Authorization", &tip),
        case("entitlements 403", "GET", entitlements(&p, ""), 403).header("Authorization", &tip),
        case("entitlements 404", "GET", entitlements(&Uuid::new_v4(), ""), 404)
            .header("Authorization", &tip),
        case("entitlements 401", "GET", entitlements(&buyer, ""), 401),
        case("entitlements 429", "GET", entitlements(&buyer, ""), 429)
            .header("Authorization", &tip)
            .fault(throttle(Operation::ListEntitlements)),
        // get_order
        case("get order 200", "GET", order(&buyer, "Ri1"), 200)
            .header("Authorization", &tip)
            .header("Accept", "application/json"),
        case("get order 404", "GET", order(&buyer, "Nope"), 404).header("Authorization", &tip),
        case("get order 404 customer", "GET", order(&Uuid::new_v4(), "Ri1"), 404)
            .header("Authorization", &tip),
        case("get order 401", "GET", order(&buyer, "Ri1"), 401),
        case("get order 429", "GET", order(&buyer, "Ri1"), 429)
            .header("Authorization", &tip)
            .fault(throttle_date(Operation::GetOrder)),
        // update_order
        case("cancel 200", "PATCH", order(&buyer, "Sw1"), 200)
            .header("Authorization", &tip)
            .header("MS-RequestId", &patch_rid)
            .json(cancel("Sw1")),
        case("cancel 200 replayed", "PATCH", order(&buyer, "Sw1"), 200)
            .header("Authorization", &tip)
            .header("MS-RequestId", &patch_rid)
            .json(cancel("Sw1")),
        case("cancel 409 reused request id", "PATCH", order(&buyer, "Ri1"), 409)
            .header("Authorization", &tip)
            .header("MS-RequestId", &patch_rid)
            .json(cancel("Ri1")),
        case("cancel 409 in progress", "PATCH", order(&buyer, "Sw1"), 409)
            .header("Authorization", &tip)
            .json(cancel("Sw1")),
        case("cancel 400 past the window", "PATCH", order(&buyer, "Old1"), 400)
            .header("Authorization", &tip)
            .json(cancel("Old1")),
        case("cancel 400 not cancelled", "PATCH", order(&buyer, "Ri1"), 400)
            .header("Authorization", &tip)
            .json(r#"{"id": "Ri1", "status": "active"}"#),
        case("cancel 404", "PATCH", order(&buyer, "Nope"), 404)
            .header("Authorization", &tip)
            .json(cancel("Nope")),
        case("cancel 401", "PATCH", order(&buyer, "Ri1"), 401).json(cancel("Ri1")),
        case("cancel 429", "PATCH", order(&buyer, "Ri1"), 429)
            .header("Authorization", &tip)
            .json(cancel("Ri1"))
            .fault(throttle(Operation::UpdateOrder)),
        // list_subscriptions
        case("subscriptions 200", "GET", subscriptions(&quiet), 200)
            .header("Authorization", &tip)
            .header("Accept", "application/json"),
        case("subscriptions 200 none", "GET", subscriptions(&buyer), 200)
            .header("Authorization", &tip),
        case(
            "subscriptions 400 id",
            "GET",
            "/v1/customers/<customer-tenant-id>/subscriptions".into(),
            400,
        )
        .header("Authorization", &tip),
        case("subscriptions 403", "GET", subscriptions(&p), 403).header("Authorization", &tip),
        case("subscriptions 404", "GET", subscriptions(&Uuid::new_v4()), 404)
            .header("Authorization", &tip),
        case("subscriptions 401", "GET", subscriptions(&quiet), 401),
        case("subscriptions 429", "GET", subscriptions(&quiet), 429)
            .header("Authorization", &tip)
            .fault(throttle(Operation::ListSubscriptions)),
        // get_subscription
        case("get subscription 200", "GET", subscription(&quiet, nce), 200)
            .header("Authorization", &tip)
            .header("Accept", "application/json"),
        case("get subscription 200 legacy", "GET", subscription(&quiet, legacy), 200)
            .header("Authorization", &tip),
        case("get subscription 200 marketplace", "GET", subscription(&quiet, saas), 200)
            .header("Authorization", &tip),
        case(
            "get subscription 404",
            "GET",
            subscription(&quiet, "f4c1340d-6911-4758-bba3-0c4c6007d161"),
            404,
        )
        .header("Authorization", &tip),
        case("get subscription 404 customer", "GET", subscription(&Uuid::new_v4(), nce), 404)
            .header("Authorization", &tip),
        case("get subscription 401", "GET", subscription(&quiet, nce), 401),
        case("get subscription 429", "GET", subscription(&quiet, nce), 429)
            .header("Authorization", &tip)
            .fault(throttle(Operation::GetSubscription)),
        // update_subscription
        case("update subscription 200 cancel", "PATCH", subscription(&quiet, nce), 200)
            .header("Authorization", &tip)
            .json(set_status(nce, "deleted")),
        case("update subscription 400 stale etag", "PATCH", subscription(&quiet, legacy), 400)
            .header("Authorization", &tip)
            .header("If-Match", "\"eyJpZCI6InN0YWxlIn0=\"")
            .json(set_status(legacy, "suspended")),
        case("update subscription 200 suspend legacy", "PATCH", subscription(&quiet, legacy), 200)
            .header("Authorization", &tip)
            .json(set_status(legacy, "suspended")),
        case("update subscription 200 marketplace", "PATCH", subscription(&quiet, saas), 200)
            .header("Authorization", &tip)
            .json(set_status(saas, "deleted")),
        case(
            "update subscription 400 past the window",
            "PATCH",
            subscription(&quiet, late_nce),
            400,
        )
        .header("Authorization", &tip)
        .json(set_status(late_nce, "deleted")),
        case("update subscription 400 deleted", "PATCH", subscription(&quiet, gone), 400)
            .header("Authorization", &tip)
            .json(set_status(gone, "active")),
        case("update subscription 404", "PATCH", subscription(&buyer, nce), 404)
            .header("Authorization", &tip)
            .json(set_status(nce, "deleted")),
        case("update subscription 401", "PATCH", subscription(&quiet, late_nce), 401)
            .json(set_status(late_nce, "suspended")),
        case("update subscription 429", "PATCH", subscription(&quiet, late_nce), 429)
            .header("Authorization", &tip)
            .json(set_status(late_nce, "suspended"))
            .fault(throttle(Operation::UpdateSubscription)),
    ];
    for status in [500, 502, 503, 504] {
        for (op, method, target, body) in [
            (Operation::ListCustomers, "GET", list("?size=1"), None),
            (Operation::GetCustomer, "GET", customer(&quiet), None),
            (Operation::DeleteCustomer, "DELETE", customer(&c), None),
            (Operation::ListEntitlements, "GET", entitlements(&buyer, ""), None),
            (Operation::GetOrder, "GET", order(&buyer, "Ri1"), None),
            (Operation::UpdateOrder, "PATCH", order(&buyer, "Ri1"), Some(cancel("Ri1"))),
            (Operation::ListSubscriptions, "GET", subscriptions(&quiet), None),
            (Operation::GetSubscription, "GET", subscription(&quiet, nce), None),
            (
                Operation::UpdateSubscription,
                "PATCH",
                subscription(&quiet, late_nce),
                Some(set_status(late_nce, "suspended")),
            ),
        ] {
            let mut row = case("5xx", method, target, status)
                .header("Authorization", &tip)
                .fault(Fault::server_error(status).for_operation(op));
            if let Some(body) = body {
                row = row.json(body);
            }
            cases.push(row);
        }
    }

    let mut exchanges = Vec::new();
    for case in &cases {
        let (request, response) = exchange(&sandbox, case).await;
        assert_eq!(status_of(&response), case.expect, "{}", case.label);
        let problems = xtask::verify::examples::check_exchange(
            &spec,
            Path::new(&format!("{} request", case.label)),
            &request,
            Path::new(&format!("{} response", case.label)),
            &response,
        );
        assert!(
            problems.is_empty(),
            "{}: {:?}",
            case.label,
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
        exchanges.push((case.label, request, response));
    }

    // A subscription update answered `202` with `Location` (a sandbox that answers so), and
    // its replay under the same `MS-RequestId`, which keeps the `Location`.
    let accepting = Sandbox::builder()
        .tip_partner(TIP)
        .subscription_updates_accepted()
        .customer_with_subscriptions(quiet, [SubscriptionSeed::new_commerce().id(nce)])
        .start()
        .await
        .expect("sandbox starts");
    let replayed_rid = Uuid::new_v4().to_string();
    let accepted = || {
        case("update subscription 202", "PATCH", subscription(&quiet, nce), 202)
            .header("Authorization", &tip)
            .header("MS-RequestId", &replayed_rid)
            .json(set_status(nce, "deleted"))
    };
    for case in [accepted(), accepted()] {
        let (request, response) = exchange(&accepting, &case).await;
        assert_eq!(status_of(&response), 202, "{}", case.label);
        let location = response.headers.iter().find(|h| h.name.eq_ignore_ascii_case("location"));
        assert_eq!(
            location.map(|h| h.value.as_str()),
            Some(format!("/v1/customers/{quiet}/subscriptions/{nce}").as_str()),
            "a replay keeps the Location"
        );
        let problems = xtask::verify::examples::check_exchange(
            &spec,
            Path::new("202 request"),
            &request,
            Path::new("202 response"),
            &response,
        );
        assert!(
            problems.is_empty(),
            "{:?}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }

    // The validator is live: an answer off the spec is caught, for each operation.
    let check = |request: &Message, response: &Message| {
        xtask::verify::examples::check_exchange(
            &spec,
            Path::new("req"),
            request,
            Path::new("resp"),
            response,
        )
    };
    let answered = |label: &str| {
        let (_, request, response) =
            exchanges.iter().find(|(l, ..)| *l == label).expect("a case with that label");
        (request.clone(), response.clone())
    };
    for (label, what) in [
        ("list 200 first page", "GET /v1/customers"),
        ("get customer 200", "GET /v1/customers/{customer-tenant-id}"),
        ("delete 204", "DELETE /v1/customers/{customer-tenant-id}"),
        ("entitlements 200", "GET /v1/customers/{customer-tenant-id}/entitlements"),
        ("get order 200", "GET /v1/customers/{customer-tenant-id}/orders/{order-id}"),
        ("cancel 200", "PATCH /v1/customers/{customer-tenant-id}/orders/{order-id}"),
        ("subscriptions 200", "GET /v1/customers/{customer-tenant-id}/subscriptions"),
        (
            "get subscription 200",
            "GET /v1/customers/{customer-tenant-id}/subscriptions/{subscription-id}",
        ),
        (
            "update subscription 200 cancel",
            "PATCH /v1/customers/{customer-tenant-id}/subscriptions/{subscription-id}",
        ),
    ] {
        let (request, mut response) = answered(label);
        response.start = StartLine::Response { status: 418 };
        let problems = check(&request, &response);
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains(&format!("status 418 is not declared for {what}"))),
            "{problems:?}"
        );
    }
    // And a list body off its schema is caught.
    let (request, mut response) = answered("list 200 first page");
    response.body = br#"{"items":[{"companyProfile":{}}]}"#.to_vec();
    response.headers.retain(|h| !h.name.eq_ignore_ascii_case("content-length"));
    let problems = check(&request, &response);
    assert!(
        problems.iter().any(|p| p.message.contains("\"id\" is a required property")),
        "{problems:?}"
    );
}
