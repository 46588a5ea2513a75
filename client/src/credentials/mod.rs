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
//! | `certificate` | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_CERTIFICATE_PATH` | App-only |
//! | `managed-identity` | `IDENTITY_ENDPOINT`, `IDENTITY_HEADER` (App Service, Functions); IMDS (VMs) only when chosen alone; `AZURE_CLIENT_ID` for a user-assigned identity | App-only |
//! | `az` | the Azure CLI's sign-in (`az login`) | App+User |
//! | `azd` | the Azure Developer CLI's sign-in (`azd auth login`) | App+User |
//!
//! How the chain behaves:
//! - A source whose variables are not set is skipped, and so is one whose set is incomplete
//!   (with the reason, which the final error reports); `AZURE_CLIENT_ID` alone is normal.
//! - The first source that gives a token is kept for the chain's life.
//! - A source someone configured on purpose (every one but `az` and `azd`) that fails ends the
//!   chain: a broken pipeline setting is reported, not hidden behind a developer's own sign-in.
//!   `az` and `azd` failing means "not signed in", and the chain goes on.
//! - When nothing works, [`NoCredential`] lists every source, why it was skipped or how it
//!   failed, and the one action most likely to fix it.
//! - Every token request goes through the Partner Center client's own HTTP client (proxies,
//!   `--ca-cert` roots), handed over when the client is built; `az` and `azd` run with the
//!   chain's [`Env`].
//! - No secret, token or assertion appears in an error, a log line or `Debug`.
//!
//! The scope is the cloud's `{resource}/.default`: secrets, certificates and workload identity
//! take nothing else. [`CredentialChainBuilder::developer_tool_scope`] changes it for `az` and
//! `azd` only (for example [`Cloud::user_impersonation_scope`]).
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

mod app_service;
mod certificate;
mod claims;
mod env;
mod source;
mod tools;
mod transport;

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use secrecy::{ExposeSecret, SecretString};

use crate::azure::{AzureCredential, RetiredCloud, cloud_configuration};
use crate::cloud::Cloud;
use crate::token::{AccessToken, BoxError, TokenProvider};

pub use claims::{NotAJwt, TokenClaims, TokenKind};
pub use env::Env;
pub use source::{Source, UnknownSource};

use app_service::AppService;
use certificate::CertificateAssertion;

/// Tries credential sources in [`Source::CHAIN`]'s order; see the [module docs](self).
///
/// Built with [`CredentialChain::builder`]; give it to
/// [`PartnerCenterBuilder::token_provider`](crate::PartnerCenterBuilder::token_provider). The
/// client caches its tokens, so the chain is asked once per token lifetime, however many calls
/// wait.
///
/// ```
/// use partner_center_client::Cloud;
/// use partner_center_client::credentials::{CredentialChain, Env, Source};
///
/// let env = Env::from_pairs([
///     ("AZURE_TENANT_ID", "contoso.onmicrosoft.com"),
///     ("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001"),
/// ]);
/// let chain = CredentialChain::builder(Cloud::Global).env(env).build().unwrap();
/// let ready: Vec<Source> = chain.sources().iter().filter(|s| s.is_ready()).map(|s| s.source()).collect();
/// assert_eq!(ready, [Source::AzureCli, Source::AzureDeveloperCli]);
/// let secret = &chain.sources()[2];
/// assert_eq!(secret.detail(), "AZURE_CLIENT_SECRET is not set");
/// ```
pub struct CredentialChain {
    cloud: Cloud,
    authority_host: String,
    scope: String,
    developer_scope: String,
    token_variable: String,
    candidates: Vec<Candidate>,
    http: OnceLock<reqwest::Client>,
    /// The index of the source that gave the first token.
    chosen: AtomicUsize,
}

const NONE_CHOSEN: usize = usize::MAX;

impl fmt::Debug for CredentialChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialChain")
            .field("cloud", &self.cloud)
            .field("authority_host", &self.authority_host)
            .field("scope", &self.scope)
            .field("sources", &self.sources())
            .finish_non_exhaustive()
    }
}

/// Settings for a [`CredentialChain`].
#[derive(Debug)]
#[must_use]
pub struct CredentialChainBuilder {
    cloud: Cloud,
    env: Env,
    tenant: Option<String>,
    authority_host: Option<String>,
    token_variable: String,
    only: Option<Source>,
    developer_scope: Option<String>,
    http: Option<reqwest::Client>,
}

impl CredentialChain {
    /// A chain for `cloud`'s Partner Center, reading the process environment.
    pub fn builder(cloud: Cloud) -> CredentialChainBuilder {
        CredentialChainBuilder {
            cloud,
            env: Env::process(),
            tenant: None,
            authority_host: None,
            token_variable: "PARTNER_CENTER_TOKEN".to_owned(),
            only: None,
            developer_scope: None,
            http: None,
        }
    }

    /// Every source the chain considers, in order, with whether it is ready and why not.
    pub fn sources(&self) -> Vec<SourceStatus> {
        self.candidates
            .iter()
            .map(|c| match &c.setup {
                Ok(setup) => {
                    SourceStatus { source: c.source, ready: true, detail: setup.describe() }
                }
                Err(reason) => {
                    SourceStatus { source: c.source, ready: false, detail: reason.clone() }
                }
            })
            .collect()
    }

    /// The source that gave the last token, once one has.
    pub fn chosen(&self) -> Option<Source> {
        self.candidates.get(self.chosen.load(Ordering::Acquire)).map(|c| c.source)
    }

    /// The cloud.
    pub fn cloud(&self) -> Cloud {
        self.cloud
    }

    /// Where app credentials sign in (`https://login.microsoftonline.com` for the global cloud).
    pub fn authority_host(&self) -> &str {
        &self.authority_host
    }

    /// The scope `source` asks for.
    pub fn scope(&self, source: Source) -> &str {
        if source.is_developer_tool() { &self.developer_scope } else { &self.scope }
    }

    /// The HTTP client token requests go through: the Partner Center client's, once one was
    /// built with this chain; until then a default one of the same TLS stack (never
    /// `azure_core`'s default transport).
    fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(reqwest::Client::new)
    }

    /// Asks source `index`.
    async fn ask(&self, index: usize) -> Result<AccessToken, String> {
        let candidate = &self.candidates[index];
        let setup = candidate.setup.as_ref().map_err(Clone::clone)?;
        let scope = self.scope(candidate.source);
        let shown = |e: azure_core::Error| one_line(&crate::error::chain_text(&e));
        match setup {
            Setup::Token(token) => Ok(AccessToken::new(token.expose_secret())),
            Setup::AppService(endpoint) => endpoint.token(self.http(), scope).await,
            _ => {
                let credential = self.credential(candidate, setup)?;
                AzureCredential::new(credential, self.cloud)
                    .with_scope(scope)
                    .token()
                    .await
                    .map_err(|e| match e.downcast::<azure_core::Error>() {
                        Ok(e) => shown(*e),
                        Err(e) => one_line(&e.to_string()),
                    })
            }
        }
    }

    /// The `azure_identity` credential behind a source, made once on first use (so it sends
    /// through the HTTP client the Partner Center client handed over).
    fn credential(
        &self,
        candidate: &Candidate,
        setup: &Setup,
    ) -> Result<Arc<dyn TokenCredential>, String> {
        let mut made = candidate.credential.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(credential) = &*made {
            return Ok(Arc::clone(credential));
        }
        let options = || -> Result<ClientOptions, String> {
            let cloud = cloud_configuration(self.cloud, Some(&self.authority_host))
                .map_err(|e| e.to_string())?;
            Ok(ClientOptions {
                cloud: Some(Arc::new(cloud)),
                transport: Some(Transport::new(Arc::new(transport::TokenTransport(
                    self.http().clone(),
                )))),
                // azure_core's default keeps a wrong authority host or a down endpoint
                // retrying for a minute; a token request gets about as long as a Partner
                // Center call's own retries.
                retry: RetryOptions::exponential(ExponentialRetryOptions {
                    initial_delay: azure_core::time::Duration::milliseconds(500),
                    max_retries: 3,
                    max_total_elapsed: azure_core::time::Duration::seconds(10),
                    ..Default::default()
                }),
                ..Default::default()
            })
        };
        let shown = |e: azure_core::Error| one_line(&crate::error::chain_text(&e));
        let credential: Arc<dyn TokenCredential> = match setup {
            Setup::WorkloadIdentity { app, file } => {
                azure_identity::WorkloadIdentityCredential::new(Some(
                    azure_identity::WorkloadIdentityCredentialOptions {
                        credential_options: azure_identity::ClientAssertionCredentialOptions {
                            client_options: options()?,
                        },
                        client_id: Some(app.client_id.clone()),
                        tenant_id: Some(app.tenant.clone()),
                        token_file_path: Some(file.clone()),
                    },
                ))
                .map_err(shown)?
            }
            Setup::ClientSecret { app, secret } => azure_identity::ClientSecretCredential::new(
                &app.tenant,
                app.client_id.clone(),
                Secret::new(secret.expose_secret().to_owned()),
                Some(azure_identity::ClientSecretCredentialOptions { client_options: options()? }),
            )
            .map_err(shown)?,
            Setup::ClientCertificate { app, path } => {
                let audience = format!("{}/{}/oauth2/v2.0/token", self.authority_host, app.tenant);
                let assertion =
                    CertificateAssertion::from_pem_file(path, &app.client_id, audience)?;
                azure_identity::ClientAssertionCredential::new(
                    app.tenant.clone(),
                    app.client_id.clone(),
                    assertion,
                    Some(azure_identity::ClientAssertionCredentialOptions {
                        client_options: options()?,
                    }),
                )
                .map_err(shown)?
            }
            Setup::Imds { client_id } => azure_identity::ManagedIdentityCredential::new(Some(
                azure_identity::ManagedIdentityCredentialOptions {
                    user_assigned_id: client_id
                        .clone()
                        .map(azure_identity::UserAssignedId::ClientId),
                    client_options: options()?,
                },
            ))
            .map_err(shown)?,
            Setup::AzureCli { tenant, env } => azure_identity::AzureCliCredential::new(Some(
                azure_identity::AzureCliCredentialOptions {
                    tenant_id: tenant.clone(),
                    executor: Some(Arc::new(tools::ToolRunner { env: env.clone() })),
                    ..Default::default()
                },
            ))
            .map_err(shown)?,
            Setup::AzureDeveloperCli { tenant, env } => {
                azure_identity::AzureDeveloperCliCredential::new(Some(
                    azure_identity::AzureDeveloperCliCredentialOptions {
                        tenant_id: tenant.clone(),
                        executor: Some(Arc::new(tools::ToolRunner { env: env.clone() })),
                    },
                ))
                .map_err(shown)?
            }
            Setup::Token(_) | Setup::AppService(_) => {
                return Err("internal: this source has no azure_identity credential".to_owned());
            }
        };
        *made = Some(Arc::clone(&credential));
        Ok(credential)
    }
}

#[async_trait]
impl TokenProvider for CredentialChain {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        let chosen = self.chosen.load(Ordering::Acquire);
        if chosen != NONE_CHOSEN {
            let source = self.candidates[chosen].source;
            return self.ask(chosen).await.map_err(|why| {
                let attempts = vec![Attempt { source, outcome: Outcome::Failed(why) }];
                Box::new(NoCredential::new(self, attempts)) as BoxError
            });
        }
        let mut attempts = Vec::new();
        for (index, candidate) in self.candidates.iter().enumerate() {
            if let Err(reason) = &candidate.setup {
                attempts.push(Attempt {
                    source: candidate.source,
                    outcome: Outcome::Skipped(reason.clone()),
                });
                continue;
            }
            match self.ask(index).await {
                Ok(token) => {
                    tracing::debug!(source = %candidate.source, "credential chain: token obtained");
                    self.chosen.store(index, Ordering::Release);
                    return Ok(token);
                }
                Err(why) => {
                    attempts
                        .push(Attempt { source: candidate.source, outcome: Outcome::Failed(why) });
                    if !candidate.source.is_developer_tool() {
                        break;
                    }
                }
            }
        }
        Err(Box::new(NoCredential::new(self, attempts)))
    }

    fn use_http_client(&self, client: &reqwest::Client) {
        // The first client wins: a chain shared by two Partner Center clients keeps the first's.
        let _ = self.http.set(client.clone());
    }
}

impl CredentialChainBuilder {
    /// Reads these variables instead of the process's (tests; services with their own
    /// configuration). `az` and `azd` then run with exactly this environment.
    pub fn env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// The partner's tenant (id or domain), over `AZURE_TENANT_ID`; `az` and `azd` get it as
    /// `--tenant`.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Sign in at this authority host instead of the cloud's (`AZURE_AUTHORITY_HOST`, read from
    /// the environment when not set here). Must be `https://`.
    pub fn authority_host(mut self, url: impl Into<String>) -> Self {
        self.authority_host = Some(url.into());
        self
    }

    /// The variable the [`Source::Token`] source reads (`PARTNER_CENTER_TOKEN` by default).
    pub fn token_variable(mut self, name: impl Into<String>) -> Self {
        self.token_variable = name.into();
        self
    }

    /// Use this source alone: it must be configured (building fails with the reason if not),
    /// and for [`Source::ManagedIdentity`] a VM's instance metadata endpoint is used when no App
    /// Service endpoint is set.
    pub fn only(mut self, source: Source) -> Self {
        self.only = Some(source);
        self
    }

    /// The scope `az` and `azd` ask for, instead of the cloud's `/.default` (for example
    /// [`Cloud::user_impersonation_scope`]).
    pub fn developer_tool_scope(mut self, scope: impl Into<String>) -> Self {
        self.developer_scope = Some(scope.into());
        self
    }

    /// Send token requests through this client before a Partner Center client hands over
    /// its own (a chain used on its own, or with a client you built).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Reads the environment and decides which sources are ready.
    pub fn build(self) -> Result<CredentialChain, ChainConfigError> {
        let host =
            match self.authority_host.clone().or_else(|| self.env.var("AZURE_AUTHORITY_HOST")) {
                Some(host) => {
                    let parsed = url::Url::parse(&host)
                        .map_err(|e| ChainConfigError::AuthorityHost(format!("`{host}`: {e}")))?;
                    if parsed.scheme() != "https" {
                        return Err(ChainConfigError::AuthorityHost(format!(
                            "`{host}` is not https:// (token endpoints are TLS only)"
                        )));
                    }
                    host.trim_end_matches('/').to_owned()
                }
                None => self.cloud.authority().trim_end_matches('/').to_owned(),
            };
        if self.cloud.is_retired() {
            // Refused before anything is read or sent.
            cloud_configuration(self.cloud, None)?;
        }
        let tenant = self.tenant.clone().or_else(|| self.env.var("AZURE_TENANT_ID"));
        let sources: Vec<Source> = match self.only {
            Some(source) => vec![source],
            None => Source::CHAIN.to_vec(),
        };
        let candidates: Vec<Candidate> = sources
            .into_iter()
            .map(|source| Candidate {
                source,
                setup: setup(source, &self, tenant.as_deref(), self.only.is_some()),
                credential: Mutex::new(None),
            })
            .collect();
        if let (Some(source), Some(Candidate { setup: Err(reason), .. })) =
            (self.only, candidates.first())
        {
            return Err(ChainConfigError::NotConfigured { chosen: source, reason: reason.clone() });
        }
        let scope = self.cloud.token_scope();
        let http = OnceLock::new();
        if let Some(client) = self.http {
            let _ = http.set(client);
        }
        Ok(CredentialChain {
            cloud: self.cloud,
            authority_host: host,
            developer_scope: self.developer_scope.unwrap_or_else(|| scope.clone()),
            scope,
            token_variable: self.token_variable,
            candidates,
            http,
            chosen: AtomicUsize::new(NONE_CHOSEN),
        })
    }
}

/// A [`CredentialChain`] that cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainConfigError {
    /// The cloud was retired.
    #[error(transparent)]
    Retired(#[from] RetiredCloud),
    /// The authority host is not an `https://` URL.
    #[error("the authority host {0}")]
    AuthorityHost(String),
    /// The one source asked for is not configured.
    #[error("credential source `{chosen}` was chosen but cannot be used: {reason}")]
    NotConfigured {
        /// The source.
        chosen: Source,
        /// Why (which variable is missing).
        reason: String,
    },
}

/// One source as the chain sees it: ready to ask, or skipped and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    source: Source,
    ready: bool,
    detail: String,
}

impl SourceStatus {
    /// The source.
    pub fn source(&self) -> Source {
        self.source
    }

    /// Whether it will be asked.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// When ready, what it will use (variables, files, tenant: never a secret); when skipped,
    /// why.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// No source gave a token: each source tried or skipped, and what to do.
#[derive(Debug, Clone)]
pub struct NoCredential {
    scope: String,
    attempts: Vec<Attempt>,
    hint: String,
}

#[derive(Debug, Clone)]
struct Attempt {
    source: Source,
    outcome: Outcome,
}

#[derive(Debug, Clone)]
enum Outcome {
    Skipped(String),
    Failed(String),
}

impl NoCredential {
    fn new(chain: &CredentialChain, attempts: Vec<Attempt>) -> Self {
        let hint = likeliest_fix(chain, &attempts);
        Self { scope: chain.scope.clone(), attempts, hint }
    }

    /// The one action most likely to fix it.
    pub fn hint(&self) -> &str {
        &self.hint
    }

    /// The sources that were asked and failed, with why.
    pub fn failures(&self) -> impl Iterator<Item = (Source, &str)> {
        self.attempts.iter().filter_map(|a| match &a.outcome {
            Outcome::Failed(why) => Some((a.source, why.as_str())),
            Outcome::Skipped(_) => None,
        })
    }
}

impl fmt::Display for NoCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no credential source gave a token for {}:", self.scope)?;
        for attempt in &self.attempts {
            match &attempt.outcome {
                Outcome::Skipped(why) => write!(f, "\n  {}: skipped: {why}", attempt.source)?,
                Outcome::Failed(why) => write!(f, "\n  {}: failed: {why}", attempt.source)?,
            }
        }
        write!(f, "\nto fix: {}", self.hint)
    }
}

impl std::error::Error for NoCredential {}

/// The fix for the likeliest cause: a configured source that failed, then an incomplete set of
/// variables, then signing in with `az`.
fn likeliest_fix(chain: &CredentialChain, attempts: &[Attempt]) -> String {
    let tenant_flag = chain
        .candidates
        .iter()
        .find_map(|c| match &c.setup {
            Ok(Setup::AzureCli { tenant: Some(t), .. }) => Some(format!(" --tenant {t}")),
            _ => None,
        })
        .unwrap_or_default();
    for attempt in attempts {
        if let Outcome::Failed(_) = &attempt.outcome
            && !attempt.source.is_developer_tool()
        {
            return format!(
                "the `{}` source is configured but was refused: correct its settings (see its \
                 failure above), or unset them to let the chain go on",
                attempt.source
            );
        }
    }
    if let Some(partial) = attempts.iter().find_map(|a| match &a.outcome {
        Outcome::Skipped(why) if why.contains(" is set but ") => Some(why.clone()),
        _ => None,
    }) {
        return format!("complete the variables ({partial})");
    }
    let az = attempts.iter().find_map(|a| match (&a.source, &a.outcome) {
        (Source::AzureCli, Outcome::Failed(why)) => Some(why.as_str()),
        _ => None,
    });
    match az {
        Some(why) if why.contains("not found") || why.contains("wasn't found") => format!(
            "install the Azure CLI and run `az login{tenant_flag}`, or set AZURE_TENANT_ID, \
             AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (app-only), or {} (a token)",
            chain.token_variable
        ),
        Some(_) => format!(
            "run `az login{tenant_flag}` (a person, App+User; check `az cloud show` names the \
             {} cloud)",
            chain.cloud
        ),
        None => format!("set {} or run `az login{tenant_flag}`", chain.token_variable),
    }
}

/// A source, what it will use, and its `azure_identity` credential once made.
struct Candidate {
    source: Source,
    setup: Result<Setup, String>,
    credential: Mutex<Option<Arc<dyn TokenCredential>>>,
}

/// An app registration: tenant and client id.
struct App {
    tenant: String,
    client_id: String,
}

enum Setup {
    Token(SecretString),
    WorkloadIdentity { app: App, file: PathBuf },
    ClientSecret { app: App, secret: SecretString },
    ClientCertificate { app: App, path: PathBuf },
    AppService(AppService),
    Imds { client_id: Option<String> },
    AzureCli { tenant: Option<String>, env: Env },
    AzureDeveloperCli { tenant: Option<String>, env: Env },
}

impl Setup {
    /// What it will use, for `auth status`: names, ids and paths, never a secret.
    fn describe(&self) -> String {
        let app = |app: &App| format!("app {} in tenant {}", app.client_id, app.tenant);
        match self {
            Setup::Token(_) => "a token from the environment".to_owned(),
            Setup::WorkloadIdentity { app: a, file } => {
                format!("{}, federated token file {}", app(a), file.display())
            }
            Setup::ClientSecret { app: a, .. } => format!("{}, client secret", app(a)),
            Setup::ClientCertificate { app: a, path } => {
                format!("{}, certificate {}", app(a), path.display())
            }
            Setup::AppService(endpoint) => format!(
                "App Service endpoint {}{}",
                endpoint.endpoint,
                user_assigned(endpoint.client_id.as_deref())
            ),
            Setup::Imds { client_id } => format!(
                "the VM's instance metadata endpoint (IMDS){}",
                user_assigned(client_id.as_deref())
            ),
            Setup::AzureCli { tenant, .. } => {
                format!("`az account get-access-token`{}", tenant_note(tenant.as_deref()))
            }
            Setup::AzureDeveloperCli { tenant, .. } => {
                format!("`azd auth token`{}", tenant_note(tenant.as_deref()))
            }
        }
    }
}

fn user_assigned(client_id: Option<&str>) -> String {
    client_id.map(|id| format!(", user-assigned identity {id}")).unwrap_or_default()
}

fn tenant_note(tenant: Option<&str>) -> String {
    tenant.map(|t| format!(" --tenant {t}")).unwrap_or_default()
}

/// Decides from the environment whether `source` is ready, and with what.
fn setup(
    source: Source,
    settings: &CredentialChainBuilder,
    tenant: Option<&str>,
    pinned: bool,
) -> Result<Setup, String> {
    let env = &settings.env;
    // A source keyed on one variable: unset means "not this source"; set with the others
    // missing is an incomplete configuration, reported.
    let app = |key: &str| -> Result<App, String> {
        let client_id = env.var("AZURE_CLIENT_ID");
        match (tenant, client_id) {
            (Some(tenant), Some(client_id)) => Ok(App { tenant: tenant.to_owned(), client_id }),
            (None, None) => {
                Err(format!("{key} is set but AZURE_TENANT_ID and AZURE_CLIENT_ID are not"))
            }
            (None, Some(_)) => Err(format!("{key} is set but AZURE_TENANT_ID is not")),
            (Some(_), None) => Err(format!("{key} is set but AZURE_CLIENT_ID is not")),
        }
    };
    let keyed = |key: &str| env.var(key).ok_or_else(|| format!("{key} is not set"));
    match source {
        Source::Token => {
            let name = &settings.token_variable;
            env.var(name)
                .map(|t| Setup::Token(SecretString::from(t)))
                .ok_or_else(|| format!("{name} is not set"))
        }
        Source::WorkloadIdentity => {
            let file = keyed("AZURE_FEDERATED_TOKEN_FILE")?;
            Ok(Setup::WorkloadIdentity {
                app: app("AZURE_FEDERATED_TOKEN_FILE")?,
                file: file.into(),
            })
        }
        Source::ClientSecret => {
            let secret = keyed("AZURE_CLIENT_SECRET")?;
            Ok(Setup::ClientSecret {
                app: app("AZURE_CLIENT_SECRET")?,
                secret: SecretString::from(secret),
            })
        }
        Source::ClientCertificate => {
            let path = keyed("AZURE_CLIENT_CERTIFICATE_PATH")?;
            if env.var("AZURE_CLIENT_CERTIFICATE_PASSWORD").is_some() {
                return Err("AZURE_CLIENT_CERTIFICATE_PASSWORD is set: password-protected keys \
                            are not supported; decrypt the key into a file only the pipeline \
                            can read"
                    .to_owned());
            }
            Ok(Setup::ClientCertificate {
                app: app("AZURE_CLIENT_CERTIFICATE_PATH")?,
                path: path.into(),
            })
        }
        Source::ManagedIdentity => {
            let client_id = env.var("AZURE_CLIENT_ID");
            match (env.var("IDENTITY_ENDPOINT"), env.var("IDENTITY_HEADER")) {
                (Some(endpoint), Some(header)) => {
                    let endpoint = url::Url::parse(&endpoint)
                        .map_err(|e| format!("IDENTITY_ENDPOINT is not a URL ({e})"))?;
                    Ok(Setup::AppService(AppService {
                        endpoint,
                        header: SecretString::from(header),
                        client_id,
                    }))
                }
                (Some(_), None) => {
                    Err("IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not".to_owned())
                }
                (None, Some(_)) => {
                    Err("IDENTITY_HEADER is set but IDENTITY_ENDPOINT is not".to_owned())
                }
                (None, None) if pinned => Ok(Setup::Imds { client_id }),
                (None, None) => Err("IDENTITY_ENDPOINT is not set (not App Service or \
                                     Functions; a VM's identity is used only when chosen \
                                     alone: --auth managed-identity)"
                    .to_owned()),
            }
        }
        Source::AzureCli => {
            Ok(Setup::AzureCli { tenant: tenant.map(str::to_owned), env: env.clone() })
        }
        Source::AzureDeveloperCli => {
            Ok(Setup::AzureDeveloperCli { tenant: tenant.map(str::to_owned), env: env.clone() })
        }
    }
}

/// A failure's text on one line, bounded (tool output can be long).
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(400) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "contoso.onmicrosoft.com";
    const CLIENT: &str = "00000000-0000-0000-0000-0000000000c1";

    fn chain(pairs: &[(&str, &str)]) -> CredentialChain {
        CredentialChain::builder(Cloud::Global)
            .env(Env::from_pairs(pairs.iter().copied()))
            .build()
            .expect("chain")
    }

    fn states(chain: &CredentialChain) -> Vec<(Source, bool, String)> {
        chain.sources().into_iter().map(|s| (s.source, s.ready, s.detail)).collect()
    }

    #[test]
    fn an_empty_environment_leaves_only_the_developer_tools() {
        let chain = chain(&[]);
        let ready: Vec<Source> = states(&chain).into_iter().filter(|s| s.1).map(|s| s.0).collect();
        assert_eq!(ready, [Source::AzureCli, Source::AzureDeveloperCli]);
        assert_eq!(states(&chain)[0].2, "PARTNER_CENTER_TOKEN is not set");
    }

    #[test]
    fn each_source_is_ready_when_its_variables_are_set_and_keeps_the_order() {
        let chain = chain(&[
            ("PARTNER_CENTER_TOKEN", "t"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"),
            ("AZURE_CLIENT_SECRET", "s3cret-value"),
            ("AZURE_CLIENT_CERTIFICATE_PATH", "/etc/app.pem"),
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:41234/msi/token"),
            ("IDENTITY_HEADER", "header-secret"),
        ]);
        let states = states(&chain);
        assert_eq!(states.iter().map(|s| s.0).collect::<Vec<_>>(), Source::CHAIN);
        assert!(states.iter().all(|s| s.1), "{states:?}");
        let shown = format!("{chain:?}{states:?}");
        for secret in ["s3cret-value", "header-secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(states[3].2.contains("/etc/app.pem") && states[3].2.contains(CLIENT));
        assert!(states[4].2.contains("user-assigned identity"), "{}", states[4].2);
    }

    #[test]
    fn an_incomplete_set_is_a_reported_skip_and_client_id_alone_is_normal() {
        let alone = chain(&[("AZURE_CLIENT_ID", CLIENT)]);
        assert_eq!(states(&alone)[2].2, "AZURE_CLIENT_SECRET is not set");
        let partial = chain(&[("AZURE_CLIENT_SECRET", "x"), ("AZURE_CLIENT_ID", CLIENT)]);
        assert_eq!(
            states(&partial)[2],
            (
                Source::ClientSecret,
                false,
                "AZURE_CLIENT_SECRET is set but AZURE_TENANT_ID is not".to_owned()
            )
        );
        let workload = chain(&[("AZURE_FEDERATED_TOKEN_FILE", "/f")]);
        assert_eq!(
            states(&workload)[1].2,
            "AZURE_FEDERATED_TOKEN_FILE is set but AZURE_TENANT_ID and AZURE_CLIENT_ID are not"
        );
        let half = chain(&[("IDENTITY_ENDPOINT", "http://127.0.0.1:1/")]);
        assert_eq!(states(&half)[4].2, "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not");
    }

    #[test]
    fn the_tenant_setting_wins_over_the_variable() {
        let chain = CredentialChain::builder(Cloud::Global)
            .env(Env::from_pairs([
                ("AZURE_TENANT_ID", "from-variable"),
                ("AZURE_CLIENT_ID", CLIENT),
                ("AZURE_CLIENT_SECRET", "x"),
            ]))
            .tenant(TENANT)
            .build()
            .expect("chain");
        assert!(chain.sources()[2].detail().contains(TENANT));
        assert!(chain.sources()[5].detail().ends_with(&format!("--tenant {TENANT}")));
    }

    #[test]
    fn a_chosen_source_must_be_configured_and_managed_identity_alone_means_imds() {
        let err = CredentialChain::builder(Cloud::Global)
            .env(Env::from_pairs([("AZURE_CLIENT_ID", CLIENT)]))
            .only(Source::ClientSecret)
            .build()
            .expect_err("not configured");
        assert_eq!(
            err.to_string(),
            "credential source `secret` was chosen but cannot be used: AZURE_CLIENT_SECRET is not set"
        );
        let imds = CredentialChain::builder(Cloud::Global)
            .env(Env::from_pairs([("AZURE_CLIENT_ID", CLIENT)]))
            .only(Source::ManagedIdentity)
            .build()
            .expect("imds");
        assert_eq!(imds.sources().len(), 1);
        assert!(imds.sources()[0].detail().contains("IMDS"), "{:?}", imds.sources());
    }

    #[test]
    fn retired_clouds_and_plain_http_authorities_are_refused() {
        let retired =
            CredentialChain::builder(Cloud::Germany).env(Env::from_pairs::<&str, &str>([])).build();
        assert!(matches!(retired, Err(ChainConfigError::Retired(_))), "{retired:?}");
        let http = CredentialChain::builder(Cloud::Global)
            .env(Env::from_pairs([("AZURE_AUTHORITY_HOST", "http://login.example.test")]))
            .build()
            .expect_err("http");
        assert!(http.to_string().contains("is not https://"), "{http}");
        let over = CredentialChain::builder(Cloud::China)
            .env(Env::from_pairs([("AZURE_AUTHORITY_HOST", "https://login.example.test/")]))
            .build()
            .expect("override");
        assert_eq!(over.authority_host(), "https://login.example.test");
        assert_eq!(chain(&[]).authority_host(), "https://login.microsoftonline.com");
    }

    #[test]
    fn the_developer_tool_scope_applies_to_az_and_azd_only() {
        let chain = CredentialChain::builder(Cloud::Global)
            .env(Env::from_pairs::<&str, &str>([]))
            .developer_tool_scope(Cloud::Global.user_impersonation_scope())
            .build()
            .expect("chain");
        assert!(chain.scope(Source::AzureCli).ends_with("/user_impersonation"));
        assert!(chain.scope(Source::AzureDeveloperCli).ends_with("/user_impersonation"));
        assert!(chain.scope(Source::ClientSecret).ends_with("/.default"));
    }

    #[tokio::test]
    async fn the_first_token_wins_and_is_remembered() {
        let chain = chain(&[("PARTNER_CENTER_TOKEN", "explicit"), ("AZURE_CLIENT_ID", CLIENT)]);
        assert_eq!(chain.chosen(), None);
        let token = chain.token().await.expect("token");
        assert_eq!(token.expose(), "explicit");
        assert_eq!(chain.chosen(), Some(Source::Token));
    }

    #[tokio::test]
    async fn when_nothing_works_one_error_lists_every_source_and_the_fix() {
        // PATH names no directory: `az` and `azd` are not found.
        let chain = CredentialChain::builder(Cloud::Global)
            .env(Env::from_pairs([("PATH", "/nonexistent"), ("AZURE_CLIENT_SECRET", "hidden")]))
            .tenant(TENANT)
            .build()
            .expect("chain");
        let err = chain.token().await.expect_err("nothing works");
        let text = err.to_string();
        for source in Source::CHAIN {
            assert!(text.contains(&format!("\n  {source}: ")), "{source} missing: {text}");
        }
        assert!(
            text.contains("secret: skipped: AZURE_CLIENT_SECRET is set but AZURE_CLIENT_ID is not"),
            "{text}"
        );
        assert!(text.contains("az: failed:") && text.contains("not found"), "{text}");
        // An incomplete configuration is the likelier cause than a missing az.
        assert!(text.ends_with("to fix: complete the variables (AZURE_CLIENT_SECRET is set but AZURE_CLIENT_ID is not)"), "{text}");
        assert!(!text.contains("hidden"));
        let none = err.downcast_ref::<NoCredential>().expect("NoCredential");
        assert_eq!(none.failures().count(), 2);
    }

    #[tokio::test]
    async fn a_configured_source_that_fails_ends_the_chain() {
        // A token endpoint that refuses connections: the secret fails, and az is not asked.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let chain = CredentialChain::builder(Cloud::Global)
            .env(Env::from_pairs([
                ("PATH", "/nonexistent"),
                ("AZURE_TENANT_ID", TENANT),
                ("AZURE_CLIENT_ID", CLIENT),
                ("AZURE_CLIENT_SECRET", "s3cret-value"),
            ]))
            .authority_host(format!("https://127.0.0.1:{port}"))
            .build()
            .expect("chain");
        let err = chain.token().await.expect_err("refused");
        let none = err.downcast_ref::<NoCredential>().expect("NoCredential");
        let failed: Vec<Source> = none.failures().map(|(s, _)| s).collect();
        assert_eq!(failed, [Source::ClientSecret]);
        assert!(none.hint().contains("`secret` source is configured but was refused"));
        assert!(!err.to_string().contains("s3cret-value"));
    }
}
