//! Credentials the way Azure people already have them (feature `azure-identity`): a
//! [`CredentialChain`] that tries, in a documented order, an explicit token, an app's secret or
//! certificate, workload identity, a managed identity, and the developer tools (`az`, `azd`) —
//! what other languages' Azure SDKs call `DefaultAzureCredential`, which `azure_identity` 1.0
//! does not ship. This page is the one description of the chain, for services and for the
//! `partner-center` CLI alike (its `--auth` takes a source's name from the first column, and
//! runs it alone, as [`CredentialChainBuilder::only`] does).
//!
//! | Source ([`Source`]) | Reads | Token | Typical user |
//! |---|---|---|---|
//! | `token` | `PARTNER_CENTER_TOKEN` (or the variable you name) | whatever it is | a token you already have |
//! | `secret` | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` | App-only | an app registration with a secret |
//! | `certificate` | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_CERTIFICATE_PATH` (PEM: RSA key and certificate), `AZURE_CLIENT_CERTIFICATE_PASSWORD` when the key is encrypted | App-only | an app registration with a certificate |
//! | `workload-identity` | `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` | App-only | Kubernetes workload identity; a CI system's OIDC token written to a file |
//! | `managed-identity` | `IDENTITY_ENDPOINT`, `IDENTITY_HEADER` (App Service, Functions); IMDS (VMs) only when chosen alone; `AZURE_CLIENT_ID` for a user-assigned identity | App-only | a service on Azure |
//! | `az` | the Azure CLI's sign-in (`az login`) | App+User | a person |
//! | `azd` | the Azure Developer CLI's sign-in (`azd auth login`) | App+User | a person |
//!
//! # The order
//!
//! An explicit Partner Center token comes first: it is this crate's own setting, given for this
//! client only. Then the order every Azure SDK documents for `DefaultAzureCredential`: the
//! environment's app credentials (`EnvironmentCredential`, which tries a secret, then a
//! certificate), workload identity, a managed identity, then the developer tools. See .NET's
//! [`DefaultAzureCredential`](https://learn.microsoft.com/dotnet/api/azure.identity.defaultazurecredential)
//! and [`EnvironmentCredential`](https://learn.microsoft.com/dotnet/api/azure.identity.environmentcredential),
//! and Python's
//! [`DefaultAzureCredential`](https://learn.microsoft.com/python/api/azure-identity/azure.identity.defaultazurecredential).
//! The Rust SDK's `azure_identity` 1.0 has no `DefaultAzureCredential`; its
//! `DeveloperToolsCredential` tries `az`, then `azd`, as here, and its pre-1.0
//! `DefaultAzureCredential` tried the environment, a managed identity, then `az`. So a pod with
//! workload identity whose pipeline also sets `AZURE_CLIENT_SECRET` signs in as the secret's
//! app here, as it would with any Azure SDK.
//!
//! # How the chain behaves
//!
//! - A source whose variables are not set is skipped, and so is one whose set is incomplete
//!   (with the reason, which the final error reports); `AZURE_CLIENT_ID` alone is normal.
//! - The first source that gives a token is kept; if it later fails, the error names it (a
//!   developer tool that fails later sends the chain back to the start, so signing out of `az`
//!   finds `azd`).
//! - A source someone configured on purpose (every one but `az` and `azd`) that fails ends the
//!   chain: a broken pipeline setting (a wrong secret) is reported, not hidden behind a
//!   developer's own sign-in. `az` and `azd` failing means "not signed in", and the chain goes
//!   on.
//! - When nothing works, [`NoCredential`] lists every source, why it was skipped or how it
//!   failed, and the one action most likely to fix it (for example
//!   ``run `az login --tenant contoso.onmicrosoft.com` ``).
//! - A VM's managed identity (IMDS) has no variable to detect it by, and Azure's own clients
//!   retry it for over a minute, so the chain never probes for it: it is asked only when
//!   [`Source::ManagedIdentity`] is chosen alone ([`CredentialChainBuilder::only`], the CLI's
//!   `--auth managed-identity`), three times at most. Service Fabric's and Azure Arc's managed
//!   identities are named as not supported.
//! - Every token request made over HTTP goes through the Partner Center client's own HTTP
//!   client (its proxy and trusted roots), handed over when the client is built, and gets
//!   [`TOKEN_REQUEST_TIMEOUT`] (or [`CredentialChainBuilder::token_request_timeout`]) from
//!   connect to last byte; `az` and `azd` run with the chain's [`Env`] and are stopped after
//!   30 s. Managed-identity endpoints are reached through that client too: with a proxy set,
//!   list them in `NO_PROXY` (`169.254.169.254`, and the App Service endpoint's host).
//! - A certificate file is read once, when the source is first asked: a rotated certificate
//!   takes effect in a new process.
//! - No secret, token or assertion appears in an error, a log line or `Debug`.
//!
//! The scope is the cloud's `{resource}/.default`: secrets, certificates and workload identity
//! take nothing else. [`CredentialChainBuilder::developer_tool_scope`] changes it for `az` and
//! `azd` only (for example [`Cloud::user_impersonation_scope`](crate::Cloud::user_impersonation_scope)).
//!
//! # Which token for which operation
//!
//! Partner Center documents listing and deleting customers and reading and cancelling orders
//! for App-only and App+User tokens, and **entitlements** — read by
//! [`CustomerById::entitlements`](crate::CustomerById::entitlements) and
//! [`CustomerById::delete_with_purchases`](crate::CustomerById::delete_with_purchases), and so
//! by the CLI's `--cancel-purchases` and `customers purchases` — for **App+User only**: sign in
//! as a person (`az login`) for those. Since April 2026 Microsoft enforces MFA on App+User
//! calls; `az login` handles it. Whether Partner Center accepts a token issued to the Azure
//! CLI's own app registration depends on your tenant and cannot be checked offline:
//! [`TokenClaims`] reads the token's app id, audience and kind (the CLI's `auth status` shows
//! them), and the first call's answer settles it.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use partner_center_client::{Cloud, PartnerCenter};
//! use partner_center_client::credentials::CredentialChain;
//!
//! let chain = CredentialChain::builder(Cloud::Global).build()?;
//! let pc = PartnerCenter::builder().cloud(Cloud::Global).token_provider(chain).build()?;
//! let first = pc.customers().list().first_page().await?;
//! # Ok(()) }
//! ```

mod builder;
mod certificate;
mod chain;
mod claims;
mod env;
mod managed_identity;
mod report;
mod setup;
mod source;
mod tools;
mod transport;

#[cfg(test)]
mod tests;

pub use builder::CredentialChainBuilder;
pub use chain::{CredentialChain, SourceStatus};
pub use claims::{NotAJwt, TokenClaims, TokenKind};
pub use env::Env;
pub use report::{ChainConfigError, NoCredential};
pub use source::{Source, UnknownSource};
pub use transport::TOKEN_REQUEST_TIMEOUT;

pub(crate) use report::Failure;
