//! Token caching for every provider (reuse until shortly before expiry, one refresh under
//! concurrent callers, failures naming the scope), and the `azure-identity` adapter with a test
//! `TokenCredential` that counts calls, expires tokens and fails on demand.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use partner_center_client::azure::AzureCredential;
use partner_center_client::{AccessToken, BoxError, Cloud, Error, PartnerCenter, TokenProvider};
use partner_center_tests::{TIP, quick_retries, sandbox_with};
use uuid::Uuid;

/// Hands out the sandbox's token, valid for `lifetime` (from each call), counting calls.
struct Counting {
    calls: AtomicU32,
    lifetime: Duration,
}

#[async_trait::async_trait]
impl TokenProvider for Counting {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        // Slow enough that concurrent callers really overlap.
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(AccessToken::new(TIP).with_expiry(SystemTime::now() + self.lifetime))
    }
}

fn client(base_url: &str, provider: impl TokenProvider) -> PartnerCenter {
    PartnerCenter::builder()
        .base_url(base_url)
        .token_provider(provider)
        .retry_policy(quick_retries())
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_calls_on_an_empty_cache_make_one_token_call() {
    let ids: Vec<Uuid> = (0..100).map(|_| Uuid::new_v4()).collect();
    let sandbox = sandbox_with(&ids, &[]).await;
    let provider =
        Arc::new(Counting { calls: AtomicU32::new(0), lifetime: Duration::from_secs(3600) });
    let pc = client(&sandbox.base_url(), Arc::clone(&provider));
    let calls = ids.iter().map(|&id| {
        let pc = pc.clone();
        tokio::spawn(async move { pc.customers().by_id(id.into()).delete().await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.expect("task").expect("deleted");
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 1, "single flight");
    // Later calls reuse the cached token too.
    pc.customers().list().first_page().await.expect("page");
    assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_token_inside_the_refresh_margin_is_refreshed_and_one_without_expiry_is_not_cached() {
    let sandbox = sandbox_with(&[], &[]).await;
    // Expires in 4 minutes: inside the 5-minute margin, so every call refreshes.
    let provider =
        Arc::new(Counting { calls: AtomicU32::new(0), lifetime: Duration::from_secs(240) });
    let pc = client(&sandbox.base_url(), Arc::clone(&provider));
    for _ in 0..3 {
        pc.customers().list().first_page().await.expect("page");
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 3);
    assert_eq!(partner_center_client::TOKEN_REFRESH_MARGIN, Duration::from_secs(300));
}

/// An `azure_core` credential that counts calls, can expire its tokens and can fail.
#[derive(Debug, Default)]
struct TestCredential {
    calls: AtomicU32,
    fail: AtomicBool,
    /// Seconds of life each new token gets.
    lifetime: AtomicU64,
    scopes: std::sync::Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for TestCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.scopes.lock().expect("lock").extend(scopes.iter().map(|s| s.to_string()));
        tokio::time::sleep(Duration::from_millis(50)).await;
        if self.fail.load(Ordering::SeqCst) {
            return Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                "AADSTS7000215: invalid client secret",
            ));
        }
        let lifetime = self.lifetime.load(Ordering::SeqCst) as i64;
        let expires = azure_core::time::OffsetDateTime::now_utc()
            + azure_core::time::Duration::seconds(lifetime);
        Ok(azure_core::credentials::AccessToken::new(TIP.to_string(), expires))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_azure_credential_is_asked_for_the_clouds_scope_once_then_refreshed_and_its_failures_named()
 {
    let ids: Vec<Uuid> = (0..100).map(|_| Uuid::new_v4()).collect();
    let sandbox = sandbox_with(&ids, &[]).await;
    let credential = Arc::new(TestCredential::default());
    credential.lifetime.store(3600, Ordering::SeqCst);
    let pc = client(&sandbox.base_url(), AzureCredential::new(credential.clone(), Cloud::Global));
    let calls: Vec<_> = ids[..50]
        .iter()
        .map(|&id| {
            let pc = pc.clone();
            tokio::spawn(async move { pc.customers().by_id(id.into()).delete().await })
        })
        .collect();
    for call in calls {
        call.await.expect("task").expect("deleted");
    }
    assert_eq!(
        credential.calls.load(Ordering::SeqCst),
        1,
        "one credential call for 50 concurrent calls"
    );
    assert_eq!(
        credential.scopes.lock().expect("lock").as_slice(),
        ["https://api.partnercenter.microsoft.com/.default"]
    );

    // A fresh client whose credential hands out tokens about to expire: each call refreshes.
    let credential = Arc::new(TestCredential::default());
    credential.lifetime.store(60, Ordering::SeqCst);
    let pc = client(&sandbox.base_url(), AzureCredential::new(credential.clone(), Cloud::Global));
    pc.customers().by_id(ids[50].into()).delete().await.expect("deleted");
    pc.customers().by_id(ids[51].into()).delete().await.expect("deleted");
    assert_eq!(
        credential.calls.load(Ordering::SeqCst),
        2,
        "a token within the margin is not reused"
    );

    // A failing credential: Error::Auth naming the scope and cloud, nothing sent.
    credential.fail.store(true, Ordering::SeqCst);
    sandbox.clear_requests();
    let err = pc.customers().by_id(ids[52].into()).delete().await.expect_err("auth");
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("https://api.partnercenter.microsoft.com/.default (cloud global)"),
        "{text}"
    );
    assert!(text.contains("invalid client secret"), "{text}");
    assert!(sandbox.requests().is_empty());
}

#[test]
fn the_china_cloud_has_its_own_scope_and_the_scope_can_be_overridden() {
    let credential = Arc::new(TestCredential::default());
    let china = AzureCredential::new(credential.clone(), Cloud::China);
    assert_eq!(china.scope(), "https://partner.partnercenterapi.microsoftonline.cn/.default");
    let delegated = AzureCredential::new(credential, Cloud::Global)
        .with_scope(Cloud::Global.user_impersonation_scope());
    assert_eq!(delegated.scope(), "https://api.partnercenter.microsoft.com/user_impersonation");
}

/// Gives tokens the sandbox holds to its own expiry (`expiring_token`), while telling the
/// client they are good for an hour — a server whose clock or revocation disagrees with the
/// client's. The first `expired_first` tokens are already past their expiry on the server.
struct ExpiringOnTheServer {
    calls: AtomicU32,
    expired_first: u32,
}

#[async_trait::async_trait]
impl TokenProvider for ExpiringOnTheServer {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let now = SystemTime::now();
        let server_expiry = if n < self.expired_first {
            now - Duration::from_secs(5)
        } else {
            now + Duration::from_secs(3600)
        };
        // Distinct tokens even within one second (the expiry moves by a second per call).
        let token = partner_center_sandbox::expiring_token(
            TIP,
            server_expiry + Duration::from_secs(u64::from(n).min(60)),
        );
        Ok(AccessToken::new(token).with_expiry(now + Duration::from_secs(3600)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_server_finds_expired_is_refreshed_once_and_no_call_fails_for_it() {
    let ids: Vec<Uuid> = (0..20).map(|_| Uuid::new_v4()).collect();
    let sandbox = sandbox_with(&ids, &[]).await;
    let provider = Arc::new(ExpiringOnTheServer { calls: AtomicU32::new(0), expired_first: 1 });
    let pc = client(&sandbox.base_url(), Arc::clone(&provider));
    // Twenty deletes at once on a cached token the server now refuses: each is answered 401
    // once, one refresh serves them all, and every retry goes through.
    pc.check_credentials().await.expect("a token is cached");
    let deletes = ids.iter().map(|id| {
        let pc = pc.clone();
        let id = *id;
        tokio::spawn(async move { pc.customers().by_id(id.into()).delete().await })
    });
    for (deleted, id) in futures_util::future::join_all(deletes).await.into_iter().zip(&ids) {
        let deleted = deleted.expect("task").expect("no customer fails for an expired token");
        assert!(deleted.call().attempts() <= 2, "{id}: {:?}", deleted.call());
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2, "one token, then one refresh");
    let refused = sandbox.requests().iter().filter(|r| r.status == Some(401)).count();
    assert!((1..=20).contains(&refused), "{refused}");
    assert!(sandbox.customers(TIP).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_retried_once_only_and_a_fixed_one_not_at_all() {
    let sandbox = sandbox_with(&[Uuid::new_v4()], &[]).await;
    // Every token the provider gives is expired on the server: one retry, then the 401.
    let provider =
        Arc::new(ExpiringOnTheServer { calls: AtomicU32::new(0), expired_first: u32::MAX });
    let pc = client(&sandbox.base_url(), Arc::clone(&provider));
    let err = pc.customers().list().first_page().await.expect_err("refused");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.call().map(|c| c.attempts()), Some(2));
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
    // A fixed token gets the same answer again: not retried.
    let before = sandbox.requests().len();
    let fixed = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .bearer_token("not-the-partners")
        .retry_policy(quick_retries())
        .build()
        .expect("client");
    let err = fixed.customers().list().first_page().await.expect_err("refused");
    assert_eq!(err.call().map(|c| c.attempts()), Some(1));
    assert_eq!(sandbox.requests().len(), before + 1);
}
