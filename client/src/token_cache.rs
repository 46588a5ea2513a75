//! The token cache every provider sits behind: a token is reused until
//! [`TOKEN_REFRESH_MARGIN`] before it expires, and refreshed once however many calls wait
//! for it (single flight).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::token::{AccessToken, BoxError, TokenProvider};

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
    cached: Mutex<Option<AccessToken>>,
    /// Held by the one caller refreshing; the others wait on it, then take its token.
    refreshing: tokio::sync::Mutex<()>,
}

impl TokenCache {
    pub(crate) fn new(provider: Arc<dyn TokenProvider>, scope: String) -> Self {
        Self { provider, scope, cached: Mutex::new(None), refreshing: tokio::sync::Mutex::new(()) }
    }

    pub(crate) async fn token(&self) -> Result<AccessToken, BoxError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _refreshing = self.refreshing.lock().await;
        // Someone else may have refreshed while we waited.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let token = self.provider.token().await.map_err(|source| {
            Box::new(TokenFailure { scope: self.scope.clone(), source }) as BoxError
        })?;
        if token.expires_at().is_some()
            && let Ok(mut cached) = self.cached.lock()
        {
            *cached = Some(token.clone());
        }
        Ok(token)
    }

    /// The cached token, if it has more than the margin left.
    fn fresh(&self) -> Option<AccessToken> {
        let cached = self.cached.lock().ok()?;
        let token = cached.as_ref()?;
        let usable_until = token.expires_at()?.checked_sub(TOKEN_REFRESH_MARGIN)?;
        (SystemTime::now() < usable_until).then(|| token.clone())
    }
}
