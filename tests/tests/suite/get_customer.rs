//! Reading one customer, `GET /v1/customers/{customer-tenant-id}`: the request on the wire
//! against the documented example, the documented answer read, and the sandbox's answers (the
//! customer; `404`/60003 for one the partner does not have, also once deleted; `403` for
//! another partner's).

use partner_center_client::{CustomerTenantId, ErrorCode, codes};
use partner_center_tests::{
    PROD, Reply, ScriptedServer, TIP, example_text, quick_retries, sandbox_client, sandbox_with,
};
use uuid::Uuid;

/// The customer of the documented response.
const DOCUMENTED: &str = "eebd1b55-5360-4438-a11d-5c06918c3014";

fn code(err: &partner_center_client::Error) -> Option<ErrorCode> {
    err.api().and_then(|a| a.code().cloned())
}

#[tokio::test]
async fn the_get_request_on_the_wire_matches_the_documented_example() {
    let response = example_text("get-customer.response.http");
    let body = response.split_once("\n\n").expect("body").1.trim_end();
    let server = ScriptedServer::start(vec![Reply::json(200, body)]).await;
    let pc = partner_center_tests::client_for(&server.url(), "secret-token", quick_retries());
    let id: CustomerTenantId = DOCUMENTED.parse().expect("uuid");
    let found = pc.customers().by_id(id).get().await.expect("200");

    // The answer, read as documented.
    let customer = found.customer();
    assert_eq!(customer.id(), id);
    assert_eq!(customer.company_name(), Some("1kl as kjk"));
    assert_eq!(customer.domain(), Some("abcdefgh1234.ccsctp.net"));
    assert_eq!(customer.relationship_to_partner(), Some("reseller"));
    assert_eq!(found.raw().allow_delegated_access, Some(true));
    assert_eq!(found.raw().custom_domains, ["abcdefgh1234.ccsctp.net"]);
    assert_eq!(found.call().attempts(), 1);

    // The request: the documented line (its placeholder standing for the id) and headers, and
    // ours, nothing else.
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    let documented = example_text("get-customer.request.http");
    let line = documented.lines().next().expect("request line");
    assert_eq!(
        line,
        "GET https://api.partnercenter.microsoft.com/v1/customers/<customer-tenant-id> HTTP/1.1"
    );
    let path = line
        .split(' ')
        .nth(1)
        .and_then(|t| t.strip_prefix("https://api.partnercenter.microsoft.com"))
        .expect("absolute form")
        .replace("<customer-tenant-id>", DOCUMENTED);
    assert_eq!((req.method.as_str(), req.path.as_str()), ("GET", path.as_str()));
    for name in documented
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim().to_ascii_lowercase()))
    {
        assert!(req.header(&name).is_some(), "documented header {name} missing: {:?}", req.headers);
    }
    assert_eq!(req.header("authorization"), Some("Bearer secret-token"));
    assert_eq!(req.header("accept"), Some("application/json"));
    assert_eq!(found.call().request_id().to_string(), req.header("ms-requestid").unwrap_or(""));
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
        "no body, so no Content-Length; no api-version"
    );
}

#[tokio::test]
async fn the_sandbox_gives_a_customer_it_has_and_404_60003_for_one_it_does_not() {
    let (c, p) = (Uuid::new_v4(), Uuid::new_v4());
    let sandbox = sandbox_with(&[c], &[p]).await;
    let pc = sandbox_client(&sandbox, TIP, quick_retries());

    let found = pc.customers().by_id(c.into()).get().await.expect("200");
    assert_eq!(found.customer().id(), c.into());
    let name = found.customer().company_name().expect("a company name");
    assert!(name.starts_with("Contoso Test "), "{name}");
    assert!(found.customer().domain().is_some_and(|d| d.ends_with(".onmicrosoft.com")));
    // The listing shows the same customer.
    let page = pc.customers().list().first_page().await.expect("page");
    assert_eq!(page.customers(), [found.customer().clone()]);

    let unknown = pc.customers().by_id(Uuid::new_v4().into()).get().await.expect_err("404");
    assert!(unknown.is_not_found(), "{unknown:?}");
    assert_eq!(code(&unknown), Some(ErrorCode::Number(codes::TENANT_NOT_FOUND)));
    assert!(unknown.customer_is_gone());
    assert_eq!(unknown.api().map(|a| a.call().attempts()), Some(1), "a 404 is not retried");

    let other = pc.customers().by_id(p.into()).get().await.expect_err("403");
    assert_eq!(other.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(code(&other), Some(ErrorCode::Number(codes::NO_RELATIONSHIP)));
    // Its own partner reads it (a read needs no TiP account).
    let prod = sandbox_client(&sandbox, PROD, quick_retries());
    prod.customers().by_id(p.into()).get().await.expect("the production partner's own customer");

    pc.customers().by_id(c.into()).delete().await.expect("204");
    let gone = pc.customers().by_id(c.into()).get().await.expect_err("404 once deleted");
    assert_eq!(code(&gone), Some(ErrorCode::Number(codes::TENANT_NOT_FOUND)));

    let gets: Vec<_> = sandbox.requests().into_iter().filter(|r| r.method == "GET").collect();
    let customer_path = format!("/v1/customers/{c}");
    assert_eq!(gets.iter().filter(|r| r.path == customer_path).count(), 2);
}
