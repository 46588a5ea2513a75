//! Credentials the way Azure people already have them (feature `azure-identity`): a
//! [`CredentialChain`] that tries, in a documented order, an explicit token, workload identity,
//! an app's secret or certificate, a managed identity, and the developer tools (`az`, `azd`) —
//! what other languages' Azure SDKs call `DefaultAzureCredential`, which `azure_identity` 1.0
//! does not ship.
//!
//! | Source ([`Source`]) | Reads | Token |
//! |---|---|---|
//! | `token` | `PARTNER_CENTER_TOKEN` (or the variable you name) | whatever it is |
//! | `workload-identity` | `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` | App-only |
//! | `secret` | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` | App-only |
//! | `certificate` | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_CERTIFICATE_PATH` (and `AZURE_CLIENT_CERTIFICATE_PASSWORD` for an encrypted key) | App-only |
//! | `managed-identity` | `IDENTITY_ENDPOINT`, `IDENTITY_HEADER` (App Service, Functions); IMDS (VMs) only when chosen alone; `AZURE_CLIENT_ID` for a user-assigned identity | App-only |
//! | `az` | the Azure CLI's sign-in (`az login`) | App+User |
//! | `azd` | the Azure Developer CLI's sign-in (`azd auth login`) | App+User |
//!
//! How the chain behaves:
//! - A source whose variables are not set is skipped, and so is one whose set is incomplete
//!   (with the reason, which the final error reports); `AZURE_CLIENT_ID` alone is normal.
//! - The first source that gives a token is kept; if it later fails, the error names it (a
//!   developer tool that fails later sends the chain back to the start, so signing out of `az`
//!   finds `azd`).
//! - A source someone configured on purpose (every one but `az` and `azd`) that fails ends the
//!   chain: a broken pipeline setting is reported, not hidden behind a developer's own sign-in.
//!   `az` and `azd` failing means "not signed in", and the chain goes on.
//! - When nothing works, [`NoCredential`] lists every source, why it was skipped or how it
//!   failed, and the one action most likely to fix it.
//! - Every token request made over HTTP goes through the Partner Center client's own HTTP
//!   client (its proxy and trusted roots), handed over when the client is built, and is
//!   bounded in time; `az` and `azd` run with the chain's [`Env`] and are stopped after 30 s.
//!   Managed-identity endpoints are reached through that client too: with a proxy set, list
//!   them in `NO_PROXY` (`169.254.169.254`, and the App Service endpoint's host).
//! - A certificate file is read once, when the source is first asked: a rotated certificate
//!   takes effect in a new process.
//! - No secret, token or assertion appears in an error, a log line or `Debug`.
//!
//! The scope is the cloud's `{resource}/.default`: secrets, certificates and workload identity
//! take nothing else. [`CredentialChainBuilder::developer_tool_scope`] changes it for `az` and
//! `azd` only (for example [`Cloud::user_impersonation_scope`](crate::Cloud::user_impersonation_scope)).
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

pub(crate) use report::Failure;
