//! Creating customers (`POST /v1/customers`), validating addresses, checking domains and the
//! listing's filter: the requests on the wire against the documented examples, the admin
//! password kept secret, a create retried under one `MS-RequestId` and adopted by its domain
//! when an answer was lost, the wait until a new customer reads back, and the sandbox's rules
//! (validation, the domain kept by a failed create, the 75-customer limit, replay by
//! `MS-RequestId`).

use std::time::Duration;

use partner_center_client::{
    Address, Creation, CustomerFilter, Error, NewCustomer, PartnerCenter, RetryPolicy,
};
use partner_center_sandbox::Sandbox;
use partner_center_tests::{Reply, ScriptedServer, TIP, client_for, example_text, quick_retries};

fn new_customer(domain: &str) -> NewCustomer {
    NewCustomer::new(
        "Fabrikam Tests",
        domain,
        "ops@fabrikam.example",
        Address::documented_example().with_contact("Avery", "Quinn"),
    )
    .expect("a valid new customer")
}

fn body_of(example: &str) -> String {
    example_text(example).split_once("\n\n").expect("a body").1.trim_end().to_owned()
}

async fn sandbox(
    configure: impl FnOnce(
        partner_center_sandbox::SandboxBuilder,
    ) -> partner_center_sandbox::SandboxBuilder,
) -> (Sandbox, PartnerCenter) {
    let sandbox = configure(Sandbox::builder().tip_partner(TIP).customers([uuid::Uuid::new_v4()]))
        .start()
        .await
        .expect("sandbox starts");
    let pc = client_for(&sandbox.base_url(), TIP, quick_retries());
    (sandbox, pc)
}

#[tokio::test]
async fn the_create_request_is_the_documented_one_and_the_password_stays_secret() {
    let server =
        ScriptedServer::start(vec![Reply::json(201, &body_of("create-customer.response.http"))])
            .await;
    let pc = client_for(&server.url(), "secret-token", quick_retries());
    let new = NewCustomer::new(
        "test company",
        "xyz.ccsctp.net",
        "test@outlook.com",
        Address::new("One Microsoft Way", "Redmond", "WA", "98052", "US")
            .with_contact("Avery", "Quinn"),
    )
    .expect("valid")
    .gdap_by_default(false);
    let created = pc.customers().create(&new).await.expect("201");
    assert_eq!(created.customer.id().to_string(), "dfd8cc0a-c592-468c-8461-869a38d24738");
    assert_eq!(created.creation, Creation::Created);
    assert_eq!(created.status.as_u16(), 201);
    let admin = created.admin.as_ref().expect("credentials");
    assert_eq!((admin.user_name(), admin.expose_password()), ("admin", "=;;n.=s9Z"));
    // Nowhere in Debug output.
    for shown in [format!("{created:?}"), format!("{admin:?}"), format!("{:#?}", created)] {
        assert!(!shown.contains("=;;n.=s9Z") && shown.contains("REDACTED"), "{shown}");
    }

    // The request: the documented line and the body's fields as the page writes them.
    let seen = &server.seen()[0];
    assert_eq!((seen.method.as_str(), seen.path.as_str()), ("POST", "/v1/customers"));
    let sent: serde_json::Value =
        serde_json::from_slice(&server.seen()[0].body).expect("JSON body");
    let documented: serde_json::Value =
        serde_json::from_str(&body_of("create-customer.request.http")).expect("JSON");
    assert_eq!(sent["CompanyProfile"]["Domain"], documented["CompanyProfile"]["Domain"]);
    assert_eq!(sent["enableGDAPByDefault"], documented["enableGDAPByDefault"]);
    for key in ["Email", "Language", "CompanyName"] {
        assert_eq!(sent["BillingProfile"][key], documented["BillingProfile"][key], "{key}");
    }
    for key in ["AddressLine1", "City", "State", "PostalCode", "Country"] {
        assert_eq!(
            sent["BillingProfile"]["DefaultAddress"][key],
            documented["BillingProfile"]["DefaultAddress"][key],
            "{key}"
        );
    }
}

#[tokio::test]
async fn a_create_answer_that_cannot_be_read_is_never_quoted() {
    let secret = "hunter2-secret";
    let body = format!(
        r#"{{"id": "not-a-guid", "userCredentials": {{"userName": "admin", "password": "{secret}"}}}}"#
    );
    let server = ScriptedServer::start(vec![Reply::json(201, &body)]).await;
    let pc = client_for(&server.url(), "secret-token", quick_retries().with_max_attempts(1));
    let err = pc
        .customers()
        .create(&new_customer("fabrikam1.onmicrosoft.com"))
        .await
        .expect_err("unreadable");
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, Error::InvalidAnswer { .. }), "{shown}");
    assert!(!shown.contains(secret) && !shown.contains("not-a-guid"), "{shown}");
    assert!(shown.contains("not shown"), "{shown}");
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_adopted_by_its_domain() {
    let domain = "fabrikam2.onmicrosoft.com";
    let found = r#"{"totalCount": 1, "items": [{"id": "c5757d70-06f3-4f23-8367-5a9e55019f94",
            "companyProfile": {"domain": "FABRIKAM2.onmicrosoft.com", "companyName": "Fabrikam Tests"}}],
            "attributes": {"objectType": "Collection"}}"#;
    let taken = r#"{"code": 27002, "description": "The domain specified during customer creation is already used by another tenant.", "data": [], "source": "PartnerFD"}"#;
    let server = ScriptedServer::start(vec![
        Reply::json(503, r#"{"code": 503, "description": "busy"}"#),
        Reply::json(400, taken),
        Reply::json(200, found),
    ])
    .await;
    let pc = client_for(&server.url(), "secret-token", quick_retries());
    let created = pc.customers().create(&new_customer(domain)).await.expect("adopted");
    assert_eq!(created.creation, Creation::Adopted);
    assert!(created.admin.is_none(), "the password was in the lost answer");
    assert_eq!(created.customer.id().to_string(), "c5757d70-06f3-4f23-8367-5a9e55019f94");
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    // Both attempts of the create under one MS-RequestId; the look-up filters by the domain.
    assert_eq!(seen[0].header("ms-requestid"), seen[1].header("ms-requestid"));
    let query = seen[2].path.split_once('?').expect("a query").1;
    let filter = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "filter")
        .expect("a filter")
        .1
        .into_owned();
    assert_eq!(
        filter,
        format!(r#"{{"Field":"Domain","Value":"{domain}","Operator":"starts_with"}}"#)
    );
}

#[tokio::test]
async fn a_refusal_after_a_lost_answer_stays_an_error_when_no_customer_has_the_domain() {
    let none = r#"{"totalCount": 0, "items": [], "attributes": {"objectType": "Collection"}}"#;
    let server = ScriptedServer::start(vec![
        Reply::json(503, r#"{"code": 503, "description": "busy"}"#),
        Reply::json(400, r#"{"code": 27002, "description": "A property has invalid data."}"#),
        Reply::json(200, none),
    ])
    .await;
    let pc = client_for(&server.url(), "secret-token", quick_retries());
    let err = pc
        .customers()
        .create(&new_customer("fabrikam3.onmicrosoft.com"))
        .await
        .expect_err("refused");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    // A refusal with nothing before it that may have applied is not looked up at all.
    let server =
        ScriptedServer::start(vec![Reply::json(400, r#"{"code": 27002, "description": "x"}"#)])
            .await;
    let pc = client_for(&server.url(), "secret-token", quick_retries());
    assert!(pc.customers().create(&new_customer("fabrikam4.onmicrosoft.com")).await.is_err());
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn the_sandbox_creates_a_customer_that_reads_back_after_its_lag() {
    let (sandbox, pc) = sandbox(|b| b.read_after_create_lag(Duration::from_millis(600))).await;
    let new = new_customer("fabrikam5.onmicrosoft.com");
    assert!(!pc.customers().check_domain(new.domain()).await.expect("checked").taken);
    let created = pc.customers().create(&new).await.expect("created");
    assert!(created.admin.as_ref().is_some_and(|a| !a.expose_password().is_empty()));
    let id = created.customer.id();
    // Inside the lag a read (and a delete) find nothing yet; the listing shows it.
    let early = pc.customers().by_id(id).get().await.expect_err("not yet");
    assert_eq!(early.status().map(|s| s.as_u16()), Some(404));
    let listed = pc
        .customers()
        .list()
        .filter(CustomerFilter::domain_starts_with("FABRIKAM5"))
        .first_page()
        .await
        .expect("listed");
    assert_eq!(listed.customers().iter().map(|c| c.id()).collect::<Vec<_>>(), [id]);
    let read = pc.customers().by_id(id).wait_until_readable().await.expect("reads back");
    assert_eq!(read.customer().domain(), Some("fabrikam5.onmicrosoft.com"));
    assert!(pc.customers().check_domain(new.domain()).await.expect("checked").taken);
    // The domain is taken now: a second create with it is refused.
    let again = pc.customers().create(&new).await.expect_err("domain taken");
    assert_eq!(again.status().map(|s| s.as_u16()), Some(409));
    pc.customers().by_id(id).delete().await.expect("deleted");
    drop(sandbox);
}

#[tokio::test]
async fn a_wait_until_readable_gives_up_at_its_limit_with_the_404() {
    let (_sandbox, pc) = sandbox(|b| b.read_after_create_lag(Duration::from_secs(60))).await;
    let created =
        pc.customers().create(&new_customer("fabrikam6.onmicrosoft.com")).await.expect("created");
    let started = std::time::Instant::now();
    let err = pc
        .customers()
        .by_id(created.customer.id())
        .wait_until_readable()
        .limit(Duration::from_millis(400))
        .await
        .expect_err("not in time");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_sandbox_refuses_what_the_docs_refuse() {
    let (_sandbox, pc) = sandbox(|b| b.customer_limit(2)).await;
    let raw = partner_center_tests::http();
    let url = format!("{}/v1/customers", pc.base_url());
    let post = |body: serde_json::Value| raw.post(&url).bearer_auth(TIP).json(&body).send();
    let good = serde_json::json!({
        "CompanyProfile": {"Domain": "fabrikam7.onmicrosoft.com"},
        "BillingProfile": {"Email": "a@b.example", "Culture": "en-US", "Language": "en", "CompanyName": "Fabrikam",
            "DefaultAddress": {"AddressLine1": "1 Microsoft Way", "City": "Redmond", "State": "WA", "PostalCode": "98052", "Country": "US"}}
    });
    let code = |v: serde_json::Value| v["code"].as_i64();
    // A missing field: 2001 naming it.
    let mut missing = good.clone();
    missing["BillingProfile"]["DefaultAddress"]["AddressLine1"] = "".into();
    let r = post(missing).await.expect("answer");
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(
        (code(v.clone()), v["data"][0].as_str()),
        (Some(2001), Some("billingProfile.defaultAddress.AddressLine1"))
    );
    // Brazil needs an organization registration number (600049).
    let mut brazil = good.clone();
    brazil["BillingProfile"]["DefaultAddress"]["Country"] = "BR".into();
    assert_eq!(code(post(brazil).await.expect("answer").json().await.expect("json")), Some(600049));
    // A bad e-mail is refused after the domain was claimed: the domain stays taken.
    let mut bad_email = good.clone();
    bad_email["CompanyProfile"]["Domain"] = "fabrikam8.onmicrosoft.com".into();
    bad_email["BillingProfile"]["Email"] = "client1@example.u".into();
    assert_eq!(
        code(post(bad_email).await.expect("answer").json().await.expect("json")),
        Some(27002)
    );
    assert!(pc.customers().check_domain("fabrikam8.onmicrosoft.com").await.expect("checked").taken);
    // The limit: one seeded customer, one created, the third refused with 800018.
    assert_eq!(post(good.clone()).await.expect("answer").status(), 201);
    let mut third = good.clone();
    third["CompanyProfile"]["Domain"] = "fabrikam9.onmicrosoft.com".into();
    assert_eq!(code(post(third).await.expect("answer").json().await.expect("json")), Some(800018));
    // A domain no domain can be is 400 for HEAD, and refused by the client before sending.
    let head = raw
        .head(format!("{}/v1/domains/abc!.ccsctp.net", pc.base_url()))
        .bearer_auth(TIP)
        .send()
        .await
        .expect("answer");
    assert_eq!(head.status(), 400);
    assert!(matches!(
        pc.customers().check_domain("abc!.ccsctp.net").await,
        Err(Error::InvalidArgument { .. })
    ));
}

#[tokio::test]
async fn the_sandbox_replays_a_create_by_its_request_id() {
    let (sandbox, pc) = sandbox(|b| b).await;
    let raw = partner_center_tests::http();
    let url = format!("{}/v1/customers", pc.base_url());
    let id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::json!({
        "CompanyProfile": {"Domain": "fabrikam10.onmicrosoft.com"},
        "BillingProfile": {"Email": "a@b.example", "Culture": "en-US", "Language": "en", "CompanyName": "Fabrikam",
            "DefaultAddress": {"AddressLine1": "1 Microsoft Way", "City": "Redmond", "State": "WA", "PostalCode": "98052", "Country": "US"}}
    });
    let send = |body: &serde_json::Value| {
        raw.post(&url).bearer_auth(TIP).header("MS-RequestId", &id).json(body).send()
    };
    let first: serde_json::Value = send(&body).await.expect("answer").json().await.expect("json");
    let again = send(&body).await.expect("answer");
    assert_eq!(again.status(), 201);
    let again: serde_json::Value = again.json().await.expect("json");
    assert_eq!(
        (&first["id"], &first["userCredentials"]),
        (&again["id"], &again["userCredentials"])
    );
    let mut other = body.clone();
    other["CompanyProfile"]["Domain"] = "fabrikam11.onmicrosoft.com".into();
    assert_eq!(send(&other).await.expect("answer").status(), 409);
    assert_eq!(sandbox.customers(TIP).len(), 2, "one seeded, one created");
}

#[tokio::test]
async fn addresses_validate_as_the_documented_examples_show() {
    let (_sandbox, pc) = sandbox(|b| b).await;
    let verified =
        pc.customers().validate_address(&Address::documented_example()).await.expect("validated");
    assert_eq!(verified.status, "VerifiedShippable");
    assert!(verified.is_verified());
    let partial = pc
        .customers()
        .validate_address(&Address::new("Microsoft Way", "Redmond", "WA", "98052", "US"))
        .await
        .expect("validated");
    assert_eq!(partial.status, "StreetPartial");
    assert!(!partial.is_verified());
    assert_eq!(partial.suggested_addresses[0].address_line1, "1 Microsoft Way");
    assert!(partial.validation_message.is_some());

    // The documented answers read as documented.
    let server = ScriptedServer::start(vec![Reply::json(
        200,
        &body_of("validate-address-street-partial.response.http"),
    )])
    .await;
    let pc = client_for(&server.url(), "t", quick_retries());
    let read = pc
        .customers()
        .validate_address(&Address::new("Microsoft Way", "Redmond", "WA", "98052", "US"))
        .await
        .expect("200");
    assert_eq!(read.suggested_addresses[0].postal_code.as_deref(), Some("98052-6399"));
    let sent: serde_json::Value = serde_json::from_slice(&server.seen()[0].body).expect("JSON");
    let documented: serde_json::Value =
        serde_json::from_str(&body_of("validate-address-street-partial.request.http"))
            .expect("JSON");
    assert_eq!(sent, documented);
}

#[tokio::test]
async fn the_filter_is_sent_as_documented_and_never_widens_a_page() {
    // The documented request's filter, and a server that ignores it: the page keeps only
    // customers that match here too.
    let server = ScriptedServer::start(vec![Reply::json(
        200,
        &body_of("list-customers-by-name.response.http"),
    )])
    .await;
    let pc = client_for(&server.url(), "t", RetryPolicy::default());
    let page = pc
        .customers()
        .list()
        .filter(CustomerFilter::company_name_starts_with("Contoso1"))
        .first_page()
        .await
        .expect("200");
    assert_eq!(
        page.customers().iter().filter_map(|c| c.company_name()).collect::<Vec<_>>(),
        ["Contoso190"]
    );
    let documented = example_text("list-customers-by-name.request.http");
    let documented_filter =
        documented.split("filter=").nth(1).and_then(|r| r.split(' ').next()).expect("filter");
    let ours = CustomerFilter::company_name_starts_with("Cont").to_query();
    assert_eq!(
        url::form_urlencoded::byte_serialize(ours.as_bytes()).collect::<String>(),
        documented_filter
    );

    // The sandbox filters by field without regard to case, and on every page.
    let (_sandbox, pc) = sandbox(|b| {
        b.named_customer(uuid::Uuid::new_v4(), "Zeta One", "zeta1.onmicrosoft.com")
            .named_customer(uuid::Uuid::new_v4(), "zeta two", "other.onmicrosoft.com")
            .named_customer(uuid::Uuid::new_v4(), "Alpha", "zeta3.onmicrosoft.com")
    })
    .await;
    let by_name =
        pc.customers().list().page_size(1).filter(CustomerFilter::company_name_starts_with("ZETA"));
    let names: Vec<String> = futures_util::TryStreamExt::try_collect::<Vec<_>>(by_name.stream())
        .await
        .expect("listed")
        .iter()
        .filter_map(|c| c.company_name().map(str::to_owned))
        .collect();
    assert_eq!(names, ["Zeta One", "zeta two"]);
    let by_domain = pc.customers().list().filter(CustomerFilter::domain_starts_with("zeta"));
    let domains = futures_util::TryStreamExt::try_collect::<Vec<_>>(by_domain.stream())
        .await
        .expect("listed");
    assert_eq!(domains.len(), 2);
}
