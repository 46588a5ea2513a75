//! Entitlements and orders over loopback: each request on the wire against its documented
//! example, and the sandbox's purchases (cancellation latency, the 60-day window, deletes
//! refused while orders are active, idempotent PATCH, rate limits per resource).

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use partner_center_client::{CustomerTenantId, Error, ErrorCode, OrderId, OrderStatus};
use partner_center_sandbox::{
    CANCELLATION_WINDOW, Fault, Operation, OrderSeed, RecordedRequest, RetryAfter, Sandbox, codes,
};
use partner_center_tests::{Reply, ScriptedServer, TIP, client_for, quick_retries};
use uuid::Uuid;

fn code(err: &Error) -> Option<ErrorCode> {
    err.api().and_then(|a| a.code().cloned())
}

fn order(id: &str) -> OrderId {
    id.parse().expect("a documented order id")
}

fn example(name: &str) -> xtask::verify::message::Message {
    let text = partner_center_tests::example_text(name);
    xtask::verify::message::parse(std::path::Path::new(name), text.as_bytes())
        .expect("example parses")
}

/// The documented request line's path and query (after the host).
fn documented_target(message: &xtask::verify::message::Message) -> String {
    let xtask::verify::message::StartLine::Request { target, .. } = &message.start else {
        panic!("not a request");
    };
    let after_scheme = target.split_once("://").map_or(target.as_str(), |(_, rest)| rest);
    after_scheme.find('/').map_or("/".to_string(), |i| after_scheme[i..].to_string())
}

/// The request equals the documented one: method, path, query (names compared
/// case-insensitively: the page writes `entitlementtype`, the SDKs and the spec
/// `entitlementType`), every documented header but the transport's and the optional
/// `X-Locale`, and the body as JSON.
fn assert_matches_example(sent: &RecordedRequest, name: &str) {
    let documented = example(name);
    let xtask::verify::message::StartLine::Request { method, .. } = &documented.start else {
        panic!("{name}: not a request");
    };
    assert_eq!(&sent.method, method, "{name}: method");
    assert_eq!(
        sent.path.to_ascii_lowercase(),
        documented_target(&documented).to_ascii_lowercase(),
        "{name}"
    );
    for h in &documented.headers {
        let lower = h.name.to_ascii_lowercase();
        if ["host", "connection", "content-length", "x-locale"].contains(&lower.as_str()) {
            continue;
        }
        assert!(sent.header(&lower).is_some(), "{name}: documented header {} not sent", h.name);
    }
    if documented.body.is_empty() {
        assert!(sent.body.is_empty(), "{name}: a body was sent");
    } else {
        let want: serde_json::Value = serde_json::from_slice(&documented.body).expect("JSON");
        let got: serde_json::Value = serde_json::from_slice(&sent.body).expect("JSON sent");
        assert_eq!(got, want, "{name}: body");
        assert_eq!(sent.header("content-type"), Some("application/json"));
    }
}

async fn sandbox(
    build: impl FnOnce(partner_center_sandbox::SandboxBuilder) -> partner_center_sandbox::SandboxBuilder,
) -> Sandbox {
    build(Sandbox::builder().tip_partner(TIP).cancellation_latency(Duration::ZERO))
        .start()
        .await
        .expect("sandbox starts")
}

#[tokio::test]
async fn each_new_request_on_the_wire_is_its_documented_example() {
    let c1: Uuid = "18ac2950-8ea9-4dfc-92a4-ff4d4cd57796".parse().expect("uuid");
    let c2: Uuid = "de3dcef9-9991-459c-ac71-2903d1127414".parse().expect("uuid");
    let c3: Uuid = "b0d70a69-4c42-4b27-b17b-91a835d8686a".parse().expect("uuid");
    let c4: Uuid = "bd59b416-37f9-4d8f-8df3-5750111fc615".parse().expect("uuid");
    let sb = sandbox(|b| {
        b.customer_with_orders(c1, [OrderSeed::reserved_instance()])
            .customer_with_orders(c2, [OrderSeed::software().included(2)])
            .customer_with_orders(
                c3,
                [OrderSeed::reserved_instance().id("YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1")],
            )
            .customer_with_orders(
                c4,
                [OrderSeed::software().id("UKXASSO1dezh3HdxClHxSp5UEFXGbAnt1")],
            )
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());

    let all = pc.customers().by_id(c1.into()).entitlements().await.expect("200");
    assert_eq!(all.items().len(), 1);
    let software = pc
        .customers()
        .by_id(c2.into())
        .entitlements()
        .entitlement_type("software")
        .show_expiry(true)
        .await
        .expect("200");
    assert_eq!(software.all().count(), 3, "one entitlement and the two it includes");
    let read = pc
        .customers()
        .by_id(c3.into())
        .orders()
        .by_id(order("YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1"))
        .get()
        .await
        .expect("200");
    assert_eq!(read.status(), &OrderStatus::Completed);
    let cancelled = pc
        .customers()
        .by_id(c4.into())
        .orders()
        .by_id(order("UKXASSO1dezh3HdxClHxSp5UEFXGbAnt1"))
        .cancel()
        .await
        .expect("200");
    assert!(cancelled.status().is_cancelled());

    let sent = sb.requests();
    assert_eq!(sent.len(), 4);
    assert_matches_example(&sent[0], "list-entitlements.request.http");
    assert_matches_example(&sent[1], "list-entitlements-software-with-expiry.request.http");
    assert_matches_example(&sent[2], "get-order.request.http");
    assert_matches_example(&sent[3], "cancel-order.request.http");
    // The ids reported are the ids sent.
    assert_eq!(
        cancelled.call().request_id().to_string(),
        sent[3].header("ms-requestid").unwrap_or_default()
    );
    assert_eq!(
        all.call().correlation_id().to_string(),
        sent[0].header("ms-correlationid").unwrap_or_default()
    );
}

#[tokio::test]
async fn a_cancel_reads_cancelled_only_after_the_latency_and_a_second_one_meanwhile_is_in_progress()
{
    let c = Uuid::new_v4();
    let sb = Sandbox::builder()
        .tip_partner(TIP)
        .cancellation_latency(Duration::from_millis(300))
        .customer_with_orders(c, [OrderSeed::software().id("Order1")])
        .start()
        .await
        .expect("starts");
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let orders = pc.customers().by_id(c.into()).orders();
    let answer = orders.by_id(order("Order1")).cancel().await.expect("200");
    assert!(answer.status().is_cancelled(), "the answer says cancelled at once, as documented");
    let read = orders.by_id(order("Order1")).get().await.expect("200");
    assert_eq!(read.status(), &OrderStatus::Completed, "but the order reads as before for now");
    let again = orders.by_id(order("Order1")).cancel().await.expect_err("409");
    assert_eq!(code(&again), Some(ErrorCode::Number(codes::ORDER_IN_PROGRESS)));
    // The delete is refused meanwhile, naming the order by its alternate id.
    let refused = pc.customers().by_id(c.into()).delete().await.expect_err("409");
    let alternate = read.alternate_id().expect("alternate id").to_string();
    assert!(refused.to_string().contains(&alternate), "{refused}");
    assert!(refused.to_string().contains("Please cancel the following orders"), "{refused}");

    // An event, not a sleep: read until the order reads `cancelled` (the sandbox's latency is
    // short; the limit is only for a sandbox that never gets there).
    let until = Instant::now() + Duration::from_secs(30);
    while !orders.by_id(order("Order1")).get().await.expect("200").status().is_cancelled() {
        assert!(Instant::now() < until, "the order never read cancelled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(sb.order_is_cancelled(c, "Order1"));
    // Cancelling a cancelled order is not an error; then the customer can go.
    assert!(orders.by_id(order("Order1")).cancel().await.expect("200").status().is_cancelled());
    pc.customers().by_id(c.into()).delete().await.expect("204");
}

#[tokio::test]
async fn an_order_past_its_window_is_not_cancelled_and_keeps_blocking_the_delete() {
    let c = Uuid::new_v4();
    let old = OrderSeed::software()
        .id("Old1")
        .created_ago(CANCELLATION_WINDOW + Duration::from_secs(3600));
    let sb = sandbox(|b| b.customer_with_orders(c, [old])).await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let read =
        pc.customers().by_id(c.into()).orders().by_id(order("Old1")).get().await.expect("200");
    let created = read.created_at().expect("creationDate is RFC 3339");
    assert!(created.elapsed().expect("past") > CANCELLATION_WINDOW);
    let err = pc
        .customers()
        .by_id(c.into())
        .orders()
        .by_id(order("Old1"))
        .cancel()
        .await
        .expect_err("400");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(code(&err), Some(ErrorCode::Number(codes::CANCELLATION_WINDOW_PASSED)));
    assert!(!sb.order_is_cancelled(c, "Old1"));
    assert_eq!(
        pc.customers()
            .by_id(c.into())
            .delete()
            .await
            .expect_err("409")
            .status()
            .map(|s| s.as_u16()),
        Some(409)
    );
}

#[tokio::test]
async fn an_azure_plan_blocks_the_delete_and_shows_in_no_entitlement_but_in_the_subscriptions() {
    let c = Uuid::new_v4();
    let sb = sandbox(|b| b.customer_with_azure_plan(c)).await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let entitlements = pc.customers().by_id(c.into()).entitlements().await.expect("200");
    assert_eq!(entitlements.all().count(), 0);
    let subscriptions = pc.customers().by_id(c.into()).subscriptions().list().await.expect("200");
    let kinds: Vec<_> = subscriptions.items().iter().map(|s| s.kind()).collect();
    assert_eq!(kinds, [partner_center_client::SubscriptionKind::AzurePlan]);
    let refused = pc.customers().by_id(c.into()).delete().await.expect_err("409");
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(409));
    assert!(sb.has_customer(c));
}

#[tokio::test]
async fn entitlements_of_a_customer_that_is_gone_are_already_gone_and_unknown_orders_are_404() {
    let c = Uuid::new_v4();
    let sb = sandbox(|b| b.customers([c])).await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let gone = pc.customers().by_id(Uuid::new_v4().into()).entitlements().await.expect_err("404");
    assert!(gone.customer_is_gone(), "{gone}");
    let missing =
        pc.customers().by_id(c.into()).orders().by_id(order("Nope")).get().await.expect_err("404");
    assert_eq!(code(&missing), Some(ErrorCode::Number(codes::ORDER_NOT_FOUND)));
}

#[tokio::test]
async fn a_throttled_cancel_is_retried_under_the_same_request_id() {
    let c = Uuid::new_v4();
    let sb =
        sandbox(|b| b.customer_with_orders(c, [OrderSeed::reserved_instance().id("Ri1")])).await;
    sb.inject(Fault::throttle(RetryAfter::Seconds(1)).for_operation(Operation::UpdateOrder));
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let cancelled =
        pc.customers().by_id(c.into()).orders().by_id(order("Ri1")).cancel().await.expect("200");
    assert_eq!(cancelled.call().attempts(), 2);
    let sent = sb.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].header("ms-requestid"), sent[1].header("ms-requestid"));
    assert_eq!(sent[0].body, sent[1].body);
    assert_eq!((sent[0].status, sent[1].status), (Some(429), Some(200)));
}

#[tokio::test]
async fn a_repeated_request_id_replays_the_same_patch_and_refuses_another_body() {
    let c = Uuid::new_v4();
    let sb = sandbox(|b| {
        b.customer_with_orders(
            c,
            [OrderSeed::software().id("Sw1"), OrderSeed::software().id("Sw2")],
        )
    })
    .await;
    let http = partner_center_tests::http();
    let request_id = Uuid::new_v4().to_string();
    let patch = |order: &str, body: String| {
        http.patch(format!("{}/v1/customers/{c}/orders/{order}", sb.base_url()))
            .bearer_auth(TIP)
            .header("MS-RequestId", &request_id)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let body = |order: &str| format!(r#"{{"id":"{order}","status":"cancelled"}}"#);
    let first = patch("Sw1", body("Sw1")).await.expect("answer");
    assert_eq!(first.status(), 200);
    let first = first.text().await.expect("body");
    let replay = patch("Sw1", body("Sw1")).await.expect("answer");
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.text().await.expect("body"), first, "the same answer again");
    let other_body =
        patch("Sw1", body("Sw1").replace("cancelled", "Cancelled")).await.expect("answer");
    assert_eq!(other_body.status(), 409);
    let other_order = patch("Sw2", body("Sw2")).await.expect("answer");
    assert_eq!(other_order.status(), 409);
    assert!(!sb.order_is_cancelled(c, "Sw2"), "a reused id changed nothing");
}

#[tokio::test]
async fn malformed_patch_bodies_are_refused_and_recorded() {
    let c = Uuid::new_v4();
    let sb = sandbox(|b| b.customer_with_orders(c, [OrderSeed::software().id("Sw1")])).await;
    let http = partner_center_tests::http();
    let url = format!("{}/v1/customers/{c}/orders/Sw1", sb.base_url());
    for (body, status) in [
        ("{", 400),
        (r#"{"id":"Other","status":"cancelled"}"#, 400),
        (r#"{"id":"Sw1","status":"active"}"#, 400),
    ] {
        let answer = http.patch(&url).bearer_auth(TIP).body(body).send().await.expect("answer");
        assert_eq!(answer.status(), status, "{body}");
    }
    let recorded: Vec<String> = sb.requests().iter().map(|r| r.body_text().into_owned()).collect();
    assert_eq!(recorded[0], "{");
    assert!(!sb.order_is_cancelled(c, "Sw1"));
}

#[tokio::test]
async fn each_documented_resource_has_its_own_rate_limit() {
    let c = Uuid::new_v4();
    let one = NonZeroU32::MIN;
    let sb = sandbox(|b| {
        b.customer_with_orders(c, [OrderSeed::software().id("Sw1")]).rate_limit(one, one)
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries().with_max_attempts(1));
    pc.customers().list().first_page().await.expect("the customer budget's one request");
    pc.customers()
        .by_id(c.into())
        .orders()
        .by_id(order("Sw1"))
        .get()
        .await
        .expect("the order budget's own");
    let throttled = pc.customers().by_id(c.into()).entitlements().await.expect_err("429");
    assert!(throttled.is_throttled(), "entitlements count against the customer resource");
    assert!(
        pc.customers()
            .by_id(c.into())
            .orders()
            .by_id(order("Sw1"))
            .get()
            .await
            .expect_err("429")
            .is_throttled()
    );
}

#[tokio::test]
async fn a_403_to_a_listing_of_entitlements_says_app_user_credentials_are_needed() {
    let server = ScriptedServer::start(vec![Reply::json(
        403,
        r#"{"code": 2032, "description": "Access denied"}"#,
    )])
    .await;
    let pc = client_for(&server.url(), "app-only-token", quick_retries());
    let id: CustomerTenantId = Uuid::new_v4().into();
    let err = pc.customers().by_id(id).entitlements().await.expect_err("403");
    assert!(err.api().and_then(|a| a.hint()).is_some_and(|h| h.contains("App+User")), "{err}");
    assert!(err.to_string().contains("App+User"), "{err}");
}

#[test]
fn order_ids_that_could_change_the_path_are_refused_before_sending() {
    for bad in ["..", "a/b", "a\\b", "é", "", "a b", "a?b", &"x".repeat(65)] {
        let err = bad.parse::<OrderId>().expect_err(bad);
        assert!(err.to_string().contains("is not a Partner Center order id"), "{err}");
    }
    assert!("2y6dF_rVgDAXMxypQPPnTquuXhKVK_3N1".parse::<OrderId>().is_ok());
}

/// Records which resource each attempt waited on.
#[derive(Default)]
struct Recording(std::sync::Mutex<Vec<partner_center_client::Resource>>);

#[async_trait::async_trait]
impl partner_center_client::Pacer for Recording {
    async fn ready(&self) {
        panic!("the engine asks per resource");
    }
    fn throttled(&self, _wait: Duration) {}
    async fn ready_for(&self, resource: partner_center_client::Resource) {
        self.0.lock().expect("lock").push(resource);
    }
}

#[tokio::test]
async fn the_pacer_is_told_which_documented_resource_each_call_is_for() {
    use partner_center_client::Resource::{Customer, Order};
    let c = Uuid::new_v4();
    let sb = sandbox(|b| b.customer_with_orders(c, [OrderSeed::software().id("Sw1")])).await;
    let pacer = std::sync::Arc::new(Recording::default());
    let pc = partner_center_client::PartnerCenter::builder()
        .base_url(sb.base_url())
        .bearer_token(TIP)
        .pacer(std::sync::Arc::clone(&pacer))
        .build()
        .expect("client");
    pc.customers().list().first_page().await.expect("list");
    pc.customers().by_id(c.into()).entitlements().await.expect("entitlements");
    pc.customers().by_id(c.into()).orders().by_id(order("Sw1")).get().await.expect("get");
    pc.customers().by_id(c.into()).orders().by_id(order("Sw1")).cancel().await.expect("cancel");
    pc.customers().by_id(c.into()).delete().await.expect("delete");
    assert_eq!(*pacer.0.lock().expect("lock"), [Customer, Customer, Order, Order, Customer]);
}
