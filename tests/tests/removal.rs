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
    assert_eq!(removal.cancelled().iter().map(|o| o.as_str()).collect::<Vec<_>>(), ["Sw1"]);
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
async fn a_blocker_cancelled_by_subscription_is_named_when_the_delete_is_still_refused() {
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
    assert!(matches!(err.kind(), RemovalErrorKind::BlockedBySubscription(_)), "{err}");
    let text = err.to_string();
    assert!(text.contains("cancelled by subscription") && text.contains("Azure plan"), "{text}");
    assert_eq!(err.call_error().and_then(|e| e.status()).map(|s| s.as_u16()), Some(409));
    assert!(sb.has_customer(c));
}

#[tokio::test]
async fn a_customer_without_purchases_is_deleted_with_one_read_and_one_delete() {
    let c = Uuid::new_v4();
    let sb = start(Duration::ZERO, |b| b.customers([c])).await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let removal = pc.customers().by_id(c.into()).delete_with_purchases().await.expect("deleted");
    assert_eq!(removal.reached(), Phase::Done);
    assert!(removal.cancelled().is_empty() && removal.waited().is_zero());
    let methods: Vec<String> = sb.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "DELETE"]);
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
