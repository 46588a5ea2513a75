//! HTTPS on loopback, as production speaks it: a certificate the client does not trust fails
//! at once (one attempt, no retries) with a message that says so and how to fix it; trusted
//! through the client's HTTP client, the same server answers.

use std::sync::atomic::Ordering;

use partner_center_client::{CustomerTenantId, Error, PartnerCenter};
use partner_center_tests::{https_server, tls_fixture as fixture};

fn id() -> CustomerTenantId {
    uuid::Uuid::new_v4().into()
}

#[tokio::test]
async fn an_untrusted_certificate_fails_in_one_attempt_and_says_what_to_do() {
    let (url, handshakes) = https_server().await;
    let pc = PartnerCenter::builder()
        .base_url(&url)
        .bearer_token("t")
        .retry_policy(partner_center_tests::quick_retries())
        .build()
        .expect("client");
    let err = pc.customers().by_id(id()).delete().await.expect_err("untrusted");
    assert!(matches!(err, Error::Certificate { .. }), "{err:?}");
    assert_eq!(err.call().map(|c| c.attempts()), Some(1), "a certificate failure is not retried");
    assert!(!err.may_have_applied(), "nothing was sent");
    let text = err.to_string();
    for part in ["127.0.0.1", "not trusted", "does not trust", "--ca-cert", "SSL_CERT_FILE"] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert_eq!(handshakes.load(Ordering::SeqCst), 1, "one connection, no retries");
}

#[tokio::test]
async fn a_trusted_certificate_authority_makes_the_same_server_answer() {
    let (url, _) = https_server().await;
    let ca = reqwest::Certificate::from_pem(&fixture("ca.pem")).expect("ca");
    let pc = PartnerCenter::builder()
        .base_url(&url)
        .bearer_token("t")
        .configure_http(move |b| b.add_root_certificate(ca))
        .build()
        .expect("client");
    let deleted = pc.customers().by_id(id()).delete().await.expect("204 over TLS");
    assert_eq!(deleted.call().attempts(), 1);
}

/// The sandbox's own HTTPS (feature `tls`): its certificate authority is made at start, and the
/// client speaks HTTP/2 to it when ALPN offers it, HTTP/1.1 when told to.
#[tokio::test]
async fn the_sandbox_serves_https_over_http2_or_http1_and_an_untrusting_client_fails_once() {
    let customer = uuid::Uuid::new_v4();
    let sandbox = partner_center_sandbox::Sandbox::builder()
        .tip_partner("t")
        .customers([customer])
        .tls()
        .start()
        .await
        .expect("sandbox");
    let url = sandbox.base_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let ca = sandbox.ca_certificate_pem().expect("a CA").as_bytes().to_vec();
    let trusting = |http1_only: bool| {
        let root = reqwest::Certificate::from_pem(&ca).expect("ca");
        PartnerCenter::builder()
            .base_url(&url)
            .bearer_token("t")
            .configure_http(move |b| {
                let b = b.add_root_certificate(root);
                if http1_only { b.http1_only() } else { b }
            })
            .build()
            .expect("client")
    };
    for (http1_only, version) in [(false, "HTTP/2.0"), (true, "HTTP/1.1")] {
        let page = trusting(http1_only).customers().list().first_page().await.expect("listed");
        assert_eq!(page.customers().len(), 1);
        let seen = sandbox.requests();
        assert_eq!(seen.last().map(|r| r.version.as_str()), Some(version));
    }
    let before = sandbox.requests().len();
    let untrusting =
        PartnerCenter::builder().base_url(&url).bearer_token("t").build().expect("client");
    let err = untrusting.customers().by_id(customer.into()).delete().await.expect_err("untrusted");
    assert!(matches!(err, Error::Certificate { .. }), "{err:?}");
    assert_eq!(err.call().map(|c| c.attempts()), Some(1));
    assert_eq!(sandbox.requests().len(), before, "nothing reached the sandbox");
    assert!(sandbox.has_customer(customer));
}
