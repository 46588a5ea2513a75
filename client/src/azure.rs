//! Tokens the way Azure Rust services already get them (feature `azure-identity`): any
//! `azure_core` [`TokenCredential`] — `azure_identity`'s `ClientSecretCredential`,
//! `ManagedIdentityCredential`, `WorkloadIdentityCredential`, the developer-tools credentials —
//! as a [`TokenProvider`] for a [`Cloud`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use azure_core::credentials::TokenCredential;

use crate::cloud::Cloud;
use crate::token::{AccessToken, BoxError, TokenProvider};

/// A [`TokenProvider`] that asks an `azure_core` [`TokenCredential`] for the cloud's Partner
/// Center scope (`https://api.partnercenter.microsoft.com/.default`; the 21Vianet API's own
/// resource for [`Cloud::China`]), or for a scope you set. The client caches its tokens until
/// shortly before they expire.
///
/// ```no_run
/// # async fn run(credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential>) -> Result<(), partner_center_client::Error> {
/// use partner_center_client::{Cloud, PartnerCenter, azure::AzureCredential};
///
/// // `credential` from azure_identity, e.g. ClientSecretCredential::new(tenant, client_id, secret, None)?
/// let pc = PartnerCenter::builder()
///     .cloud(Cloud::Global)
///     .token_provider(AzureCredential::new(credential, Cloud::Global))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AzureCredential {
    credential: Arc<dyn TokenCredential>,
    scope: String,
}

impl fmt::Debug for AzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCredential")
            .field("credential", &self.credential)
            .field("scope", &self.scope)
            .finish()
    }
}

impl AzureCredential {
    /// Asks `credential` for `cloud`'s Partner Center scope.
    pub fn new(credential: Arc<dyn TokenCredential>, cloud: Cloud) -> Self {
        Self { credential, scope: cloud.token_scope() }
    }

    /// Asks for this scope instead (for example `{resource}/user_impersonation` for app+user
    /// tokens, [`Cloud::user_impersonation_scope`]).
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// The scope asked for.
    pub fn scope(&self) -> &str {
        &self.scope
    }
}

#[async_trait]
impl TokenProvider for AzureCredential {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        let token = self.credential.get_token(&[self.scope.as_str()], None).await?;
        let seconds = token.expires_on.unix_timestamp();
        let expires = u64::try_from(seconds)
            .ok()
            .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s)))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        Ok(AccessToken::new(token.token.secret()).with_expiry(expires))
    }
}
