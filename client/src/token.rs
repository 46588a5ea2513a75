//! Access tokens and where they come from.

use std::fmt;
use std::time::SystemTime;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};

/// A boxed error from a [`TokenProvider`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An Azure AD access token for Partner Center, and when it expires if known. Its `Debug`
/// never shows the token, and its own memory is zeroed when it is dropped (the per-attempt
/// `Authorization` header value built from it is marked sensitive but is not zeroed).
///
/// A token with an expiry is cached by the client and reused until
/// [`TOKEN_REFRESH_MARGIN`](crate::TOKEN_REFRESH_MARGIN) before it expires; one without is
/// asked for again before every attempt.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use partner_center_client::AccessToken;
///
/// let expires = SystemTime::now() + Duration::from_secs(3600);
/// let token = AccessToken::new("eyJ0eXAi...").with_expiry(expires);
/// assert_eq!(token.expires_at(), Some(expires));
/// assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
/// ```
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    expires_at: Option<SystemTime>,
}

impl AccessToken {
    /// Wraps a raw token (without the `Bearer ` prefix), expiry unknown.
    pub fn new(token: impl Into<String>) -> Self {
        Self { secret: SecretString::from(token.into()), expires_at: None }
    }

    /// The same token, known to expire at `at`.
    pub fn with_expiry(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// When the token expires, if known.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    pub(crate) fn expose(&self) -> &str {
        self.secret.expose_secret()
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

/// Supplies access tokens. The client caches what it returns: a token with an
/// [expiry](AccessToken::with_expiry) is reused until shortly before it expires and then
/// refreshed once, however many calls are waiting; a token without one is asked for again
/// before every attempt (retries included). A failure becomes [`Error::Auth`](crate::Error::Auth)
/// naming the cloud and scope, and is not retried.
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

    /// Called once when a client is built with this provider, with the client's own HTTP
    /// client, for providers that request tokens over HTTP themselves: sending through it
    /// applies the client's proxy and trusted roots to the token endpoint too. The default
    /// ignores it.
    fn use_http_client(&self, _client: &reqwest::Client) {}
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
    /// The fixed token; unless it says when it expires, it is good for as long as the client
    /// lives, so the client's token cache keeps it instead of asking again every attempt.
    async fn token(&self) -> Result<AccessToken, BoxError> {
        const LIFETIME: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 24 * 3600);
        let token = self.0.clone();
        Ok(match token.expires_at() {
            Some(_) => token,
            None => match SystemTime::now().checked_add(LIFETIME) {
                Some(never) => token.with_expiry(never),
                None => token,
            },
        })
    }
}

/// A shared provider provides too, so a program can keep its own handle to it.
#[async_trait]
impl<P: TokenProvider + ?Sized> TokenProvider for std::sync::Arc<P> {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        (**self).token().await
    }

    fn use_http_client(&self, client: &reqwest::Client) {
        (**self).use_http_client(client);
    }
}

/// The payload of a JWT (`header.payload.signature`), base64url-decoded (padding optional),
/// read without verifying anything — only Entra ID and Partner Center can. The error says why
/// it is not one, in words that never quote the token. One reading for the credential chain's
/// `TokenClaims` and the TiP-account check.
pub(crate) fn jwt_payload(token: &str) -> Result<Vec<u8>, &'static str> {
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("it does not have three dot-separated parts");
    };
    URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "its payload is not base64url")
}
