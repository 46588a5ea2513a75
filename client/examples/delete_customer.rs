//! Find and delete a customer in a Partner Center integration (TiP) sandbox.
//!
//! With no arguments it starts the local sandbox in-process, lists its customers (all pages),
//! deletes the first one, prints the request and the answer, then shows what deleting it again
//! reports:
//!
//! ```sh
//! cargo run --example delete_customer
//! ```
//!
//! Against the real service, with a token for the cloud's Partner Center resource (without
//! `--customer` it only lists):
//!
//! ```sh
//! PARTNER_CENTER_TOKEN=eyJ... cargo run --example delete_customer -- \
//!     --cloud global --customer 3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f
//! ```

use std::process::ExitCode;

use clap::Parser;
use futures_util::TryStreamExt;
use partner_center_client::{Cloud, CustomerTenantId, Error, PartnerCenter};
use partner_center_sandbox::Sandbox;

/// Delete a customer from a Partner Center integration (TiP) sandbox.
#[derive(Parser)]
struct Args {
    /// Call the real Partner Center in this cloud (global, china, us-government, germany);
    /// needs PARTNER_CENTER_TOKEN. Without it, a local sandbox is used.
    #[arg(long)]
    cloud: Option<Cloud>,
    /// The customer tenant id to delete (default: with the sandbox, the first one listed;
    /// with --cloud, none: only list).
    #[arg(long)]
    customer: Option<CustomerTenantId>,
    /// Log the client's tracing spans and retries to stderr.
    #[arg(long)]
    verbose: bool,
}

const TOKEN_VAR: &str = "PARTNER_CENTER_TOKEN";

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.verbose {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::DEBUG)
            .init();
    }
    let result = match args.cloud {
        Some(cloud) => against_partner_center(cloud, args.customer).await,
        None => against_local_sandbox(args.customer).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn against_partner_center(
    cloud: Cloud,
    customer: Option<CustomerTenantId>,
) -> Result<(), Error> {
    let token = std::env::var(TOKEN_VAR).map_err(|_| Error::InvalidConfig {
        message: format!(
            "set {TOKEN_VAR} to an access token for {} (authority {})",
            cloud.token_scope(),
            cloud.authority()
        ),
    })?;
    let pc = PartnerCenter::builder().cloud(cloud).bearer_token(token).build()?;
    let Some(customer) = customer else {
        print_customers(&pc).await?;
        return Ok(());
    };
    println!("DELETE {}/v1/customers/{customer}", pc.base_url());
    let deleted = pc.customers().by_id(customer).delete().await?;
    println!(
        "204 No Content  MS-RequestId: {}  MS-CorrelationId: {}  ({} attempt(s))",
        deleted.call().request_id(),
        deleted.call().correlation_id(),
        deleted.call().attempts()
    );
    Ok(())
}

async fn against_local_sandbox(customer: Option<CustomerTenantId>) -> Result<(), Error> {
    const SANDBOX_TOKEN: &str = "local-sandbox-token";
    let seeded: Vec<uuid::Uuid> = (0..3).map(|_| uuid::Uuid::new_v4()).collect();
    let sandbox = Sandbox::builder()
        .tip_partner(SANDBOX_TOKEN)
        .customers(seeded.iter().copied().chain(customer.map(|c| c.as_uuid())))
        .start()
        .await
        .map_err(|e| Error::InvalidConfig {
            message: format!("cannot start the local sandbox: {e}"),
        })?;
    println!(
        "local sandbox at {} (no credentials needed; pass --cloud for the real service)",
        sandbox.base_url()
    );

    let pc = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .bearer_token(SANDBOX_TOKEN)
        .build()?;
    let listed = print_customers(&pc).await?;
    let Some(target) = customer.or(listed.first().copied()) else {
        println!("nothing to delete");
        return Ok(());
    };

    let deleted = pc.customers().by_id(target).delete().await?;
    println!("\n--- request ---");
    if let Some(req) = sandbox.requests().last() {
        println!("{} {} HTTP/1.1", req.method, req.path);
        for (name, value) in &req.headers {
            println!("{name}: {value}");
        }
    }
    println!("\n--- response ---");
    println!("HTTP/1.1 204 No Content");
    println!("MS-RequestId: {}", deleted.call().request_id());
    println!("MS-CorrelationId: {}", deleted.call().correlation_id());
    println!(
        "\ndeleted {} in {} attempt(s); still in the sandbox: {}",
        deleted.customer(),
        deleted.call().attempts(),
        sandbox.has_customer(target.as_uuid())
    );

    // A second delete is a new call (fresh MS-RequestId), so it finds the customer gone.
    match pc.customers().by_id(target).delete().await {
        Err(e) if e.is_not_found() => println!("deleting it again: {e}"),
        other => println!("deleting it again: unexpected {other:?}"),
    }
    Ok(())
}

/// Lists every customer (all pages) and prints one line each; returns their ids.
async fn print_customers(pc: &PartnerCenter) -> Result<Vec<CustomerTenantId>, Error> {
    println!("GET {}/v1/customers (all pages)", pc.base_url());
    let mut ids = Vec::new();
    let mut customers = pc.customers().list().stream();
    while let Some(c) = customers.try_next().await? {
        println!(
            "  {}  {:<20}  {}",
            c.id(),
            c.company_name().unwrap_or("-"),
            c.domain().unwrap_or("-")
        );
        ids.push(c.id());
    }
    println!("{} customer(s)", ids.len());
    Ok(ids)
}
