//! Listing customers end to end: paging through the sandbox, resuming from a continuation,
//! deletions between pages, and the request on the wire against the documented example.

use std::collections::HashSet;

use futures_util::TryStreamExt;
use partner_center_client::{Continuation, Error, MAX_PAGE_SIZE, PartnerCenter};
use partner_center_sandbox::{Sandbox, codes};
use partner_center_tests::{
    PROD, Reply, ScriptedServer, TIP, example_text, ids, quick_retries, sandbox_client,
    sandbox_with,
};
use uuid::Uuid;

fn client(sandbox: &Sandbox, token: &str) -> PartnerCenter {
    sandbox_client(sandbox, token, quick_retries())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_through_a_thousand_customers_in_pages_of_the_maximum_and_of_seven() {
    let seeded = ids(1000);
    let sandbox = sandbox_with(&seeded, &[]).await;
    let pc = client(&sandbox, TIP);
    for (size, pages) in [(MAX_PAGE_SIZE, 2), (7, 143)] {
        sandbox.clear_requests();
        let correlation = Uuid::new_v4();
        let listed: Vec<_> = pc
            .customers()
            .list()
            .page_size(size)
            .correlation_id(correlation)
            .stream()
            .try_collect()
            .await
            .expect("listing");
        let listed_ids: Vec<Uuid> = listed.iter().map(|c| c.id().as_uuid()).collect();
        assert_eq!(listed_ids, seeded, "every customer once, in the sandbox's order (size {size})");
        assert_eq!(listed[41].company_name(), Some("Contoso Test 0042"));
        assert_eq!(listed[41].domain(), Some("contosotest0042.onmicrosoft.com"));
        assert_eq!(listed[41].relationship_to_partner(), Some("reseller"));

        let requests = sandbox.requests();
        assert_eq!(requests.len(), pages, "one request per page (size {size})");
        let request_ids: HashSet<_> =
            requests.iter().filter_map(|r| r.header("ms-requestid")).collect();
        assert_eq!(request_ids.len(), pages, "each page is its own call");
        let correlation = correlation.to_string();
        assert!(requests.iter().all(|r| r.header("ms-correlationid") == Some(&correlation)));
        assert_eq!(requests[0].path, format!("/v1/customers?size={size}"));
        assert!(requests[0].header("ms-continuationtoken").is_none());
        // Every later page follows its next link: the size kept, and a token never used before.
        let mut tokens = HashSet::new();
        for r in &requests[1..] {
            assert_eq!(r.path, format!("/v1/customers?seekOperation=Next&size={size}"));
            let token = r.header("ms-continuationtoken").expect("a continuation token");
            assert!(tokens.insert(token.to_string()), "token {token} sent twice");
        }
    }
}

#[tokio::test]
async fn pages_carry_their_continuation_and_a_listing_can_resume_later() {
    let seeded = ids(5);
    let sandbox = sandbox_with(&seeded, &[]).await;
    let pc = client(&sandbox, TIP);
    let first = pc.customers().list().page_size(2).first_page().await.expect("page");
    assert_eq!(first.total_count(), Some(2));
    let stored = serde_json::to_string(first.continuation().expect("more")).expect("serialize");

    // Later, perhaps in another process: a fresh client resumes from the stored continuation.
    let resumed: Continuation = serde_json::from_str(&stored).expect("deserialize");
    assert_eq!(resumed.page_size(), Some(2));
    let pc = client(&sandbox, TIP);
    let second = pc.customers().list().page_after(&resumed).await.expect("page");
    let third = pc.customers().list().page_after(second.continuation().expect("more")).await;
    let third = third.expect("page");
    assert!(third.continuation().is_none(), "the last page has no next link");
    let all: Vec<Uuid> = [first, second, third]
        .into_iter()
        .flat_map(|p| p.into_customers())
        .map(|c| c.id().as_uuid())
        .collect();
    assert_eq!(all, seeded);
}

#[tokio::test]
async fn deleting_between_pages_neither_skips_nor_repeats_a_remaining_customer() {
    let seeded = ids(20);
    let sandbox = sandbox_with(&seeded, &[]).await;
    let pc = client(&sandbox, TIP);
    let list = pc.customers().list().page_size(7);
    let first = list.first_page().await.expect("page");
    // One customer already listed and one not yet listed go away between the pages.
    for gone in [seeded[3], seeded[10]] {
        pc.customers().by_id(gone.into()).delete().await.expect("deleted");
    }
    let mut listed: Vec<Uuid> = first.customers().iter().map(|c| c.id().as_uuid()).collect();
    let mut next = first.continuation().cloned();
    while let Some(c) = next {
        let page = list.page_after(&c).await.expect("page");
        listed.extend(page.customers().iter().map(|c| c.id().as_uuid()));
        next = page.continuation().cloned();
    }
    let expected: Vec<Uuid> = seeded.iter().copied().filter(|&id| id != seeded[10]).collect();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn forged_and_foreign_continuation_tokens_are_bad_requests() {
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .customers(ids(3))
        .production_partner(PROD)
        .customers(ids(3))
        .start()
        .await
        .expect("sandbox");
    let pc = client(&sandbox, TIP);
    let err =
        pc.customers().list().page_after(&Continuation::new("forged")).await.expect_err("an error");
    let api = err.api().expect("an answer");
    assert_eq!(api.status(), 400);
    assert_eq!(
        api.code(),
        Some(&partner_center_client::ErrorCode::Number(codes::INVALID_REQUEST_INPUT))
    );
    assert!(api.description().is_some_and(|d| d.contains("not one this sandbox issued")), "{err}");
    assert_eq!(api.call().attempts(), 1, "a 400 is not retried");

    // A real token of one partner is refused for another.
    let first = pc.customers().list().page_size(1).first_page().await.expect("page");
    let theirs = first.continuation().expect("more").clone();
    let err =
        client(&sandbox, PROD).customers().list().page_after(&theirs).await.expect_err("an error");
    assert!(err.to_string().contains("another partner's"), "{err}");
}

#[tokio::test]
async fn page_sizes_outside_the_documented_bounds_are_refused_before_sending() {
    let sandbox = sandbox_with(&ids(1), &[]).await;
    let pc = client(&sandbox, TIP);
    for size in [0, MAX_PAGE_SIZE + 1] {
        let err = pc.customers().list().page_size(size).first_page().await.expect_err("an error");
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        assert!(err.to_string().contains("1 to 500"), "{err}");
        // A stored continuation carrying such a size is refused the same way.
        let resumed = Continuation::new("token").with_page_size(size);
        let err = pc.customers().list().page_after(&resumed).await.expect_err("an error");
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    }
    assert!(sandbox.requests().is_empty(), "nothing sent");
}

#[tokio::test]
async fn the_list_request_on_the_wire_matches_the_documented_example() {
    let response = example_text("list-customers.response.http");
    let body = response.split_once("\n\n").expect("body").1.trim_end();
    let server = ScriptedServer::start(vec![Reply::json(200, body)]).await;
    let pc = partner_center_tests::client_for(&server.url(), "secret-token", quick_retries());
    let page = pc.customers().list().page_size(40).first_page().await.expect("page");

    // The answer, read as documented.
    let ids: Vec<String> = page.customers().iter().map(|c| c.id().to_string()).collect();
    assert_eq!(
        ids,
        ["b44bb1fb-c595-45b0-9e09-d657365580bf", "45c44870-ef77-4fdd-b6fe-3dacb075cff2"]
    );
    assert_eq!(page.customers()[0].company_name(), Some("companyName"));
    assert_eq!(page.customers()[0].domain(), Some("domain"));
    assert!(page.continuation().is_none(), "the documented page has no next link");

    // The request: the documented line and headers, and ours, nothing else.
    let seen = server.seen();
    let req = &seen[0];
    let documented_request = example_text("list-customers.request.http");
    let line = documented_request.lines().next().expect("request line");
    assert_eq!(line, "GET https://api.partnercenter.microsoft.com/v1/customers?size=40 HTTP/1.1");
    assert_eq!((req.method.as_str(), req.path.as_str()), ("GET", "/v1/customers?size=40"));
    let documented_names: Vec<String> = documented_request
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim().to_ascii_lowercase()))
        .collect();
    for name in &documented_names {
        assert!(req.header(name).is_some(), "documented header {name} missing: {:?}", req.headers);
    }
    assert_eq!(req.header("authorization"), Some("Bearer secret-token"));
    assert_eq!(req.header("accept"), Some("application/json"));
    let mut names: Vec<&str> = req.headers.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "accept",
            "authorization",
            "host",
            "ms-correlationid",
            "ms-partnercenter-application",
            "ms-requestid",
            "user-agent"
        ],
        "no api-version, no Content-Length on a GET"
    );
}

#[tokio::test]
async fn next_links_the_client_cannot_follow_are_errors_not_silent_ends_and_keep_the_pages_customers()
 {
    let customer = "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f";
    let next = |link: &str| {
        format!(
            r#"{{"totalCount":1,"items":[{{"id":"{customer}","companyProfile":{{"companyName":"Kept"}}}}],"links":{{"next":{link}}}}}"#
        )
    };
    let cases = [
        (
            r#"{"uri":"/v1/customers?size=1&seekOperation=Next","method":"GET","headers":[]}"#,
            "no MS-ContinuationToken",
        ),
        (
            r#"{"uri":"/v1/invoices?seekOperation=Next","headers":[{"key":"MS-ContinuationToken","value":"t"}]}"#,
            "not the customers collection",
        ),
        (
            r#"{"uri":"/v1/customers?seekOperation=Next&orderBy=x","headers":[{"key":"MS-ContinuationToken","value":"t"}]}"#,
            "query parameter `orderBy=x`",
        ),
        (
            r#"{"uri":"/v1/customers?seekOperation=Next","method":"POST","headers":[{"key":"MS-ContinuationToken","value":"t"}]}"#,
            "method POST",
        ),
        (
            r#"{"uri":"/v1/customers?size=1","headers":[{"key":"MS-ContinuationToken","value":"t"}]}"#,
            "no `seekOperation=Next`",
        ),
    ];
    for (link, expected) in cases {
        let server = ScriptedServer::start(vec![Reply::json(200, &next(link))]).await;
        let pc = partner_center_tests::client_for(&server.url(), "t", quick_retries());
        // The page keeps its customers and says it cannot go on: not "last page".
        let page = pc.customers().list().first_page().await.expect("the page");
        assert_eq!(page.customers().len(), 1);
        assert!(!page.is_last() && page.continuation().is_none());
        assert!(page.next_link_error().is_some_and(|e| e.contains(expected)), "{expected}");
        // A stream yields the customer, then the error, when the next page is asked for.
        let server = ScriptedServer::start(vec![Reply::json(200, &next(link))]).await;
        let pc = partner_center_tests::client_for(&server.url(), "t", quick_retries());
        let mut customers = pc.customers().list().stream();
        let first = customers.try_next().await.expect("the page's customer").expect("one");
        assert_eq!(first.company_name(), Some("Kept"));
        let err = customers.try_next().await.expect_err("then the error");
        assert!(matches!(err, Error::InvalidAnswer { .. }), "{err:?}");
        assert!(err.to_string().contains(expected), "{expected}: {err}");
        assert!(err.call().map(|c| c.request_id()).is_some());
        assert_eq!(server.seen().len(), 1, "the unfollowable link was not followed");
    }

    // Both link forms the docs show are followed: with and without the `/v1` prefix.
    let page = |token: &str, uri: &str| {
        next(&format!(
            r#"{{"uri":"{uri}","headers":[{{"key":"MS-ContinuationToken","value":"{token}"}}]}}"#
        ))
    };
    let server = ScriptedServer::start_with_fallback(
        vec![
            Reply::json(200, &page("one", "/v1/customers?size=1&seekOperation=Next")),
            Reply::json(200, &page("two", "customers?seekOperation=Next")),
        ],
        Reply::json(200, r#"{"items":[]}"#),
    )
    .await;
    let pc = partner_center_tests::client_for(&server.url(), "t", quick_retries());
    let pages: Vec<_> = pc.customers().list().pages().try_collect().await.expect("pages");
    assert_eq!(pages.len(), 3);
    let seen = server.seen();
    assert_eq!(seen[1].path, "/v1/customers?seekOperation=Next&size=1");
    assert_eq!(seen[1].header("ms-continuationtoken"), Some("one"));
    assert_eq!(seen[2].header("ms-continuationtoken"), Some("two"));

    // A server that hands back a token it gave before would page forever: the stream stops,
    // whether it repeats the last token or cycles through several.
    let looping = page("same", "/v1/customers?seekOperation=Next");
    let server = ScriptedServer::start_with_fallback(vec![], Reply::json(200, &looping)).await;
    let pc = partner_center_tests::client_for(&server.url(), "t", quick_retries());
    let err = pc.customers().list().pages().try_collect::<Vec<_>>().await.expect_err("an error");
    assert!(err.to_string().contains("repeats a continuation token"), "{err}");
    assert_eq!(server.seen().len(), 2);
    let (a, b) = (
        page("a", "/v1/customers?seekOperation=Next"),
        page("b", "/v1/customers?seekOperation=Next"),
    );
    let server = ScriptedServer::start_with_fallback(
        vec![Reply::json(200, &a), Reply::json(200, &b)],
        Reply::json(200, &a),
    )
    .await;
    let pc = partner_center_tests::client_for(&server.url(), "t", quick_retries());
    let err = pc.customers().list().pages().try_collect::<Vec<_>>().await.expect_err("an error");
    assert!(err.to_string().contains("repeats a continuation token"), "{err}");
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_list_body_off_the_spec_is_an_invalid_answer_with_its_ids() {
    let server =
        ScriptedServer::start(vec![Reply::json(200, r#"{"items":[{"id":"not-a-guid"}]}"#)]).await;
    let pc = partner_center_tests::client_for(&server.url(), "t", quick_retries());
    let err = pc.customers().list().first_page().await.expect_err("an error");
    assert!(matches!(err, Error::InvalidAnswer { .. }), "{err:?}");
    assert!(err.to_string().contains("not-a-guid"), "{err}");
    assert_eq!(err.call().map(|c| c.attempts()), Some(1), "not retried");
}
