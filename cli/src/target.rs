//! The client the run uses: a cloud, a base URL, or an embedded sandbox; credentials; pacing.

use std::sync::Arc;

use partner_center_client::azure::AzureCredential;
use partner_center_client::{Cloud, CustomerTenantId, PartnerCenter};
use partner_center_sandbox::Sandbox;

use crate::args::Target;
use crate::exit::Failure;
use crate::pace::RunPacer;

/// A client, and the embedded sandbox it talks to when there is one (kept alive with it).
pub struct Connected {
    pub pc: PartnerCenter,
    pub cloud: Cloud,
    pub pacer: Arc<RunPacer>,
    /// Kept alive for the run; dropping it stops the sandbox.
    pub _sandbox: Option<Sandbox>,
}

const SANDBOX_TOKEN: &str = "embedded-sandbox-token";

const AZURE_VARS: [&str; 3] = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"];

/// App-only credentials from the standard `AZURE_*` variables (an Entra ID app registered for
/// Partner Center in the partner's tenant), when no token is given.
fn azure_credential(target: &Target) -> Result<AzureCredential, Failure> {
    let values: Vec<Option<String>> =
        AZURE_VARS.iter().map(|name| std::env::var(name).ok().filter(|v| !v.is_empty())).collect();
    let missing: Vec<&str> =
        AZURE_VARS.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(n, _)| *n).collect();
    if missing.len() == AZURE_VARS.len() {
        return Err(Failure::Config(format!(
            "set {} to an Azure AD access token for {} (authority {}), or AZURE_TENANT_ID, \
             AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for app-only credentials, or try --sandbox",
            target.token_env,
            target.cloud.token_scope(),
            target.cloud.authority()
        )));
    }
    if !missing.is_empty() {
        return Err(Failure::Config(format!(
            "app-only credentials need AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET; missing: {}",
            missing.join(", ")
        )));
    }
    let [tenant, client_id, secret] = [0, 1, 2].map(|i| values[i].clone().unwrap_or_default());
    // The client's one map from clouds to authorities (and its refusal of retired clouds).
    let authority = partner_center_client::azure::cloud_configuration(
        target.cloud,
        target.authority_host.as_deref(),
    )
    .map_err(|e| Failure::Config(e.to_string()))?;
    let options = azure_identity::ClientSecretCredentialOptions {
        client_options: azure_core::http::ClientOptions {
            cloud: Some(Arc::new(authority)),
            ..Default::default()
        },
    };
    let credential = azure_identity::ClientSecretCredential::new(
        &tenant,
        client_id,
        azure_core::credentials::Secret::new(secret),
        Some(options),
    )
    .map_err(|e| Failure::Config(format!("AZURE_* credentials: {e}")))?;
    Ok(AzureCredential::new(credential, target.cloud))
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

/// Connects as `target` says; `also_seed` are ids the embedded sandbox starts with too.
pub async fn connect(
    target: &Target,
    also_seed: &[CustomerTenantId],
) -> Result<Connected, Failure> {
    let pacer = Arc::new(RunPacer::new(target.rate));
    let mut builder = PartnerCenter::builder()
        .application_name(concat!("partner-center-cli/", env!("CARGO_PKG_VERSION")))
        .pacer(Arc::clone(&pacer));
    if let Some(path) = &target.ca_cert {
        let roots = extra_roots(path)?;
        builder = builder.configure_http(move |b| {
            roots.into_iter().fold(b, |b, root| b.add_root_certificate(root))
        });
    }
    if !target.sandbox && target.cloud.is_retired() {
        // Before any credential or request: nothing can work there.
        if let Err(retired) = partner_center_client::azure::cloud_configuration(target.cloud, None)
        {
            return Err(Failure::Config(retired.to_string()));
        }
    }
    let (builder, sandbox) = if target.sandbox {
        let seeded = (0..target.seed).map(|_| uuid::Uuid::new_v4());
        let sandbox = Sandbox::builder()
            .tip_partner(SANDBOX_TOKEN)
            .customers(seeded.chain(also_seed.iter().map(|c| c.as_uuid())))
            .purchases_share(target.purchases_share)
            .start()
            .await
            .map_err(|e| Failure::Config(format!("cannot start the embedded sandbox: {e}")))?;
        eprintln!(
            "using an embedded local sandbox at {} (no credentials needed)",
            sandbox.base_url()
        );
        (builder.base_url(sandbox.base_url()).bearer_token(SANDBOX_TOKEN), Some(sandbox))
    } else {
        let builder = builder.cloud(target.cloud);
        let builder = match std::env::var(&target.token_env) {
            Ok(token) => builder.bearer_token(token),
            Err(_) => builder.token_provider(azure_credential(target)?),
        };
        let builder = match &target.base_url {
            Some(url) => builder.base_url(url),
            None => builder,
        };
        (builder, None)
    };
    let pc = builder.build().map_err(|e| Failure::Config(e.to_string()))?;
    Ok(Connected { pc, cloud: target.cloud, pacer, _sandbox: sandbox })
}
