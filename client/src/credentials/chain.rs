//! The chain itself: ask the ready sources in order, keep the first that gives a token.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use secrecy::ExposeSecret;

use super::certificate::CertificateAssertion;
use super::report::{Attempt, Failure, HintContext, NoCredential, Outcome};
use super::setup::{Setup, Unready};
use super::{CredentialChainBuilder, Source, tools, transport};
use crate::azure::{AzureCredential, cloud_configuration};
use crate::cloud::Cloud;
use crate::token::{AccessToken, BoxError, TokenProvider};

/// How long `az` or `azd` may take to print a token before it is stopped.
pub(crate) const TOOL_TIMEOUT: Duration = Duration::from_secs(30);

/// Tries credential sources in [`Source::CHAIN`]'s order; see the [module docs](super).
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
/// let secret = chain.sources().into_iter().find(|s| s.source() == Source::ClientSecret).unwrap();
/// assert_eq!(secret.detail(), "AZURE_CLIENT_SECRET is not set");
/// ```
pub struct CredentialChain {
    pub(crate) cloud: Cloud,
    pub(crate) authority_host: url::Url,
    pub(crate) scope: String,
    pub(crate) developer_scope: String,
    pub(crate) tenant: Option<String>,
    pub(crate) token_variable: String,
    pub(crate) candidates: Vec<Candidate>,
    pub(crate) http: RwLock<HttpSlot>,
    /// The bound on one token request over HTTP.
    pub(crate) request_timeout: Duration,
    /// The index of the source that gave the first token.
    pub(crate) chosen: AtomicUsize,
}

pub(crate) const NONE_CHOSEN: usize = usize::MAX;

/// The HTTP client token requests go through, and whether a Partner Center client handed it
/// over (it then stays: a chain shared by two clients keeps the first's).
#[derive(Default)]
pub(crate) struct HttpSlot {
    pub(crate) client: Option<reqwest::Client>,
    pub(crate) from_partner_center: bool,
}

/// A source, what it will use, and its `azure_identity` credential once made.
pub(crate) struct Candidate {
    pub(crate) source: Source,
    pub(crate) setup: Result<Setup, Unready>,
    pub(crate) credential: Mutex<Option<Arc<dyn TokenCredential>>>,
}

impl fmt::Debug for CredentialChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialChain")
            .field("cloud", &self.cloud)
            .field("authority_host", &self.authority_host.as_str())
            .field("scope", &self.scope)
            .field("sources", &self.sources())
            .finish_non_exhaustive()
    }
}

/// One source as the chain sees it: ready to ask, or not and why.
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

    /// When ready, what it will use (variables, files, tenant: never a secret); otherwise,
    /// why not.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl CredentialChain {
    /// A chain for `cloud`'s Partner Center, reading the process environment.
    pub fn builder(cloud: Cloud) -> CredentialChainBuilder {
        CredentialChainBuilder::new(cloud)
    }

    /// Every source the chain considers, in order, with whether it is ready and why not.
    pub fn sources(&self) -> Vec<SourceStatus> {
        self.candidates
            .iter()
            .map(|c| match &c.setup {
                Ok(setup) => {
                    SourceStatus { source: c.source, ready: true, detail: setup.describe() }
                }
                Err(why) => {
                    SourceStatus { source: c.source, ready: false, detail: why.text().to_owned() }
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
        self.authority_host.as_str().trim_end_matches('/')
    }

    /// The scope `source` asks for.
    pub fn scope(&self, source: Source) -> &str {
        if source.is_developer_tool() { &self.developer_scope } else { &self.scope }
    }

    /// The client token requests go through: the Partner Center client's once one handed it
    /// over, the builder's, or a default one of the same TLS stack (never `azure_core`'s
    /// default transport).
    fn http(&self) -> reqwest::Client {
        if let Some(client) = self.http.read().unwrap_or_else(|p| p.into_inner()).client.clone() {
            return client;
        }
        let mut slot = self.http.write().unwrap_or_else(|p| p.into_inner());
        slot.client
            .get_or_insert_with(|| {
                crate::ensure_crypto_provider();
                reqwest::Client::new()
            })
            .clone()
    }

    fn context(&self) -> HintContext<'_> {
        HintContext {
            tenant: self.tenant.as_deref(),
            token_variable: &self.token_variable,
            cloud: self.cloud,
        }
    }

    /// Asks source `index`.
    async fn ask(&self, index: usize) -> Result<AccessToken, Failure> {
        let candidate = &self.candidates[index];
        let setup =
            candidate.setup.as_ref().map_err(|why| Failure::permanent(why.text().to_owned()))?;
        let scope = self.scope(candidate.source);
        match setup {
            Setup::Token(token) => Ok(token_with_expiry(token.expose_secret())),
            Setup::ManagedIdentity(identity) => {
                identity.token(&self.http(), scope, self.request_timeout).await
            }
            _ => {
                let credential = self.credential(candidate, setup)?;
                let asked = AzureCredential::new(credential, self.cloud).with_scope(scope);
                asked.token().await.map_err(|e| match e.downcast::<azure_core::Error>() {
                    Ok(e) => azure_failure(&e),
                    Err(e) => Failure::permanent(one_line(&e.to_string())),
                })
            }
        }
    }

    /// The `azure_identity` credential behind a source, made once on first use (with the
    /// HTTP client of that moment; a later handover clears it).
    fn credential(
        &self,
        candidate: &Candidate,
        setup: &Setup,
    ) -> Result<Arc<dyn TokenCredential>, Failure> {
        let mut made = candidate.credential.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(credential) = &*made {
            return Ok(Arc::clone(credential));
        }
        let options = || -> Result<ClientOptions, Failure> {
            let cloud = cloud_configuration(self.cloud, Some(self.authority_host()))
                .map_err(|e| Failure::permanent(e.to_string()))?;
            Ok(ClientOptions {
                cloud: Some(Arc::new(cloud)),
                transport: Some(Transport::new(Arc::new(transport::TokenTransport {
                    client: self.http(),
                    timeout: self.request_timeout,
                }))),
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
        let failed = |e: azure_core::Error| azure_failure(&e);
        let runner = |env: &super::Env| -> Option<Arc<dyn azure_identity::Executor>> {
            Some(Arc::new(tools::ToolRunner { env: env.clone(), timeout: TOOL_TIMEOUT }))
        };
        // azure_identity's options structs are not `#[non_exhaustive]`: the struct update
        // keeps a field added in a 1.x release from breaking this build.
        #[allow(clippy::needless_update)]
        let credential: Arc<dyn TokenCredential> = match setup {
            Setup::WorkloadIdentity { app, file } => {
                azure_identity::WorkloadIdentityCredential::new(Some(
                    azure_identity::WorkloadIdentityCredentialOptions {
                        credential_options: azure_identity::ClientAssertionCredentialOptions {
                            client_options: options()?,
                            ..Default::default()
                        },
                        client_id: Some(app.client_id.clone()),
                        tenant_id: Some(app.tenant.clone()),
                        token_file_path: Some(file.clone()),
                        ..Default::default()
                    },
                ))
                .map_err(failed)?
            }
            Setup::ClientSecret { app, secret } => azure_identity::ClientSecretCredential::new(
                &app.tenant,
                app.client_id.clone(),
                Secret::new(secret.expose_secret().to_owned()),
                Some(azure_identity::ClientSecretCredentialOptions {
                    client_options: options()?,
                    ..Default::default()
                }),
            )
            .map_err(failed)?,
            Setup::ClientCertificate { app, path, password } => {
                // The audience is the URL the assertion is posted to, made the way
                // azure_identity makes it.
                let audience = self
                    .authority_host
                    .join(&format!("/{}/oauth2/v2.0/token", app.tenant))
                    .map_err(|e| Failure::permanent(format!("the tenant `{}`: {e}", app.tenant)))?;
                let assertion = CertificateAssertion::from_pem_file(
                    path,
                    password.as_ref(),
                    &app.client_id,
                    audience.into(),
                )
                .map_err(Failure::permanent)?;
                azure_identity::ClientAssertionCredential::new(
                    app.tenant.clone(),
                    app.client_id.clone(),
                    assertion,
                    Some(azure_identity::ClientAssertionCredentialOptions {
                        client_options: options()?,
                        ..Default::default()
                    }),
                )
                .map_err(failed)?
            }
            Setup::AzureCli { tenant, env } => azure_identity::AzureCliCredential::new(Some(
                azure_identity::AzureCliCredentialOptions {
                    tenant_id: tenant.clone(),
                    executor: runner(env),
                    ..Default::default()
                },
            ))
            .map_err(failed)?,
            Setup::AzureDeveloperCli { tenant, env } => {
                azure_identity::AzureDeveloperCliCredential::new(Some(
                    azure_identity::AzureDeveloperCliCredentialOptions {
                        tenant_id: tenant.clone(),
                        executor: runner(env),
                        ..Default::default()
                    },
                ))
                .map_err(failed)?
            }
            Setup::Token(_) | Setup::ManagedIdentity(_) => {
                return Err(Failure::permanent(
                    "internal: this source has no azure_identity credential".to_owned(),
                ));
            }
        };
        *made = Some(Arc::clone(&credential));
        Ok(credential)
    }

    /// Runs the chain from the start, skipping nothing that is ready.
    async fn run_chain(&self) -> Result<AccessToken, BoxError> {
        let mut attempts = Vec::new();
        for (index, candidate) in self.candidates.iter().enumerate() {
            let failure = match &candidate.setup {
                Err(Unready::Unusable(why)) => Failure::permanent(why.clone()),
                Err(why) => {
                    attempts.push(Attempt {
                        source: candidate.source,
                        outcome: Outcome::Skipped(why.clone()),
                    });
                    continue;
                }
                Ok(_) => match self.ask(index).await {
                    Ok(token) => {
                        tracing::debug!(source = %candidate.source, "credential chain: token obtained");
                        // The first to succeed is remembered; a racing run keeps its answer.
                        let _ = self.chosen.compare_exchange(
                            NONE_CHOSEN,
                            index,
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        );
                        return Ok(token);
                    }
                    Err(failure) => failure,
                },
            };
            attempts.push(Attempt { source: candidate.source, outcome: Outcome::Failed(failure) });
            if !candidate.source.is_developer_tool() {
                break;
            }
        }
        Err(Box::new(NoCredential::new(attempts, None, &self.context())))
    }
}

#[async_trait]
impl TokenProvider for CredentialChain {
    async fn token(&self) -> Result<AccessToken, BoxError> {
        let chosen = self.chosen.load(Ordering::Acquire);
        let Some(candidate) = self.candidates.get(chosen) else { return self.run_chain().await };
        match self.ask(chosen).await {
            Ok(token) => Ok(token),
            // A person who signed out of az may be signed in to azd: the tools start over.
            Err(_) if candidate.source.is_developer_tool() => {
                let _ = self.chosen.compare_exchange(
                    chosen,
                    NONE_CHOSEN,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                self.run_chain().await
            }
            Err(failure) => {
                let attempts =
                    vec![Attempt { source: candidate.source, outcome: Outcome::Failed(failure) }];
                Err(Box::new(NoCredential::new(attempts, Some(candidate.source), &self.context())))
            }
        }
    }

    fn use_http_client(&self, client: &reqwest::Client) {
        let mut slot = self.http.write().unwrap_or_else(|p| p.into_inner());
        if slot.from_partner_center {
            return;
        }
        *slot = HttpSlot { client: Some(client.clone()), from_partner_center: true };
        drop(slot);
        // Credentials made before the handover send through the old client: make them again.
        for candidate in &self.candidates {
            *candidate.credential.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
    }
}

/// An explicit token, with the expiry its claims state when it is a JWT (so the client's cache
/// keeps it until then, and no longer).
fn token_with_expiry(raw: &str) -> AccessToken {
    let token = AccessToken::new(raw);
    match super::TokenClaims::decode(&token).ok().and_then(|c| c.expires_at()) {
        Some(at) => token.with_expiry(at),
        None => token,
    }
}

/// An azure_core error as a failure: transient when an error in its chain is a connection or
/// I/O failure or a server's 5xx (azure_identity wraps them in a credential error), which a
/// later run may not meet.
fn azure_failure(err: &azure_core::Error) -> Failure {
    use azure_core::error::ErrorKind;
    let mut transient = false;
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        transient |= match e.downcast_ref::<azure_core::Error>().map(azure_core::Error::kind) {
            Some(ErrorKind::Io | ErrorKind::Connection) => true,
            Some(ErrorKind::HttpResponse { status, .. }) => u16::from(*status) >= 500,
            _ => e.is::<reqwest::Error>() || e.is::<std::io::Error>(),
        };
        next = e.source();
    }
    Failure { text: one_line(&crate::error::chain_text(err)), transient }
}

/// A failure's text on one line, bounded (tool output can be long).
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(400) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}
