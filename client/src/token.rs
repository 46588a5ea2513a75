//! Access tokens and where they come from.

use std::fmt;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

/// A boxed error from a [`TokenProvider`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An Azure AD access token for Partner Center. Its `Debug` never shows the token, and its
/// own memory is zeroed when it is dropped (the per-attempt `Authorization` header value built
/// from it is marked sensitive but is not zeroed).
#[derive(Clone)]
pub struct AccessToken(SecretString);

impl AccessToken {
    /// Wraps a raw token (without the `Bearer ` prefix).
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

impl From<String> for AccessToken {
    fn from(token: String) -> Self {
        Self::new(token)
    }
}

impl From<&str> for AccessToken {
    fn from(token: &str) -> Self {
        Self::new(token)
    }
}

/// Supplies access tokens. Called before **every** attempt (retries included), so an
/// implementation can cache and refresh; a failure becomes [`Error::Auth`](crate::Error::Auth)
/// and is not retried.
///
/// ```
/// use partner_center_client::{AccessToken, BoxError, TokenProvider};
///
/// struct FromEnv;
///
/// #[async_trait::async_trait]
/// impl TokenProvider for FromEnv {
///     async fn token(&self) -> Result<AccessToken, BoxError> {
///         Ok(AccessToken::new(std::env::var("PARTNER_CENTER_TOKEN")?))
///     }
/// }
/// ```
#[async_trait]
pub trait TokenProvider: Send + Sync + 'static {
    /// A token valid for the configured cloud's Partner Center resource.
    async fn token(&self) -> Result<AccessToken, BoxError>;
}

/// A fixed token, as set by [`PartnerCenterBuilder::bearer_token`](crate::PartnerCenterBuilder::bearer_token).
#[derive(Clone, Debug)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// A provider that always returns `token`.
    pub fn new(token: impl Into<AccessToken>) -> Self {
        Self(token.into())
    }
}

#[async_trait]
impl TokenProvider for StaticToken {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        Ok(self.0.clone())
    }
}
