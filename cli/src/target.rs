//! The client the run uses: a cloud, a base URL, or an embedded sandbox; credentials; pacing.

use std::sync::Arc;

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

/// Shares one pacer between the client and the run's report.
struct SharedPacer(Arc<RunPacer>);

#[async_trait::async_trait]
impl partner_center_client::Pacer for SharedPacer {
    async fn ready(&self) {
        self.0.ready().await;
    }

    fn throttled(&self, wait: std::time::Duration) {
        self.0.throttled(wait);
    }
}

const SANDBOX_TOKEN: &str = "embedded-sandbox-token";

/// Connects as `target` says; `also_seed` are ids the embedded sandbox starts with too.
pub async fn connect(
    target: &Target,
    also_seed: &[CustomerTenantId],
) -> Result<Connected, Failure> {
    let pacer = Arc::new(RunPacer::new(target.rate));
    let builder = PartnerCenter::builder()
        .application_name(concat!("partner-center-cli/", env!("CARGO_PKG_VERSION")))
        .pacer(SharedPacer(Arc::clone(&pacer)));
    let (builder, sandbox) = if target.sandbox {
        let seeded = (0..target.seed).map(|_| uuid::Uuid::new_v4());
        let sandbox = Sandbox::builder()
            .tip_partner(SANDBOX_TOKEN)
            .customers(seeded.chain(also_seed.iter().map(|c| c.as_uuid())))
            .start()
            .await
            .map_err(|e| Failure::Config(format!("cannot start the embedded sandbox: {e}")))?;
        eprintln!(
            "using an embedded local sandbox at {} (no credentials needed)",
            sandbox.base_url()
        );
        (builder.base_url(sandbox.base_url()).bearer_token(SANDBOX_TOKEN), Some(sandbox))
    } else {
        let token = std::env::var(&target.token_env).map_err(|_| {
            Failure::Config(format!(
                "set {} to an Azure AD access token for {} (authority {}), or try --sandbox",
                target.token_env,
                target.cloud.token_scope(),
                target.cloud.authority()
            ))
        })?;
        let builder = builder.cloud(target.cloud).bearer_token(token);
        let builder = match &target.base_url {
            Some(url) => builder.base_url(url),
            None => builder,
        };
        (builder, None)
    };
    let pc = builder.build().map_err(|e| Failure::Config(e.to_string()))?;
    Ok(Connected { pc, cloud: target.cloud, pacer, _sandbox: sandbox })
}
