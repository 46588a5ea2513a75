//! The local sandbox's behaviour and concurrency, driven over loopback (retries through its
//! faults are in `retries.rs`, spec conformance of its answers in `conformance.rs`).

use std::sync::Arc;
use std::time::Duration;

use partner_center_client::{CustomerTenantId, ErrorCode};
use partner_center_sandbox::{Fault, Sandbox, codes};
use uuid::Uuid;

use partner_center_tests::{PROD, TIP, sandbox_with};

use partner_center_tests::{quick_retries as quick, sandbox_client as client};

fn cid(id: Uuid) -> CustomerTenantId {
    id.into()
}

#[tokio::test]
async fn a_customer_is_deleted_once_then_not_found() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    let pc = client(&sandbox, TIP, quick());
    let deleted = pc.customers().by_id(cid(c)).delete().await.expect("204");
    assert_eq!(deleted.call().attempts(), 1);
    assert!(!sandbox.has_customer(c));

    let err = pc.customers().by_id(cid(c)).delete().await.expect_err("404");
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.api().and_then(|a| a.code().cloned()),
        Some(ErrorCode::Number(codes::TENANT_NOT_FOUND))
    );
}

#[tokio::test]
async fn a_production_partner_may_not_delete() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[], &[c]).await;
    let err =
        client(&sandbox, PROD, quick()).customers().by_id(cid(c)).delete().await.expect_err("403");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(
        err.api().and_then(|a| a.code().cloned()),
        Some(ErrorCode::Number(codes::ACCESS_DENIED))
    );
    assert!(err.to_string().contains("integration sandbox"), "{err}");
    assert!(sandbox.has_customer(c), "nothing deleted");
    assert_eq!(sandbox.requests().len(), 1, "403 is not retried");
}

fn raw() -> reqwest::Client {
    partner_center_tests::http()
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
        assert_eq!(body["code"], codes::PARTNER_TOKEN_MISSING);
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
    assert_eq!(
        resp.json::<serde_json::Value>().await.expect("json")["code"],
        codes::INVALID_CUSTOMER_ID
    );

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
    for method in [reqwest::Method::POST, reqwest::Method::PATCH, reqwest::Method::PUT] {
        let resp = raw().request(method.clone(), url(&sandbox, &id)).send().await.expect("answer");
        assert_eq!(resp.status(), 405, "{method} {:?}", resp.headers());
        assert_eq!(
            resp.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some("GET,HEAD,DELETE"),
            "{method}"
        );
        for echoed in ["ms-requestid", "ms-correlationid"] {
            assert!(resp.headers().contains_key(echoed), "{method} 405 lacks {echoed}");
        }
    }
    // The collection's path: GET and HEAD (the listing) and POST (a create) only.
    let list = format!("{}/v1/customers", sandbox.base_url());
    let resp = raw().put(&list).send().await.expect("answer");
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers().get("allow").and_then(|v| v.to_str().ok()), Some("GET,HEAD,POST"));
    let resp = raw()
        .head(&list)
        .header("Authorization", format!("Bearer {TIP}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 200, "HEAD is GET without the body");
    assert!(resp.bytes().await.expect("body").is_empty());
    // A path segment that is not even valid percent-encoding is still a JSON 400.
    let resp = raw()
        .delete(format!("{}/v1/customers/%ZZ", sandbox.base_url()))
        .header("Authorization", format!("Bearer {TIP}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<serde_json::Value>().await.expect("json")["code"],
        codes::INVALID_CUSTOMER_ID
    );
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
        assert_eq!(deleted.call().attempts(), 1);
        ok += 1;
    }
    assert_eq!(ok, 1000);
    assert!(sandbox.customers(TIP).is_empty());
    assert_eq!(sandbox.requests().len(), 1000, "exactly one request each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_repeats_of_one_request_id_all_get_the_one_outcome() {
    // Repeats that arrive while the original is being answered wait for its answer instead of
    // being handled again (which would turn all but one into 404s).
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    // The first is slow, so the others arrive while it is in flight.
    sandbox.inject(Fault::delay(Duration::from_millis(300)));
    let rid = Uuid::new_v4();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        // A client each, so each repeat has its own connection and they truly overlap.
        let request = raw()
            .delete(url(&sandbox, &c.to_string()))
            .header("Authorization", format!("Bearer {TIP}"))
            .header("MS-RequestId", rid.to_string());
        tasks.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    let statuses: Vec<u16> =
        tasks.join_all().await.into_iter().map(|r| r.expect("answer")).collect();
    assert!(statuses.iter().all(|&s| s == 204), "{statuses:?}");
    assert!(!sandbox.has_customer(c));
    assert_eq!(sandbox.remembered(), 1);
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

#[test]
fn the_sandbox_handle_is_usable_across_tasks() {
    fn check<T: Send + Sync>() {}
    check::<Sandbox>();
    let _ = Arc::new(());
}

#[tokio::test]
async fn refusals_a_user_can_fix_say_why() {
    let (mine, theirs, blocked) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .customers([mine])
        .customer_with_active_purchases(blocked)
        .tip_partner("other-tip-partner")
        .customers([theirs])
        .start()
        .await
        .expect("sandbox");
    let pc = client(&sandbox, TIP, quick());
    let err = pc.customers().by_id(cid(theirs)).delete().await.expect_err("403");
    let api = err.api().expect("answer");
    assert_eq!(api.status(), 403);
    assert_eq!(api.code(), Some(&ErrorCode::Number(codes::NO_RELATIONSHIP)));
    assert!(api.description().is_some_and(|d| d.contains("no commerce relationship")));
    assert!(sandbox.has_customer(theirs));

    let err = pc.customers().by_id(cid(blocked)).delete().await.expect_err("409");
    let api = err.api().expect("answer");
    assert_eq!(api.status(), 409);
    assert!(api.description().is_some_and(|d| d.contains("active Azure reserved instances")));
    assert!(sandbox.has_customer(blocked));
    pc.customers().by_id(cid(mine)).delete().await.expect("the others go");
}

#[tokio::test]
async fn a_rate_limit_answers_429_with_retry_after_above_it() {
    use std::num::NonZeroU32;
    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
    let per_minute = NonZeroU32::new(60).expect("nonzero");
    let burst = NonZeroU32::new(2).expect("nonzero");
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .customers(ids.iter().copied())
        .rate_limit(per_minute, burst)
        .start()
        .await
        .expect("sandbox");
    let raw = partner_center_tests::http();
    let mut statuses = Vec::new();
    for id in &ids[..3] {
        let resp = raw
            .delete(url(&sandbox, &id.to_string()))
            .header("Authorization", format!("Bearer {TIP}"))
            .send()
            .await
            .expect("answer");
        if resp.status() == 429 {
            assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
        }
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [204, 204, 429], "a burst of 2, then one a second");
    assert_eq!(sandbox.throttled(), 1);
    assert!(sandbox.has_customer(ids[2]), "a throttled request changes nothing");
}

#[tokio::test]
async fn the_record_keeps_each_answers_status_and_none_for_a_dropped_connection() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    let pc = client(&sandbox, TIP, quick());
    pc.customers().by_id(cid(c)).delete().await.expect("204");
    pc.customers().by_id(cid(c)).delete().await.expect_err("404");
    let put = raw().put(url(&sandbox, &c.to_string())).bearer_auth(TIP).send().await.expect("405");
    assert_eq!(put.status(), 405);
    sandbox.inject(Fault::drop_connection());
    let _ = raw().get(format!("{}/v1/customers", sandbox.base_url())).bearer_auth(TIP).send().await;
    let statuses: Vec<(String, Option<u16>)> =
        sandbox.requests().into_iter().map(|r| (r.method.clone(), r.status)).collect();
    assert_eq!(
        statuses,
        [
            ("DELETE".to_string(), Some(204)),
            ("DELETE".to_string(), Some(404)),
            ("PUT".to_string(), Some(405)),
            ("GET".to_string(), None),
        ]
    );
    // Routes that take no body record none.
    assert!(sandbox.requests().iter().all(|r| r.body.is_empty()));
}

#[tokio::test]
async fn fault_names_come_from_the_routing_table() {
    for op in partner_center_sandbox::Operation::all() {
        let fault: Fault = format!("drop:1@{}", op.name()).parse().expect("known name");
        assert_eq!(fault, Fault::drop_connection().for_operation(op));
    }
    let refused = "drop:1@nothing".parse::<Fault>().expect_err("unknown name");
    assert!(
        refused.contains("unknown operation `nothing`")
            && refused.contains("list|get-customer|delete"),
        "{refused}"
    );
}
