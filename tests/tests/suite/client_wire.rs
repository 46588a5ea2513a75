//! The typed client over real loopback HTTP: what it sends, how it retries, how it reports.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use partner_center_client::{
    AccessToken, BoxError, Error, ErrorCode, PartnerCenter, RetryPolicy, TokenProvider,
};
use partner_center_tests::{
    Reply, ScriptedServer, TOKEN, client_for, customer_id as id, example_text, quick_retries,
};
use uuid::Uuid;

fn client(server: &ScriptedServer, policy: RetryPolicy) -> PartnerCenter {
    client_for(&server.url(), TOKEN, policy)
}

fn uuid_header(seen: &partner_center_tests::Seen, name: &str) -> Uuid {
    Uuid::parse_str(seen.header(name).unwrap_or_else(|| panic!("{name} missing"))).expect("uuid")
}

// The scripted server, not the sandbox: this test asserts the exact `Authorization` value,
// which the sandbox redacts by design.
#[tokio::test]
async fn the_request_on_the_wire_matches_the_documented_example() {
    let server = ScriptedServer::start(vec![]).await;
    let deleted =
        client(&server, quick_retries()).customers().by_id(id()).delete().await.expect("204");

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, "DELETE");
    assert_eq!(req.path, "/v1/customers/3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f");

    // Every header of the documented request is sent.
    let example = example_text("delete-customer.request.http");
    let documented =
        xtask::verify::message::parse(std::path::Path::new("example"), example.as_bytes())
            .expect("parses");
    for h in &documented.headers {
        assert!(
            req.header(&h.name).is_some(),
            "documented header {} not sent; sent {:?}",
            h.name,
            req.headers
        );
    }
    assert_eq!(req.header("accept"), Some("application/json"));
    assert_eq!(req.header("content-length"), Some("0"));
    assert_eq!(req.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(req.header("ms-partnercenter-application"), Some("partner-center-client"));
    assert_eq!(req.header("user-agent"), Some(partner_center_client::USER_AGENT));
    assert!(partner_center_client::USER_AGENT.starts_with("partner-center-client/"));

    // Nothing undocumented: progenitor's `api-version` is stripped, and every header sent is
    // one the spec declares or a standard transport field.
    assert_eq!(req.header("api-version"), None);
    let allowed = [
        "authorization",
        "accept",
        "content-length",
        "ms-requestid",
        "ms-correlationid",
        "ms-partnercenter-application",
        "user-agent",
        "host",
    ];
    for (name, _) in &req.headers {
        assert!(allowed.contains(&name.as_str()), "undocumented header {name} sent");
    }

    // The ids sent are the ids reported.
    assert_eq!(deleted.call().request_id(), uuid_header(req, "ms-requestid"));
    assert_eq!(deleted.call().correlation_id(), uuid_header(req, "ms-correlationid"));
    assert_eq!(deleted.customer(), id());
    assert_eq!(deleted.call().attempts(), 1);
}

#[tokio::test]
async fn request_id_is_reused_on_retries_and_fresh_per_call() {
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let sandbox = partner_center_sandbox::Sandbox::builder()
        .tip_partner(TOKEN)
        .customers([a, b])
        .start()
        .await
        .expect("sandbox");
    sandbox.inject(partner_center_sandbox::Fault::server_error(503));
    sandbox.inject(partner_center_sandbox::Fault::server_error(500));
    let pc = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .bearer_token(TOKEN)
        .retry_policy(quick_retries())
        .build()
        .expect("builds");
    let first = pc.customers().by_id(a.into()).delete().await.expect("third attempt succeeds");
    assert_eq!(first.call().attempts(), 3);
    pc.customers().by_id(b.into()).delete().await.expect("second call");

    let seen = sandbox.requests();
    assert_eq!(seen.len(), 4);
    let ids = |name: &str| -> Vec<Uuid> {
        seen.iter().map(|s| Uuid::parse_str(s.header(name).expect("sent")).expect("uuid")).collect()
    };
    let (rid, cid) = (ids("ms-requestid"), ids("ms-correlationid"));
    assert!(rid[0] == rid[1] && rid[1] == rid[2], "retries must reuse MS-RequestId: {rid:?}");
    assert!(cid[0] == cid[1] && cid[1] == cid[2], "retries keep the call's MS-CorrelationId");
    assert_ne!(rid[3], rid[0], "a new call gets a fresh MS-RequestId");
    assert_ne!(cid[3], cid[0], "a new call gets a fresh MS-CorrelationId");
    assert_eq!(first.call().request_id(), rid[0]);
}

#[tokio::test]
async fn a_caller_supplied_correlation_id_is_sent() {
    let server = ScriptedServer::start(vec![]).await;
    let pc = client(&server, quick_retries());
    let mine = Uuid::new_v4();
    let a = pc.customers().by_id(id()).delete().correlation_id(mine).await.expect("204");
    let b = pc.customers().by_id(id()).delete().correlation_id(mine).await.expect("204");
    let seen = server.seen();
    assert_eq!(uuid_header(&seen[0], "ms-correlationid"), mine);
    assert_eq!(uuid_header(&seen[1], "ms-correlationid"), mine);
    assert_eq!(a.call().correlation_id(), mine);
    assert_ne!(a.call().request_id(), b.call().request_id());
}

fn gap(server: &ScriptedServer) -> Duration {
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "expected one retry");
    seen[1].at - seen[0].at
}

#[tokio::test]
async fn retry_after_in_seconds_is_obeyed() {
    let server = ScriptedServer::start(vec![Reply::status(429).header("Retry-After", "1")]).await;
    client(&server, quick_retries()).customers().by_id(id()).delete().await.expect("retried");
    assert!(gap(&server) >= Duration::from_millis(950), "waited only {:?}", gap(&server));
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_obeyed() {
    let when = SystemTime::now() + Duration::from_secs(2);
    let at = httpdate::fmt_http_date(when);
    let server = ScriptedServer::start(vec![Reply::status(503).header("Retry-After", &at)]).await;
    client(&server, quick_retries()).customers().by_id(id()).delete().await.expect("retried");
    // The retry came no earlier than the date (HTTP-dates have whole seconds: the date is
    // `when` cut to its second). Compared with the clock, not with the first attempt, so a
    // busy machine that is slow to answer the first attempt does not make this fail.
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "expected one retry");
    let retried = SystemTime::now() - seen[1].at.elapsed();
    let date = httpdate::parse_http_date(&at).expect("an HTTP-date");
    assert!(
        retried + Duration::from_millis(50) >= date,
        "retried {:?} before the date",
        date.duration_since(retried).unwrap_or_default()
    );
    assert!(date + Duration::from_secs(1) > when, "the date is `when` to the second");
}

#[tokio::test]
async fn retry_after_is_capped() {
    let server =
        ScriptedServer::start(vec![Reply::status(429).header("Retry-After", "3600")]).await;
    let policy = quick_retries().with_max_retry_after(Duration::from_millis(300));
    client(&server, policy).customers().by_id(id()).delete().await.expect("retried");
    let waited = gap(&server);
    // Uncapped, the hour would be past the deadline and the call would fail instead.
    assert!(waited >= Duration::from_millis(280), "waited {waited:?}");
}

#[tokio::test]
async fn a_wait_past_the_deadline_returns_the_throttling_error_at_once() {
    let server = ScriptedServer::start(vec![
        Reply::json(429, r#"{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds." }"#)
            .header("Retry-After", "57"),
    ])
    .await;
    let started = Instant::now();
    let err = client(&server, quick_retries().with_deadline(Duration::from_secs(40)))
        .customers()
        .by_id(id())
        .delete()
        .await
        .expect_err("throttled");
    // At once: not after sleeping until the 40 s deadline (the bound is loose on purpose, for
    // a loaded machine; what it tells apart is 40 s).
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    assert_eq!(server.seen().len(), 1);
    assert!(err.is_throttled());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(57)));
    let api = err.api().expect("api error");
    assert_eq!(api.description(), Some("Rate limit is exceeded. Try again in 57 seconds."));
    assert_eq!(api.code().cloned(), None);
}

#[tokio::test]
async fn other_client_errors_are_never_retried() {
    for status in [400u16, 401, 403, 404, 409] {
        let body =
            format!(r#"{{"code": {status}0, "description": "nope", "source": "PartnerFD"}}"#);
        let server = ScriptedServer::start(vec![Reply::json(status, &body)]).await;
        let err = client(&server, quick_retries())
            .customers()
            .by_id(id())
            .delete()
            .await
            .expect_err("fails");
        assert_eq!(server.seen().len(), 1, "status {status} was retried");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert!(!err.is_retryable());
        assert_eq!(err.is_not_found(), status == 404);
        assert_eq!(err.is_auth(), status == 401 || status == 403);
    }
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    let server = ScriptedServer::start_with_fallback(vec![], Reply::status(502)).await;
    let err = client(&server, quick_retries().with_max_attempts(3))
        .customers()
        .by_id(id())
        .delete()
        .await
        .expect_err("502");
    assert_eq!(server.seen().len(), 3);
    assert_eq!(err.api().map(|a| a.call().attempts()), Some(3));
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
}

async fn error_for(reply: Reply) -> Error {
    let server = ScriptedServer::start(vec![reply]).await;
    client(&server, RetryPolicy::no_retries())
        .customers()
        .by_id(id())
        .delete()
        .await
        .expect_err("an error")
}

#[tokio::test]
async fn error_bodies_are_parsed() {
    // Numeric code, as in the docs' examples.
    let err = error_for(Reply::json(
        404,
        r#"{"code":60003,"description":"Tenant not found.","data":[],"source":"PartnerFD"}"#,
    ))
    .await;
    let api = err.api().expect("api");
    assert_eq!(api.code().cloned(), Some(ErrorCode::Number(60003)));
    assert_eq!(api.description(), Some("Tenant not found."));
    assert_eq!(api.component(), Some("PartnerFD"));
    let shown = err.to_string();
    for part in [
        "404 Not Found",
        "code 60003",
        "Tenant not found.",
        &api.call().request_id().to_string(),
        &api.call().correlation_id().to_string(),
    ] {
        assert!(shown.contains(part), "Display lacks {part}: {shown}");
    }

    // String code, as in the docs' schema; data kept.
    let err = error_for(Reply::json(
        403,
        r#"{"code":"2032","description":"Access denied","data":["x"],"source":"PartnerFD"}"#,
    ))
    .await;
    let api = err.api().expect("api");
    assert_eq!(api.code().cloned(), Some(ErrorCode::Text("2032".into())));
    assert_eq!(api.data().to_vec(), vec![serde_json_value("x")]);

    // A description longer than the documented 1024 characters still parses.
    let long = "d".repeat(3000);
    let err = error_for(Reply::json(409, &format!(r#"{{"code":1,"description":"{long}"}}"#))).await;
    assert_eq!(err.api().and_then(|a| a.description().map(str::to_string)), Some(long));
}

fn serde_json_value(s: &str) -> serde_json::Value {
    serde_json::Value::String(s.to_string())
}

#[tokio::test]
async fn unparsable_bodies_keep_status_and_a_bounded_excerpt() {
    // HTML from a gateway.
    let html = "<html><body>Bad Gateway</body></html>";
    let err =
        error_for(Reply::status(502).header("Content-Type", "text/html").body(html.as_bytes()))
            .await;
    let api = err.api().expect("api");
    assert_eq!(api.status().as_u16(), 502);
    assert_eq!(api.body_excerpt(), Some(html));
    assert!(err.to_string().contains("Bad Gateway"));

    // JSON content type, HTML body.
    let err = error_for(Reply::json(500, html)).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.api().and_then(|a| a.body_excerpt()), Some(html));

    // Empty body.
    let err = error_for(Reply::status(503)).await;
    let api = err.api().expect("api");
    assert_eq!(api.status().as_u16(), 503);
    assert_eq!((api.code().cloned(), api.body_excerpt().map(str::to_string)), (None, None));

    // An undeclared status.
    let err = error_for(Reply::status(418).body(b"teapot")).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(418));
    assert_eq!(err.api().and_then(|a| a.body_excerpt()), Some("teapot"));

    // Oversized: 8 MiB is cut at the read limit and excerpted to 4 KiB.
    let huge = vec![b'x'; 8 << 20];
    let err = error_for(Reply::json(500, std::str::from_utf8(&huge).expect("ascii"))).await;
    let api = err.api().expect("api");
    assert!(api.is_body_truncated());
    let excerpt = api.body_excerpt().expect("excerpt");
    assert_eq!(excerpt.len(), partner_center_client::MAX_EXCERPT_BYTES);
    assert!(err.to_string().len() < 1024, "Display stays short");
}

#[tokio::test]
async fn a_404_after_a_possibly_applied_attempt_is_reported_as_such() {
    let not_found = r#"{"code":60003,"description":"Tenant not found.","source":"PartnerFD"}"#;
    let server = ScriptedServer::start(vec![Reply::status(500), Reply::json(404, not_found)]).await;
    let err =
        client(&server, quick_retries()).customers().by_id(id()).delete().await.expect_err("404");
    assert!(err.is_not_found_after_retry(), "{err:?}");
    assert!(!err.is_not_found(), "must not look like a plain not-found");
    assert!(err.customer_is_gone());
    assert!(err.to_string().contains("may already have deleted"), "{err}");

    // After a 429 the first attempt did nothing, so a 404 is a plain not-found.
    let server = ScriptedServer::start(vec![
        Reply::status(429).header("Retry-After", "0"),
        Reply::json(404, not_found),
    ])
    .await;
    let err =
        client(&server, quick_retries()).customers().by_id(id()).delete().await.expect_err("404");
    assert!(err.is_not_found(), "{err:?}");
}

// The REST reference lists `200 OK` beside `204 No Content` for the delete; no page shows a
// `200`'s body, which the spec allows to be empty or any JSON object.
#[tokio::test]
async fn a_200_to_the_delete_is_a_success_and_says_so() {
    let server = ScriptedServer::start(vec![
        Reply::status(200),
        Reply::json(200, "{}"),
        Reply::json(
            200,
            r#"{"id": "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f", "extra": [1, {"a": null}]}"#,
        ),
        Reply::no_content(),
    ])
    .await;
    let pc = client(&server, RetryPolicy::no_retries());
    for (expected, what) in [(200, "empty"), (200, "{}"), (200, "an object"), (204, "no content")] {
        let deleted = pc.customers().by_id(id()).delete().await.expect(what);
        assert_eq!(deleted.status().as_u16(), expected, "{what}");
        assert_eq!(deleted.customer(), id());
        assert_eq!(deleted.call().attempts(), 1, "{what}");
    }
    assert_eq!(server.seen().len(), 4, "one request each");
}

#[tokio::test]
async fn a_200_to_the_delete_with_a_body_off_the_spec_is_an_invalid_answer() {
    for body in ["<html>Deleted</html>", "[]", "\"deleted\"", "{\"cut\": "] {
        let server = ScriptedServer::start(vec![
            Reply::status(200).header("Content-Type", "text/html").body(body.as_bytes()),
        ])
        .await;
        let err = client(&server, quick_retries())
            .customers()
            .by_id(id())
            .delete()
            .await
            .expect_err(body);
        assert!(matches!(err, Error::InvalidAnswer { .. }), "{body}: {err:?}");
        assert!(err.to_string().contains("200 OK"), "{body}: names the status: {err}");
        assert_eq!(server.seen().len(), 1, "{body}: not retried");
    }
}

#[tokio::test]
async fn redirects_keep_the_token_on_its_host() {
    let other = ScriptedServer::start(vec![]).await;
    // "localhost" vs "127.0.0.1" is a different host to the client.
    let target = format!("http://localhost:{}/v1/customers/{}", other.port(), id());
    let first = ScriptedServer::start(vec![Reply::status(307).header("Location", &target)]).await;
    client(&first, quick_retries()).customers().by_id(id()).delete().await.expect("followed 307");
    let seen = other.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "DELETE");
    assert_eq!(seen[0].header("authorization"), None, "token forwarded across hosts");
    assert_eq!(
        first.seen()[0].header("authorization").map(|v| v.starts_with("Bearer ")),
        Some(true)
    );

    // A 302 would turn DELETE into GET; it is not followed.
    let other = ScriptedServer::start(vec![]).await;
    let first = ScriptedServer::start(vec![
        Reply::status(302).header("Location", &format!("{}/x", other.url())),
    ])
    .await;
    let err = client(&first, quick_retries())
        .customers()
        .by_id(id())
        .delete()
        .await
        .expect_err("302 not followed");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
    assert!(other.seen().is_empty());
}

#[test]
fn http_is_refused_off_loopback() {
    for url in
        ["http://api.partnercenter.microsoft.com", "http://10.1.2.3:8080", "http://example.com"]
    {
        let err =
            PartnerCenter::builder().base_url(url).bearer_token(TOKEN).build().expect_err(url);
        assert!(matches!(err, Error::InvalidConfig { .. }));
        assert!(err.to_string().contains("use https://"), "{err}");
    }
    for url in ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "https://example.com"]
    {
        PartnerCenter::builder().base_url(url).bearer_token(TOKEN).build().expect(url);
    }
    let err = PartnerCenter::builder().build().expect_err("no credentials");
    assert!(err.to_string().contains("no credentials"), "{err}");
}

struct Rotating {
    calls: AtomicU32,
}

#[async_trait::async_trait]
impl TokenProvider for Rotating {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(AccessToken::new(format!("token-{n}")))
    }
}

struct Failing;

#[async_trait::async_trait]
impl TokenProvider for Failing {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        Err("the identity endpoint said no".into())
    }
}

#[tokio::test]
async fn the_token_provider_is_asked_before_every_attempt() {
    let server = ScriptedServer::start(vec![Reply::status(503)]).await;
    let pc = PartnerCenter::builder()
        .base_url(server.url())
        .token_provider(Rotating { calls: AtomicU32::new(0) })
        .retry_policy(quick_retries())
        .build()
        .expect("builds");
    pc.customers().by_id(id()).delete().await.expect("retried");
    let auth: Vec<String> = server
        .seen()
        .iter()
        .filter_map(|s| s.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(auth, ["Bearer token-1", "Bearer token-2"]);
}

#[tokio::test]
async fn a_failing_token_provider_is_an_auth_error_and_sends_nothing() {
    let server = ScriptedServer::start(vec![]).await;
    let pc = PartnerCenter::builder()
        .base_url(server.url())
        .token_provider(Failing)
        .build()
        .expect("builds");
    let err = pc.customers().by_id(id()).delete().await.expect_err("auth");
    assert!(matches!(err, Error::Auth { .. }));
    assert!(err.is_auth());
    assert!(err.to_string().contains("the identity endpoint said no"));
    assert!(server.seen().is_empty());
}

/// Succeeds `good` times, then fails; or hands out a token no header can carry.
struct FailsAfter {
    good: u32,
    calls: AtomicU32,
    bad_token: bool,
}

#[async_trait::async_trait]
impl TokenProvider for FailsAfter {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        match (n < self.good, self.bad_token) {
            (true, _) => Ok(AccessToken::new("good-token")),
            (false, true) => Ok(AccessToken::new("line\nbreak-secret")),
            (false, false) => Err("the identity endpoint said no".into()),
        }
    }
}

#[tokio::test]
async fn a_token_failure_on_a_retry_keeps_the_calls_context() {
    for bad_token in [false, true] {
        let server = ScriptedServer::start(vec![Reply::status(503)]).await;
        let pc = PartnerCenter::builder()
            .base_url(server.url())
            .token_provider(FailsAfter { good: 1, calls: AtomicU32::new(0), bad_token })
            .retry_policy(quick_retries())
            .build()
            .expect("builds");
        let err = pc.customers().by_id(id()).delete().await.expect_err("auth");
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        let sent = uuid_header(&server.seen()[0], "ms-requestid");
        let call = err.call().expect("the call's context survives");
        assert_eq!(call.request_id(), sent);
        assert_eq!(call.attempts(), 1, "one attempt was sent before the token failed");
        assert!(call.may_have_applied(), "the 503 may have deleted the customer");
        assert!(err.may_have_applied());
        let text = err.to_string();
        assert!(text.contains(&sent.to_string()), "{text}");
        assert!(!text.contains("secret"), "the token never shows: {text}");
        assert_eq!(server.seen().len(), 1, "nothing sent with the bad token");
    }
}

#[tokio::test]
async fn a_token_that_cannot_be_a_header_is_an_auth_error_not_an_empty_credential() {
    let server = ScriptedServer::start(vec![]).await;
    let pc = PartnerCenter::builder()
        .base_url(server.url())
        .token_provider(FailsAfter { good: 0, calls: AtomicU32::new(0), bad_token: true })
        .build()
        .expect("builds");
    let err = pc.customers().by_id(id()).delete().await.expect_err("auth");
    assert!(matches!(err, Error::Auth { call: None, .. }), "{err:?}");
    assert!(err.to_string().contains("cannot carry"), "{err}");
    assert!(!format!("{err:?}").contains("secret"));
    assert!(server.seen().is_empty(), "nothing sent");
}

struct Slow;

#[async_trait::async_trait]
impl TokenProvider for Slow {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(AccessToken::new("late"))
    }
}

#[tokio::test]
async fn a_token_provider_slower_than_the_attempt_timeout_is_an_auth_error_and_sends_nothing() {
    let server = ScriptedServer::start(vec![]).await;
    let pc = PartnerCenter::builder()
        .base_url(server.url())
        .token_provider(Slow)
        .retry_policy(
            quick_retries()
                .with_attempt_timeout(Duration::from_millis(200))
                .with_deadline(Duration::from_secs(60)),
        )
        .build()
        .expect("builds");
    let started = Instant::now();
    let err = pc.customers().by_id(id()).delete().await.expect_err("auth");
    // The attempt's 200 ms limit, not the provider's 30 s.
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
    assert!(matches!(err, Error::Auth { call: None, .. }), "{err:?}");
    assert!(err.to_string().contains("did not answer within"), "{err}");
    assert!(!err.may_have_applied());
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn a_failed_read_never_may_have_applied() {
    let server = ScriptedServer::start(vec![
        Reply::status(503),
        Reply::json(400, r#"{"code":800002,"description":"Invalid request input"}"#),
    ])
    .await;
    let pc = client(&server, quick_retries());
    let err = pc.customers().list().first_page().await.expect_err("400");
    assert_eq!(err.call().map(|c| c.attempts()), Some(2));
    assert!(!err.may_have_applied(), "a list page changes nothing, whatever happened to it");

    // The same sequence on a delete: the 503 may have deleted the customer.
    let server = ScriptedServer::start(vec![
        Reply::status(503),
        Reply::json(400, r#"{"code":800002,"description":"Invalid request input"}"#),
    ])
    .await;
    let err =
        client(&server, quick_retries()).customers().by_id(id()).delete().await.expect_err("400");
    assert!(err.may_have_applied());
}

#[tokio::test]
async fn slow_attempts_time_out_and_are_retried() {
    let slow = Reply::no_content().delay(Duration::from_secs(60));
    let server = ScriptedServer::start_with_fallback(vec![], slow).await;
    let policy =
        quick_retries().with_attempt_timeout(Duration::from_millis(200)).with_max_attempts(2);
    let err = client(&server, policy).customers().by_id(id()).delete().await.expect_err("timeout");
    assert!(
        matches!(err, Error::Timeout { .. }) && err.call().map(|c| c.attempts()) == Some(2),
        "{err:?}"
    );
    assert_eq!(server.seen().len(), 2);
    assert!(err.call().map(|c| c.request_id()).is_some());

    // The overall deadline bounds the call however many attempts remain.
    let policy = quick_retries()
        .with_attempt_timeout(Duration::from_secs(10))
        .with_deadline(Duration::from_millis(300));
    let started = Instant::now();
    let err = client(&server, policy).customers().by_id(id()).delete().await.expect_err("deadline");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    // The 300 ms deadline, not the attempt's 10 s limit nor the server's 60 s.
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}

#[tokio::test]
async fn an_answer_whose_body_stalls_times_out() {
    // Headers at once, then a body that never finishes: the attempt timeout covers the whole
    // exchange, not only the wait for the status line.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                        Content-Length: 1000\r\n\r\n{\"totalCount\": 1, \"items\": [";
            let _ = stream.write_all(head.as_bytes()).await;
            held.push(stream);
        }
    });
    let pc = PartnerCenter::builder()
        .base_url(url)
        .bearer_token(TOKEN)
        .retry_policy(
            quick_retries()
                .with_attempt_timeout(Duration::from_millis(200))
                .with_max_attempts(2)
                .with_deadline(Duration::from_secs(60)),
        )
        .build()
        .expect("client");
    let started = Instant::now();
    let err = pc.customers().list().first_page().await.expect_err("stalled body");
    assert!(
        matches!(err, Error::Timeout { .. }) && err.call().map(|c| c.attempts()) == Some(2),
        "{err:?}"
    );
    // Two 200 ms attempts, not a wait for a body that never comes (until the 60 s deadline).
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
    server.abort();
}

#[test]
fn the_client_is_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<PartnerCenter>();
}

#[tokio::test]
async fn a_redirect_loop_is_not_retried() {
    // A relative Location pointing at the same URL: the server redirects to itself forever.
    let path = format!("/v1/customers/{}", id());
    let server =
        ScriptedServer::start_with_fallback(vec![], Reply::status(307).header("Location", &path))
            .await;
    let err =
        client(&server, quick_retries()).customers().by_id(id()).delete().await.expect_err("loop");
    assert!(
        matches!(err, Error::Transport { .. }) && err.call().map(|c| c.attempts()) == Some(1),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    // The first request and the 5 redirects the policy follows, then it stops: no retry.
    assert_eq!(server.seen().len(), 6);
}

#[tokio::test]
async fn unbounded_limits_do_not_overflow() {
    let server = ScriptedServer::start(vec![Reply::status(503).header("Retry-After", "0")]).await;
    let policy = quick_retries()
        .with_deadline(Duration::MAX)
        .with_max_retry_after(Duration::MAX)
        .with_max_backoff(Duration::MAX);
    let deleted = client(&server, policy).customers().by_id(id()).delete().await.expect("retried");
    assert_eq!(deleted.call().attempts(), 2);
}
