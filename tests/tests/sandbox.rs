//! The local sandbox: its behaviour, its concurrency, its faults driving the client's retries
//! end to end, and every kind of answer it gives validated against the spec by the same code
//! that validates the documented examples.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use partner_center_client::{CustomerTenantId, Error, ErrorCode, PartnerCenter, RetryPolicy};
use partner_center_sandbox::{Fault, RetryAfter, Sandbox};
use uuid::Uuid;

const TIP: &str = "tip-token";
const PROD: &str = "production-token";

fn quick() -> RetryPolicy {
    partner_center_tests::quick_retries()
}

fn client(sandbox: &Sandbox, token: &str, policy: RetryPolicy) -> PartnerCenter {
    PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .bearer_token(token)
        .retry_policy(policy)
        .build()
        .expect("client builds")
}

async fn sandbox_with(customers: &[Uuid], prod_customers: &[Uuid]) -> Sandbox {
    Sandbox::builder()
        .tip_partner(TIP)
        .customers(customers.iter().copied())
        .production_partner(PROD)
        .customers(prod_customers.iter().copied())
        .start()
        .await
        .expect("sandbox starts")
}

fn cid(id: Uuid) -> CustomerTenantId {
    id.into()
}

#[tokio::test]
async fn a_customer_is_deleted_once_then_not_found() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    let pc = client(&sandbox, TIP, quick());
    let deleted = pc.customers().by_id(cid(c)).delete().await.expect("204");
    assert_eq!(deleted.attempts(), 1);
    assert!(!sandbox.has_customer(c));

    let err = pc.customers().by_id(cid(c)).delete().await.expect_err("404");
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.api().and_then(|a| a.code().cloned()), Some(ErrorCode::Number(60003)));
}

#[tokio::test]
async fn a_production_partner_may_not_delete() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[], &[c]).await;
    let err =
        client(&sandbox, PROD, quick()).customers().by_id(cid(c)).delete().await.expect_err("403");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(err.to_string().contains("integration sandbox"), "{err}");
    assert!(sandbox.has_customer(c), "nothing deleted");
    assert_eq!(sandbox.requests().len(), 1, "403 is not retried");
}

fn raw() -> reqwest::Client {
    reqwest::Client::new()
}

fn url(sandbox: &Sandbox, id: &str) -> String {
    format!("{}/v1/customers/{id}", sandbox.base_url())
}

#[tokio::test]
async fn missing_or_unknown_tokens_are_refused_with_a_challenge() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    for auth in [None, Some("Bearer nope"), Some("Basic dXNlcjpwYXNz")] {
        let mut req = raw().delete(url(&sandbox, &c.to_string()));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let resp = req.send().await.expect("answer");
        assert_eq!(resp.status(), 401, "{auth:?}");
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(challenge.starts_with("OAuth realm=urn:cpsvc:cpid:"), "{challenge}");
        let body: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(body["code"], 800001);
    }
    assert!(sandbox.has_customer(c));
}

#[tokio::test]
async fn malformed_ids_are_bad_requests() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    let bearer = format!("Bearer {TIP}");
    let resp = raw()
        .delete(url(&sandbox, "not-a-guid"))
        .header("Authorization", &bearer)
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<serde_json::Value>().await.expect("json")["code"], 900118);

    for header in ["MS-RequestId", "MS-CorrelationId"] {
        let resp = raw()
            .delete(url(&sandbox, &c.to_string()))
            .header("Authorization", &bearer)
            .header(header, "12345")
            .send()
            .await
            .expect("answer");
        assert_eq!(resp.status(), 400, "{header}");
        // The echoed ids are still GUIDs, as the spec says.
        for echoed in ["ms-requestid", "ms-correlationid"] {
            let v = resp.headers().get(echoed).and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert!(Uuid::try_parse(v).is_ok(), "{echoed}: {v}");
        }
    }
    assert!(sandbox.has_customer(c));
}

#[tokio::test]
async fn ids_are_echoed_or_generated() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    let (rid, corr) = (Uuid::new_v4(), Uuid::new_v4());
    let resp = raw()
        .delete(url(&sandbox, &c.to_string()))
        .header("Authorization", format!("Bearer {TIP}"))
        .header("MS-RequestId", rid.to_string())
        .header("MS-CorrelationId", corr.to_string())
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 204);
    assert_eq!(resp.headers()["ms-requestid"], rid.to_string().as_str());
    assert_eq!(resp.headers()["ms-correlationid"], corr.to_string().as_str());

    let resp = raw().delete(url(&sandbox, &c.to_string())).send().await.expect("answer");
    for name in ["ms-requestid", "ms-correlationid"] {
        let v = resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(Uuid::try_parse(v).is_ok(), "generated {name}: {v}");
    }
}

#[tokio::test]
async fn a_repeated_request_id_replays_the_original_outcome() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    let send = |rid: Uuid| {
        raw()
            .delete(url(&sandbox, &c.to_string()))
            .header("Authorization", format!("Bearer {TIP}"))
            .header("MS-RequestId", rid.to_string())
            .send()
    };
    let rid = Uuid::new_v4();
    assert_eq!(send(rid).await.expect("answer").status(), 204);
    assert!(!sandbox.has_customer(c));
    assert_eq!(
        send(rid).await.expect("answer").status(),
        204,
        "a retry of a done delete is 204 again"
    );
    assert_eq!(
        send(Uuid::new_v4()).await.expect("answer").status(),
        404,
        "a new call sees it gone"
    );

    // The same MS-RequestId for another customer is not a retry: refused, nothing deleted.
    let other = Uuid::new_v4();
    sandbox.add_customer(TIP, other);
    let resp = raw()
        .delete(url(&sandbox, &other.to_string()))
        .header("Authorization", format!("Bearer {TIP}"))
        .header("MS-RequestId", rid.to_string())
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 409);
    assert!(sandbox.has_customer(other));
}

#[tokio::test]
async fn undeclared_methods_and_paths() {
    let sandbox = sandbox_with(&[], &[]).await;
    let id = Uuid::new_v4().to_string();
    for method in
        [reqwest::Method::GET, reqwest::Method::POST, reqwest::Method::PATCH, reqwest::Method::PUT]
    {
        let resp = raw().request(method.clone(), url(&sandbox, &id)).send().await.expect("answer");
        assert_eq!(resp.status(), 405, "{method} {:?}", resp.headers());
        assert_eq!(
            resp.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some("DELETE"),
            "{method}"
        );
        for echoed in ["ms-requestid", "ms-correlationid"] {
            assert!(resp.headers().contains_key(echoed), "{method} 405 lacks {echoed}");
        }
    }
    // A path segment that is not even valid percent-encoding is still a JSON 400.
    let resp = raw()
        .delete(format!("{}/v1/customers/%ZZ", sandbox.base_url()))
        .header("Authorization", format!("Bearer {TIP}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<serde_json::Value>().await.expect("json")["code"], 900118);
    let resp = raw()
        .delete(format!("{}/v1/partners/{id}", sandbox.base_url()))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn requests_are_recorded_without_the_token() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    client(&sandbox, TIP, quick()).customers().by_id(cid(c)).delete().await.expect("204");
    let seen = sandbox.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "DELETE");
    assert_eq!(seen[0].path, format!("/v1/customers/{c}"));
    assert_eq!(seen[0].header("authorization"), Some("Bearer <redacted>"));
    assert!(seen[0].header("ms-requestid").is_some());
    assert!(!format!("{seen:?}").contains(TIP));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_deletes_of_distinct_customers_each_succeed_once() {
    let customers: Vec<Uuid> = (0..1000).map(|_| Uuid::new_v4()).collect();
    let sandbox = sandbox_with(&customers, &[]).await;
    let pc = client(&sandbox, TIP, quick());
    let mut tasks = tokio::task::JoinSet::new();
    for &c in &customers {
        let pc = pc.clone();
        tasks.spawn(async move { pc.customers().by_id(cid(c)).delete().await });
    }
    let mut ok = 0;
    while let Some(result) = tasks.join_next().await {
        let deleted = result.expect("task").expect("every delete succeeds");
        assert_eq!(deleted.attempts(), 1);
        ok += 1;
    }
    assert_eq!(ok, 1000);
    assert!(sandbox.customers(TIP).is_empty());
    assert_eq!(sandbox.requests().len(), 1000, "exactly one request each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deletes_of_one_customer_yield_exactly_one_success() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    let pc = client(&sandbox, TIP, quick());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let pc = pc.clone();
        tasks.spawn(async move { pc.customers().by_id(cid(c)).delete().await });
    }
    let (mut ok, mut gone) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.expect("task") {
            Ok(_) => ok += 1,
            Err(e) if e.is_not_found() => gone += 1,
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!((ok, gone), (1, 99));
}

// Faults, each driving the client's retry logic end to end.

#[tokio::test]
async fn throttling_with_seconds_is_waited_out() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    sandbox.inject(Fault::throttle(RetryAfter::Seconds(1)));
    let started = Instant::now();
    let deleted =
        client(&sandbox, TIP, quick()).customers().by_id(cid(c)).delete().await.expect("retried");
    assert_eq!(deleted.attempts(), 2);
    assert!(started.elapsed() >= Duration::from_millis(950));
    let seen = sandbox.requests();
    assert_eq!(seen[0].header("ms-requestid"), seen[1].header("ms-requestid"));
}

#[tokio::test]
async fn throttling_with_an_http_date_is_waited_out() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    sandbox.inject(Fault::throttle(RetryAfter::HttpDateIn(Duration::from_secs(2))));
    let started = Instant::now();
    let deleted =
        client(&sandbox, TIP, quick()).customers().by_id(cid(c)).delete().await.expect("retried");
    assert_eq!(deleted.attempts(), 2);
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[tokio::test]
async fn server_errors_are_retried_under_the_same_request_id() {
    for status in [500, 502, 503, 504] {
        let c = Uuid::new_v4();
        let sandbox = sandbox_with(&[c], &[]).await;
        sandbox.inject(Fault::server_error(status).times(2));
        let deleted = client(&sandbox, TIP, quick())
            .customers()
            .by_id(cid(c))
            .delete()
            .await
            .expect("retried");
        assert_eq!(deleted.attempts(), 3, "{status}");
        let ids: Vec<_> = sandbox
            .requests()
            .iter()
            .map(|r| r.header("ms-requestid").map(str::to_string))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{status}: {ids:?}");
    }
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    sandbox.inject(Fault::delay(Duration::from_secs(3)));
    let policy = quick().with_attempt_timeout(Duration::from_millis(300));
    let deleted =
        client(&sandbox, TIP, policy).customers().by_id(cid(c)).delete().await.expect("retried");
    assert_eq!(deleted.attempts(), 2);
    // The slow first attempt may or may not have deleted before the client gave up; either
    // way the replayed outcome under the same MS-RequestId is a 204.
    assert!(!sandbox.has_customer(c));
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    sandbox.inject(Fault::drop_connection());
    let deleted =
        client(&sandbox, TIP, quick()).customers().by_id(cid(c)).delete().await.expect("retried");
    assert_eq!(deleted.attempts(), 2);
    assert_eq!(sandbox.connections(), 2, "the dropped connection was closed");

    // Without retries the drop is a transport error naming the request id.
    let d = Uuid::new_v4();
    sandbox.add_customer(TIP, d);
    sandbox.inject(Fault::drop_connection());
    let err = client(&sandbox, TIP, RetryPolicy::no_retries())
        .customers()
        .by_id(cid(d))
        .delete()
        .await
        .expect_err("dropped");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.request_id().is_some());
}

#[tokio::test]
async fn faults_can_target_one_customer() {
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let sandbox = sandbox_with(&[a, b], &[]).await;
    sandbox.inject(Fault::server_error(503).times(5).for_customer(a));
    let pc = client(&sandbox, TIP, quick().with_max_attempts(2));
    assert_eq!(pc.customers().by_id(cid(b)).delete().await.expect("b unaffected").attempts(), 1);
    let err = pc.customers().by_id(cid(a)).delete().await.expect_err("a keeps failing");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn a_thousand_sequential_calls_reuse_one_connection() {
    let customers: Vec<Uuid> = (0..1000).map(|_| Uuid::new_v4()).collect();
    let sandbox = sandbox_with(&customers, &[]).await;
    let pc = client(&sandbox, TIP, quick());
    let clone = pc.clone();
    for (i, &c) in customers.iter().enumerate() {
        // Clones share the pool.
        let pc = if i % 2 == 0 { &pc } else { &clone };
        pc.customers().by_id(cid(c)).delete().await.expect("204");
    }
    assert_eq!(sandbox.requests().len(), 1000);
    assert_eq!(sandbox.connections(), 1);
}

// Conformance: the validator `cargo xtask verify` uses, applied to live answers.

struct Exchange {
    label: &'static str,
    request: xtask::verify::message::Message,
    response: xtask::verify::message::Message,
}

fn header(name: &str, value: &str) -> xtask::verify::message::Header {
    xtask::verify::message::Header { name: name.into(), value: value.into(), line: 0 }
}

async fn exchange(
    label: &'static str,
    sandbox: &Sandbox,
    method: &str,
    id: &str,
    headers: &[(&str, &str)],
) -> Exchange {
    use xtask::verify::message::{Message, StartLine};
    let path = format!("/v1/customers/{id}");
    let mut req =
        raw().request(method.parse().expect("method"), format!("{}{path}", sandbox.base_url()));
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    let resp = req.send().await.expect("answer");
    let status = resp.status().as_u16();
    let resp_headers = resp
        .headers()
        .iter()
        .map(|(n, v)| header(n.as_str(), v.to_str().unwrap_or_default()))
        .collect();
    let body = resp.bytes().await.expect("body").to_vec();
    // The sandbox stands in for the declared server, so the request is shown as sent there.
    let mut req_headers = vec![header("Host", "api.partnercenter.microsoft.com")];
    req_headers.extend(headers.iter().map(|(n, v)| header(n, v)));
    Exchange {
        label,
        request: Message {
            start: StartLine::Request { method: method.into(), target: path },
            headers: req_headers,
            body: vec![],
            body_line: 0,
        },
        response: Message {
            start: StartLine::Response { status },
            headers: resp_headers,
            body,
            body_line: 0,
        },
    }
}

#[tokio::test]
async fn every_kind_of_answer_conforms_to_the_spec() {
    let root = xtask::workspace_root();
    let spec = xtask::spec::Spec::load(&root.join(xtask::SPEC_PATH)).expect("spec");
    let (c, p) = (Uuid::new_v4(), Uuid::new_v4());
    let sandbox = sandbox_with(&[c], &[p]).await;
    let tip = format!("Bearer {TIP}");
    let prod = format!("Bearer {PROD}");
    let rid = Uuid::new_v4().to_string();
    let (cs, ps) = (c.to_string(), p.to_string());
    let ok_headers = [
        ("Authorization", tip.as_str()),
        ("Accept", "application/json"),
        ("MS-RequestId", rid.as_str()),
    ];

    let mut exchanges = vec![
        exchange("204", &sandbox, "DELETE", &cs, &ok_headers).await,
        exchange("204 replayed", &sandbox, "DELETE", &cs, &ok_headers).await,
        exchange("404", &sandbox, "DELETE", &cs, &[("Authorization", tip.as_str())]).await,
        exchange("403", &sandbox, "DELETE", &ps, &[("Authorization", prod.as_str())]).await,
        exchange("401 missing", &sandbox, "DELETE", &cs, &[]).await,
        exchange("401 unknown", &sandbox, "DELETE", &cs, &[("Authorization", "Bearer nope")]).await,
        exchange(
            "400 id",
            &sandbox,
            "DELETE",
            "<customer-tenant-id>",
            &[("Authorization", tip.as_str())],
        )
        .await,
        exchange(
            "409 reused request id",
            &sandbox,
            "DELETE",
            &ps,
            &[("Authorization", tip.as_str()), ("MS-RequestId", rid.as_str())],
        )
        .await,
    ];
    sandbox.inject(Fault::throttle(RetryAfter::Seconds(57)));
    exchanges.push(
        exchange("429 seconds", &sandbox, "DELETE", &cs, &[("Authorization", tip.as_str())]).await,
    );
    sandbox.inject(Fault::throttle(RetryAfter::HttpDateIn(Duration::from_secs(30))));
    exchanges.push(
        exchange("429 date", &sandbox, "DELETE", &cs, &[("Authorization", tip.as_str())]).await,
    );
    for status in [500, 502, 503, 504] {
        sandbox.inject(Fault::server_error(status));
        exchanges.push(
            exchange("5xx", &sandbox, "DELETE", &cs, &[("Authorization", tip.as_str())]).await,
        );
    }

    let expected = [204, 204, 404, 403, 401, 401, 400, 409, 429, 429, 500, 502, 503, 504];
    let got: Vec<u16> = exchanges
        .iter()
        .map(|e| match e.response.start {
            xtask::verify::message::StartLine::Response { status } => status,
            _ => 0,
        })
        .collect();
    assert_eq!(got, expected);
    for e in &exchanges {
        let problems = xtask::verify::examples::check_exchange(
            &spec,
            Path::new(&format!("{} request", e.label)),
            &e.request,
            Path::new(&format!("{} response", e.label)),
            &e.response,
        );
        assert!(
            problems.is_empty(),
            "{}: {:?}",
            e.label,
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }

    // The validator is live: an answer off the spec is caught.
    let mut wrong = exchanges.remove(0);
    wrong.response.start = xtask::verify::message::StartLine::Response { status: 418 };
    let problems = xtask::verify::examples::check_exchange(
        &spec,
        Path::new("req"),
        &wrong.request,
        Path::new("resp"),
        &wrong.response,
    );
    assert!(
        problems.iter().any(|p| p.message.contains("status 418 is not declared")),
        "{problems:?}"
    );
}

#[test]
fn the_sandbox_handle_is_usable_across_tasks() {
    fn check<T: Send + Sync>() {}
    check::<Sandbox>();
    let _ = Arc::new(());
}
