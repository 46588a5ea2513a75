//! From the environment to what each source will use, or why it will not be asked.

use std::path::PathBuf;

use secrecy::SecretString;

use super::managed_identity::{Endpoint, ManagedIdentity};
use super::{Env, Source};

/// An app registration: tenant and client id.
pub(crate) struct App {
    pub(crate) tenant: String,
    pub(crate) client_id: String,
}

/// What a ready source will use.
pub(crate) enum Setup {
    Token(SecretString),
    WorkloadIdentity { app: App, file: PathBuf },
    ClientSecret { app: App, secret: SecretString },
    ClientCertificate { app: App, path: PathBuf, password: Option<SecretString> },
    ManagedIdentity(ManagedIdentity),
    AzureCli { tenant: Option<String>, env: Env },
    AzureDeveloperCli { tenant: Option<String>, env: Env },
}

/// Why a source is not ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unready {
    /// Its variables are not set: not this source (skipped).
    NotSet(String),
    /// Some of its variables are set and others are not (skipped, and the likeliest fix).
    Incomplete(String),
    /// Configured on purpose but unusable (a password-protected key, an unsupported managed
    /// identity host): a failure, which ends the chain like any configured source's.
    Unusable(String),
}

impl Unready {
    pub(crate) fn text(&self) -> &str {
        match self {
            Unready::NotSet(t) | Unready::Incomplete(t) | Unready::Unusable(t) => t,
        }
    }
}

impl Setup {
    /// What it will use, for `auth status`: names, ids and paths, never a secret.
    pub(crate) fn describe(&self) -> String {
        let app = |app: &App| format!("app {} in tenant {}", app.client_id, app.tenant);
        let tenant = |t: &Option<String>| t.as_ref().map(|t| format!(" --tenant {t}"));
        match self {
            Setup::Token(_) => "a token from the environment".to_owned(),
            Setup::WorkloadIdentity { app: a, file } => {
                format!("{}, federated token file {}", app(a), file.display())
            }
            Setup::ClientSecret { app: a, .. } => format!("{}, client secret", app(a)),
            Setup::ClientCertificate { app: a, path, password } => {
                let locked = if password.is_some() {
                    " (password from AZURE_CLIENT_CERTIFICATE_PASSWORD)"
                } else {
                    ""
                };
                format!("{}, certificate {}{locked}", app(a), path.display())
            }
            Setup::ManagedIdentity(identity) => identity.describe(),
            Setup::AzureCli { tenant: t, .. } => {
                format!("`az account get-access-token`{}", tenant(t).unwrap_or_default())
            }
            Setup::AzureDeveloperCli { tenant: t, .. } => {
                format!("`azd auth token`{}", tenant(t).unwrap_or_default())
            }
        }
    }
}

/// The settings [`setup`] reads besides the environment.
pub(crate) struct Settings<'a> {
    pub(crate) env: &'a Env,
    pub(crate) tenant: Option<&'a str>,
    pub(crate) token_variable: &'a str,
    /// The source was chosen alone (a VM's IMDS is then used without a variable to find it).
    pub(crate) pinned: bool,
    pub(crate) imds: &'a url::Url,
}

/// Decides from the environment whether `source` is ready, and with what.
pub(crate) fn setup(source: Source, s: &Settings<'_>) -> Result<Setup, Unready> {
    let env = s.env;
    // A source keyed on one variable: unset means "not this source"; set with the others
    // missing is an incomplete configuration, reported.
    let keyed =
        |key: &str| env.var(key).ok_or_else(|| Unready::NotSet(format!("{key} is not set")));
    let app = |key: &str| -> Result<App, Unready> {
        let missing = match (s.tenant, env.var("AZURE_CLIENT_ID")) {
            (Some(tenant), Some(client_id)) => {
                return Ok(App { tenant: tenant.to_owned(), client_id });
            }
            (None, None) => "AZURE_TENANT_ID and AZURE_CLIENT_ID are",
            (None, Some(_)) => "AZURE_TENANT_ID is",
            (Some(_), None) => "AZURE_CLIENT_ID is",
        };
        Err(Unready::Incomplete(format!("{key} is set but {missing} not")))
    };
    match source {
        Source::Token => env
            .var(s.token_variable)
            .map(|t| Setup::Token(SecretString::from(t)))
            .ok_or_else(|| Unready::NotSet(format!("{} is not set", s.token_variable))),
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
            let app = app("AZURE_CLIENT_CERTIFICATE_PATH")?;
            let password = env.var("AZURE_CLIENT_CERTIFICATE_PASSWORD").map(SecretString::from);
            Ok(Setup::ClientCertificate { app, path: path.into(), password })
        }
        Source::ManagedIdentity => managed_identity(s),
        Source::AzureCli => {
            Ok(Setup::AzureCli { tenant: s.tenant.map(str::to_owned), env: env.clone() })
        }
        Source::AzureDeveloperCli => {
            Ok(Setup::AzureDeveloperCli { tenant: s.tenant.map(str::to_owned), env: env.clone() })
        }
    }
}

fn managed_identity(s: &Settings<'_>) -> Result<Setup, Unready> {
    let env = s.env;
    let client_id = env.var("AZURE_CLIENT_ID");
    // Hosts whose endpoints this chain does not speak: said plainly rather than misread as an
    // incomplete App Service configuration.
    if env.var("IDENTITY_SERVER_THUMBPRINT").is_some() {
        return Err(Unready::NotSet(
            "Service Fabric's managed identity (IDENTITY_SERVER_THUMBPRINT) is not supported"
                .to_owned(),
        ));
    }
    if env.var("IMDS_ENDPOINT").is_some() && env.var("IDENTITY_HEADER").is_none() {
        return Err(Unready::NotSet(
            "Azure Arc's managed identity (IMDS_ENDPOINT) is not supported".to_owned(),
        ));
    }
    let endpoint = match (env.var("IDENTITY_ENDPOINT"), env.var("IDENTITY_HEADER")) {
        (Some(url), Some(header)) => {
            let url = url::Url::parse(&url)
                .map_err(|e| Unready::Unusable(format!("IDENTITY_ENDPOINT is not a URL ({e})")))?;
            Endpoint::AppService { url, header: SecretString::from(header) }
        }
        (Some(_), None) => {
            return Err(Unready::Incomplete(
                "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not".to_owned(),
            ));
        }
        (None, Some(_)) => {
            return Err(Unready::Incomplete(
                "IDENTITY_HEADER is set but IDENTITY_ENDPOINT is not".to_owned(),
            ));
        }
        (None, None) if s.pinned => Endpoint::Imds { url: s.imds.clone() },
        (None, None) => {
            return Err(Unready::NotSet(
                "IDENTITY_ENDPOINT is not set (not App Service or Functions; a VM's identity is \
                 used only when chosen alone: --auth managed-identity)"
                    .to_owned(),
            ));
        }
    };
    Ok(Setup::ManagedIdentity(ManagedIdentity { endpoint, client_id }))
}
