//! The fixture crate over real loopback HTTP against the sandbox: a batch is all or nothing,
//! the address must verify and the quota must allow it before anything is created, a reap
//! finds fixtures by their names and age and touches nothing else (a look-alike included),
//! and a teardown or reap inside the read-after-create lag reads the customer back first
//! instead of calling it gone.

use std::time::Duration;

use partner_center_client::{Address, NewCustomer, PartnerCenter};
use partner_center_fixtures::{
    FixtureError, FixtureName, Fixtures, RunTag, TeardownOutcome, reap, stale_fixtures,
};
use partner_center_sandbox::{Fault, Operation, Sandbox};
use partner_center_tests::{TIP, client_for, quick_retries};
use uuid::Uuid;

/// A sandbox with bystanders: another company, and one whose names merely look like a
/// fixture's.
async fn sandbox_with_bystanders(lag: Duration) -> (Sandbox, PartnerCenter, Vec<Uuid>) {
    let bystanders = vec![Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .named_customer(bystanders[0], "Contoso", "contoso.onmicrosoft.com")
        .named_customer(
            bystanders[1],
            "PCFX lookalike 2020-01-01T00:00:00Z #01",
            "pcfx-lookalike.onmicrosoft.com",
        )
        .named_customer(bystanders[2], "Pcfx Partners", "pcfx-partners-00000000.onmicrosoft.com")
        .read_after_create_lag(lag)
        .start()
        .await
        .expect("sandbox starts");
    let pc = client_for(&sandbox.base_url(), TIP, quick_retries());
    (sandbox, pc, bystanders)
}

/// The creates the sandbox received.
fn creates(sandbox: &Sandbox) -> usize {
    sandbox.requests().iter().filter(|r| r.method == "POST" && r.path == "/v1/customers").count()
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

#[tokio::test]
async fn a_batch_is_created_read_back_and_torn_down() {
    let (sandbox, pc, bystanders) = sandbox_with_bystanders(Duration::from_millis(300)).await;
    let set = Fixtures::new(&pc).count(4).tag("wire").create().await.expect("created");
    assert_eq!(set.fixtures().len(), 4);
    for f in set.fixtures() {
        // Each reads back (the lag has passed) and carries its names.
        pc.customers().by_id(f.id()).get().await.expect("readable");
        assert!(f.admin().is_some());
        assert_eq!(f.name().tag(), "wire");
    }
    assert_eq!(sandbox.customers(TIP).len(), 7);
    let report = set.teardown().await;
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.deleted(), 4);
    assert_eq!(sandbox.customers(TIP), sorted(bystanders));
}

#[tokio::test]
async fn one_refused_create_rolls_the_whole_batch_back() {
    // Room for two more customers only: the third create is refused (800018).
    let bystanders = vec![Uuid::new_v4(), Uuid::new_v4()];
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .customers(bystanders.iter().copied())
        .read_after_create_lag(Duration::ZERO)
        .customer_limit(4)
        .start()
        .await
        .expect("sandbox starts");
    let pc = client_for(&sandbox.base_url(), TIP, quick_retries());
    let err = Fixtures::new(&pc)
        .count(4)
        .tag("rollback")
        .quota(100, 0)
        .concurrency(1)
        .create()
        .await
        .expect_err("refused");
    let FixtureError::Batch { error, rolled_back } = &err else { panic!("{err}") };
    assert!(error.to_string().contains("sandbox limit"), "{error}");
    assert_eq!(rolled_back.deleted(), 2, "{rolled_back}");
    assert!(rolled_back.is_clean());
    assert_eq!(sandbox.customers(TIP), sorted(bystanders));
    // The fourth create was never started.
    assert_eq!(creates(&sandbox), 3, "two made, one refused, none after it");

    // A refusal of the first create: nothing else is attempted.
    let (sandbox, pc, bystanders) = sandbox_with_bystanders(Duration::ZERO).await;
    sandbox.inject(Fault::refusal(403, 600006).for_operation(Operation::CreateCustomer).times(1));
    let err = Fixtures::new(&pc)
        .count(3)
        .tag("first")
        .concurrency(1)
        .create()
        .await
        .expect_err("refused");
    let FixtureError::Batch { rolled_back, .. } = &err else { panic!("{err}") };
    assert!(rolled_back.outcomes.is_empty() && rolled_back.is_clean(), "{rolled_back}");
    assert_eq!(creates(&sandbox), 1, "the one create");
    assert_eq!(sandbox.customers(TIP), sorted(bystanders));
}

#[tokio::test]
async fn nothing_is_created_for_an_unverified_address_or_past_the_quota() {
    let (sandbox, pc, bystanders) = sandbox_with_bystanders(Duration::ZERO).await;
    let partial = Address::new("Microsoft Way", "Redmond", "WA", "98052", "US")
        .with_contact("Avery", "Quinn");
    let err = Fixtures::new(&pc).address(partial).create().await.expect_err("not verified");
    assert!(
        matches!(err, FixtureError::AddressNotVerified { ref status, .. } if status == "StreetPartial"),
        "{err}"
    );
    // Three customers, a limit of 12 less a headroom of 5: 5 more would pass it.
    let err = Fixtures::new(&pc).count(5).quota(12, 5).create().await.expect_err("quota");
    let FixtureError::Quota { present, fixtures, wanted, .. } = err else { panic!("{err}") };
    assert_eq!((present, fixtures, wanted), (3, 0, 5));
    assert!(
        err_text(&Fixtures::new(&pc).count(5).quota(12, 5).create().await)
            .contains("--fixtures-older-than")
    );
    assert_eq!(sandbox.customers(TIP), sorted(bystanders));
}

fn err_text<T>(r: &Result<T, FixtureError>) -> String {
    r.as_ref().err().map(ToString::to_string).unwrap_or_default()
}

#[tokio::test]
async fn a_reap_takes_only_stale_fixtures_and_reads_each_back_first() {
    // A lag longer than the create's own read-back is allowed: the reap meets fixtures that
    // do not read yet, as after a crash right after a create.
    let (sandbox, pc, bystanders) = sandbox_with_bystanders(Duration::from_millis(800)).await;
    let left = Fixtures::new(&pc).count(2).tag("crashed").create().await.expect("created");
    let ids: Vec<_> = left.keep().iter().map(|f| f.id()).collect();
    // A fixture-named customer made straight through the client, as by a run killed between
    // its create and its read-back: it does not read yet.
    let name =
        FixtureName::new(&RunTag::new("lag").expect("a tag"), std::time::SystemTime::now(), 7, 0);
    let unread = pc
        .customers()
        .create(
            &NewCustomer::new(
                name.company_name(),
                format!("{}.onmicrosoft.com", name.domain_prefix()),
                "ops@fabrikam.example",
                Address::documented_example().with_contact("Avery", "Quinn"),
            )
            .expect("valid"),
        )
        .await
        .expect("created")
        .customer
        .id();
    assert_eq!(
        pc.customers().by_id(unread).get().await.expect_err("not yet").status().map(|s| s.as_u16()),
        Some(404)
    );
    let mut ids = ids;
    ids.push(unread);

    // An age no fixture has yet: nothing.
    assert!(stale_fixtures(&pc, Duration::from_secs(3600), None).await.expect("listed").is_empty());
    let found = stale_fixtures(&pc, Duration::ZERO, None).await.expect("listed");
    assert_eq!(
        sorted(found.iter().map(|(c, _)| c.id().as_uuid()).collect()),
        sorted(ids.iter().map(|i| i.as_uuid()).collect())
    );

    let report = reap(&pc, Duration::ZERO, None, 4, Duration::from_secs(10)).await.expect("reaped");
    assert_eq!(report.deleted(), 3, "{report}");
    assert!(report.outcomes.iter().all(|(_, o)| *o == TeardownOutcome::Deleted));
    assert_eq!(sandbox.customers(TIP), sorted(bystanders));
    // Again: nothing left to reap.
    let again = reap(&pc, Duration::ZERO, None, 4, Duration::from_secs(1)).await.expect("reaped");
    assert!(again.outcomes.is_empty());
}

#[tokio::test]
async fn a_test_purchase_is_bought_and_its_orders_cancelled_before_they_are_listed() {
    // The bought order's entitlements appear only after a minute here: only the checkout's
    // answer names it, so the teardown must cancel it by that id.
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .read_after_create_lag(Duration::ZERO)
        .purchase_listing_lag(Duration::from_secs(60))
        .cancellation_latency(Duration::from_millis(200))
        .start()
        .await
        .expect("sandbox starts");
    let pc = client_for(&sandbox.base_url(), TIP, quick_retries());
    let set = Fixtures::new(&pc)
        .count(2)
        .tag("bought")
        .with_purchase(true)
        .create()
        .await
        .expect("created");
    for f in set.fixtures() {
        assert_eq!(f.purchase().len(), 1, "one software order each");
        assert_eq!(sandbox.orders(f.id().as_uuid()).len(), 1);
        // Not in the entitlements yet: the procedure alone could not see it.
        let listed = pc.customers().by_id(f.id()).entitlements().await.expect("entitlements");
        assert_eq!(listed.all().count(), 0);
        // And the delete alone is refused while it is active.
        assert!(pc.customers().by_id(f.id()).delete().await.is_err());
    }
    let report = set.teardown().await;
    assert!(report.is_clean(), "{report}");
    assert!(sandbox.customers(TIP).is_empty());
    // The cart's limits, as documented: 26 licenses, an unknown item.
    let probe = Fixtures::new(&pc).count(1).tag("probe").create().await.expect("created");
    let carts = pc.customers().by_id(probe.ids()[0]).carts();
    let too_many = carts
        .create(&[partner_center_client::CartItem::new(
            partner_center_fixtures::TEST_PURCHASE_ITEM,
            26,
            "one_time",
        )])
        .await;
    assert_eq!(too_many.expect_err("over 25").status().map(|s| s.as_u16()), Some(403));
    let unknown = carts
        .create(&[partner_center_client::CartItem::new(
            "CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS",
            1,
            "monthly",
        )])
        .await;
    assert_eq!(
        unknown.expect_err("not sold").api().and_then(|a| a.code().cloned()),
        Some(partner_center_client::ErrorCode::Number(10001))
    );
    assert!(probe.teardown().await.is_clean());
}

#[tokio::test]
async fn the_test_purchase_is_refused_outside_the_local_sandbox() {
    let pc = PartnerCenter::builder()
        .base_url("https://api.partnercenter.microsoft.com")
        .bearer_token("not-sent")
        .build()
        .expect("client");
    let err = Fixtures::new(&pc).with_purchase(true).create().await.expect_err("refused");
    assert!(err.to_string().contains("local sandbox only"), "{err}");
}

#[tokio::test]
async fn the_procedure_cancels_orders_the_caller_names_before_the_entitlements_show_them() {
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .read_after_create_lag(Duration::ZERO)
        .purchase_listing_lag(Duration::from_secs(60))
        .cancellation_latency(Duration::from_millis(100))
        .start()
        .await
        .expect("sandbox starts");
    let pc = client_for(&sandbox.base_url(), TIP, quick_retries());
    let kept =
        Fixtures::new(&pc).tag("known").with_purchase(true).create().await.expect("created").keep();
    let (id, orders) = (kept[0].id(), kept[0].purchase().to_vec());
    let fast =
        partner_center_client::PollPolicy::default().with_interval(Duration::from_millis(20));
    // Without the order's id the procedure cannot see it, and the delete is refused.
    let blind = pc.customers().by_id(id).delete_with_purchases().polling(fast).await;
    assert!(blind.is_err(), "the unseen order blocks the delete");
    // With it, the order is planned, cancelled and waited for, then the customer deleted.
    let named = pc.customers().by_id(id).delete_with_purchases().known_orders(orders.clone());
    let plan = named.plan().await.expect("a plan").expect("something to end");
    assert_eq!(plan.orders().iter().map(|o| o.id().clone()).collect::<Vec<_>>(), orders);
    assert_eq!(plan.orders()[0].entitlement_types(), ["named by the caller"]);
    let done = pc
        .customers()
        .by_id(id)
        .delete_with_purchases()
        .polling(fast)
        .known_orders(orders.clone())
        .await
        .expect("deleted");
    assert_eq!(done.cancelled(), orders.as_slice());
    assert!(done.deleted().is_some());
    assert!(sandbox.customers(TIP).is_empty());
}
