//! The delete procedure with subscriptions, over loopback against the sandbox: each kind gets
//! its call once (after the orders), what is already ended is skipped, a window refusal is
//! suspended and said so, a marketplace subscription that ends only at renewal is reported
//! with its date, what the procedure cannot place is never touched, a 409 is waited out, a
//! stop says what it left, and a second run converges.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use partner_center_client::{
    LeftAlone, Phase, PollPolicy, Progress, RemovalErrorKind, SubscriptionAction, SubscriptionKind,
    SubscriptionStatus, SubscriptionStep,
};
use partner_center_sandbox::{
    Fault, NEW_COMMERCE_CANCELLATION_WINDOW, Operation, OrderSeed, RecordedRequest, Sandbox,
    SandboxBuilder, SubscriptionSeed, codes,
};
use partner_center_tests::{Reply, ScriptedServer, TIP, client_for, quick_retries};
use tokio::sync::Notify;
use uuid::Uuid;

const NCE: &str = "a4c1340d-6911-4758-bba3-0c4c6007d161";
const NCE_DONE: &str = "b4c1340d-6911-4758-bba3-0c4c6007d162";
const LEGACY: &str = "968BA1CF-C146-4ADF-A300-308DCF718EEE";
const LEGACY_DONE: &str = "968BA1CF-C146-4ADF-A300-308DCF718EEF";
const SAAS: &str = "c4c1340d-6911-4758-bba3-0c4c6007d163";

fn fast() -> PollPolicy {
    PollPolicy::default()
        .with_interval(Duration::from_millis(20))
        .with_max_interval(Duration::from_millis(50))
        .with_limit(Duration::from_secs(20))
}

async fn start(seed: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Sandbox {
    seed(
        Sandbox::builder()
            .tip_partner(TIP)
            .cancellation_latency(Duration::from_millis(100))
            .subscription_latency(Duration::from_millis(150)),
    )
    .start()
    .await
    .expect("sandbox starts")
}

fn patches(sb: &Sandbox, id: &str) -> Vec<RecordedRequest> {
    sb.requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with(&format!("/subscriptions/{id}")))
        .collect()
}

fn sent_status(r: &RecordedRequest) -> String {
    let body: serde_json::Value = serde_json::from_slice(&r.body).expect("a JSON body");
    body["status"].as_str().unwrap_or_default().to_owned()
}

fn status_of(sb: &Sandbox, c: Uuid, id: &str) -> &'static str {
    sb.subscriptions(c)
        .into_iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(id))
        .map_or("missing", |(_, status)| status)
}

fn step<'a>(
    removal: &'a partner_center_client::Removal,
    id: &str,
) -> &'a partner_center_client::SubscriptionOutcome {
    removal
        .subscriptions()
        .iter()
        .find(|s| s.id().as_str().eq_ignore_ascii_case(id))
        .unwrap_or_else(|| panic!("{id} not in {:?}", removal.subscriptions()))
}

#[tokio::test]
async fn each_kind_gets_its_call_once_after_the_orders_and_the_customer_is_deleted() {
    let c = Uuid::new_v4();
    let sb = start(|b| {
        b.customer_with_orders(c, [OrderSeed::reserved_instance().id("Ri1")])
            .customer_with_subscriptions(
                c,
                [
                    SubscriptionSeed::new_commerce().id(NCE).scheduled_change(),
                    SubscriptionSeed::new_commerce().id(NCE_DONE).deleted(),
                    SubscriptionSeed::legacy().id(LEGACY),
                    SubscriptionSeed::legacy().id(LEGACY_DONE).suspended(),
                    SubscriptionSeed::marketplace().id(SAAS),
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
        .subscription_polling(fast())
        .on_progress(move |p| log.lock().expect("log").push(p.clone()))
        .await
        .unwrap_or_else(|e| panic!("removed: {e}"));

    assert_eq!(removal.reached(), Phase::Done);
    assert!(!sb.has_customer(c), "deleted");
    // One update each, with the status its kind's row names, the subscription sent whole.
    for (id, status) in [(NCE, "deleted"), (LEGACY, "suspended"), (SAAS, "deleted")] {
        let sent = patches(&sb, id);
        assert_eq!(sent.len(), 1, "{id}: one update");
        assert_eq!(sent_status(&sent[0]), status, "{id}");
    }
    let nce: serde_json::Value = serde_json::from_slice(&patches(&sb, NCE)[0].body).expect("json");
    assert!(nce["scheduledNextTermInstructions"].is_object(), "nothing dropped: {nce}");
    assert_eq!(nce["autoRenewEnabled"], true, "auto-renew sent as read");
    assert!(
        patches(&sb, LEGACY)[0].header("if-match").is_some(),
        "the legacy subscription's etag is in If-Match"
    );
    for id in [NCE_DONE, LEGACY_DONE] {
        assert!(patches(&sb, id).is_empty(), "{id}: already ended, not touched");
    }
    // Orders first, then subscriptions, then the delete.
    let calls = sb.requests();
    let at = |pred: &dyn Fn(&RecordedRequest) -> bool| calls.iter().position(pred).expect("sent");
    let order_patch = at(&|r| r.method == "PATCH" && r.path.contains("/orders/"));
    let first_sub_patch = at(&|r| r.method == "PATCH" && r.path.contains("/subscriptions/"));
    let delete = at(&|r| r.method == "DELETE");
    assert!(order_patch < first_sub_patch && first_sub_patch < delete, "{calls:?}");

    // What the result says is what the sandbox holds, and each step was read, not assumed.
    assert_eq!(step(&removal, NCE).step(), &SubscriptionStep::Ended(SubscriptionStatus::Deleted));
    assert_eq!(
        step(&removal, LEGACY).step(),
        &SubscriptionStep::Ended(SubscriptionStatus::Suspended)
    );
    assert_eq!(step(&removal, SAAS).step(), &SubscriptionStep::Ended(SubscriptionStatus::Deleted));
    assert_eq!(
        step(&removal, NCE_DONE).step(),
        &SubscriptionStep::AlreadyEnded(SubscriptionStatus::Deleted)
    );
    assert_eq!(
        step(&removal, LEGACY_DONE).step(),
        &SubscriptionStep::AlreadyEnded(SubscriptionStatus::Suspended)
    );
    let seen = seen.lock().expect("log");
    let ended = seen.iter().filter(|p| matches!(p, Progress::SubscriptionEnded(..))).count();
    assert_eq!(ended, 3, "{seen:?}");
    assert!(seen.iter().any(|p| matches!(p, Progress::Phase(Phase::WaitingForSubscriptions))));
}

#[tokio::test]
async fn the_plan_shows_each_subscription_with_its_kind_and_action_and_changes_nothing() {
    let c = Uuid::new_v4();
    let late = NEW_COMMERCE_CANCELLATION_WINDOW + Duration::from_secs(86_400);
    let sb = start(|b| {
        b.customer_with_subscriptions(
            c,
            [
                SubscriptionSeed::new_commerce().id(NCE),
                SubscriptionSeed::new_commerce().id(NCE_DONE).created_ago(late),
                SubscriptionSeed::legacy().id(LEGACY),
                SubscriptionSeed::marketplace().id(SAAS).deleted(),
            ],
        )
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let plan = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .plan()
        .await
        .expect("read")
        .expect("exists");
    let row = |id: &str| {
        plan.subscriptions()
            .iter()
            .find(|s| s.id().as_str().eq_ignore_ascii_case(id))
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert_eq!(row(NCE).kind(), SubscriptionKind::NewCommerce);
    assert_eq!(row(NCE).action(), &SubscriptionAction::Cancel);
    assert!(
        matches!(row(NCE_DONE).action(), SubscriptionAction::CancelPastWindow { .. }),
        "the window the subscription states has passed: {:?}",
        row(NCE_DONE).action()
    );
    assert!(row(NCE_DONE).action().to_string().contains("suspend instead"));
    assert_eq!(row(LEGACY).kind(), SubscriptionKind::Legacy);
    assert_eq!(row(LEGACY).action(), &SubscriptionAction::Suspend);
    assert_eq!(row(SAAS).kind(), SubscriptionKind::Marketplace);
    assert_eq!(row(SAAS).action(), &SubscriptionAction::AlreadyEnded);
    assert!(sb.requests().iter().all(|r| r.method == "GET"), "reads only");
}

#[tokio::test]
async fn a_new_commerce_subscription_past_its_window_is_suspended_and_said_so() {
    let c = Uuid::new_v4();
    let late = NEW_COMMERCE_CANCELLATION_WINDOW + Duration::from_secs(86_400);
    let sb = start(|b| {
        b.customer_with_subscriptions(
            c,
            [SubscriptionSeed::new_commerce().id(NCE).created_ago(late)],
        )
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .subscription_polling(fast())
        .await
        .unwrap_or_else(|e| panic!("removed: {e}"));
    assert_eq!(removal.reached(), Phase::Done);
    let sent: Vec<String> = patches(&sb, NCE).iter().map(sent_status).collect();
    assert_eq!(sent, ["deleted", "suspended"], "cancel tried once, then suspended");
    let outcome = step(&removal, NCE);
    assert!(outcome.was_window_refused());
    assert_eq!(outcome.step(), &SubscriptionStep::Ended(SubscriptionStatus::Suspended));
    assert!(outcome.to_string().contains("suspended, not cancelled"), "{outcome}");
}

#[tokio::test]
async fn a_marketplace_subscription_past_its_window_reports_its_end_date_without_waiting() {
    let c = Uuid::new_v4();
    let sb = start(|b| {
        b.customer_with_subscriptions(
            c,
            [SubscriptionSeed::marketplace().id(SAAS).created_ago(Duration::from_secs(2 * 86_400))],
        )
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let started = Instant::now();
    let err = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .subscription_polling(fast().with_limit(Duration::from_secs(60)))
        .await
        .expect_err("an active subscription still blocks the delete");
    assert!(started.elapsed() < Duration::from_secs(30), "the poll limit was not waited out");
    let outcome = step(err.done(), SAAS);
    let SubscriptionStep::EndsAtRenewal { on: Some(date) } = outcome.step() else {
        panic!("not reported as ending at renewal: {outcome}");
    };
    let RemovalErrorKind::DeleteRefused { still_active, .. } = err.kind() else {
        panic!("not the delete's refusal: {err}");
    };
    assert_eq!(still_active.len(), 1, "{err}");
    let text = err.to_string();
    assert!(text.contains(date.as_str()) && text.contains("end of its term"), "{text}");
    assert!(!text.contains("every order"), "no claim that everything was ended: {text}");
    assert_eq!(patches(&sb, SAAS).len(), 1);
    assert!(
        !sb.requests().iter().any(|r| r.method == "GET" && r.path.ends_with(SAAS)),
        "no poll of a subscription that will not end now"
    );
    assert_eq!(status_of(&sb, c, SAAS), "active");
    assert!(sb.has_customer(c));
}

/// A subscriptions answer holding one subscription of a kind no row places (a legacy Azure
/// offer) and nothing else: the procedure reports it and never sends anything for it.
#[tokio::test]
async fn a_subscription_no_row_places_is_reported_and_never_touched() {
    let unknown = serde_json::json!({
        "totalCount": 1,
        "items": [{
            "id": NCE,
            "offerId": "MS-AZR-0145P",
            "friendlyName": "Azure in Open",
            "status": "active",
            "orderId": "abc123",
            "attributes": { "objectType": "Subscription" },
        }],
        "attributes": { "objectType": "Collection" },
    });
    let server = ScriptedServer::start(vec![
        Reply::json(200, r#"{"totalCount":0,"items":[]}"#),
        Reply::json(200, &unknown.to_string()),
        Reply::json(
            409,
            &serde_json::json!({
                "code": 409,
                "description": "Customer relationship cannot be removed due to active Azure reserved instances.Please cancel the following orders: abc123",
            })
            .to_string(),
        ),
    ])
    .await;
    let pc = client_for(&server.url(), TIP, quick_retries());
    let customer = "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f".parse().expect("a GUID");
    let err = pc.customers().by_id(customer).delete_with_purchases().await.expect_err("refused");
    let methods: Vec<String> = server.seen().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "GET", "DELETE"], "no update was sent");
    let outcome = step(err.done(), NCE);
    assert_eq!(outcome.kind(), SubscriptionKind::Unknown);
    assert_eq!(outcome.step(), &SubscriptionStep::LeftAlone(LeftAlone::UnknownKind));
    let text = err.to_string();
    assert!(text.contains("Azure in Open") && text.contains("left alone"), "{text}");
}

#[tokio::test]
async fn a_409_is_waited_out_and_900278_stops_the_customer_with_its_advice() {
    // A renewal in progress (a 409 without the 24-hour code): sent again once read, once.
    let c = Uuid::new_v4();
    let sb =
        start(|b| b.customer_with_subscriptions(c, [SubscriptionSeed::new_commerce().id(NCE)]))
            .await;
    sb.inject(Fault::refusal(409, 800014).for_operation(Operation::UpdateSubscription));
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .subscription_polling(fast())
        .await
        .unwrap_or_else(|e| panic!("removed: {e}"));
    assert_eq!(removal.reached(), Phase::Done);
    assert_eq!(patches(&sb, NCE).len(), 2, "refused once, then accepted");
    assert_eq!(step(&removal, NCE).step(), &SubscriptionStep::Ended(SubscriptionStatus::Deleted));

    // A pending operation "for 24 hours": the customer stops there, saying so; nothing else.
    let c = Uuid::new_v4();
    let sb =
        start(|b| b.customer_with_subscriptions(c, [SubscriptionSeed::new_commerce().id(NCE)]))
            .await;
    sb.inject(
        Fault::refusal(409, codes::SUBSCRIPTION_PENDING_OPERATION)
            .for_operation(Operation::UpdateSubscription),
    );
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let err = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .subscription_polling(fast())
        .await
        .expect_err("stopped for 24 hours");
    assert!(matches!(err.kind(), RemovalErrorKind::SubscriptionPendingOperation { .. }), "{err}");
    assert_eq!(err.subscription().map(|s| s.as_str().to_owned()), Some(NCE.to_owned()));
    assert!(err.to_string().contains("after 24 hours"), "{err}");
    assert_eq!(patches(&sb, NCE).len(), 1);
    assert!(!sb.requests().iter().any(|r| r.method == "DELETE"), "no delete");
    assert_eq!(status_of(&sb, c, NCE), "active");
}

#[tokio::test]
async fn a_202_with_location_is_followed_by_reads_until_the_subscription_reads_ended() {
    let c = Uuid::new_v4();
    let sb = start(|b| {
        b.subscription_updates_accepted()
            .customer_with_subscriptions(c, [SubscriptionSeed::legacy().id(LEGACY)])
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .subscription_polling(fast())
        .await
        .unwrap_or_else(|e| panic!("removed: {e}"));
    assert_eq!(
        step(&removal, LEGACY).step(),
        &SubscriptionStep::Ended(SubscriptionStatus::Suspended)
    );
    let reads = sb
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(&format!("/subscriptions/{LEGACY}")))
        .count();
    assert!(reads >= 1, "read until it shows suspended");
}

#[tokio::test]
async fn a_stop_during_the_subscription_updates_says_what_it_left_and_a_second_run_converges() {
    let c = Uuid::new_v4();
    let ids: Vec<String> =
        (0..6).map(|i| format!("d4c1340d-6911-4758-bba3-0c4c6007d16{i}")).collect();
    let sb = start(|b| {
        b.customer_with_subscriptions(
            c,
            ids.iter().map(|id| SubscriptionSeed::new_commerce().id(id.clone())),
        )
    })
    .await;
    sb.inject(
        Fault::delay(Duration::from_millis(300))
            .times(100)
            .for_operation(Operation::UpdateSubscription),
    );
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let stop = Arc::new(Notify::new());
    let fire = Arc::clone(&stop);
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .concurrency(2)
        .subscription_polling(fast())
        .on_progress(move |p| {
            if matches!(p, Progress::SubscriptionAccepted(..)) {
                fire.notify_one();
            }
        })
        .stop_on(async move { stop.notified().await })
        .await
        .unwrap_or_else(|e| panic!("stopped, not failed: {e}"));
    assert!(removal.is_stopped());
    let sent: usize = ids.iter().map(|id| patches(&sb, id).len()).sum();
    assert_eq!(sent, 2, "only the two updates in flight were sent");
    let accepted = removal
        .subscriptions()
        .iter()
        .filter(|s| matches!(s.step(), SubscriptionStep::Accepted(_)))
        .count();
    let not_attempted = removal
        .subscriptions()
        .iter()
        .filter(|s| s.step() == &SubscriptionStep::NotAttempted)
        .count();
    assert_eq!((accepted, not_attempted), (2, 4), "{:?}", removal.subscriptions());
    assert!(!sb.requests().iter().any(|r| r.method == "DELETE"));

    // Again, to the end: each subscription updated once in all, the customer deleted.
    sb.clear_faults();
    let again = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .subscription_polling(fast())
        .await
        .unwrap_or_else(|e| panic!("converged: {e}"));
    assert_eq!(again.reached(), Phase::Done);
    for id in &ids {
        let n = patches(&sb, id).len();
        // An update accepted by the first run may still read active within the latency, and
        // is then sent again, refused (2011) and taken as already deleted.
        assert!((1..=2).contains(&n), "{id}: {n} updates");
    }
    assert!(!sb.has_customer(c));
}

fn azure_fast() -> PollPolicy {
    PollPolicy::for_azure_entitlements()
        .with_interval(Duration::from_millis(20))
        .with_max_interval(Duration::from_millis(50))
        .with_limit(Duration::from_secs(20))
}

/// The Azure plan's sequence: each Azure subscription cancelled (the documented request), the
/// wait until each reads `inactive`, then the plan suspended — refused once with 403/900115
/// (an Azure subscription still active) and sent again — then the delete.
#[tokio::test]
async fn an_azure_plan_asked_for_has_its_azure_subscriptions_cancelled_then_is_suspended() {
    let c = Uuid::new_v4();
    let sb = start(|b| {
        b.azure_entitlement_latency(Duration::from_millis(200)).customer_with_azure_plan(c)
    })
    .await;
    sb.inject(
        Fault::refusal(403, codes::AZURE_PLAN_HAS_ACTIVE_USAGE)
            .for_operation(Operation::UpdateSubscription),
    );
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let plan = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .cancel_azure_subscriptions(true)
        .plan()
        .await
        .expect("read")
        .expect("exists");
    let row = &plan.subscriptions()[0];
    assert_eq!(row.kind(), SubscriptionKind::AzurePlan);
    assert_eq!(row.action(), &SubscriptionAction::CancelAzureSubscriptionsThenSuspend);
    assert_eq!(row.azure_subscriptions().len(), 2, "the plan shows its Azure subscriptions");
    assert!(row.azure_subscriptions().iter().all(|e| e.is_active()));
    let plan_id = row.id().as_str().to_owned();

    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .cancel_azure_subscriptions(true)
        .azure_polling(azure_fast())
        .subscription_polling(fast())
        .await
        .unwrap_or_else(|e| panic!("removed: {e}"));
    assert_eq!(removal.reached(), Phase::Done);
    assert!(!sb.has_customer(c));
    let outcome = step(&removal, &plan_id);
    assert_eq!(outcome.step(), &SubscriptionStep::Ended(SubscriptionStatus::Suspended));
    assert_eq!(outcome.azure_cancel_accepted().len(), 2);
    assert_eq!(outcome.azure_inactive().len(), 2, "each read inactive before the suspend");

    let calls = sb.requests();
    let cancels: Vec<&RecordedRequest> =
        calls.iter().filter(|r| r.method == "POST" && r.path.ends_with("/cancel")).collect();
    assert_eq!(cancels.len(), 2, "one cancel per Azure subscription");
    for cancel in &cancels {
        let body: serde_json::Value = serde_json::from_slice(&cancel.body).expect("json");
        assert_eq!(body, serde_json::json!({ "cancellationReason": "compromise" }));
        super::subscriptions::assert_like_example(
            cancel,
            "cancel-azure-entitlement.request.http",
            &cancel.path,
            &["content-length"],
        );
    }
    let list = calls
        .iter()
        .find(|r| r.method == "GET" && r.path.ends_with("/azureEntitlements"))
        .expect("listed");
    super::subscriptions::assert_like_example(
        list,
        "list-azure-entitlements.request.http",
        &list.path,
        &[],
    );
    let suspends: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, r)| r.method == "PATCH" && r.path.ends_with(&plan_id))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(suspends.len(), 2, "refused once (900115), then accepted");
    let last_cancel = calls.iter().rposition(|r| r.path.ends_with("/cancel")).expect("cancels");
    assert!(suspends[0] > last_cancel, "the plan is suspended after its Azure subscriptions");
    assert_eq!(sent_status(&calls[suspends[1]]), "suspended");
}

#[tokio::test]
async fn a_403_to_an_azure_subscriptions_cancel_names_the_role_it_needs_and_nothing_else_is_sent() {
    let c = Uuid::new_v4();
    let sb = start(|b| b.customer_with_azure_plan(c)).await;
    sb.inject(Fault::refusal(403, 2032).for_operation(Operation::CancelAzureEntitlement));
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let err = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .cancel_azure_subscriptions(true)
        .azure_polling(azure_fast())
        .await
        .expect_err("refused");
    assert!(matches!(err.kind(), RemovalErrorKind::AzureSubscription { .. }), "{err}");
    let hint = err.call_error().and_then(|e| e.api()).and_then(|a| a.hint()).unwrap_or_default();
    assert!(hint.contains("Admin Agent"), "{hint}");
    let posts = sb.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 1, "the first refusal ends it");
    assert!(!sb.requests().iter().any(|r| r.method == "PATCH" || r.method == "DELETE"));
}

#[tokio::test]
async fn a_stop_between_an_azure_plans_cancels_sends_nothing_more_and_a_second_run_converges() {
    let c = Uuid::new_v4();
    let sb = start(|b| {
        b.azure_entitlement_latency(Duration::from_millis(300)).customer_with_azure_plan(c)
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let stop = Arc::new(Notify::new());
    let fire = Arc::clone(&stop);
    let removal = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .cancel_azure_subscriptions(true)
        .azure_polling(azure_fast())
        .on_progress(move |p| {
            if matches!(p, Progress::AzureSubscriptionCancelAccepted(..)) {
                fire.notify_one();
            }
        })
        .stop_on(async move { stop.notified().await })
        .await
        .unwrap_or_else(|e| panic!("stopped, not failed: {e}"));
    assert!(removal.is_stopped());
    let posts = |sb: &Sandbox| sb.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts(&sb), 1, "the second cancel was not sent after the stop");
    let plan = &removal.subscriptions()[0];
    assert_eq!(plan.azure_cancel_accepted().len(), 1, "{plan}");
    assert_eq!(plan.step(), &SubscriptionStep::NotAttempted, "the plan was not suspended");
    assert!(!sb.requests().iter().any(|r| r.method == "PATCH" || r.method == "DELETE"));

    let again = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .cancel_azure_subscriptions(true)
        .azure_polling(azure_fast())
        .subscription_polling(fast())
        .await
        .unwrap_or_else(|e| panic!("converged: {e}"));
    assert_eq!(again.reached(), Phase::Done);
    assert!(!sb.has_customer(c));
    assert!(posts(&sb) <= 3, "at most the one still active was cancelled again");
}

/// Where suspended subscriptions block the delete (a rule the docs do not settle), the refusal
/// naming a suspended subscription's order is not called a lag that waiting fixes.
#[tokio::test]
async fn a_refusal_naming_a_suspended_subscription_says_waiting_may_not_help() {
    let c = Uuid::new_v4();
    let sb = start(|b| {
        b.delete_blocked_by(
            partner_center_sandbox::DeleteBlockers::default().suspended_subscriptions(true),
        )
        .customer_with_subscriptions(c, [SubscriptionSeed::legacy().id(LEGACY)])
    })
    .await;
    let pc = client_for(&sb.base_url(), TIP, quick_retries());
    let err = pc
        .customers()
        .by_id(c.into())
        .delete_with_purchases()
        .subscription_polling(fast())
        .await
        .expect_err("a suspended subscription still blocks here");
    let RemovalErrorKind::DeleteRefused { still_reported, still_active, .. } = err.kind() else {
        panic!("not the delete's refusal: {err}");
    };
    assert!(still_reported.is_empty(), "not called a lag: {err}");
    assert_eq!(still_active.len(), 1, "{err}");
    assert!(err.to_string().contains("waiting may not change that"), "{err}");
    assert_eq!(
        step(err.done(), LEGACY).step(),
        &SubscriptionStep::Ended(SubscriptionStatus::Suspended)
    );
}
