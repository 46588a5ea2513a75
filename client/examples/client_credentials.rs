//! List (and optionally delete) customers with app-only credentials from the environment, the
//! way Azure services authenticate: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`
//! (an Entra ID app registered for Partner Center in the partner's tenant).
//!
//! ```sh
//! AZURE_TENANT_ID=... AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=... \
//!     cargo run -p partner-center-client --features azure-identity --example client_credentials \
//!     [-- --cloud china] [-- --delete <GUID>]
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use azure_core::cloud::CloudConfiguration;
use azure_core::credentials::Secret;
use azure_core::http::ClientOptions;
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use clap::Parser;
use futures_util::TryStreamExt;
use partner_center_client::azure::AzureCredential;
use partner_center_client::{Cloud, CustomerTenantId, PartnerCenter};

/// List customers with app-only credentials from AZURE_TENANT_ID / AZURE_CLIENT_ID /
/// AZURE_CLIENT_SECRET.
#[derive(Parser)]
struct Args {
    /// The Partner Center cloud: global, china, us-government, germany.
    #[arg(long, default_value = "global")]
    cloud: Cloud,
    /// Also delete this customer (from a TiP account only).
    #[arg(long)]
    delete: Option<CustomerTenantId>,
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name} (see the example's docs)"))
}

#[tokio::main]
async fn main() -> ExitCode {
    // azure_identity builds its own reqwest client, which needs rustls's provider first.
    partner_center_client::ensure_crypto_provider();
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let (tenant, client_id, secret) =
        (env("AZURE_TENANT_ID")?, env("AZURE_CLIENT_ID")?, env("AZURE_CLIENT_SECRET")?);
    // The Entra ID authority of the partner's cloud.
    let azure_cloud = match args.cloud {
        Cloud::China => CloudConfiguration::AzureChina,
        Cloud::UsGovernment => CloudConfiguration::AzureGovernment,
        _ => CloudConfiguration::AzurePublic,
    };
    let options = ClientSecretCredentialOptions {
        client_options: ClientOptions { cloud: Some(Arc::new(azure_cloud)), ..Default::default() },
    };
    let credential =
        ClientSecretCredential::new(&tenant, client_id, Secret::new(secret), Some(options))?;
    let pc = PartnerCenter::builder()
        .cloud(args.cloud)
        .token_provider(AzureCredential::new(credential, args.cloud))
        .build()?;

    let mut customers = pc.customers().list().stream();
    let mut count = 0;
    while let Some(c) = customers.try_next().await? {
        println!("{}  {}  {}", c.id(), c.company_name().unwrap_or("-"), c.domain().unwrap_or("-"));
        count += 1;
    }
    eprintln!("{count} customer(s)");
    if let Some(id) = args.delete {
        let deleted = pc.customers().by_id(id).delete().await?;
        eprintln!("deleted {id} (MS-RequestId {})", deleted.call().request_id());
    }
    Ok(())
}
