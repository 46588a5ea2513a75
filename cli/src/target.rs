//! The client the run uses: a cloud, a base URL, or an embedded sandbox; credentials; pacing.

use std::sync::Arc;

use partner_center_client::credentials::CredentialChain;
use partner_center_client::{Cloud, CustomerTenantId, PartnerCenter, RetryPolicy};
use partner_center_sandbox::Sandbox;

use crate::args::Target;
use crate::exit::Failure;
use crate::pace::RunPacer;

/// A client, and the embedded sandbox it talks to when there is one (kept alive with it).
pub struct Connected {
    pub pc: PartnerCenter,
    pub cloud: Cloud,
    pub pacer: Arc<RunPacer>,
    /// The credential chain, outside --sandbox (for `auth status`).
    pub chain: Option<Arc<CredentialChain>>,
    /// Kept alive for the run; dropping it stops the sandbox.
    pub _sandbox: Option<Sandbox>,
}

const SANDBOX_TOKEN: &str = "embedded-sandbox-token";

/// The credential chain as the flags and the environment configure it.
fn credential_chain(target: &Target) -> Result<CredentialChain, Failure> {
    let mut chain = CredentialChain::builder(target.cloud).token_variable(&target.token_env);
    if let Some(source) = target.auth {
        chain = chain.only(source);
    }
    if let Some(tenant) = &target.tenant {
        chain = chain.tenant(tenant);
    }
    if let Some(host) = &target.authority_host {
        chain = chain.authority_host(host);
    }
    if let Some(scope) = &target.scope {
        chain = chain.developer_tool_scope(scope);
    }
    chain.build().map_err(|e| Failure::Config(e.to_string()))
}

/// The certificates of a `--ca-cert` PEM file (one or more), or what is wrong with it.
fn extra_roots(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, Failure> {
    let shown = path.display();
    let pem =
        std::fs::read(path).map_err(|e| Failure::Config(format!("--ca-cert {shown}: {e}")))?;
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(roots) if !roots.is_empty() => Ok(roots),
        Ok(_) => Err(Failure::Config(format!("--ca-cert {shown}: no PEM certificate in it"))),
        Err(e) => {
            Err(Failure::Config(format!("--ca-cert {shown}: not a PEM certificate file: {e}")))
        }
    }
}

impl Connected {
    /// Whether this is the embedded sandbox (where nothing real can be harmed).
    pub fn is_sandbox(&self) -> bool {
        self._sandbox.is_some()
    }
}

/// Connects as `target` says; `also_seed` are ids the embedded sandbox starts with too.
/// Outside the sandbox it signs in first, unless `sign_in` is false (`auth status` reports the
/// credential itself).
pub async fn connect(
    target: &Target,
    also_seed: &[CustomerTenantId],
    sign_in: bool,
) -> Result<Connected, Failure> {
    let pacer = Arc::new(RunPacer::new(target.rate));
    let mut builder = PartnerCenter::builder()
        .application_name(concat!("partner-center-cli/", env!("CARGO_PKG_VERSION")))
        .retry_policy(RetryPolicy::default().with_initial_backoff(target.retry_backoff))
        .pacer(Arc::clone(&pacer));
    if let Some(path) = &target.ca_cert {
        let roots = extra_roots(path)?;
        builder = builder.configure_http(move |b| {
            roots.into_iter().fold(b, |b, root| b.add_root_certificate(root))
        });
    }
    let mut chain = None;
    let (builder, sandbox) = if target.sandbox {
        // The last --azure-plans of the --seed customers hold an Azure plan.
        let plans = target.azure_plans.min(target.seed);
        let seeded = (0..target.seed - plans).map(|_| uuid::Uuid::new_v4());
        let mut sandbox = Sandbox::builder()
            .tip_partner(SANDBOX_TOKEN)
            .customers(seeded.chain(also_seed.iter().map(|c| c.as_uuid())))
            .purchases_share(target.purchases_share)
            .subscriptions_share(target.subscriptions_share);
        for _ in 0..plans {
            sandbox = sandbox.customer_with_azure_plan(uuid::Uuid::new_v4());
        }
        let sandbox = sandbox
            .start()
            .await
            .map_err(|e| Failure::Config(format!("cannot start the embedded sandbox: {e}")))?;
        eprintln!(
            "using an embedded local sandbox at {} (no credentials needed)",
            sandbox.base_url()
        );
        (builder.base_url(sandbox.base_url()).bearer_token(SANDBOX_TOKEN), Some(sandbox))
    } else {
        let credentials = Arc::new(credential_chain(target)?);
        chain = Some(Arc::clone(&credentials));
        let mut builder = builder.cloud(target.cloud).token_provider(credentials);
        if let Some(tenant) = target.tip_tenant {
            builder = builder.tip_partner_tenant(tenant);
        }
        let builder = match &target.base_url {
            Some(url) => builder.base_url(url),
            None => builder,
        };
        (builder, None)
    };
    let pc = builder.build().map_err(|e| Failure::Config(e.to_string()))?;
    if chain.is_some() && sign_in {
        // A credential problem is one configuration error before any request, not the same
        // failure repeated for every customer.
        pc.check_credentials().await.map_err(|e| Failure::Config(e.to_string()))?;
    }
    Ok(Connected { pc, cloud: target.cloud, pacer, chain, _sandbox: sandbox })
}
