//! The access token never shows in `Debug`, `Display` or the client's logs.
//!
//! Alone in its own test binary: it installs a tracing subscriber for its thread, and
//! tracing caches per-callsite interest process-wide, so a test running in parallel that hits
//! the same callsites first without a subscriber could hide log lines from it.

use std::sync::Arc;

use partner_center_client::{AccessToken, Error, PartnerCenter};
use partner_center_tests::{Reply, ScriptedServer, TOKEN, customer_id as id, quick_retries};

#[tokio::test]
async fn the_token_never_shows_in_debug_display_or_logs() {
    let (logs, _guard) = capture_logs();

    let server = ScriptedServer::start(vec![
        Reply::status(503),
        Reply::json(
            401,
            r#"{"code":800001,"description":"Partner Token missing in request context."}"#,
        ),
    ])
    .await;
    let builder = PartnerCenter::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .retry_policy(quick_retries());
    let mut shown = vec![format!("{builder:?}")];
    let pc = builder.build().expect("builds");
    shown.push(format!("{pc:?}"));
    let err = pc.customers().by_id(id()).delete().await.expect_err("401");
    shown.push(format!("{err:?}"));
    shown.push(err.to_string());
    shown.push(format!("{:?}", AccessToken::new(TOKEN)));
    let ctx =
        partner_center_client::hooks::CallContext::new(AccessToken::new(TOKEN)).expect("valid");
    shown.push(format!("{ctx:?}"));

    // A transport error (nothing listens on the port).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let pc = PartnerCenter::builder()
        .base_url(format!("http://127.0.0.1:{closed}"))
        .bearer_token(TOKEN)
        .retry_policy(quick_retries().with_max_attempts(2))
        .build()
        .expect("builds");
    let err = pc.customers().by_id(id()).delete().await.expect_err("refused");
    assert!(
        matches!(err, Error::Transport { .. }) && err.call().map(|c| c.attempts()) == Some(2),
        "{err:?}"
    );
    shown.push(format!("{err:?}"));
    shown.push(err.to_string());

    let logs = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf8");
    assert!(logs.contains("retrying Partner Center call"), "retries are logged: {logs}");
    assert!(logs.contains("request_id"), "the call span carries the request id: {logs}");
    shown.push(logs);
    for text in &shown {
        assert!(!text.contains("secret-token-value"), "token leaked: {text}");
    }
}

/// Every log line of `f`'s run, at TRACE, captured for this thread.
async fn logs_of<F: std::future::Future>(f: F) -> (F::Output, String) {
    let (logs, _guard) = capture_logs();
    let out = f.await;
    (out, logs.text())
}

/// Every log line at TRACE from now on, for this thread, until the guard is dropped.
fn capture_logs() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// The captured log text.
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_created_customers_password_never_shows_in_logs_or_debug() {
    let sandbox = partner_center_sandbox::Sandbox::builder()
        .tip_partner(TOKEN)
        .read_after_create_lag(std::time::Duration::ZERO)
        .start()
        .await
        .expect("sandbox");
    let pc = partner_center_tests::client_for(&sandbox.base_url(), TOKEN, quick_retries());
    let (set, logs) = logs_of(async {
        partner_center_fixtures::Fixtures::new(&pc).count(2).tag("secret").create().await
    })
    .await;
    let set = set.expect("created");
    for f in set.fixtures() {
        let password = f.admin().expect("credentials").expose_password().to_owned();
        assert!(!logs.contains(&password), "a password in the logs");
        assert!(!format!("{f:?} {set:?}").contains(&password), "a password in Debug");
    }
    assert!(logs.contains("partner_center.create_customer"), "the create was logged: {logs}");
    assert!(set.teardown().await.is_clean());
}

#[tokio::test(flavor = "current_thread")]
async fn an_abandoned_creation_warns_with_the_customers_it_made() {
    // A long read-after-create lag: the create waits at its read-back when it is dropped.
    let sandbox = partner_center_sandbox::Sandbox::builder()
        .tip_partner(TOKEN)
        .read_after_create_lag(std::time::Duration::from_secs(30))
        .start()
        .await
        .expect("sandbox");
    let pc = partner_center_tests::client_for(&sandbox.base_url(), TOKEN, quick_retries());
    let (timed_out, logs) = logs_of(async {
        let create = partner_center_fixtures::Fixtures::new(&pc).count(1).tag("dropped").create();
        tokio::time::timeout(std::time::Duration::from_secs(2), create).await
    })
    .await;
    assert!(timed_out.is_err(), "the create was still waiting");
    let made = sandbox.customers(TOKEN);
    assert_eq!(made.len(), 1);
    assert!(logs.contains("was abandoned") && logs.contains(&made[0].to_string()), "{logs}");
}
