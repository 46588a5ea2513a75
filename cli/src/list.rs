//! `partner-center customers list`.

use std::io::Write;

use futures_util::TryStreamExt;
use partner_center_client::{Customer, CustomerFilter, PartnerCenter};
use serde_json::json;

use crate::args::{ListArgs, ListOutput};
use crate::exit::Failure;

/// Every customer (all pages) whose company name or domain starts with `prefix`, if given.
/// With a prefix the server chooses (one filtered listing per field, as its filter takes one
/// field), and each customer is matched here too, so a selection never widens.
pub async fn customers(pc: &PartnerCenter, prefix: Option<&str>) -> Result<Vec<Customer>, Failure> {
    let failed = |e: partner_center_client::Error| {
        let hint = crate::hints::for_error(&e, pc.cloud())
            .map(|h| format!("\nhint: {h}"))
            .unwrap_or_default();
        Failure::Call(format!("listing customers: {e}{hint}"))
    };
    let Some(prefix) = prefix else {
        return pc.customers().list().stream().try_collect().await.map_err(failed);
    };
    let lower = prefix.to_lowercase();
    let matches = |c: &Customer| {
        [c.company_name(), c.domain()]
            .into_iter()
            .flatten()
            .any(|field| field.to_lowercase().starts_with(&lower))
    };
    let mut found: Vec<Customer> = Vec::new();
    for filter in [
        CustomerFilter::company_name_starts_with(prefix),
        CustomerFilter::domain_starts_with(prefix),
    ] {
        let listed: Vec<Customer> =
            pc.customers().list().filter(filter).stream().try_collect().await.map_err(failed)?;
        for customer in listed {
            if matches(&customer) && !found.iter().any(|c| c.id() == customer.id()) {
                found.push(customer);
            }
        }
    }
    Ok(found)
}

pub async fn run(pc: &PartnerCenter, args: &ListArgs) -> Result<(), Failure> {
    let found = customers(pc, args.prefix.as_deref()).await?;
    let mut out = std::io::stdout().lock();
    let written = match args.output {
        ListOutput::Ids => found.iter().try_for_each(|c| writeln!(out, "{}", c.id())),
        ListOutput::Json => found.iter().try_for_each(|c| writeln!(out, "{}", customer_json(c))),
        ListOutput::Table => table(&mut out, &found),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => {}
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        Err(e) => return Err(Failure::Call(format!("writing the list: {e}"))),
    }
    eprintln!("{} customer(s)", found.len());
    Ok(())
}

pub fn customer_json(c: &Customer) -> serde_json::Value {
    json!({
        "tenant_id": c.id().to_string(),
        "company_name": c.company_name(),
        "domain": c.domain(),
        "relationship_to_partner": c.relationship_to_partner(),
    })
}

fn table(out: &mut impl Write, customers: &[Customer]) -> std::io::Result<()> {
    let name_width = customers
        .iter()
        .map(|c| c.company_name().unwrap_or("-").chars().count())
        .max()
        .unwrap_or(0)
        .max("COMPANY NAME".len());
    writeln!(out, "{:<36}  {:<name_width$}  DOMAIN", "TENANT ID", "COMPANY NAME")?;
    for c in customers {
        writeln!(
            out,
            "{:<36}  {:<name_width$}  {}",
            c.id().to_string(),
            c.company_name().unwrap_or("-"),
            c.domain().unwrap_or("-")
        )?;
    }
    Ok(())
}
