//! The token cache every provider sits behind: a token is reused until
//! [`TOKEN_REFRESH_MARGIN`] before it expires, and refreshed once however many calls wait
//! for it (single flight). What it keeps is the ready `Authorization` header value, so a
//! cached token costs an attempt no allocation.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;

use crate::hooks::authorization;
use crate::token::{BoxError, TokenProvider};

/// How long before its expiry a cached token is refreshed: five minutes, as the Azure SDK's own
/// credentials do, so a token never expires in flight.
pub const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// A provider's token failed, for the scope (and cloud) the client asked for.
#[derive(Debug)]
pub struct TokenFailure {
    scope: String,
    source: BoxError,
}

impl fmt::Display for TokenFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no token for {}: {}", self.scope, self.source)
    }
}

impl std::error::Error for TokenFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

pub(crate) struct TokenCache {
    provider: Arc<dyn TokenProvider>,
    /// What the failure message names: the scope, and the cloud it belongs to.
    scope: String,
    cached: Mutex<Option<Cached>>,
    /// Held by the one caller refreshing; the others wait on it, then take its token.
    refreshing: tokio::sync::Mutex<()>,
}

struct Cached {
    expires_at: SystemTime,
    authorization: HeaderValue,
}

impl TokenCache {
    pub(crate) fn new(provider: Arc<dyn TokenProvider>, scope: String) -> Self {
        Self { provider, scope, cached: Mutex::new(None), refreshing: tokio::sync::Mutex::new(()) }
    }

    /// The `Authorization` value for the next attempt.
    pub(crate) async fn authorization(&self) -> Result<HeaderValue, BoxError> {
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let _refreshing = self.refreshing.lock().await;
        // Someone else may have refreshed while we waited.
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let token = self.provider.token().await.map_err(|source| {
            Box::new(TokenFailure { scope: self.scope.clone(), source }) as BoxError
        })?;
        let value = authorization(&token)?;
        if let Some(expires_at) = token.expires_at()
            && let Ok(mut cached) = self.cached.lock()
        {
            *cached = Some(Cached { expires_at, authorization: value.clone() });
        }
        Ok(value)
    }

    /// After Partner Center refused `refused` (`401`): gets a token again unless another call
    /// already did, and says whether the one to use now differs — only then is another
    /// attempt worth it (a fixed token refused once is refused again).
    pub(crate) async fn refresh_after_refusal(&self, refused: &HeaderValue) -> bool {
        let _refreshing = self.refreshing.lock().await;
        if let Some(current) = self.fresh()
            && current != refused
        {
            return true;
        }
        if let Ok(mut cached) = self.cached.lock() {
            *cached = None;
        }
        let Ok(token) = self.provider.token().await else { return false };
        let Ok(value) = authorization(&token) else { return false };
        if value == refused {
            return false;
        }
        if let Some(expires_at) = token.expires_at()
            && let Ok(mut cached) = self.cached.lock()
        {
            *cached = Some(Cached { expires_at, authorization: value });
        }
        true
    }

    /// The cached value, if its token has more than the margin left.
    pub(crate) fn fresh(&self) -> Option<HeaderValue> {
        let cached = self.cached.lock().ok()?;
        let entry = cached.as_ref()?;
        let usable_until = entry.expires_at.checked_sub(TOKEN_REFRESH_MARGIN)?;
        (SystemTime::now() < usable_until).then(|| entry.authorization.clone())
    }
}
