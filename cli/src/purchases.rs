//! `partner-center customers purchases`: what would block deleting each customer — the
//! Reserved Instance and software orders its entitlements reference and its subscriptions,
//! each with its status and what the procedure would do with it — read with the procedure's
//! own lookup.

use std::io::Write;

use futures_util::{StreamExt, stream};
use partner_center_client::{PurchasePlan, RemovalError, SubscriptionAction};
use serde_json::json;

use crate::args::{ListOutput, PurchasesArgs};
use crate::candidates::Candidate;
use crate::exit::{self, Failure};
use crate::target::Connected;

/// One customer's lookup: its plan, `None` if it is gone, or why it could not be read.
pub type PlanResult = Result<Option<PurchasePlan>, RemovalError>;

/// The lookups for `targets`, in their order, `concurrency` at a time (reads only);
/// `cancel_azure`: whether Azure plans would be ended too.
pub async fn plans(
    conn: &Connected,
    targets: &[Candidate],
    concurrency: usize,
    cancel_azure: bool,
) -> Vec<PlanResult> {
    stream::iter(targets)
        .map(|c| {
            conn.pc
                .customers()
                .by_id(c.id)
                .delete_with_purchases()
                .cancel_azure_subscriptions(cancel_azure)
                .plan()
        })
        .buffered(concurrency.max(1))
        .collect()
        .await
}

pub async fn run(
    conn: &Connected,
    args: &PurchasesArgs,
    targets: Vec<Candidate>,
) -> Result<u8, Failure> {
    let plans = plans(conn, &targets, usize::from(args.concurrency), conn.is_sandbox()).await;
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    let mut lines = Vec::new();
    if args.output == ListOutput::Table {
        lines.push(format!(
            "{:<36}  {:<36}  {:<12}  {:<10}  {:<16}  {}",
            "CUSTOMER", "ORDER OR SUBSCRIPTION", "ALTERNATE", "STATUS", "TYPE", "PROCEDURE"
        ));
    }
    for (c, plan) in targets.iter().zip(&plans) {
        let customer = c.id.to_string();
        let name = c.name.as_deref();
        match plan {
            Err(e) => {
                failed += 1;
                eprintln!("failed        {customer}: {e}");
                if let Some(hint) =
                    e.call_error().and_then(|err| crate::hints::for_error(err, conn.cloud))
                {
                    eprintln!("  hint: {hint}");
                }
            }
            Ok(None) => match args.output {
                ListOutput::Json => lines.push(
                    json!({ "tenant_id": customer, "company_name": name, "state": "gone" })
                        .to_string(),
                ),
                _ => lines.push(format!("{customer:<36}  (gone)")),
            },
            Ok(Some(plan)) => {
                if plan.orders().is_empty() && plan.subscriptions().is_empty() {
                    match args.output {
                        ListOutput::Json => lines.push(
                            json!({
                                "tenant_id": customer,
                                "company_name": name,
                                "state": "no_purchases",
                                "cancelled_by_subscription": plan.cancelled_by_subscription(),
                            })
                            .to_string(),
                        ),
                        _ => lines.push(format!("{customer:<36}  (no orders or subscriptions)")),
                    }
                }
                for order in plan.orders() {
                    let types = order.entitlement_types().join(",");
                    match args.output {
                        ListOutput::Json => lines.push(
                            json!({
                                "tenant_id": customer,
                                "company_name": name,
                                "order_id": order.id().as_str(),
                                "alternate_id": order.alternate_id(),
                                "status": order.status().as_str(),
                                "entitlement_types": order.entitlement_types(),
                                "creation_date": order.creation_date(),
                                "age_days": order.age_days(),
                                "procedure": order.verdict().to_string(),
                            })
                            .to_string(),
                        ),
                        _ => lines.push(format!(
                            "{customer:<36}  {:<36}  {:<12}  {:<10}  {types:<16}  {}",
                            order.id(),
                            order.alternate_id().unwrap_or("-"),
                            order.status(),
                            order.verdict()
                        )),
                    }
                }
                for sub in plan.subscriptions() {
                    let s = sub.subscription();
                    match args.output {
                        ListOutput::Json => lines.push(
                            json!({
                                "tenant_id": customer,
                                "company_name": name,
                                "subscription_id": sub.id().as_str(),
                                "name": sub.name(),
                                "kind": sub.kind().to_string(),
                                "status": sub.status().as_str(),
                                "order_id": s.order_id(),
                                "cancellation_allowed_until": s.cancellation_allowed_until_date(),
                                "procedure": sub.action().to_string(),
                            })
                            .to_string(),
                        ),
                        _ => lines.push(format!(
                            "{customer:<36}  {:<36}  {:<12}  {:<10}  {:<16}  {} ({})",
                            sub.id(),
                            "-",
                            sub.status(),
                            sub.kind(),
                            sub.action(),
                            sub.name()
                        )),
                    }
                    for azure in sub.azure_subscriptions() {
                        let procedure = match sub.action() {
                            SubscriptionAction::CancelAzureSubscriptionsThenSuspend
                                if azure.is_active() =>
                            {
                                "cancel (reason compromise), then the plan is suspended"
                            }
                            _ if azure.is_inactive() => "already inactive",
                            _ if !azure.is_active() => {
                                "neither active nor inactive: never cancelled; the plan's suspend waits for it"
                            }
                            _ => "left alone with its plan",
                        };
                        match args.output {
                            ListOutput::Json => lines.push(
                                json!({
                                    "tenant_id": customer,
                                    "company_name": name,
                                    "azure_plan_id": sub.id().as_str(),
                                    "azure_subscription_id": azure.id().as_str(),
                                    "name": azure.friendly_name(),
                                    "status": azure.status(),
                                    "procedure": procedure,
                                })
                                .to_string(),
                            ),
                            _ => lines.push(format!(
                                "{customer:<36}    {:<34}  {:<12}  {:<10}  {:<16}  {procedure}",
                                azure.id(),
                                "-",
                                azure.status(),
                                "Azure subscription",
                            )),
                        }
                    }
                }
            }
        }
    }
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    Ok(if failed > 0 { exit::SOME_FAILED } else { exit::OK })
}
