//! Retries end to end: sandbox faults (throttling, server errors, slow answers, dropped
//! connections) driving the client's retry engine, for both operations.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use partner_center_client::{CustomerTenantId, Error, RetryPolicy};
use partner_center_sandbox::{Fault, Operation, RetryAfter};
use partner_center_tests::{TIP, sandbox_with};
use uuid::Uuid;

use partner_center_tests::{quick_retries as quick, sandbox_client as client};

fn cid(id: Uuid) -> CustomerTenantId {
    id.into()
}

#[tokio::test]
async fn throttling_with_seconds_is_waited_out() {
    let c = Uuid::new_v4();
    let sandbox = sandbox_with(&[c], &[]).await;
    sandbox.inject(Fault::throttle(RetryAfter::Seconds(1)));
    let started = Instant::now();
    let deleted =
        client(&sandbox, TIP, quick()).customers().by_id(cid(c)).delete().await.expect("retried");
    assert_eq!(deleted.call().attempts(), 2);
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
    assert_eq!(deleted.call().attempts(), 2);
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
        assert_eq!(deleted.call().attempts(), 3, "{status}");
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
    assert_eq!(deleted.call().attempts(), 2);
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
    assert_eq!(deleted.call().attempts(), 2);
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
    assert!(err.call().map(|c| c.request_id()).is_some());
}

#[tokio::test]
async fn faults_can_target_one_customer() {
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let sandbox = sandbox_with(&[a, b], &[]).await;
    sandbox.inject(Fault::server_error(503).times(5).for_customer(a));
    let pc = client(&sandbox, TIP, quick().with_max_attempts(2));
    assert_eq!(
        pc.customers().by_id(cid(b)).delete().await.expect("b unaffected").call().attempts(),
        1
    );
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

#[tokio::test]
async fn a_throttled_page_is_waited_out_then_the_listing_goes_on() {
    let ids: Vec<Uuid> = (0..10).map(|_| Uuid::new_v4()).collect();
    let sandbox = sandbox_with(&ids, &[]).await;
    let pc = client(&sandbox, TIP, quick());
    let list = pc.customers().list().page_size(7);
    let first = list.first_page().await.expect("first page");
    assert_eq!(first.call().attempts(), 1);
    sandbox.inject(Fault::throttle(RetryAfter::Seconds(1)).for_operation(Operation::ListCustomers));
    // A delete is not the listed operation: the fault waits for the page request.
    pc.customers().by_id(cid(ids[9])).delete().await.expect("delete not throttled");
    let started = Instant::now();
    let second = list.page_after(first.continuation().expect("more")).await.expect("second page");
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After obeyed");
    assert_eq!(second.call().attempts(), 2);
    assert_eq!(second.customers().len(), 2, "10 customers, 7 on the first page, one deleted");
    // Both attempts of the page request carried the same MS-RequestId.
    let rids: Vec<String> = sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("seekOperation=Next"))
        .filter_map(|r| r.header("ms-requestid").map(str::to_string))
        .collect();
    assert_eq!(rids.len(), 2);
    assert_eq!(rids[0], rids[1]);
}

#[tokio::test]
async fn server_errors_on_a_page_are_retried_and_the_stream_completes() {
    let ids: Vec<Uuid> = (0..30).map(|_| Uuid::new_v4()).collect();
    let sandbox = sandbox_with(&ids, &[]).await;
    sandbox.inject(Fault::server_error(503).for_operation(Operation::ListCustomers).times(2));
    let pc = client(&sandbox, TIP, quick());
    let listed: Vec<Uuid> = pc
        .customers()
        .list()
        .page_size(7)
        .stream()
        .map_ok(|c| c.id().as_uuid())
        .try_collect()
        .await
        .expect("listing");
    assert_eq!(listed, ids);
}
