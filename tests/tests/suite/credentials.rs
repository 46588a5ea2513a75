//! The credential chain end to end, offline: each source gets its token from a local Entra ID
//! token endpoint over TLS on 127.0.0.1 (or a fake `az`/`azd` on a controlled PATH), and the
//! token reaches a sandbox that accepts only it.
//!
//! Unix only: the fake `az` and `azd` are `#!/bin/sh` scripts.
#![cfg(unix)]

use std::sync::Arc;
use std::time::Duration;

use partner_center_client::credentials::{CredentialChain, Env, NoCredential, Source};
use partner_center_client::{Cloud, PartnerCenter};
use partner_center_sandbox::Sandbox;
use partner_center_tests::binary::NO_TOOLS;
use partner_center_tests::identity::{
    CLIENT, FakeTool, SilentEndpoint, TENANT, TokenEndpoint, az_token_json, azd_token_json,
    decode_jwt_part, test_jwt,
};
use partner_center_tests::{auth_fixture, auth_fixture_path, sandbox_accepting};

const SECRET: &str = "client-secret-value-never-shown";
const SCOPE: &str = "https://api.partnercenter.microsoft.com/.default";

/// A client for `sandbox` that trusts the test CA (so the token endpoint's certificate is
/// trusted through the client's own HTTP client, which the chain uses).
fn client(sandbox: &Sandbox, chain: impl partner_center_client::TokenProvider) -> PartnerCenter {
    let ca = reqwest::Certificate::from_pem(&TokenEndpoint::ca_pem()).expect("ca");
    PartnerCenter::builder()
        .cloud(Cloud::Global)
        .base_url(sandbox.base_url())
        .token_provider(chain)
        .configure_http(move |b| b.add_root_certificate(ca))
        .build()
        .expect("client")
}

fn chain(endpoint: &TokenEndpoint, pairs: &[(&str, &str)]) -> CredentialChain {
    let mut vars: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    vars.push(("PATH".into(), NO_TOOLS.into()));
    CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs(vars))
        .authority_host(endpoint.url())
        .build()
        .expect("chain")
}

/// Lists through `pc`: the sandbox answers only `token` (it was started with it alone), and
/// keeps it out of its own record.
async fn lists_with(pc: &PartnerCenter, sandbox: &Sandbox, token: &str) {
    let page = pc.customers().list().first_page().await.expect("the sandbox accepts the token");
    assert_eq!(page.customers().len(), 1);
    let seen = sandbox.requests();
    assert_eq!(seen.last().and_then(|r| r.header("authorization")), Some("Bearer <redacted>"));
    // And another token is refused: the sandbox's acceptance is what proves the arrival.
    let other = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .bearer_token(format!("{token}-not"))
        .build()
        .expect("client");
    assert!(other.customers().list().first_page().await.is_err());
}

#[tokio::test]
async fn a_client_secret_signs_in_at_the_token_endpoint_through_the_clients_http_client() {
    let token = test_jwt(
        &serde_json::json!({ "aud": "https://api.partnercenter.microsoft.com", "idtyp": "app" }),
    );
    let endpoint = TokenEndpoint::start(&token).await;
    let sandbox = sandbox_accepting(&token).await;
    let chain = chain(
        &endpoint,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_SECRET", SECRET),
        ],
    );
    assert!(!format!("{chain:?}").contains(SECRET));
    let pc = client(&sandbox, chain);
    lists_with(&pc, &sandbox, &token).await;

    let requests = endpoint.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, format!("/{TENANT}/oauth2/v2.0/token"));
    assert_eq!(request.form.get("grant_type").map(String::as_str), Some("client_credentials"));
    assert_eq!(request.form.get("client_id").map(String::as_str), Some(CLIENT));
    assert_eq!(request.form.get("scope").map(String::as_str), Some(SCOPE));
    assert_eq!(request.form.get("client_secret").map(String::as_str), Some(SECRET));
}

#[tokio::test]
async fn without_the_clients_trusted_roots_the_token_endpoint_is_refused_and_said_so() {
    let endpoint = TokenEndpoint::start("t").await;
    let sandbox = sandbox_accepting("t").await;
    let chain = chain(
        &endpoint,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_SECRET", SECRET),
        ],
    );
    // No added root: the chain's requests go through this client, which does not trust the CA.
    let pc = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .token_provider(chain)
        .build()
        .expect("client");
    let err = pc.check_credentials().await.expect_err("untrusted");
    let text = err.to_string();
    assert!(text.contains("secret: failed:") && text.contains("is not trusted"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(endpoint.requests().is_empty(), "no request got through the TLS handshake");
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn workload_identity_sends_the_federated_token_as_the_client_assertion() {
    let token = test_jwt(&serde_json::json!({ "idtyp": "app" }));
    let endpoint = TokenEndpoint::start(&token).await;
    let sandbox = sandbox_accepting(&token).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("federated-token");
    std::fs::write(&file, "federated.jwt.from-the-ci-system").expect("write");
    let chain = chain(
        &endpoint,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_FEDERATED_TOKEN_FILE", file.to_str().expect("utf-8")),
        ],
    );
    let chain = Arc::new(chain);
    let pc = client(&sandbox, Arc::clone(&chain));
    lists_with(&pc, &sandbox, &token).await;
    assert_eq!(chain.chosen(), Some(Source::WorkloadIdentity));
    let form = &endpoint.requests()[0].form;
    assert_eq!(
        form.get("client_assertion").map(String::as_str),
        Some("federated.jwt.from-the-ci-system")
    );
    assert_eq!(
        form.get("client_assertion_type").map(String::as_str),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert!(!form.contains_key("client_secret"));
}

#[tokio::test]
async fn with_a_secret_and_a_workload_identity_the_secret_is_asked_as_azure_sdks_do() {
    let token = test_jwt(&serde_json::json!({ "idtyp": "app" }));
    let endpoint = TokenEndpoint::start(&token).await;
    let sandbox = sandbox_accepting(&token).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("federated-token");
    std::fs::write(&file, "federated.jwt.from-the-ci-system").expect("write");
    let chain = Arc::new(chain(
        &endpoint,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_FEDERATED_TOKEN_FILE", file.to_str().expect("utf-8")),
            ("AZURE_CLIENT_SECRET", SECRET),
        ],
    ));
    let ready = chain.sources().iter().filter(|s| s.is_ready()).count();
    assert!(ready >= 2, "both are configured: {:?}", chain.sources());
    let pc = client(&sandbox, Arc::clone(&chain));
    lists_with(&pc, &sandbox, &token).await;
    assert_eq!(chain.chosen(), Some(Source::ClientSecret));
    // One token request, the secret's; the workload identity's assertion was never sent.
    let requests = endpoint.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let form = &requests[0].form;
    assert_eq!(form.get("client_secret").map(String::as_str), Some(SECRET));
    assert!(!form.contains_key("client_assertion"), "{form:?}");
}

#[tokio::test]
async fn a_certificate_signs_an_rs256_assertion_that_its_public_key_verifies() {
    use ring::signature::{
        KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair, UnparsedPublicKey,
    };
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};

    let token = test_jwt(&serde_json::json!({ "idtyp": "app" }));
    let endpoint = TokenEndpoint::start(&token).await;
    let sandbox = sandbox_accepting(&token).await;
    let path = auth_fixture_path("app-combined.pem");
    let chain = chain(
        &endpoint,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_CERTIFICATE_PATH", path.to_str().expect("utf-8")),
        ],
    );
    let pc = client(&sandbox, chain);
    lists_with(&pc, &sandbox, &token).await;

    let form = &endpoint.requests()[0].form;
    assert_eq!(form.get("scope").map(String::as_str), Some(SCOPE));
    let assertion = form.get("client_assertion").expect("an assertion");
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = decode_jwt_part(parts[0]);
    let claims = decode_jwt_part(parts[1]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    let cert = CertificateDer::from_pem_slice(&auth_fixture("app.pem")).expect("cert");
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert);
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    assert_eq!(header["x5t"], b64.encode(sha1), "the SHA-1 thumbprint RS256 is documented with");
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert!(claims["nbf"].as_u64().is_some_and(|nbf| nbf <= claims["exp"].as_u64().unwrap_or(0)));
    assert_eq!(claims["iss"], CLIENT);
    assert_eq!(claims["sub"], CLIENT);
    assert_eq!(claims["aud"], format!("{}/{TENANT}/oauth2/v2.0/token", endpoint.url()));
    let now = partner_center_tests::unix_now();
    let exp = claims["exp"].as_u64().expect("exp");
    assert!(exp > now && exp <= now + 601, "short-lived: {exp} vs {now}");

    let key = PrivatePkcs8KeyDer::from_pem_slice(&auth_fixture("app.key")).expect("key");
    let pair = RsaKeyPair::from_pkcs8(key.secret_pkcs8_der()).expect("rsa");
    let signature = b64.decode(parts[2]).expect("base64url");
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public_key().as_ref())
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the app's public key verifies the assertion");
}

#[tokio::test]
async fn certificate_files_that_cannot_be_used_say_why_and_send_nothing() {
    let endpoint = TokenEndpoint::start("t").await;
    for (file, why) in [
        ("app.key", "no certificate in it"),
        ("app.pem", "no private key in it"),
        (
            "app-encrypted.pem",
            "the private key is encrypted: set AZURE_CLIENT_CERTIFICATE_PASSWORD",
        ),
    ] {
        let path = auth_fixture_path(file);
        let chain = chain(
            &endpoint,
            &[
                ("AZURE_TENANT_ID", TENANT),
                ("AZURE_CLIENT_ID", CLIENT),
                ("AZURE_CLIENT_CERTIFICATE_PATH", path.to_str().expect("utf-8")),
            ],
        );
        use partner_center_client::TokenProvider as _;
        let err = chain.token().await.expect_err(file);
        let text = err.to_string();
        assert!(text.contains("certificate: failed:") && text.contains(why), "{file}: {text}");
        // Key material would be base64 DER, which starts `MII`.
        assert!(!text.contains("MII"), "no key material: {text}");
    }
    assert!(endpoint.requests().is_empty());
}

#[tokio::test]
async fn an_app_service_managed_identity_asks_its_endpoint_for_the_resource() {
    let token = test_jwt(&serde_json::json!({ "idtyp": "app" }));
    let endpoint = TokenEndpoint::start(&token).await;
    let sandbox = sandbox_accepting(&token).await;
    let msi = format!("{}/msi/token", endpoint.url());
    let chain = chain(
        &endpoint,
        &[
            ("IDENTITY_ENDPOINT", msi.as_str()),
            ("IDENTITY_HEADER", TokenEndpoint::IDENTITY_HEADER),
            ("AZURE_CLIENT_ID", CLIENT),
        ],
    );
    let pc = client(&sandbox, chain);
    lists_with(&pc, &sandbox, &token).await;
    let request = &endpoint.requests()[0];
    assert_eq!(request.path, "/msi/token");
    assert_eq!(
        request.query.get("resource").map(String::as_str),
        Some("https://api.partnercenter.microsoft.com")
    );
    assert_eq!(request.query.get("api-version").map(String::as_str), Some("2019-08-01"));
    assert_eq!(request.query.get("client_id").map(String::as_str), Some(CLIENT), "user-assigned");
    assert_eq!(request.header("x-identity-header"), Some(TokenEndpoint::IDENTITY_HEADER));
}

#[tokio::test]
async fn az_is_asked_for_the_clouds_scope_and_the_tenant_and_a_sign_in_prompt_becomes_the_fix() {
    let token = test_jwt(&serde_json::json!({ "scp": "user_impersonation" }));
    let sandbox = sandbox_accepting(&token).await;
    let dir = tempfile::tempdir().expect("dir");
    let expires = partner_center_tests::unix_now() as i64 + 3600;
    let az = FakeTool::install(dir.path(), "az", &az_token_json(&token, expires), "", 0);
    let path = dir.path().to_str().expect("utf-8").to_owned();
    for (cloud, scope) in [
        (Cloud::Global, SCOPE),
        (Cloud::China, "https://partner.partnercenterapi.microsoftonline.cn/.default"),
    ] {
        let chain = CredentialChain::builder(cloud)
            .env(Env::from_pairs([("PATH", path.as_str())]))
            .tenant("contoso.onmicrosoft.com")
            .build()
            .expect("chain");
        let pc = PartnerCenter::builder()
            .cloud(cloud)
            .base_url(sandbox.base_url())
            .token_provider(chain)
            .build()
            .expect("client");
        lists_with(&pc, &sandbox, &token).await;
        let call = az.calls().pop().expect("az ran");
        assert_eq!(
            call,
            format!(
                "account get-access-token -o json --scope {scope} --tenant contoso.onmicrosoft.com"
            )
        );
    }

    // Not signed in: az's own message, and the fix.
    let dir = tempfile::tempdir().expect("dir");
    FakeTool::install(dir.path(), "az", "", "ERROR: Please run 'az login' to setup account.", 1);
    let chain = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([("PATH", dir.path().to_str().expect("utf-8"))]))
        .tenant("contoso.onmicrosoft.com")
        .build()
        .expect("chain");
    use partner_center_client::TokenProvider as _;
    let err = chain.token().await.expect_err("not signed in");
    let none = err.downcast_ref::<NoCredential>().expect("NoCredential");
    assert!(err.to_string().contains("Please run 'az login'"), "{err}");
    assert!(
        none.hint().starts_with("run `az login --tenant contoso.onmicrosoft.com`"),
        "{}",
        none.hint()
    );
}

#[tokio::test]
async fn azd_is_asked_when_az_is_not_signed_in() {
    let token = test_jwt(&serde_json::json!({ "scp": "user_impersonation" }));
    let sandbox = sandbox_accepting(&token).await;
    let dir = tempfile::tempdir().expect("dir");
    FakeTool::install(dir.path(), "az", "", "ERROR: Please run 'az login' to setup account.", 1);
    let azd = FakeTool::install(
        dir.path(),
        "azd",
        &azd_token_json(&token, "2099-01-01T00:00:00Z"),
        "",
        0,
    );
    let chain = Arc::new(
        CredentialChain::builder(Cloud::Global)
            .env(Env::from_pairs([("PATH", dir.path().to_str().expect("utf-8"))]))
            .developer_tool_scope(Cloud::Global.user_impersonation_scope())
            .build()
            .expect("chain"),
    );
    let pc = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .token_provider(Arc::clone(&chain))
        .build()
        .expect("client");
    lists_with(&pc, &sandbox, &token).await;
    assert_eq!(chain.chosen(), Some(Source::AzureDeveloperCli));
    assert_eq!(
        azd.calls(),
        [
            "auth token -o json --no-prompt --scope https://api.partnercenter.microsoft.com/user_impersonation"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_calls_on_an_empty_cache_make_one_token_request() {
    let token = test_jwt(&serde_json::json!({ "idtyp": "app" }));
    let endpoint = TokenEndpoint::start(&token).await;
    let sandbox = sandbox_accepting(&token).await;
    let chain = chain(
        &endpoint,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_SECRET", SECRET),
        ],
    );
    let pc = client(&sandbox, chain);
    let calls = (0..100).map(|_| {
        let pc = pc.clone();
        tokio::spawn(async move { pc.customers().list().first_page().await.map(|_| ()) })
    });
    for call in futures_util::future::join_all(calls).await {
        call.expect("task").expect("call");
    }
    assert_eq!(endpoint.requests().len(), 1);
    assert_eq!(sandbox.requests().len(), 100);
}

#[tokio::test]
async fn a_chain_asked_before_the_client_is_built_still_takes_the_clients_http_client() {
    let token = test_jwt(&serde_json::json!({ "idtyp": "app" }));
    let endpoint = TokenEndpoint::start(&token).await;
    let sandbox = sandbox_accepting(&token).await;
    let chain = Arc::new(chain(
        &endpoint,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_SECRET", SECRET),
        ],
    ));
    use partner_center_client::TokenProvider as _;
    // On its own, with a default HTTP client that does not trust the test CA.
    let err = chain.token().await.expect_err("untrusted");
    assert!(err.to_string().contains("is not trusted"), "{err}");
    // The client hands over its own (which trusts it): the credential is made again with it.
    let pc = client(&sandbox, Arc::clone(&chain));
    pc.check_credentials().await.expect("the handed-over client trusts the endpoint");
    lists_with(&pc, &sandbox, &token).await;
}

#[tokio::test]
async fn a_remembered_source_that_fails_later_is_named_and_a_developer_tool_falls_back() {
    use partner_center_client::TokenProvider as _;
    let endpoint = TokenEndpoint::start("t").await;
    let ca = reqwest::Certificate::from_pem(&TokenEndpoint::ca_pem()).expect("ca");
    let http = partner_center_tests::http_builder().add_root_certificate(ca).build().expect("http");
    // A source without a cache of its own (azure_identity's credentials keep their tokens):
    // the App Service endpoint is asked every time.
    let msi = format!("{}/msi/token", endpoint.url());
    let chain = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([
            ("PATH", NO_TOOLS),
            ("IDENTITY_ENDPOINT", msi.as_str()),
            ("IDENTITY_HEADER", TokenEndpoint::IDENTITY_HEADER),
        ]))
        .http_client(http)
        .build()
        .expect("chain");
    chain.token().await.expect("first token");
    endpoint.fail_with(400, r#"{"statusCode":400,"message":"No managed identity assigned."}"#);
    let err = chain.token().await.expect_err("refused now");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "the `managed-identity` credential source, which gave the earlier tokens, failed:"
        ),
        "{text}"
    );
    assert!(
        text.contains("No managed identity assigned")
            && !text.contains(TokenEndpoint::IDENTITY_HEADER),
        "{text}"
    );

    // az gave the first token, then its sign-in expired: azd is found.
    let dir = tempfile::tempdir().expect("dir");
    let token = test_jwt(&serde_json::json!({ "scp": "user_impersonation" }));
    let expires = partner_center_tests::unix_now() as i64 + 3600;
    FakeTool::install(dir.path(), "az", &az_token_json(&token, expires), "", 0);
    FakeTool::install(dir.path(), "azd", &azd_token_json(&token, "2099-01-01T00:00:00Z"), "", 0);
    let chain = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([("PATH", dir.path().to_str().expect("utf-8"))]))
        .build()
        .expect("chain");
    chain.token().await.expect("from az");
    assert_eq!(chain.chosen(), Some(Source::AzureCli));
    FakeTool::install(
        dir.path(),
        "az",
        "",
        "ERROR: AADSTS70043: The refresh token has expired. Please run 'az login'.",
        1,
    );
    chain.token().await.expect("from azd");
    assert_eq!(chain.chosen(), Some(Source::AzureDeveloperCli));
}

#[tokio::test]
async fn a_vms_managed_identity_is_asked_only_when_chosen_alone() {
    let token = test_jwt(&serde_json::json!({ "idtyp": "app" }));
    let endpoint = TokenEndpoint::start(&token).await;
    let sandbox = sandbox_accepting(&token).await;
    let imds = format!("{}/metadata/identity/oauth2/token", endpoint.url());
    let env = Env::from_pairs([("PATH", NO_TOOLS)]);
    let chained = CredentialChain::builder(Cloud::Global)
        .env(env.clone())
        .imds_endpoint(&imds)
        .build()
        .expect("chain");
    assert!(!chained.sources()[4].is_ready(), "no variable says this is a VM: not probed");
    let pinned = CredentialChain::builder(Cloud::Global)
        .env(env)
        .only(Source::ManagedIdentity)
        .imds_endpoint(&imds)
        .build()
        .expect("chain");
    let pc = client(&sandbox, pinned);
    lists_with(&pc, &sandbox, &token).await;
    let request = &endpoint.requests()[0];
    assert_eq!(request.header("metadata"), Some("true"));
    assert_eq!(request.query.get("api-version").map(String::as_str), Some("2018-02-01"));
    assert_eq!(
        request.query.get("resource").map(String::as_str),
        Some("https://api.partnercenter.microsoft.com")
    );
}

#[tokio::test]
async fn a_password_protected_key_is_opened_with_its_password_and_a_wrong_one_is_named_not_shown() {
    let token = test_jwt(&serde_json::json!({ "idtyp": "app" }));
    let endpoint = TokenEndpoint::start(&token).await;
    let sandbox = sandbox_accepting(&token).await;
    let path = auth_fixture_path("app-encrypted.pem");
    let with = |password: &'static str| {
        chain(
            &endpoint,
            &[
                ("AZURE_TENANT_ID", TENANT),
                ("AZURE_CLIENT_ID", CLIENT),
                ("AZURE_CLIENT_CERTIFICATE_PATH", path.to_str().expect("utf-8")),
                ("AZURE_CLIENT_CERTIFICATE_PASSWORD", password),
            ],
        )
    };
    let pc = client(&sandbox, with("test-password"));
    lists_with(&pc, &sandbox, &token).await;
    assert!(endpoint.requests()[0].form.contains_key("client_assertion"));

    use partner_center_client::TokenProvider as _;
    let err = with("not-the-password").token().await.expect_err("wrong password");
    let text = err.to_string();
    assert!(
        text.contains("cannot be decrypted: check AZURE_CLIENT_CERTIFICATE_PASSWORD"),
        "{text}"
    );
    assert!(!text.contains("not-the-password"), "{text}");
    assert_eq!(endpoint.requests().len(), 1, "nothing sent with a key that did not open");
}

/// A bound short enough that a test of it is quick.
const BOUND: Duration = Duration::from_millis(200);
/// What the tests below give a source that must end within [`BOUND`]: far longer than that, far
/// shorter than never (or than the default bound of 20 s, should the set one be ignored).
const HANG: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_managed_identity_endpoint_that_never_answers_fails_within_the_bound_naming_both() {
    use partner_center_client::TokenProvider as _;
    // App Service: IDENTITY_ENDPOINT on a port that accepts the connection and never answers.
    let silent = SilentEndpoint::start().await;
    let msi = format!("{}/msi/token", silent.url());
    let app_service = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([
            ("PATH", NO_TOOLS),
            ("IDENTITY_ENDPOINT", msi.as_str()),
            ("IDENTITY_HEADER", TokenEndpoint::IDENTITY_HEADER),
        ]))
        .token_request_timeout(BOUND)
        .build()
        .expect("chain");
    let err = tokio::time::timeout(HANG, app_service.token())
        .await
        .expect("the source ends, it does not hang")
        .expect_err("no answer");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "managed-identity: failed: the managed identity endpoint {msi} did not answer \
             within 0.2 s"
        )),
        "{text}"
    );
    assert!(!text.contains(TokenEndpoint::IDENTITY_HEADER), "{text}");
    let none = err.downcast_ref::<NoCredential>().expect("NoCredential");
    assert!(
        none.hint().contains("`managed-identity` source could not get a token"),
        "{}",
        none.hint()
    );
    assert_eq!(silent.connections().await, 1, "the request reached the endpoint");

    // A VM's IMDS, chosen alone: the same bound, and a request that got no answer is not
    // asked again (IMDS's retries are for the answers Microsoft documents retrying).
    let silent = SilentEndpoint::start().await;
    let imds = format!("{}/metadata/identity/oauth2/token", silent.url());
    let vm = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([("PATH", NO_TOOLS)]))
        .only(Source::ManagedIdentity)
        .imds_endpoint(&imds)
        .token_request_timeout(BOUND)
        .build()
        .expect("chain");
    let err = tokio::time::timeout(HANG, vm.token())
        .await
        .expect("the source ends, it does not hang")
        .expect_err("no answer");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "managed-identity: failed: the managed identity endpoint {imds} did not answer \
             within 0.2 s"
        )),
        "{text}"
    );
    assert_eq!(silent.connections().await, 1, "asked once");
}

#[tokio::test]
async fn a_remembered_managed_identity_that_stalls_later_is_named_with_the_bound() {
    use partner_center_client::TokenProvider as _;
    // The refresh after a 401 asks the remembered source while other calls wait for it: it
    // must end, naming the source and the bound.
    let endpoint = TokenEndpoint::start("t").await;
    let ca = reqwest::Certificate::from_pem(&TokenEndpoint::ca_pem()).expect("ca");
    let http = partner_center_tests::http_builder().add_root_certificate(ca).build().expect("http");
    let msi = format!("{}/msi/token", endpoint.url());
    let chain = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([
            ("PATH", NO_TOOLS),
            ("IDENTITY_ENDPOINT", msi.as_str()),
            ("IDENTITY_HEADER", TokenEndpoint::IDENTITY_HEADER),
        ]))
        .http_client(http)
        .token_request_timeout(BOUND)
        .build()
        .expect("chain");
    chain.token().await.expect("first token");
    endpoint.stall();
    let err = tokio::time::timeout(HANG, chain.token())
        .await
        .expect("the refresh ends, it does not hang")
        .expect_err("stalled");
    assert_eq!(
        err.to_string().lines().next(),
        Some(
            format!(
                "the `managed-identity` credential source, which gave the earlier tokens, \
                 failed: the managed identity endpoint {msi} did not answer within 0.2 s"
            )
            .as_str()
        ),
        "{err}"
    );
    assert_eq!(endpoint.requests().len(), 2, "the stalled request was sent, once");
}

#[test]
fn token_requests_are_bounded_at_twenty_seconds_unless_set() {
    assert_eq!(partner_center_client::credentials::TOKEN_REQUEST_TIMEOUT, Duration::from_secs(20));
}
