//! Settings for a chain, and reading the environment once when it is built.

use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use super::chain::{Candidate, HttpSlot, NONE_CHOSEN};
use super::managed_identity::IMDS_ENDPOINT;
use super::report::ChainConfigError;
use super::setup::{Settings, Unready, setup};
use super::{CredentialChain, Env, Source, TOKEN_REQUEST_TIMEOUT};
use crate::azure::cloud_configuration;
use crate::cloud::Cloud;

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
    imds: Option<String>,
    request_timeout: Duration,
}

impl CredentialChainBuilder {
    pub(crate) fn new(cloud: Cloud) -> Self {
        Self {
            cloud,
            env: Env::process(),
            tenant: None,
            authority_host: None,
            token_variable: "PARTNER_CENTER_TOKEN".to_owned(),
            only: None,
            developer_scope: None,
            http: None,
            imds: None,
            request_timeout: TOKEN_REQUEST_TIMEOUT,
        }
    }

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
    /// [`Cloud::user_impersonation_scope`](crate::Cloud::user_impersonation_scope)).
    pub fn developer_tool_scope(mut self, scope: impl Into<String>) -> Self {
        self.developer_scope = Some(scope.into());
        self
    }

    /// Send token requests through this client until a Partner Center client built with the
    /// chain hands over its own (a chain used on its own, or before the client is built).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Ask this instance metadata endpoint instead of `http://169.254.169.254/…` (a local
    /// stand-in in tests; it is used only when [`Source::ManagedIdentity`] is chosen alone).
    pub fn imds_endpoint(mut self, url: impl Into<String>) -> Self {
        self.imds = Some(url.into());
        self
    }

    /// How long one token request over HTTP may take, connect to last byte, for every source
    /// that asks an endpoint ([`TOKEN_REQUEST_TIMEOUT`] by default). A request that takes
    /// longer fails its source, naming the endpoint and the bound.
    pub fn token_request_timeout(mut self, bound: Duration) -> Self {
        self.request_timeout = bound;
        self
    }

    /// Reads the environment and decides which sources are ready.
    pub fn build(self) -> Result<CredentialChain, ChainConfigError> {
        if self.cloud.is_retired() {
            // Refused before anything is read or sent.
            cloud_configuration(self.cloud, None)?;
        }
        let host =
            match self.authority_host.clone().or_else(|| self.env.var("AZURE_AUTHORITY_HOST")) {
                Some(host) => host,
                None => self.cloud.authority().to_owned(),
            };
        let authority_host = url::Url::parse(&host)
            .map_err(|e| ChainConfigError::AuthorityHost(format!("`{host}`: {e}")))?;
        if authority_host.scheme() != "https" {
            return Err(ChainConfigError::AuthorityHost(format!(
                "`{host}` is not https:// (token endpoints are TLS only)"
            )));
        }
        let imds_text = self.imds.as_deref().unwrap_or(IMDS_ENDPOINT);
        let imds = url::Url::parse(imds_text).map_err(|e| {
            ChainConfigError::AuthorityHost(format!("(instance metadata) `{imds_text}`: {e}"))
        })?;
        let tenant = self.tenant.clone().or_else(|| self.env.var("AZURE_TENANT_ID"));
        let settings = Settings {
            env: &self.env,
            tenant: tenant.as_deref(),
            token_variable: &self.token_variable,
            pinned: self.only.is_some(),
            imds: &imds,
        };
        let sources: Vec<Source> = match self.only {
            Some(source) => vec![source],
            None => Source::CHAIN.to_vec(),
        };
        let candidates: Vec<Candidate> = sources
            .into_iter()
            .map(|source| Candidate {
                source,
                setup: setup(source, &settings),
                credential: Mutex::new(None),
            })
            .collect();
        if let (Some(source), Some(Candidate { setup: Err(why), .. })) =
            (self.only, candidates.first())
        {
            return Err(ChainConfigError::NotConfigured {
                chosen: source,
                reason: match why {
                    Unready::NotSet(t) | Unready::Incomplete(t) | Unready::Unusable(t) => t.clone(),
                },
            });
        }
        let scope = self.cloud.token_scope();
        Ok(CredentialChain {
            cloud: self.cloud,
            authority_host,
            developer_scope: self.developer_scope.unwrap_or_else(|| scope.clone()),
            scope,
            tenant,
            token_variable: self.token_variable,
            candidates,
            http: RwLock::new(HttpSlot { client: self.http, from_partner_center: false }),
            request_timeout: self.request_timeout,
            chosen: AtomicUsize::new(NONE_CHOSEN),
        })
    }
}
