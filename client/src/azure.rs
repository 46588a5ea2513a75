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

pub use azure_core::cloud::CloudConfiguration;

/// The `azure_core` cloud configuration whose credentials sign in to `cloud`'s Partner Center:
/// its authority host is [`Cloud::authority`] (the one map from clouds to authorities), or
/// `authority_host` when given (`AZURE_AUTHORITY_HOST`, a private or sovereign deployment).
/// Give it to an `azure_identity` credential's `ClientOptions::cloud`.
///
/// Microsoft Cloud Germany was retired: its sign-in endpoint no longer exists, so credentials
/// for it are refused with that reason rather than failing later at the network.
///
/// ```
/// use partner_center_client::Cloud;
/// use partner_center_client::azure::{CloudConfiguration, cloud_configuration};
///
/// let CloudConfiguration::Custom(us) = cloud_configuration(Cloud::UsGovernment, None).unwrap() else { panic!() };
/// assert_eq!(us.authority_host, "https://login.microsoftonline.us");
/// assert!(cloud_configuration(Cloud::Germany, None).unwrap_err().to_string().contains("retired"));
/// ```
pub fn cloud_configuration(
    cloud: Cloud,
    authority_host: Option<&str>,
) -> Result<CloudConfiguration, RetiredCloud> {
    if cloud.is_retired() {
        return Err(RetiredCloud(cloud));
    }
    let mut custom = azure_core::cloud::CustomConfiguration::default();
    custom.authority_host =
        authority_host.unwrap_or(cloud.authority()).trim_end_matches('/').to_owned();
    Ok(custom.into())
}

/// Credentials were asked for a cloud that no longer exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "Microsoft Cloud Germany ({0}) was retired in October 2021: it has no Partner Center or sign-in endpoint any more; its partners moved to the global cloud (--cloud global)"
)]
pub struct RetiredCloud(Cloud);

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

#[cfg(test)]
mod tests {
    use super::*;

    fn authority(cloud: Cloud, over: Option<&str>) -> String {
        match cloud_configuration(cloud, over) {
            Ok(CloudConfiguration::Custom(c)) => c.authority_host,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_cloud_signs_in_at_its_own_authority_and_the_override_wins() {
        assert_eq!(authority(Cloud::Global, None), "https://login.microsoftonline.com");
        assert_eq!(authority(Cloud::China, None), "https://login.chinacloudapi.cn");
        assert_eq!(authority(Cloud::UsGovernment, None), "https://login.microsoftonline.us");
        assert_eq!(
            authority(Cloud::Global, Some("https://login.example.test/")),
            "https://login.example.test"
        );
        let retired = cloud_configuration(Cloud::Germany, None).expect_err("retired");
        assert!(retired.to_string().contains("was retired"), "{retired}");
    }
}
