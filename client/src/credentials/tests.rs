//! The chain's decisions from the environment alone (no network but loopback, no tools).

use super::*;
use crate::Cloud;
use crate::token::TokenProvider;

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT: &str = "00000000-0000-0000-0000-0000000000c1";

fn chain(pairs: &[(&str, &str)]) -> CredentialChain {
    CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs(pairs.iter().copied()))
        .build()
        .expect("chain")
}

fn states(chain: &CredentialChain) -> Vec<(Source, bool, String)> {
    chain.sources().into_iter().map(|s| (s.source(), s.is_ready(), s.detail().to_owned())).collect()
}

/// What the chain says of `source`.
fn status(chain: &CredentialChain, source: Source) -> SourceStatus {
    let all = chain.sources();
    all.iter()
        .find(|s| s.source() == source)
        .cloned()
        .unwrap_or_else(|| panic!("{source}: {all:?}"))
}

#[test]
fn the_order_is_an_explicit_token_then_default_azure_credentials() {
    // The module docs' "The order": the environment's secret, then its certificate, then
    // workload identity, a managed identity, the developer tools.
    assert_eq!(
        Source::CHAIN,
        [
            Source::Token,
            Source::ClientSecret,
            Source::ClientCertificate,
            Source::WorkloadIdentity,
            Source::ManagedIdentity,
            Source::AzureCli,
            Source::AzureDeveloperCli,
        ]
    );
    let order: Vec<Source> = chain(&[]).sources().iter().map(SourceStatus::source).collect();
    assert_eq!(order, Source::CHAIN);
}

#[test]
fn an_empty_environment_leaves_only_the_developer_tools() {
    let chain = chain(&[]);
    let ready: Vec<Source> = states(&chain).into_iter().filter(|s| s.1).map(|s| s.0).collect();
    assert_eq!(ready, [Source::AzureCli, Source::AzureDeveloperCli]);
    assert_eq!(states(&chain)[0].2, "PARTNER_CENTER_TOKEN is not set");
}

#[test]
fn each_source_is_ready_when_its_variables_are_set_and_keeps_the_order() {
    let chain = chain(&[
        ("PARTNER_CENTER_TOKEN", "t"),
        ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"),
        ("AZURE_CLIENT_SECRET", "s3cret-value"),
        ("AZURE_CLIENT_CERTIFICATE_PATH", "/etc/app.pem"),
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT),
        ("IDENTITY_ENDPOINT", "http://127.0.0.1:41234/msi/token"),
        ("IDENTITY_HEADER", "header-secret"),
    ]);
    let states = states(&chain);
    assert_eq!(states.iter().map(|s| s.0).collect::<Vec<_>>(), Source::CHAIN);
    assert!(states.iter().all(|s| s.1), "{states:?}");
    let shown = format!("{chain:?}{states:?}");
    for secret in ["s3cret-value", "header-secret"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let certificate = status(&chain, Source::ClientCertificate);
    assert!(certificate.detail().contains("/etc/app.pem") && certificate.detail().contains(CLIENT));
    let identity = status(&chain, Source::ManagedIdentity);
    assert!(identity.detail().contains("user-assigned identity"), "{identity:?}");
}

#[test]
fn an_incomplete_set_is_a_reported_skip_and_client_id_alone_is_normal() {
    let alone = chain(&[("AZURE_CLIENT_ID", CLIENT)]);
    assert_eq!(status(&alone, Source::ClientSecret).detail(), "AZURE_CLIENT_SECRET is not set");
    let partial = chain(&[("AZURE_CLIENT_SECRET", "x"), ("AZURE_CLIENT_ID", CLIENT)]);
    let secret = status(&partial, Source::ClientSecret);
    assert!(!secret.is_ready());
    assert_eq!(secret.detail(), "AZURE_CLIENT_SECRET is set but AZURE_TENANT_ID is not");
    let workload = chain(&[("AZURE_FEDERATED_TOKEN_FILE", "/f")]);
    assert_eq!(
        status(&workload, Source::WorkloadIdentity).detail(),
        "AZURE_FEDERATED_TOKEN_FILE is set but AZURE_TENANT_ID and AZURE_CLIENT_ID are not"
    );
    let half = chain(&[("IDENTITY_ENDPOINT", "http://127.0.0.1:1/")]);
    assert_eq!(
        status(&half, Source::ManagedIdentity).detail(),
        "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not"
    );
}

#[test]
fn the_tenant_setting_wins_over_the_variable() {
    let chain = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([
            ("AZURE_TENANT_ID", "from-variable"),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_SECRET", "x"),
        ]))
        .tenant(TENANT)
        .build()
        .expect("chain");
    assert!(status(&chain, Source::ClientSecret).detail().contains(TENANT));
    assert!(status(&chain, Source::AzureCli).detail().ends_with(&format!("--tenant {TENANT}")));
}

#[test]
fn a_chosen_source_must_be_configured_and_managed_identity_alone_means_imds() {
    let err = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([("AZURE_CLIENT_ID", CLIENT)]))
        .only(Source::ClientSecret)
        .build()
        .expect_err("not configured");
    assert_eq!(
        err.to_string(),
        "credential source `secret` was chosen but cannot be used: AZURE_CLIENT_SECRET is not set"
    );
    let imds = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([("AZURE_CLIENT_ID", CLIENT)]))
        .only(Source::ManagedIdentity)
        .build()
        .expect("imds");
    assert_eq!(imds.sources().len(), 1);
    assert!(imds.sources()[0].detail().contains("IMDS"), "{:?}", imds.sources());
}

#[test]
fn retired_clouds_and_plain_http_authorities_are_refused() {
    let retired =
        CredentialChain::builder(Cloud::Germany).env(Env::from_pairs::<&str, &str>([])).build();
    assert!(matches!(retired, Err(ChainConfigError::Retired(_))), "{retired:?}");
    let http = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([("AZURE_AUTHORITY_HOST", "http://login.example.test")]))
        .build()
        .expect_err("http");
    assert!(http.to_string().contains("is not https://"), "{http}");
    let over = CredentialChain::builder(Cloud::China)
        .env(Env::from_pairs([("AZURE_AUTHORITY_HOST", "https://login.example.test/")]))
        .build()
        .expect("override");
    assert_eq!(over.authority_host(), "https://login.example.test");
    assert_eq!(chain(&[]).authority_host(), "https://login.microsoftonline.com");
}

#[test]
fn the_developer_tool_scope_applies_to_az_and_azd_only() {
    let chain = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs::<&str, &str>([]))
        .developer_tool_scope(Cloud::Global.user_impersonation_scope())
        .build()
        .expect("chain");
    assert!(chain.scope(Source::AzureCli).ends_with("/user_impersonation"));
    assert!(chain.scope(Source::AzureDeveloperCli).ends_with("/user_impersonation"));
    assert!(chain.scope(Source::ClientSecret).ends_with("/.default"));
}

#[tokio::test]
async fn the_first_token_wins_and_is_remembered() {
    let chain = chain(&[("PARTNER_CENTER_TOKEN", "explicit"), ("AZURE_CLIENT_ID", CLIENT)]);
    assert_eq!(chain.chosen(), None);
    let token = chain.token().await.expect("token");
    assert_eq!(token.expose(), "explicit");
    assert_eq!(chain.chosen(), Some(Source::Token));
}

#[tokio::test]
async fn when_nothing_works_one_error_lists_every_source_and_the_fix() {
    // PATH names no directory: `az` and `azd` are not found.
    let chain = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([("PATH", "/nonexistent"), ("AZURE_CLIENT_SECRET", "hidden")]))
        .tenant(TENANT)
        .build()
        .expect("chain");
    let err = chain.token().await.expect_err("nothing works");
    let text = err.to_string();
    for source in Source::CHAIN {
        assert!(text.contains(&format!("\n  {source}: ")), "{source} missing: {text}");
    }
    assert!(
        text.contains("secret: skipped: AZURE_CLIENT_SECRET is set but AZURE_CLIENT_ID is not"),
        "{text}"
    );
    assert!(text.contains("az: failed:") && text.contains("not found"), "{text}");
    // An incomplete configuration is the likelier cause than a missing az.
    assert!(
        text.ends_with(
            "to fix: complete the variables (AZURE_CLIENT_SECRET is set but AZURE_CLIENT_ID is not)"
        ),
        "{text}"
    );
    assert!(!text.contains("hidden"));
    let none = err.downcast_ref::<NoCredential>().expect("NoCredential");
    assert_eq!(none.failures().count(), 2);
}

#[tokio::test]
async fn a_configured_source_that_fails_ends_the_chain() {
    // A token endpoint that refuses connections: the secret fails, and az is not asked.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let chain = CredentialChain::builder(Cloud::Global)
        .env(Env::from_pairs([
            ("PATH", "/nonexistent"),
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_SECRET", "s3cret-value"),
        ]))
        .authority_host(format!("https://127.0.0.1:{port}"))
        .build()
        .expect("chain");
    let err = chain.token().await.expect_err("refused");
    let none = err.downcast_ref::<NoCredential>().expect("NoCredential");
    let failed: Vec<Source> = none.failures().map(|(s, _)| s).collect();
    assert_eq!(failed, [Source::ClientSecret]);
    // Connection refused: the network, not the settings.
    assert!(none.hint().contains("`secret` source could not get a token"), "{}", none.hint());
    assert!(!err.to_string().contains("s3cret-value"));
}

#[tokio::test]
async fn a_certificate_that_cannot_be_read_ends_the_chain_and_its_password_never_shows() {
    let chain = chain(&[
        ("PATH", "/nonexistent"),
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT),
        ("AZURE_CLIENT_CERTIFICATE_PATH", "/etc/app.pem"),
        ("AZURE_CLIENT_CERTIFICATE_PASSWORD", "pfx-password"),
    ]);
    let certificate = status(&chain, Source::ClientCertificate);
    assert!(certificate.is_ready(), "a password is a setting, not a refusal");
    assert!(certificate.detail().contains("password from AZURE_CLIENT_CERTIFICATE_PASSWORD"));
    let err = chain.token().await.expect_err("unusable");
    let none = err.downcast_ref::<NoCredential>().expect("NoCredential");
    let failed: Vec<Source> = none.failures().map(|(s, _)| s).collect();
    assert_eq!(failed, [Source::ClientCertificate], "az is not asked");
    assert!(
        none.hint().contains("`certificate` source is configured but failed"),
        "{}",
        none.hint()
    );
    assert!(!err.to_string().contains("pfx-password"));
}

#[test]
fn managed_identity_hosts_this_chain_does_not_speak_are_named_not_misread() {
    let fabric = chain(&[
        ("IDENTITY_ENDPOINT", "https://127.0.0.1:2377/metadata/identity/oauth2/token"),
        ("IDENTITY_HEADER", "h"),
        ("IDENTITY_SERVER_THUMBPRINT", "ab"),
    ]);
    let identity = status(&fabric, Source::ManagedIdentity);
    assert!(identity.detail().contains("Service Fabric"), "{identity:?}");
    let arc = chain(&[
        ("IDENTITY_ENDPOINT", "http://localhost:40342/metadata/identity/oauth2/token"),
        ("IMDS_ENDPOINT", "http://localhost:40342"),
    ]);
    let identity = status(&arc, Source::ManagedIdentity);
    assert!(identity.detail().contains("Azure Arc"), "{identity:?}");
}

#[tokio::test]
async fn an_explicit_jwt_keeps_its_expiry_and_a_remembered_source_is_asked_first() {
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"exp":4102444800}"#);
    let jwt = format!("e30.{payload}.c2ln");
    let chain = chain(&[("PARTNER_CENTER_TOKEN", jwt.as_str())]);
    let token = chain.token().await.expect("token");
    let expected =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(4_102_444_800);
    assert_eq!(token.expires_at(), Some(expected));
    assert_eq!(chain.chosen(), Some(Source::Token));
    assert_eq!(chain.token().await.expect("again").expose(), jwt);
}

#[test]
fn a_bound_is_said_in_seconds() {
    assert_eq!(transport::within(TOKEN_REQUEST_TIMEOUT), "within 20 s");
    assert_eq!(transport::within(std::time::Duration::from_millis(200)), "within 0.2 s");
}
