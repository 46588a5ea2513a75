//! The documented delete procedure (`delete_with_purchases`) against the sandbox: what it
//! sends, where it stops, and that running it again converges.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_center_client::{Phase, PollPolicy, Progress, RemovalErrorKind};
use partner_center_sandbox::{CANCELLATION_WINDOW, OrderSeed, Sandbox, SandboxBuilder};
use partner_center_tests::{TIP, client_for, quick_retries};
use tokio::sync::Notify;
use uuid::Uuid;

fn fast() -> PollPolicy {
    PollPolicy::default()
        .with_interval(Duration::from_millis(20))
        .with_max_interval(Duration::from_millis(50))
        .with_limit(Duration::from_secs(20))
}

async fn start(latency: Duration, seed: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Sandbox {
    seed(Sandbox::builder().tip_partner(TIP).cancellation_latency(latency))
        .start()
        .await
        .expect("sandbox starts")
}

fn count(sb: &Sandbox, method: &str, path_part: &str) -> usize {
    sb.requests().iter().filter(|r| r.method == method && r.path.contains(path_part)).count()
}

#[tokio::test]
async fn orders_are_cancelled_once_each_confirmed_by_reads_then_the_customer_is_deleted() {
    let c = Uuid::new_v4();
    let sb = start(Duration::from_millis(150), |b| {
        b.customer_with_orders(
            c,
            [
                // Two entitlements' worth of one order, with included ones: one order id.
                OrderSeed::software().id("Shared1").line_items(2).included(2),
                OrderSeed::reserved_instance().id("Ri1"),
                OrderSeed::software().id("Done1").cancelled(),
            ],
        )
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .polling(fast())
        .on_progress(move |p| log.lock().expect("log").push(format!("{p:?}")))
        .await
        .expect("removed");

    assert_eq!(removal.reached(), Phase::Done);
    assert!(!removal.is_stopped() && !removal.was_already_gone());
    let mut cancelled: Vec<&str> = removal.cancelled().iter().map(|o| o.as_str()).collect();
    cancelled.sort();
    assert_eq!(cancelled, ["Ri1", "Shared1"]);
    let mut accepted: Vec<&str> = removal.cancel_accepted().iter().map(|o| o.as_str()).collect();
    accepted.sort();
    assert_eq!(accepted, ["Ri1", "Shared1"]);
    assert!(removal.not_attempted().is_empty() && removal.deferred().is_empty());
    assert_eq!(
        removal.already_cancelled().iter().map(|o| o.as_str()).collect::<Vec<_>>(),
        ["Done1"]
    );
    assert!(removal.waited() >= Duration::from_millis(100), "it waited for the latency");
    assert!(!sb.has_customer(c));

    // Exactly two PATCHes and one DELETE; every order read at least once before, and each
    // cancelled one read again until it said so.
    assert_eq!(count(&sb, "PATCH", "/orders/"), 2);
    assert_eq!(count(&sb, "DELETE", &c.to_string()), 1);
    assert_eq!(count(&sb, "GET", "/entitlements"), 1);
    assert!(count(&sb, "GET", "/orders/Shared1") >= 2);
    assert_eq!(count(&sb, "GET", "/orders/Done1"), 1);
    let deleted = removal.deleted().expect("the delete's ids");
    let delete = sb.requests().into_iter().find(|r| r.method == "DELETE").expect("delete sent");
    assert_eq!(
        delete.header("ms-requestid"),
        Some(deleted.call().request_id().to_string().as_str())
    );
    let steps = seen.lock().expect("log").join("\n");
    for phase in ["LookingUp", "Cancelling", "Waiting", "Deleting", "Done"] {
        assert!(steps.contains(phase), "{phase} not reported:\n{steps}");
    }
}

#[tokio::test]
async fn an_order_past_its_window_cancels_nothing_and_names_the_order() {
    let c = Uuid::new_v4();
    let old = OrderSeed::software()
        .id("Old1")
        .created_ago(CANCELLATION_WINDOW + Duration::from_secs(86_400));
    let sb = start(Duration::ZERO, |b| {
        b.customer_with_orders(c, [OrderSeed::reserved_instance().id("Ri1"), old])
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let err = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .polling(fast())
        .await
        .expect_err("refused");
    assert_eq!(err.phase(), Phase::LookingUp);
    assert_eq!(err.order().map(|o| o.as_str()), Some("Old1"));
    assert!(
        matches!(err.kind(), RemovalErrorKind::PastCancellationWindow { days: 61, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("Old1") && err.to_string().contains("60-day"), "{err}");
    assert_eq!(count(&sb, "PATCH", ""), 0, "nothing cancelled for this customer");
    assert_eq!(count(&sb, "DELETE", ""), 0);
    assert!(!sb.order_is_cancelled(c, "Ri1"));
}

#[tokio::test]
async fn stopped_during_the_wait_says_so_and_a_second_run_converges() {
    let c = Uuid::new_v4();
    let sb = start(Duration::from_millis(400), |b| {
        b.customer_with_orders(c, [OrderSeed::software().id("Sw1")])
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let waiting = Arc::new(Notify::new());
    let signal = Arc::clone(&waiting);
    let stop = Arc::clone(&waiting);
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .polling(PollPolicy::default().with_interval(Duration::from_secs(30)))
        .on_progress(move |p| {
            if matches!(p, Progress::Phase(Phase::Waiting)) {
                signal.notify_one();
            }
        })
        .stop_on(async move { stop.notified().await })
        .await
        .expect("stopped, not failed");
    assert!(removal.is_stopped());
    assert_eq!(removal.reached(), Phase::Waiting);
    assert_eq!(removal.cancel_accepted().iter().map(|o| o.as_str()).collect::<Vec<_>>(), ["Sw1"]);
    assert!(removal.cancelled().is_empty(), "accepted, not yet read cancelled");
    assert!(removal.deleted().is_none());
    assert!(removal.waited() < Duration::from_secs(30), "the stop ended the wait at once");
    assert!(sb.has_customer(c), "orders cancelled, not deleted");

    // Run again, at once (the cancel is still in progress: its 409 means "wait on"), then
    // again after the order reads cancelled: both converge to the customer being gone.
    let again = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .polling(fast())
        .await
        .expect("converges");
    assert_eq!(again.reached(), Phase::Done);
    assert!(!sb.has_customer(c));
    let last = pc.customers().by_id(c.into()).delete_with_purchases().await.expect("already gone");
    assert!(last.was_already_gone());
}

#[tokio::test]
async fn an_azure_plan_not_asked_for_is_left_alone_and_named_when_the_delete_is_refused() {
    let c = Uuid::new_v4();
    let sb = start(Duration::ZERO, |b| b.customer_with_azure_plan(c)).await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let err = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .polling(fast())
        .await
        .expect_err("blocked");
    assert_eq!(err.phase(), Phase::Deleting);
    let RemovalErrorKind::DeleteRefused { still_active, not_seen, .. } = err.kind() else {
        panic!("not a refusal: {err}");
    };
    assert!(not_seen.is_empty(), "the plan's order is the plan subscription's: {err}");
    assert_eq!(still_active.len(), 1, "{err}");
    let text = err.to_string();
    assert!(text.contains("Azure plan") && text.contains("--cancel-azure-subscriptions"), "{text}");
    assert_eq!(err.call_error().and_then(|e| e.status()).map(|s| s.as_u16()), Some(409));
    assert!(
        sb.requests().iter().all(|r| r.method == "GET" || r.method == "DELETE"),
        "nothing was cancelled or suspended"
    );
    assert!(sb.has_customer(c));
}

#[tokio::test]
async fn a_customer_without_purchases_is_deleted_with_two_reads_and_one_delete() {
    let c = Uuid::new_v4();
    let sb = start(Duration::ZERO, |b| b.customers([c])).await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let removal = pc.customers().by_id(c.into()).delete_with_purchases().await.expect("deleted");
    assert_eq!(removal.reached(), Phase::Done);
    assert!(removal.cancelled().is_empty() && removal.waited().is_zero());
    let calls: Vec<String> =
        sb.requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    let c = c.to_string();
    assert_eq!(
        calls,
        [
            format!("GET /v1/customers/{c}/entitlements"),
            format!("GET /v1/customers/{c}/subscriptions"),
            format!("DELETE /v1/customers/{c}")
        ]
    );
}

#[tokio::test]
async fn a_cancel_that_fails_is_reported_with_its_order_and_no_delete_is_sent() {
    let c = Uuid::new_v4();
    let sb =
        start(Duration::ZERO, |b| b.customer_with_orders(c, [OrderSeed::software().id("Sw1")]))
            .await;
    sb.inject(
        partner_center_sandbox::Fault::server_error(500)
            .times(10)
            .for_operation(partner_center_sandbox::Operation::UpdateOrder),
    );
    let pc = client_for(&sb.base_url(), TIP, quick_retries().with_max_attempts(2));
    let err = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .polling(fast())
        .await
        .expect_err("fails");
    assert_eq!(err.phase(), Phase::Cancelling);
    assert_eq!(err.order().map(|o| o.as_str()), Some("Sw1"));
    assert!(err.call_error().is_some_and(|e| e.may_have_applied()), "{err}");
    assert_eq!(count(&sb, "DELETE", ""), 0);
}

/// The library's side of convergence: the procedure's future dropped after a counted number of
/// polls (a step, not a time), under seeded chaos, then called again until it finishes, for
/// every stopping point up to the one where it would have finished on its own. Whatever the
/// stop, the customer ends deleted, its orders cancelled first and never after its deletion,
/// and the bystander untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_after_any_number_of_polls_then_called_again_it_converges() {
    use partner_center_sandbox::Chaos;
    use std::future::IntoFuture as _;
    use std::task::Poll;

    let mut stops = 0;
    for polls in 1..=60_u32 {
        let (c, bystander) = (Uuid::new_v4(), Uuid::new_v4());
        // Cancellations take a few polling rounds to read cancelled, so the procedure needs
        // several polls whatever the load, and there are stopping points in every phase.
        let sb = start(Duration::from_millis(60), |b| {
            b.chaos(Chaos::new(u64::from(polls), 0.05))
                .customer_with_orders(
                    c,
                    [
                        OrderSeed::software().id("Shared1").line_items(2).included(2),
                        OrderSeed::reserved_instance(),
                    ],
                )
                .customer_with_orders(bystander, [OrderSeed::reserved_instance()])
        })
        .await;
        let pc = client_for(&sb.base_url(), TIP, quick_retries());
        let mut first =
            pc.customers().by_id(c.into()).delete_with_purchases().polling(fast()).into_future();
        let mut left = polls;
        let finished = std::future::poll_fn(|cx| {
            if left == 0 {
                return Poll::Ready(false);
            }
            left -= 1;
            first.as_mut().poll(cx).map(|_| true)
        })
        .await;
        drop(first);
        if !finished {
            stops += 1;
        }
        // Called again (chaos can fail a call past its retries: then once more, bounded).
        let mut converged = false;
        for _ in 0..5 {
            if pc.customers().by_id(c.into()).delete_with_purchases().polling(fast()).await.is_ok()
            {
                converged = true;
                break;
            }
        }
        assert!(converged, "polls {polls}: did not converge");
        assert!(!sb.has_customer(c), "polls {polls}");
        assert!(sb.has_customer(bystander), "polls {polls}");
        let record = sb.requests();
        let deleted = record
            .iter()
            .position(|r| r.method == "DELETE" && r.applied())
            .expect("an applied delete");
        assert!(
            record[deleted..].iter().all(|r| r.method != "PATCH"),
            "polls {polls}: an order PATCHed after its customer's deletion"
        );
        assert!(record.iter().all(|r| !r.path.contains(&bystander.to_string())), "polls {polls}");
        if finished {
            // Stopping points from here on are past the end: nothing left to stop.
            break;
        }
    }
    assert!(stops >= 4, "the future was stopped at only {stops} points");
}

// ---------------------------------------------------------------------------------------------
// What a run reports is what happened: each case sent over the wire, checked against the
// server's record.
// ---------------------------------------------------------------------------------------------

use partner_center_client::{DeleteRefusal, Error, PartnerCenter, Verdict};
use partner_center_tests::{Reply, ScriptedServer};

/// A customer id for the scripted servers (they do not check it).
const SCRIPTED: &str = "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f";

fn scripted_customer() -> partner_center_client::CustomerTenantId {
    SCRIPTED.parse().expect("a GUID")
}

/// An entitlements answer naming software orders `orders` (order id, alternate id).
fn entitlements(orders: &[(&str, &str)]) -> Reply {
    let items: Vec<serde_json::Value> = orders
        .iter()
        .map(|(id, alt)| {
            serde_json::json!({
                "referenceOrder": { "id": id, "lineItemId": "0", "alternateId": alt },
                "productId": "DG7GMGF0DWT0",
                "skuId": "0001",
                "quantity": 1,
                "entitlementType": "software",
                "includedEntitlements": [],
                "entitledArtifacts": [],
            })
        })
        .collect();
    Reply::json(200, &serde_json::json!({ "totalCount": items.len(), "items": items }).to_string())
}

/// A subscriptions answer with none.
fn no_subscriptions() -> Reply {
    Reply::json(200, r#"{"totalCount":0,"items":[],"attributes":{"objectType":"Collection"}}"#)
}

/// An order answer: `status`, created `created` (RFC 3339 text; `None`: no date).
fn order(id: &str, alt: &str, status: &str, created: Option<&str>) -> Reply {
    let mut o = serde_json::json!({
        "id": id,
        "alternateId": alt,
        "referenceCustomerId": SCRIPTED,
        "status": status,
        "lineItems": [],
    });
    if let Some(created) = created {
        o["creationDate"] = serde_json::json!(created);
    }
    Reply::json(200, &o.to_string())
}

fn error(status: u16, code: i64, description: &str) -> Reply {
    Reply::json(
        status,
        &serde_json::json!({ "code": code, "description": description, "source": "PartnerFD" })
            .to_string(),
    )
}

/// `ago` before now, written with the offset `offset_hours` (`-07:00` for -7).
fn date_with_offset(ago: Duration, offset_hours: i64, fraction: bool) -> String {
    let utc = std::time::SystemTime::now() - ago;
    let local = if offset_hours >= 0 {
        utc + Duration::from_secs(offset_hours.unsigned_abs() * 3600)
    } else {
        utc - Duration::from_secs(offset_hours.unsigned_abs() * 3600)
    };
    let text = humantime::format_rfc3339_seconds(local).to_string();
    let sign = if offset_hours < 0 { '-' } else { '+' };
    let fraction = if fraction { ".1234567" } else { "" };
    format!("{}{fraction}{sign}{:02}:00", text.trim_end_matches('Z'), offset_hours.unsigned_abs())
}

fn scripted_client(server: &ScriptedServer) -> PartnerCenter {
    client_for(&server.url(), TIP, quick_retries())
}

const DAY: Duration = Duration::from_secs(86_400);

/// Item 1: with 8 orders, 2 at a time and each cancel taking 400 ms, a stop fired when the
/// first cancel is accepted lets no other cancel start than the one already in flight.
#[tokio::test]
async fn a_stop_lets_the_cancels_in_flight_finish_and_starts_no_other() {
    let c = Uuid::new_v4();
    let seeds: Vec<OrderSeed> =
        (0..8).map(|i| OrderSeed::software().id(format!("Order{i}"))).collect();
    let sb = start(Duration::ZERO, |b| b.customer_with_orders(c, seeds)).await;
    sb.inject(
        partner_center_sandbox::Fault::delay(Duration::from_millis(400))
            .times(100)
            .for_operation(partner_center_sandbox::Operation::UpdateOrder),
    );
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let stop = Arc::new(Notify::new());
    let fire = Arc::clone(&stop);
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .concurrency(2)
        .polling(fast())
        .on_progress(move |p| {
            if matches!(p, Progress::CancelAccepted(_)) {
                fire.notify_one();
            }
        })
        .stop_on(async move { stop.notified().await })
        .await
        .expect("stopped, not failed");
    assert!(removal.is_stopped());
    assert_eq!(count(&sb, "PATCH", "/orders/"), 2, "only the two cancels in flight were sent");
    assert_eq!(removal.cancel_accepted().len(), 2);
    assert_eq!(removal.not_attempted().len(), 6, "{removal:?}");
    assert_eq!(count(&sb, "DELETE", ""), 0);
    let cancelled = (0..8).filter(|i| sb.order_is_cancelled(c, &format!("Order{i}"))).count();
    assert_eq!(cancelled, 2, "what the result says is what the sandbox holds");
}

/// Item 2: a 409 "in progress" is not an acceptance. An order still being placed reads
/// `pending` and refuses cancels with 800060; the procedure reads it, waits until it is placed,
/// sends the cancel again and only then counts it.
#[tokio::test]
async fn an_order_in_progress_is_cancelled_once_placed_and_its_409_is_not_counted() {
    let c = Uuid::new_v4();
    let sb = start(Duration::ZERO, |b| {
        b.customer_with_orders(
            c,
            [OrderSeed::software().id("New1").placing_for(Duration::from_millis(300))],
        )
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .polling(fast())
        .on_progress(move |p| log.lock().expect("log").push(format!("{p:?}")))
        .await
        .expect("removed");
    assert_eq!(removal.reached(), Phase::Done);
    assert_eq!(removal.cancel_accepted().iter().map(|o| o.as_str()).collect::<Vec<_>>(), ["New1"]);
    assert_eq!(removal.cancelled().iter().map(|o| o.as_str()).collect::<Vec<_>>(), ["New1"]);
    let patches: Vec<Option<u16>> =
        sb.requests().iter().filter(|r| r.method == "PATCH").map(|r| r.status).collect();
    assert_eq!(patches.first(), Some(&Some(409)), "the first cancel was refused as in progress");
    assert_eq!(patches.last(), Some(&Some(200)), "sent again once placed: {patches:?}");
    let steps = seen.lock().expect("log").join("\n");
    assert!(steps.contains("CancelDeferred") && steps.contains("CancelAccepted"), "{steps}");
}

/// Item 2: an order that waits for a person ends the wait for it, saying so.
#[tokio::test]
async fn an_order_waiting_for_a_review_ends_the_wait_with_an_error_that_says_so() {
    let server = ScriptedServer::start(vec![
        entitlements(&[("Rev1", "rev1")]),
        no_subscriptions(),
        order("Rev1", "rev1", "completed", None),
        error(
            409,
            800060,
            "Your order is in progress. Check your order history for recent orders in few minutes",
        ),
        order("Rev1", "rev1", "pending_review", None),
    ])
    .await;
    let err = scripted_client(&server)
        .customers()
        .by_id(scripted_customer())
        .delete_with_purchases()
        .polling(fast())
        .await
        .expect_err("needs a person");
    assert!(matches!(err.kind(), RemovalErrorKind::NeedsAttention { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("pending_review") && text.contains("person"), "{text}");
    assert!(err.done().cancel_accepted().is_empty(), "nothing was accepted");
    assert_eq!(err.done().deferred().iter().map(|o| o.as_str()).collect::<Vec<_>>(), ["Rev1"]);
    let methods: Vec<String> = server.seen().iter().map(|s| s.method.clone()).collect();
    assert_eq!(methods, ["GET", "GET", "GET", "PATCH", "GET"], "no delete was sent");
}

/// Item 3: a server refusal for the 60-day window keeps Partner Center's error, says the age
/// was unknown when it was, and names the order this run did cancel.
#[tokio::test]
async fn a_window_refusal_keeps_the_servers_error_and_names_what_was_cancelled() {
    let recent = date_with_offset(DAY, 0, false);
    let server = ScriptedServer::start(vec![
        entitlements(&[("A1", "aaa"), ("B1", "bbb")]),
        no_subscriptions(),
        order("A1", "aaa", "completed", Some(&recent)),
        order("B1", "bbb", "completed", None),
        order("A1", "aaa", "cancelled", Some(&recent)),
        error(400, 900117, "You have passed your 60-day cancellation window."),
    ])
    .await;
    let err = scripted_client(&server)
        .customers()
        .by_id(scripted_customer())
        .delete_with_purchases()
        .concurrency(1)
        .polling(fast())
        .await
        .expect_err("refused");
    let RemovalErrorKind::CancelRefusedPastWindow { order, days, error } = err.kind() else {
        panic!("{err}");
    };
    assert_eq!((order.as_str(), *days), ("B1", None));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    let text = err.to_string();
    assert!(text.contains("age is unknown"), "{text}");
    assert!(text.contains("passed your 60-day cancellation window"), "the server's words: {text}");
    assert!(text.contains("MS-RequestId"), "{text}");
    assert!(text.contains("cancels accepted: A1"), "{text}");
    assert!(!text.contains("nothing was cancelled"), "{text}");
    assert_eq!(err.done().cancel_accepted().iter().map(|o| o.as_str()).collect::<Vec<_>>(), ["A1"]);
}

/// Item 4: creation dates with any offset, with and without fractions, are read; a missing one
/// is "age unknown" in the plan.
#[tokio::test]
async fn creation_dates_with_any_offset_are_read_and_a_missing_one_is_age_unknown() {
    let old = date_with_offset(DAY * 70, -7, false);
    let new_plus = date_with_offset(DAY * 10, 5, false);
    // A minute more than three days: the written date drops the clock's fraction of a second
    // and adds its own (.1234567), which could make it read a moment under three days.
    let new_fraction = date_with_offset(DAY * 3 + Duration::from_secs(60), 5, true);
    let server = ScriptedServer::start(vec![
        entitlements(&[("Old1", "o"), ("Plus1", "p"), ("Frac1", "f"), ("None1", "n")]),
        no_subscriptions(),
        order("Frac1", "f", "completed", Some(&new_fraction)),
        order("None1", "n", "completed", None),
        order("Old1", "o", "completed", Some(&old)),
        order("Plus1", "p", "completed", Some(&new_plus)),
    ])
    .await;
    let plan = scripted_client(&server)
        .customers()
        .by_id(scripted_customer())
        .delete_with_purchases()
        .concurrency(1)
        .plan()
        .await
        .expect("read")
        .expect("there");
    let verdicts: Vec<(&str, Option<u64>, Verdict)> =
        plan.orders().iter().map(|o| (o.id().as_str(), o.age_days(), o.verdict())).collect();
    assert_eq!(
        verdicts,
        [
            ("Frac1", Some(3), Verdict::Cancel),
            ("None1", None, Verdict::CancelAgeUnknown),
            ("Old1", Some(70), Verdict::PastWindow { days: 70 }),
            ("Plus1", Some(10), Verdict::Cancel),
        ]
    );
}

/// Item 5: a gateway's 404 is not "already gone": a read of the customer decides.
#[tokio::test]
async fn a_gateway_404_is_not_already_gone_unless_a_read_says_so() {
    let gateway = Reply::json(404, r#"{"statusCode":404,"message":"Resource not found"}"#);
    let customer = Reply::json(
        200,
        &serde_json::json!({ "id": SCRIPTED, "companyProfile": { "tenantId": SCRIPTED } })
            .to_string(),
    );
    // The procedure: entitlements answered by a gateway, the customer still reads.
    let server = ScriptedServer::start(vec![gateway.clone(), customer.clone()]).await;
    let err = scripted_client(&server)
        .customers()
        .by_id(scripted_customer())
        .delete_with_purchases()
        .await
        .expect_err("the customer is still there");
    assert_eq!(err.call_error().and_then(|e| e.status()).map(|s| s.as_u16()), Some(404));
    assert!(!err.done().was_already_gone());
    let paths: Vec<String> = server.seen().iter().map(|s| s.path.clone()).collect();
    assert!(paths[1].ends_with(SCRIPTED), "the customer was read: {paths:?}");

    // The plain delete: the same rule.
    let server = ScriptedServer::start(vec![gateway.clone(), customer]).await;
    let pc = scripted_client(&server);
    let by_id = pc.customers().by_id(scripted_customer());
    let e = by_id.delete().await.expect_err("404");
    assert!(!e.customer_is_gone(), "no tenant-not-found code");
    assert!(!by_id.confirm_gone(&e).await.expect("read"), "the read found the customer");

    // A 404 without the code, then a read that says tenant-not-found: gone.
    let server = ScriptedServer::start(vec![gateway, error(404, 60003, "Tenant not found")]).await;
    let removal = scripted_client(&server)
        .customers()
        .by_id(scripted_customer())
        .delete_with_purchases()
        .await
        .expect("gone");
    assert!(removal.was_already_gone());
}

/// Item 6: a 200 to the DELETE (empty or `{}`) is a success, with its status.
#[tokio::test]
async fn a_200_to_the_delete_is_a_success_of_the_procedure() {
    for body in ["", "{}"] {
        let server = ScriptedServer::start(vec![
            entitlements(&[]),
            no_subscriptions(),
            Reply::status(200).header("Content-Type", "application/json").body(body.as_bytes()),
        ])
        .await;
        let removal = scripted_client(&server)
            .customers()
            .by_id(scripted_customer())
            .delete_with_purchases()
            .await
            .unwrap_or_else(|e| panic!("body {body:?}: {e}"));
        assert_eq!(removal.deleted().map(|d| d.status().as_u16()), Some(200), "{body:?}");
    }
}

/// Item 7: the refusal is recognised by what it says whatever its status, and an order this
/// run read cancelled that Partner Center still names is said to lag, not to need suspending.
#[tokio::test]
async fn the_purchases_refusal_is_recognised_on_400_403_and_409() {
    for status in [400, 403, 409] {
        let c = Uuid::new_v4();
        let sb = start(Duration::ZERO, |b| {
            b.purchases_refusal_status(reqwest::StatusCode::from_u16(status).expect("status"))
                .customer_with_azure_plan(c)
        })
        .await;
        let pc = client_for(&sb.base_url(), TIP, quick_retries());
        let plain = pc.customers().by_id(c.into()).delete().await.expect_err("refused");
        assert!(DeleteRefusal::of(&plain).is_some(), "{status}: {plain}");
        let hint = plain.api().and_then(|a| a.hint()).unwrap_or_default();
        assert!(hint.contains("delete_with_purchases"), "{status}: {hint}");
        let err = pc
            .customers()
            .by_id(c.into())
            .delete_with_purchases()
            .polling(fast())
            .await
            .expect_err("refused");
        assert!(matches!(err.kind(), RemovalErrorKind::DeleteRefused { .. }), "{status}: {err}");
    }

    let recent = date_with_offset(DAY, 0, false);
    let server = ScriptedServer::start(vec![
        entitlements(&[("Lag1", "lag1")]),
        no_subscriptions(),
        order("Lag1", "lag1", "completed", Some(&recent)),
        order("Lag1", "lag1", "cancelled", Some(&recent)),
        order("Lag1", "lag1", "cancelled", Some(&recent)),
        error(
            409,
            409,
            "Customer relationship cannot be removed due to active Azure reserved instances.Please cancel the following orders: lag1",
        ),
    ])
    .await;
    let err = scripted_client(&server)
        .customers()
        .by_id(scripted_customer())
        .delete_with_purchases()
        .polling(fast())
        .await
        .expect_err("refused");
    let RemovalErrorKind::DeleteRefused { still_reported, not_seen, .. } = err.kind() else {
        panic!("{err}");
    };
    assert_eq!((still_reported.as_slice(), not_seen.len()), (["lag1".to_string()].as_slice(), 0));
    let text = err.to_string();
    assert!(text.contains("can lag") && !text.contains("suspend"), "{text}");
    assert!(!text.contains("--cancel-purchases"), "not sent to do what it just did: {text}");
}

/// Item 8: one hint per error, by operation, status and code, Partner Center's reason first.
#[tokio::test]
async fn hints_fit_the_call() {
    let server = ScriptedServer::start(vec![
        error(403, 2032, "Access denied"),
        error(403, 2032, "Access denied"),
        error(403, 20002, "partner id x has no commerce relationship with the customer id y"),
        error(403, 2032, "Access denied"),
    ])
    .await;
    let pc = scripted_client(&server);
    let by_id = pc.customers().by_id(scripted_customer());
    let hint = |e: &Error| e.api().and_then(|a| a.hint()).unwrap_or_default().to_owned();

    let delete = by_id.delete().await.expect_err("403");
    assert!(hint(&delete).contains("if this partner account is not one"), "{}", hint(&delete));
    let list = pc.customers().list().first_page().await.expect_err("403");
    assert_eq!(hint(&list), "", "no reading of 2032 is documented for a listing");
    let entitlements = by_id.entitlements().await.expect_err("403");
    assert!(hint(&entitlements).contains("no commerce relationship"), "{}", hint(&entitlements));
    assert!(!hint(&entitlements).contains("App+User"), "one explanation only");
    let entitlements = by_id.entitlements().await.expect_err("403");
    assert!(hint(&entitlements).contains("App+User"), "{}", hint(&entitlements));
}

/// Item 10: a zero poll interval is raised to the floor: the wait is never a tight loop.
#[tokio::test]
async fn a_zero_poll_interval_is_never_a_tight_loop() {
    let c = Uuid::new_v4();
    let latency = Duration::from_millis(300);
    let sb = start(latency, |b| b.customer_with_orders(c, [OrderSeed::software().id("Sw1")])).await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let zero =
        PollPolicy::default().with_interval(Duration::ZERO).with_max_interval(Duration::ZERO);
    assert_eq!(zero.interval(), PollPolicy::MIN_INTERVAL);
    pc.customers().by_id(c.into()).delete_with_purchases().polling(zero).await.expect("removed");
    // A tight loop reads the order thousands of times in the latency; the floor allows at most
    // one read per MIN_INTERVAL (plus the lookup's).
    let most = (latency.as_millis() / PollPolicy::MIN_INTERVAL.as_millis()) as usize + 5;
    let reads = count(&sb, "GET", "/orders/Sw1");
    assert!(reads <= most, "{reads} reads of the order in {latency:?}");
}

/// Item 0: a cancel goes to a base URL that could be Partner Center only with a token of the
/// named TiP partner tenant; otherwise nothing is written. (The HTTPS sandbox under a name that
/// is not loopback stands in for Partner Center.)
#[tokio::test]
async fn a_cancel_is_sent_only_with_a_token_of_the_named_tip_tenant() {
    use partner_center_sandbox::NON_LOOPBACK_NAME;
    use partner_center_tests::identity::test_jwt;

    let tip = Uuid::new_v4();
    let token = test_jwt(&serde_json::json!({ "tid": tip.to_string() }));
    for named in [None, Some(Uuid::new_v4()), Some(tip)] {
        let c = Uuid::new_v4();
        let sb = Sandbox::builder()
            .tip_partner(token.clone())
            .cancellation_latency(Duration::ZERO)
            .customer_with_orders(c, [OrderSeed::software().id("Sw1")])
            .tls()
            .start()
            .await
            .expect("sandbox");
        let addr: std::net::SocketAddr =
            sb.base_url().trim_start_matches("https://").parse().expect("addr");
        let ca = reqwest::Certificate::from_pem(sb.ca_certificate_pem().expect("CA").as_bytes())
            .expect("ca");
        let mut builder = PartnerCenter::builder()
            .base_url(format!("https://{NON_LOOPBACK_NAME}:{}", addr.port()))
            .bearer_token(token.clone())
            .retry_policy(quick_retries())
            .configure_http(move |b| b.add_root_certificate(ca).resolve(NON_LOOPBACK_NAME, addr));
        if let Some(tenant) = named {
            builder = builder.tip_partner_tenant(tenant);
        }
        let pc = builder.build().expect("client");
        let result = pc.customers().by_id(c.into()).delete_with_purchases().polling(fast()).await;
        if named == Some(tip) {
            assert_eq!(result.expect("removed").reached(), Phase::Done);
            assert!(!sb.has_customer(c));
            continue;
        }
        let err = result.expect_err("refused");
        assert!(
            matches!(err.call_error(), Some(Error::NotKnownTip { call: None, .. })),
            "{named:?}: {err}"
        );
        assert_eq!(err.phase(), Phase::LookingUp, "refused before the first read");
        assert!(sb.requests().is_empty(), "{named:?}: nothing sent, not even a read");
        assert!(pc.check_tip_account().await.is_err());
        let text = err.to_string();
        assert!(text.contains("tip_partner_tenant") && !text.contains(&token), "{text}");
    }
}

/// Item 11: an entitlements answer that says it holds more than it carries is an error, never a
/// plan on part of the list.
#[tokio::test]
async fn entitlements_that_do_not_fit_one_answer_are_an_error() {
    let partial = serde_json::json!({ "totalCount": 3, "items": [] }).to_string();
    let server = ScriptedServer::start(vec![Reply::json(200, &partial)]).await;
    let err = scripted_client(&server)
        .customers()
        .by_id(scripted_customer())
        .delete_with_purchases()
        .plan()
        .await
        .expect_err("refused");
    assert!(matches!(err.call_error(), Some(Error::InvalidAnswer { .. })), "{err}");
    assert!(err.to_string().contains("holds 3 but carries 0"), "{err}");
    assert_eq!(server.seen().len(), 1, "nothing planned, nothing else sent");

    let linked = serde_json::json!({
        "totalCount": 0,
        "items": [],
        "links": { "next": { "uri": "/v1/customers/x/entitlements?seek=2", "method": "GET" } },
    })
    .to_string();
    let server = ScriptedServer::start(vec![Reply::json(200, &linked)]).await;
    let err = scripted_client(&server)
        .customers()
        .by_id(scripted_customer())
        .delete_with_purchases()
        .plan()
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("links to a next part"), "{err}");
    assert_eq!(server.seen().len(), 1);
}

/// Codes sent as text (the documented schema says string) mean what the numbers mean: 800060
/// is "in progress", 60003 is "gone".
#[tokio::test]
async fn codes_sent_as_text_are_read_like_numbers() {
    let text_code = |status: u16, code: &str, description: &str| {
        Reply::json(
            status,
            &serde_json::json!({ "code": code, "description": description }).to_string(),
        )
    };
    let server = ScriptedServer::start(vec![
        entitlements(&[("Txt1", "txt1")]),
        no_subscriptions(),
        order("Txt1", "txt1", "completed", None),
        text_code(409, "800060", "Your order is in progress."),
        order("Txt1", "txt1", "cancelled", None),
        text_code(404, "60003", "Tenant not found"),
    ])
    .await;
    let removal = scripted_client(&server)
        .customers()
        .by_id(scripted_customer())
        .delete_with_purchases()
        .polling(fast())
        .await
        .expect("read as in progress, then gone");
    assert!(removal.was_already_gone(), "{removal:?}");
    assert!(removal.cancel_accepted().is_empty(), "a 409 is not an acceptance");
    assert_eq!(removal.cancelled().iter().map(|o| o.as_str()).collect::<Vec<_>>(), ["Txt1"]);
    assert_eq!(server.seen().len(), 6, "no read of the customer: 60003 says it");
}

/// A stop that comes while a cancel waits for its retry (after a 503 that may have applied)
/// sends no further attempt, and the order is named as sent, not accepted, maybe applied.
#[tokio::test]
async fn a_stop_during_a_retry_wait_sends_no_further_attempt() {
    let c = Uuid::new_v4();
    let sb =
        start(Duration::ZERO, |b| b.customer_with_orders(c, [OrderSeed::software().id("Sw1")]))
            .await;
    sb.inject(
        partner_center_sandbox::Fault::server_error(503)
            .times(5)
            .for_operation(partner_center_sandbox::Operation::UpdateOrder),
    );
    let slow = quick_retries()
        .with_initial_backoff(Duration::from_secs(2))
        .with_max_backoff(Duration::from_secs(5));
    let pc = client_for(&sb.base_url(), TIP, slow);
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .polling(fast())
        .stop_on(async {
            while count(&sb, "PATCH", "") == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("stopped");
    assert!(removal.is_stopped());
    assert_eq!(count(&sb, "PATCH", ""), 1, "no attempt after the stop");
    let names = |o: &[partner_center_client::OrderId]| {
        o.iter().map(|o| o.as_str().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names(removal.cancel_failed()), ["Sw1"]);
    assert_eq!(names(removal.cancel_maybe_applied()), ["Sw1"], "a 503 may have applied");
    assert!(removal.not_attempted().is_empty() && removal.cancel_accepted().is_empty());
    assert_eq!(count(&sb, "DELETE", ""), 0);
}
