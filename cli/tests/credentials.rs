//! The `partner-center` binary signing in as people and pipelines do, offline: each run has a
//! cleared environment and a `PATH` holding only fake tools, token endpoints are local and TLS
//! (trusted with `--ca-cert`), and the sandbox accepts only the token the source gave.
//!
//! Unix only: the fake `az` and `azd` are `#!/bin/sh` scripts.
#![cfg(unix)]

use std::path::Path;

use partner_center_sandbox::Sandbox;
use partner_center_tests::binary::{self, isolated, run, text};
use partner_center_tests::identity::{
    CLIENT, FakeTool, TENANT, TokenEndpoint, az_token_json, test_jwt,
};
use partner_center_tests::{auth_fixture_path, sandbox_accepting, unix_now as now};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_partner-center");
const SECRET: &str = "pipeline-secret-never-shown";

/// A person's App+User token from `az`, with known claims.
fn user_token() -> String {
    test_jwt(&serde_json::json!({
        "aud": "https://api.partnercenter.microsoft.com",
        "iss": format!("https://sts.windows.net/{TENANT}/"),
        "tid": TENANT,
        "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "upn": "ada@contoso.example",
        "scp": "user_impersonation",
        "exp": now() + 3600,
    }))
}

/// An app's token from a token endpoint.
fn app_token() -> String {
    test_jwt(&serde_json::json!({
        "aud": "https://api.partnercenter.microsoft.com/",
        "iss": format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
        "tid": TENANT,
        "appid": CLIENT,
        "roles": [],
        "idtyp": "app",
        "exp": now() + 3600,
    }))
}

/// The binary with exactly `vars` in its environment and `tools` as its whole `PATH`.
fn cli(tools: &Path, vars: &[(&str, &str)], args: &[&str]) -> tokio::process::Command {
    isolated(BIN, tools, vars, args)
}

/// The test CA as a file, its path as an argument.
fn ca_file(dir: &Path) -> String {
    binary::ca_file(dir).to_str().expect("utf-8").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signed_in_with_az_lists_and_auth_status_explains_the_token() {
    let token = user_token();
    let sandbox = sandbox_accepting(&token).await;
    let tools = tempfile::tempdir().expect("dir");
    let az =
        FakeTool::install(tools.path(), "az", &az_token_json(&token, now() as i64 + 3600), "", 0);
    let base = sandbox.base_url();

    let out = run(cli(
        tools.path(),
        &[],
        &[
            "--base-url",
            &base,
            "--tenant",
            "contoso.onmicrosoft.com",
            "customers",
            "list",
            "--output",
            "ids",
        ],
    ))
    .await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "the sandbox's one customer");
    assert_eq!(
        az.calls(),
        [
            "account get-access-token -o json --scope https://api.partnercenter.microsoft.com/.default --tenant contoso.onmicrosoft.com"
        ]
    );

    let out = run(cli(tools.path(), &[], &["auth", "status"])).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for expected in [
        "source     az",
        "token      App+User",
        &format!("tenant     {TENANT}"),
        "user       ada@contoso.example",
        "scopes     user_impersonation",
        "audience   https://api.partnercenter.microsoft.com (Partner Center)",
        "(matches the cloud)",
        "token: skipped: PARTNER_CENTER_TOKEN is not set",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?}:\n{stdout}");
    }
    assert!(!stdout.contains(&token) && !stderr.contains(&token), "the token is never printed");

    let out = run(cli(tools.path(), &[], &["auth", "status", "--output", "json"])).await;
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(status["source"], "az");
    assert_eq!(status["token"]["kind"], "app+user");
    assert_eq!(status["token"]["for_partner_center"], true);
    assert_eq!(status["token"]["issuer_matches_cloud"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloud_decides_the_scope_even_with_a_base_url() {
    let token = user_token();
    let sandbox = sandbox_accepting(&token).await;
    let tools = tempfile::tempdir().expect("dir");
    let az =
        FakeTool::install(tools.path(), "az", &az_token_json(&token, now() as i64 + 3600), "", 0);
    let base = sandbox.base_url();
    let out = run(cli(
        tools.path(),
        &[],
        &["--cloud", "china", "--base-url", &base, "customers", "list", "--output", "ids"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let call = az.calls().pop().expect("az ran");
    assert!(
        call.contains("--scope https://partner.partnercenterapi.microsoftonline.cn/.default"),
        "{call}"
    );
    // And auth status says the token is the global cloud's (audience and issuer), with az's
    // fix, and exits 1.
    let out = run(cli(tools.path(), &[], &["--cloud", "china", "auth", "status"])).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("NOT this cloud's Partner Center"), "{stdout}");
    assert!(stdout.contains("NOT the cloud's"), "{stdout}");
    assert!(stdout.contains("az cloud set"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_az_or_signed_out_the_error_says_what_to_run_and_nothing_is_sent() {
    let sandbox = sandbox_accepting("unused").await;
    let base = sandbox.base_url();
    let empty = tempfile::tempdir().expect("dir");
    let out = run(cli(empty.path(), &[], &["--base-url", &base, "customers", "list"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("az: failed:") && stderr.contains("az not found"), "{stderr}");
    assert!(stderr.contains("to fix: install the Azure CLI and run `az login`"), "{stderr}");

    let tools = tempfile::tempdir().expect("dir");
    FakeTool::install(tools.path(), "az", "", "ERROR: Please run 'az login' to setup account.", 1);
    let out = run(cli(
        tools.path(),
        &[],
        &["--base-url", &base, "--tenant", "contoso.onmicrosoft.com", "customers", "list"],
    ))
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("to fix: run `az login --tenant contoso.onmicrosoft.com`"), "{stderr}");
    assert!(sandbox.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelines_sign_in_with_workload_identity_a_secret_a_certificate_or_a_managed_identity() {
    let token = app_token();
    let sandbox = sandbox_accepting(&token).await;
    let endpoint = TokenEndpoint::start(&token).await;
    let dir = tempfile::tempdir().expect("dir");
    let ca = ca_file(dir.path());
    let federated = dir.path().join("federated-token");
    std::fs::write(&federated, "oidc.jwt.from-ci").expect("write");
    let federated = federated.to_str().expect("utf-8").to_owned();
    let certificate = auth_fixture_path("app-combined.pem");
    let msi = format!("{}/msi/token", endpoint.url());
    let authority = endpoint.url();
    let app = [("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_ID", CLIENT)];
    // (source, its variables, the field of its token request that proves it was used)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 4] = [
        (
            "workload-identity",
            vec![("AZURE_FEDERATED_TOKEN_FILE", federated.as_str())],
            "client_assertion",
        ),
        ("secret", vec![("AZURE_CLIENT_SECRET", SECRET)], "client_secret"),
        (
            "certificate",
            vec![("AZURE_CLIENT_CERTIFICATE_PATH", certificate.to_str().expect("utf-8"))],
            "client_assertion",
        ),
        (
            "managed-identity",
            vec![
                ("IDENTITY_ENDPOINT", msi.as_str()),
                ("IDENTITY_HEADER", TokenEndpoint::IDENTITY_HEADER),
            ],
            "resource",
        ),
    ];
    let base = sandbox.base_url();
    for (source, vars, proof) in cases {
        let before = endpoint.requests().len();
        let mut all = app.to_vec();
        all.extend(vars);
        all.push(("AZURE_AUTHORITY_HOST", authority.as_str()));
        // Pinned with --auth, and found by the chain on its own: the same source.
        for pin in [true, false] {
            let mut args = vec!["--base-url", base.as_str(), "--ca-cert", ca.as_str()];
            if pin {
                args.extend(["--auth", source]);
            }
            args.extend(["customers", "list", "--output", "ids"]);
            let out = run(cli(dir.path(), &all, &args)).await;
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{source}: {stderr}");
            assert!(!stderr.contains(SECRET), "{stderr}");
        }
        let requests = endpoint.requests();
        assert_eq!(requests.len(), before + 2, "{source}: one token request a run");
        let last = requests.last().expect("request");
        assert!(
            last.form.contains_key(proof) || last.query.contains_key(proof),
            "{source}: {last:?}"
        );

        let out = run(cli(dir.path(), &all, &["--ca-cert", ca.as_str(), "auth", "status"])).await;
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        assert!(stdout.contains(&format!("source     {source}")), "{stdout}");
        assert!(stdout.contains("token      App-only"), "{stdout}");
        assert!(stdout.contains("App+User only"), "the entitlements warning: {stdout}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chosen_source_must_be_configured_and_token_env_names_its_variable() {
    let sandbox = sandbox_accepting("my-token").await;
    let base = sandbox.base_url();
    let empty = tempfile::tempdir().expect("dir");
    let out =
        run(cli(empty.path(), &[], &["--base-url", &base, "--auth", "token", "customers", "list"]))
            .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("credential source `token` was chosen but cannot be used: PARTNER_CENTER_TOKEN is not set"),
        "{stderr}"
    );
    let out = run(cli(
        empty.path(),
        &[("MY_TOKEN", "my-token"), ("PARTNER_CENTER_AUTH", "token")],
        &["--base-url", &base, "--token-env", "MY_TOKEN", "customers", "list", "--output", "ids"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(cli(empty.path(), &[], &["--auth", "kerberos", "customers", "list"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown credential source `kerberos`"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_points_at_auth_status() {
    let sandbox = sandbox_accepting("the-partners-token").await;
    let tools = tempfile::tempdir().expect("dir");
    FakeTool::install(
        tools.path(),
        "az",
        &az_token_json(&user_token(), now() as i64 + 3600),
        "",
        0,
    );
    let base = sandbox.base_url();
    let out = run(cli(tools.path(), &[], &["--base-url", &base, "customers", "list"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    assert!(stderr.contains("run `partner-center auth status`"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_as_in_production_with_the_sandboxs_own_certificate_authority() {
    let token = user_token();
    let sandbox = Sandbox::builder()
        .tip_partner(&token)
        .customers([Uuid::new_v4()])
        .tls()
        .start()
        .await
        .expect("sandbox");
    let tools = tempfile::tempdir().expect("dir");
    FakeTool::install(tools.path(), "az", &az_token_json(&token, now() as i64 + 3600), "", 0);
    let ca = tools.path().join("sandbox-ca.pem");
    std::fs::write(&ca, sandbox.ca_certificate_pem().expect("ca")).expect("write");
    let (base, ca) = (sandbox.base_url(), ca.to_str().expect("utf-8").to_owned());

    let out = run(cli(tools.path(), &[], &["--base-url", &base, "customers", "list"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is not trusted") && stderr.contains("--ca-cert"), "{stderr}");
    assert!(sandbox.requests().is_empty());

    let args = ["--base-url", &base, "--ca-cert", &ca, "customers", "list", "--output", "ids"];
    let out = run(cli(tools.path(), &[], &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 1);
    assert_eq!(sandbox.requests().last().map(|r| r.version.clone()).as_deref(), Some("HTTP/2.0"));
}
