//! Subscriptions over loopback: each request on the wire against its documented example, an
//! update sending the subscription back whole (etag in `If-Match`, nothing dropped), and the
//! sandbox's answers for each kind (the new-commerce window, legacy suspended not cancelled,
//! a deleted subscription frozen, a stale etag, `202` with `Location`).

use std::time::Duration;

use partner_center_client::{
    Error, ErrorCode, PartnerCenter, SubscriptionChange, SubscriptionId, SubscriptionStatus,
    SubscriptionUpdated,
};
use partner_center_sandbox::{
    NEW_COMMERCE_CANCELLATION_WINDOW, RecordedRequest, Sandbox, SubscriptionSeed, codes,
};
use partner_center_tests::{TIP, client_for, quick_retries};
use uuid::Uuid;

const NCE: &str = "a4c1340d-6911-4758-bba3-0c4c6007d161";
const LEGACY: &str = "968BA1CF-C146-4ADF-A300-308DCF718EEE";

fn id(text: &str) -> SubscriptionId {
    text.parse().expect("a documented subscription id")
}

fn code(err: &Error) -> Option<ErrorCode> {
    err.api().and_then(|a| a.code().cloned())
}

fn example(name: &str) -> xtask::verify::message::Message {
    let text = partner_center_tests::example_text(name);
    xtask::verify::message::parse(std::path::Path::new(name), text.as_bytes())
        .expect("example parses")
}

/// The request's method, path and documented headers are the example's (placeholders in the
/// documented path stand for the ids sent), but those in `except`.
pub(super) fn assert_like_example(sent: &RecordedRequest, name: &str, path: &str, except: &[&str]) {
    let documented = example(name);
    let xtask::verify::message::StartLine::Request { method, target, .. } = &documented.start
    else {
        panic!("{name}: not a request");
    };
    assert_eq!(&sent.method, method, "{name}: method");
    assert_eq!(sent.path, path, "{name}: path");
    let after_host = target.split_once(".com").map_or(target.as_str(), |(_, p)| p);
    let shape = |p: &str| {
        p.split('/').map(|s| if s.starts_with('<') { "*" } else { s }).collect::<Vec<_>>().len()
    };
    assert_eq!(shape(after_host), shape(path), "{name}: {after_host} vs {path}");
    for h in &documented.headers {
        let lower = h.name.to_ascii_lowercase();
        if ["host", "connection", "content-length", "x-locale", "expect"].contains(&lower.as_str())
            || except.contains(&lower.as_str())
        {
            continue;
        }
        assert!(sent.header(&lower).is_some(), "{name}: documented header {} not sent", h.name);
    }
}

async fn sandbox(customer: Uuid, seeds: Vec<SubscriptionSeed>) -> Sandbox {
    Sandbox::builder()
        .tip_partner(TIP)
        .subscription_latency(Duration::ZERO)
        .customer_with_subscriptions(customer, seeds)
        .start()
        .await
        .expect("sandbox starts")
}

fn client(sb: &Sandbox) -> PartnerCenter {
    client_for(&sb.base_url(), TIP, quick_retries())
}

#[tokio::test]
async fn each_request_on_the_wire_is_its_documented_example_and_sends_the_subscription_whole() {
    let c: Uuid = "d8202a51-69f9-4228-b900-d0e081af17d7".parse().expect("uuid");
    let sb = sandbox(
        c,
        vec![
            SubscriptionSeed::new_commerce().id(NCE),
            SubscriptionSeed::legacy().id(LEGACY).scheduled_change(),
        ],
    )
    .await;
    let pc = client(&sb);
    let subscriptions = pc.customers().by_id(c.into()).subscriptions();

    let listed = subscriptions.list().await.expect("200");
    assert_eq!(listed.items().len(), 2);
    let nce = subscriptions.by_id(id(NCE)).get().await.expect("200");
    assert_eq!(nce.product_type(), Some("OnlineServicesNCE"));
    assert!(nce.cancellation_allowed_until().is_some(), "new commerce states its window");
    let cancelled = subscriptions.update(&nce, SubscriptionChange::Cancel).await.expect("200");
    let SubscriptionUpdated::Updated(answer) = cancelled else { panic!("{cancelled:?}") };
    assert_eq!(answer.status(), &SubscriptionStatus::Deleted);
    let legacy = listed.items().iter().find(|s| s.id().same_as(&id(LEGACY))).expect("listed");
    assert!(legacy.etag().is_some(), "legacy subscriptions carry an etag");
    subscriptions.update(legacy, SubscriptionChange::Suspend).await.expect("200");

    let sent = sb.requests();
    assert_eq!(sent.len(), 4);
    let base = format!("/v1/customers/{c}/subscriptions");
    assert_like_example(&sent[0], "list-subscriptions.request.http", &base, &[]);
    assert_like_example(&sent[1], "get-subscription.request.http", &format!("{base}/{NCE}"), &[]);
    // The documented cancel sends `If-Match: <etag>` for a subscription whose body has no
    // etag; with none to send (new commerce, as in its examples), none is sent.
    let nce_path = format!("{base}/{NCE}");
    assert_like_example(&sent[2], "cancel-subscription.request.http", &nce_path, &["if-match"]);
    let legacy_path = format!("{base}/{LEGACY}");
    assert_like_example(&sent[3], "suspend-subscription.request.http", &legacy_path, &[]);
    // The body is the subscription as read, only its status changed.
    let body: serde_json::Value = serde_json::from_slice(&sent[2].body).expect("JSON sent");
    let mut want = serde_json::Value::Object(nce.json().clone());
    want["status"] = "deleted".into();
    assert_eq!(body, want);
    assert_eq!(sent[2].header("content-type"), Some("application/json"));
    // New commerce has no etag (as in its example): no `If-Match`; legacy's goes in quotes.
    assert_eq!(sent[2].header("if-match"), None);
    assert_eq!(
        sent[3].header("if-match").map(str::to_owned),
        legacy.etag().map(|e| format!("\"{e}\""))
    );
    // A body sent whole keeps what a minimal one would drop.
    let read = subscriptions.by_id(id(LEGACY)).get().await.expect("200");
    assert_eq!(read.status(), &SubscriptionStatus::Suspended);
    assert!(read.json().contains_key("scheduledNextTermInstructions"), "{:?}", read.json());
}

#[tokio::test]
async fn each_kind_answers_as_documented_and_a_stale_read_is_refused() {
    let c = Uuid::new_v4();
    let late = "b4c1340d-6911-4758-bba3-0c4c6007d161";
    let gone = "c4c1340d-6911-4758-bba3-0c4c6007d161";
    let sb = sandbox(
        c,
        vec![
            SubscriptionSeed::new_commerce()
                .id(late)
                .created_ago(NEW_COMMERCE_CANCELLATION_WINDOW + Duration::from_secs(60)),
            SubscriptionSeed::legacy().id(LEGACY),
            SubscriptionSeed::new_commerce().id(gone).deleted(),
        ],
    )
    .await;
    let pc = client(&sb);
    let subscriptions = pc.customers().by_id(c.into()).subscriptions();
    let read =
        |s: &'static str| async move { subscriptions.by_id(id(s)).get().await.expect("200") };

    // Past its window, a new-commerce cancel is refused; it can still be suspended.
    let past = read(late).await;
    let err = subscriptions.update(&past, SubscriptionChange::Cancel).await.expect_err("refused");
    assert_eq!(code(&err).and_then(|c| c.number()), Some(codes::CANCELLATION_WINDOW_PASSED));
    subscriptions.update(&past, SubscriptionChange::Suspend).await.expect("suspended");
    assert_eq!(read(late).await.status(), &SubscriptionStatus::Suspended);

    // Legacy: suspended, never cancelled; a second update from the same (stale) read is
    // refused by its etag.
    let legacy = read(LEGACY).await;
    let err = subscriptions.update(&legacy, SubscriptionChange::Cancel).await.expect_err("refused");
    assert_eq!(code(&err).and_then(|c| c.number()), Some(codes::CANNOT_UPDATE_STATUS));
    subscriptions.update(&legacy, SubscriptionChange::Suspend).await.expect("suspended");
    let err =
        subscriptions.update(&legacy, SubscriptionChange::Reactivate).await.expect_err("stale");
    assert_eq!(code(&err).and_then(|c| c.number()), Some(codes::ETAG_NO_LONGER_VALID));

    // A deleted subscription cannot be updated.
    let deleted = read(gone).await;
    assert_eq!(deleted.status(), &SubscriptionStatus::Deleted);
    let err =
        subscriptions.update(&deleted, SubscriptionChange::Suspend).await.expect_err("frozen");
    assert_eq!(code(&err).and_then(|c| c.number()), Some(codes::SUBSCRIPTION_DELETED));

    // Marketplace: cancelled at once within 24 hours; later, it ends at renewal (still
    // active, auto-renew off).
    let fresh = "e4c1340d-6911-4758-bba3-0c4c6007d161";
    let old = "e5c1340d-6911-4758-bba3-0c4c6007d161";
    let sb2 = sandbox(
        c,
        vec![
            SubscriptionSeed::marketplace().id(fresh),
            SubscriptionSeed::marketplace().id(old).created_ago(Duration::from_secs(2 * 86_400)),
        ],
    )
    .await;
    let pc2 = client(&sb2);
    let saas = pc2.customers().by_id(c.into()).subscriptions();
    for (s, status, renews) in
        [(fresh, SubscriptionStatus::Deleted, false), (old, SubscriptionStatus::Active, false)]
    {
        let read = saas.by_id(id(s)).get().await.expect("200");
        assert_eq!(read.is_microsoft_product(), Some(false));
        saas.update(&read, SubscriptionChange::Cancel).await.expect("accepted");
        let after = saas.by_id(id(s)).get().await.expect("200");
        assert_eq!(
            (after.status(), after.raw().auto_renew_enabled),
            (&status, Some(renews)),
            "{s}"
        );
    }

    // Unknown subscription: 404 with its code.
    let err = subscriptions
        .by_id(id("f4c1340d-6911-4758-bba3-0c4c6007d161"))
        .get()
        .await
        .expect_err("404");
    assert_eq!(code(&err).and_then(|c| c.number()), Some(codes::SUBSCRIPTION_NOT_FOUND));
}

#[tokio::test]
async fn a_minimal_body_turns_auto_renew_off_and_drops_scheduled_changes_as_documented() {
    let c = Uuid::new_v4();
    let sb = sandbox(c, vec![SubscriptionSeed::legacy().id(LEGACY).scheduled_change()]).await;
    let url = format!("{}/v1/customers/{c}/subscriptions/{LEGACY}", sb.base_url());
    let sent = partner_center_tests::http()
        .patch(&url)
        .header("Authorization", format!("Bearer {TIP}"))
        .header("Content-Type", "application/json")
        .body(r#"{"status": "suspended"}"#)
        .send()
        .await
        .expect("answer");
    assert_eq!(sent.status(), 200);
    let pc = client(&sb);
    let read = pc.customers().by_id(c.into()).subscriptions().by_id(id(LEGACY));
    let read = read.get().await.expect("200");
    assert_eq!(read.raw().auto_renew_enabled, Some(false));
    assert!(!read.json().contains_key("scheduledNextTermInstructions"));
}

#[tokio::test]
async fn an_update_answered_202_is_reported_accepted_with_its_location_and_then_reads_done() {
    let c = Uuid::new_v4();
    let sb = Sandbox::builder()
        .tip_partner(TIP)
        .subscription_latency(Duration::ZERO)
        .subscription_updates_accepted()
        .customer_with_subscriptions(c, [SubscriptionSeed::new_commerce().id(NCE)])
        .start()
        .await
        .expect("sandbox starts");
    let pc = client(&sb);
    let subscriptions = pc.customers().by_id(c.into()).subscriptions();
    let read = subscriptions.by_id(id(NCE)).get().await.expect("200");
    let answer = subscriptions.update(&read, SubscriptionChange::Cancel).await.expect("202");
    let SubscriptionUpdated::Accepted { subscription, location, .. } = answer else {
        panic!("{answer:?}")
    };
    assert!(subscription.same_as(&id(NCE)));
    let location = location.expect("a Location");
    assert_eq!(location, format!("/v1/customers/{c}/subscriptions/{NCE}"));
    // The client sends nothing to a URL an answer gives it: the subscription the Location
    // names is read at its documented path.
    let after = subscriptions.by_id(subscription).get().await.expect("200");
    assert_eq!(after.status(), &SubscriptionStatus::Deleted);
}

#[tokio::test]
async fn hostile_subscription_ids_do_not_parse_so_no_call_can_carry_them() {
    for bad in ["..", "../orders/x", "a4c1340d-6911-4758-bba3-0c4c6007d16", "%2e%2e", "", "a/b"] {
        let err = bad.parse::<SubscriptionId>().expect_err(bad);
        let message = Error::from(err).to_string();
        assert!(message.contains("not a Partner Center subscription id"), "{message}");
    }
}

#[tokio::test]
async fn an_active_subscription_blocks_the_delete_by_default_and_the_rule_can_be_changed() {
    let (blocked, suspended, free) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let sb = Sandbox::builder()
        .tip_partner(TIP)
        .subscription_latency(Duration::ZERO)
        .customer_with_subscriptions(blocked, [SubscriptionSeed::new_commerce().id(NCE)])
        .customer_with_subscriptions(suspended, [SubscriptionSeed::legacy().suspended()])
        .customer_with_subscriptions(free, [SubscriptionSeed::new_commerce().deleted()])
        .start()
        .await
        .expect("sandbox starts");
    let pc = client(&sb);
    let subscriptions = pc.customers().by_id(blocked.into()).subscriptions();
    let nce = subscriptions.by_id(id(NCE)).get().await.expect("200");

    // Refused with the reported wording, naming the subscription's order.
    let err = pc.customers().by_id(blocked.into()).delete().await.expect_err("refused");
    let refusal = partner_center_client::DeleteRefusal::of(&err).expect("the refusal's wording");
    assert_eq!(refusal.orders(), [nce.order_id().expect("an order id").to_owned()]);
    // Suspended and deleted subscriptions do not block (by default).
    pc.customers().by_id(suspended.into()).delete().await.expect("deleted");
    pc.customers().by_id(free.into()).delete().await.expect("deleted");
    // Once cancelled, it does not either.
    subscriptions.update(&nce, SubscriptionChange::Cancel).await.expect("cancelled");
    pc.customers().by_id(blocked.into()).delete().await.expect("deleted");

    // The rule: suspended subscriptions block too; or subscriptions not at all.
    let c = Uuid::new_v4();
    let strict = Sandbox::builder()
        .tip_partner(TIP)
        .delete_blocked_by(
            partner_center_sandbox::DeleteBlockers::default().suspended_subscriptions(true),
        )
        .customer_with_subscriptions(c, [SubscriptionSeed::legacy().suspended()])
        .start()
        .await
        .expect("sandbox starts");
    let err = client(&strict).customers().by_id(c.into()).delete().await.expect_err("refused");
    assert!(partner_center_client::DeleteRefusal::of(&err).is_some(), "{err}");
    let lenient = Sandbox::builder()
        .tip_partner(TIP)
        .delete_blocked_by(
            partner_center_sandbox::DeleteBlockers::default().active_subscriptions(false),
        )
        .customer_with_subscriptions(c, [SubscriptionSeed::new_commerce()])
        .start()
        .await
        .expect("sandbox starts");
    client(&lenient).customers().by_id(c.into()).delete().await.expect("deleted");
}
