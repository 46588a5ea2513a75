//! The credential sources the chain knows, in the order it tries them.

use std::fmt;
use std::str::FromStr;

/// Where a token can come from. [`Source::CHAIN`] is the order a
/// [`CredentialChain`](super::CredentialChain) tries them in: what a person or pipeline
/// configured on purpose first, the developer tools last ([why this order](super#the-order)).
///
/// ```
/// use partner_center_client::credentials::Source;
///
/// assert_eq!("az".parse::<Source>().unwrap(), Source::AzureCli);
/// assert_eq!(Source::WorkloadIdentity.to_string(), "workload-identity");
/// assert_eq!(Source::CHAIN.first(), Some(&Source::Token));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// A raw access token in a variable (`PARTNER_CENTER_TOKEN` unless renamed).
    Token,
    /// An app's client secret (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`).
    /// App-only.
    ClientSecret,
    /// An app's certificate (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
    /// `AZURE_CLIENT_CERTIFICATE_PATH`: a PEM file holding the private key and the
    /// certificate; `AZURE_CLIENT_CERTIFICATE_PASSWORD` opens an encrypted key), signed into a
    /// client assertion. App-only.
    ClientCertificate,
    /// A federated token file (`AZURE_FEDERATED_TOKEN_FILE`, `AZURE_TENANT_ID`,
    /// `AZURE_CLIENT_ID`): Kubernetes workload identity, or a CI system's OIDC token written to
    /// a file. App-only.
    WorkloadIdentity,
    /// An Azure managed identity: the App Service / Functions endpoint when
    /// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set; a VM's instance metadata endpoint
    /// (IMDS) only when this source is chosen on its own. `AZURE_CLIENT_ID` picks a
    /// user-assigned identity. App-only.
    ManagedIdentity,
    /// The Azure CLI's signed-in account (`az login`): App+User for a person.
    AzureCli,
    /// The Azure Developer CLI's signed-in account (`azd auth login`).
    AzureDeveloperCli,
}

impl Source {
    /// Every source, in the order the chain tries them (a slice, so a new source is not a
    /// change of type): after an explicit token, `DefaultAzureCredential`'s order, as the
    /// [module docs](super#the-order) explain.
    pub const CHAIN: &'static [Source] = &[
        Source::Token,
        Source::ClientSecret,
        Source::ClientCertificate,
        Source::WorkloadIdentity,
        Source::ManagedIdentity,
        Source::AzureCli,
        Source::AzureDeveloperCli,
    ];

    /// The name `FromStr` accepts (and the CLI's `--auth` takes).
    pub const fn name(self) -> &'static str {
        match self {
            Source::Token => "token",
            Source::ClientSecret => "secret",
            Source::ClientCertificate => "certificate",
            Source::WorkloadIdentity => "workload-identity",
            Source::ManagedIdentity => "managed-identity",
            Source::AzureCli => "az",
            Source::AzureDeveloperCli => "azd",
        }
    }

    /// Whether the source signs a person in (developer tools) rather than an app: a failure
    /// there means "not signed in", so the chain goes on to the next source; a failure of a
    /// source someone configured on purpose ends the chain, so a broken pipeline setting is not
    /// hidden behind a developer's own sign-in.
    pub const fn is_developer_tool(self) -> bool {
        matches!(self, Source::AzureCli | Source::AzureDeveloperCli)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A source name that is not one of [`Source::CHAIN`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown credential source `{0}`: expected token, secret, certificate, workload-identity, managed-identity, az or azd"
)]
pub struct UnknownSource(String);

impl FromStr for Source {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        let alias = match wanted.as_str() {
            "client-secret" => "secret",
            "client-certificate" => "certificate",
            "azure-cli" => "az",
            "azure-developer-cli" => "azd",
            other => other,
        };
        Source::CHAIN
            .iter()
            .copied()
            .find(|source| source.name() == alias)
            .ok_or_else(|| UnknownSource(s.chars().take(64).collect()))
    }
}
