//! The HTTP escape hatch: your own `reqwest::Client`, or an adjusted builder (a proxy here).

use partner_center_client::PartnerCenter;
use partner_center_tests::{Reply, ScriptedServer, TIP, quick_retries, sandbox_with};
use uuid::Uuid;

const PAGE: &str = r#"{"totalCount":0,"items":[]}"#;

#[tokio::test]
async fn a_configured_proxy_carries_the_calls() {
    let sandbox = sandbox_with(&[Uuid::new_v4()], &[]).await;
    let proxy = ScriptedServer::start_with_fallback(vec![], Reply::json(200, PAGE)).await;
    let proxy_url = proxy.url();
    let pc = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .bearer_token(TIP)
        .retry_policy(quick_retries())
        .configure_http(move |b| b.proxy(reqwest::Proxy::http(&proxy_url).expect("proxy url")))
        .build()
        .expect("client");
    let page = pc.customers().list().first_page().await.expect("page through the proxy");
    assert!(page.customers().is_empty(), "the proxy's answer, not the sandbox's");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    let host = sandbox.base_url().trim_start_matches("http://").to_string();
    assert_eq!(
        seen[0].header("host"),
        Some(host.as_str()),
        "addressed to the sandbox, sent to the proxy"
    );
    assert_eq!(seen[0].header("authorization"), Some(format!("Bearer {TIP}").as_str()));
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn your_own_client_is_used_and_the_clients_request_hygiene_still_holds() {
    let server = ScriptedServer::start(vec![]).await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-service", reqwest::header::HeaderValue::from_static("billing-cleanup"));
    let http =
        partner_center_tests::http_builder().default_headers(headers).build().expect("client");
    let pc = PartnerCenter::builder()
        .base_url(server.url())
        .bearer_token("secret-token")
        .http_client(http)
        .build()
        .expect("client");
    pc.customers().by_id(Uuid::new_v4().into()).delete().await.expect("204");
    let seen = &server.seen()[0];
    assert_eq!(seen.header("x-service"), Some("billing-cleanup"), "your client sent it");
    assert_eq!(seen.header("authorization"), Some("Bearer secret-token"));
    assert!(seen.header("ms-requestid").is_some() && seen.header("ms-correlationid").is_some());
    assert_eq!(seen.header("content-length"), Some("0"));
    assert!(seen.header("api-version").is_none());
}
