//! How a person reads a run: one line per customer, and the summary at the end.

use std::time::Duration;

use partner_center_client::CANCELLATION_WINDOW_DAYS;

use super::record::{Outcome, Record};
use crate::candidates::Candidate;
use crate::target::Connected;

/// How a line names orders Partner Center answered "in progress" (409) and never accepted.
const DEFERRED: &str = "answered in progress, no cancel accepted";

impl Record {
    /// One line for a person.
    pub(super) fn line(&self) -> String {
        let who = match &self.company_name {
            Some(name) => format!("{} ({name})", self.tenant_id),
            None => self.tenant_id.clone(),
        };
        let ids = match (&self.request_id, &self.correlation_id) {
            (Some(r), Some(c)) => format!(" [MS-RequestId {r}, MS-CorrelationId {c}]"),
            _ => String::new(),
        };
        let orders = |label: &str, ids: &[String]| {
            if ids.is_empty() { String::new() } else { format!("; {label} {}", ids.join(", ")) }
        };
        let subs = |label: &str, results: &[&str]| {
            let ids: Vec<String> = self
                .purchases
                .iter()
                .flat_map(|p| &p.subscriptions)
                .filter(|s| results.contains(&s.result))
                .map(|s| match (&s.status, s.suspended_not_cancelled, &s.ends_on) {
                    _ if !s.azure_cancel_accepted.is_empty() => format!(
                        "{} ({}Azure subscription cancels accepted: {})",
                        s.subscription_id,
                        s.status.as_ref().map(|st| format!("{st}; ")).unwrap_or_default(),
                        s.azure_cancel_accepted.join(", ")
                    ),
                    (_, true, _) => {
                        format!("{} (suspended, not cancelled: past its window)", s.subscription_id)
                    }
                    _ if s.cancel_refused_past_window => format!(
                        "{} (its cancel refused as past its window; a suspend was sent instead)",
                        s.subscription_id
                    ),
                    (Some(status), _, _) => format!("{} ({status})", s.subscription_id),
                    (None, _, Some(on)) => format!("{} (active until {on})", s.subscription_id),
                    _ => s.subscription_id.clone(),
                })
                .collect();
            orders(label, &ids)
        };
        let purchases = match &self.purchases {
            Some(p) => format!(
                "{}{}{}{}{}{}",
                orders("cancelled", &p.cancelled_orders),
                orders("already cancelled", &p.already_cancelled_orders),
                orders(DEFERRED, &p.deferred_orders),
                subs("subscriptions ended", &["ended"]),
                subs("subscriptions already ended", &["already_ended"]),
                subs("subscriptions left active", &["left_alone", "ends_at_renewal"]),
            ),
            None => String::new(),
        };
        let mut line = match self.outcome {
            Outcome::Deleted => format!("deleted       {who}{purchases}{ids}"),
            Outcome::AlreadyGone => format!("already gone  {who}{purchases}{ids}"),
            Outcome::Stopped => {
                let reached = self.purchases.as_ref().map_or("", |p| p.reached.as_str());
                let what = match &self.purchases {
                    Some(p) => format!(
                        "{}{}{}{}{}{}{}{}{}{}",
                        orders("cancels accepted", &p.cancel_accepted_orders),
                        orders("read cancelled", &p.cancelled_orders),
                        orders(DEFERRED, &p.deferred_orders),
                        orders("cancel sent, not accepted", &p.cancel_failed_orders),
                        orders("no cancel sent", &p.not_attempted_orders),
                        subs("subscription updates accepted", &["accepted"]),
                        subs("subscriptions read ended", &["ended"]),
                        subs("subscriptions left active", &["left_alone", "ends_at_renewal"]),
                        subs(
                            "subscription updates sent, not accepted",
                            &["failed", "failed_may_have_applied", "deferred"]
                        ),
                        subs("no subscription update sent", &["not_attempted"]),
                    ),
                    None => String::new(),
                };
                let nothing =
                    if what.is_empty() { "; nothing was cancelled or suspended" } else { "" };
                format!(
                    "stopped       {who}: not deleted (reached: {reached}){what}{nothing}; run again to finish"
                )
            }
            Outcome::NotAttempted => format!("not attempted {who}"),
            Outcome::WouldDelete => {
                let plan = match &self.purchases {
                    Some(p) => format!(
                        "{}{}{}{}{}{}{}{}{}",
                        orders("would cancel", &p.would_cancel_orders),
                        orders(
                            "of which age unknown (Partner Center decides)",
                            &p.age_unknown_orders
                        ),
                        orders("already cancelled", &p.already_cancelled_orders),
                        orders(
                            &format!(
                                "NOT cancellable (past the {CANCELLATION_WINDOW_DAYS}-day window)"
                            ),
                            &p.not_cancellable_orders
                        ),
                        subs("would cancel subscriptions", &["cancel"]),
                        subs(
                            "would try to cancel, past its window (else suspend)",
                            &["cancel_past_window"]
                        ),
                        subs("would suspend subscriptions", &["suspend"]),
                        subs(
                            "would cancel the Azure subscriptions, then suspend the plan",
                            &["cancel_azure_subscriptions_then_suspend"]
                        ),
                        subs(
                            "would leave active (kind or status it does not end)",
                            &["left_alone"]
                        ),
                    ),
                    None => String::new(),
                };
                format!("would delete  {who}{plan}")
            }
            Outcome::Failed => format!(
                "failed        {who}: {}{ids}",
                self.error_description.as_deref().unwrap_or("unknown error")
            ),
        };
        if let Some(hint) = &self.hint {
            line.push_str(&format!("\n              hint: {hint}"));
        }
        line
    }
}

pub(super) fn summary(
    elapsed: Duration,
    total: usize,
    deleted: usize,
    gone: usize,
    failed: &[Record],
    conn: &Connected,
) {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { deleted as f64 / seconds } else { 0.0 };
    eprintln!(
        "deleted {deleted}, already gone {gone}, failed {} of {total} in {seconds:.1} s ({rate:.1} deletes/s)",
        failed.len()
    );
    let pauses = conn.pacer.pauses();
    eprintln!("throttling: {} pause(s), {:.1} s in all", pauses.count, pauses.total.as_secs_f64());
    if !failed.is_empty() {
        eprintln!("failed:");
        for record in failed {
            eprintln!("  {}", record.line().trim_start_matches("failed").trim_start());
        }
    }
}

/// What an interrupted run left: customers stopped before their delete, and those never
/// attempted.
pub(super) fn interrupted(stopped: usize, not_attempted: &[&Candidate]) {
    if stopped > 0 {
        eprintln!(
            "interrupted: {stopped} customer(s) were stopped before their delete (see each line: orders may be cancelled and subscriptions cancelled or suspended, the customer not deleted); run again to finish"
        );
    }
    if !not_attempted.is_empty() {
        eprintln!(
            "interrupted: {} customer(s) were not attempted and are still there:",
            not_attempted.len()
        );
        for c in not_attempted {
            eprintln!("  {}", c.label());
        }
    }
}
