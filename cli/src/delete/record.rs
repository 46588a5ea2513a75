//! What became of one customer, as a record: the JSON line `--output json` writes, and what
//! the text lines and the summary are made from.

use partner_center_client::{
    Deleted, Error, ErrorCode, OrderId, Phase, PlannedSubscription, PurchasePlan, Removal,
    RemovalError, RemovalErrorKind, SubscriptionAction, SubscriptionOutcome, SubscriptionStatus,
    SubscriptionStep, Verdict,
};
use serde::Serialize;

use crate::candidates::Candidate;
use crate::hints;
use crate::target::Connected;

/// What became of one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Outcome {
    Deleted,
    AlreadyGone,
    Failed,
    /// Stopped (Ctrl-C) before the delete: orders may have been cancelled.
    Stopped,
    NotAttempted,
    WouldDelete,
}

/// One customer's outcome, as written to the JSON lines.
#[derive(Debug, Serialize)]
pub(super) struct Record {
    pub(super) tenant_id: String,
    pub(super) outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) company_name: Option<String>,
    pub(super) status: Option<u16>,
    pub(super) error_code: Option<String>,
    pub(super) error_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) hint: Option<String>,
    pub(super) request_id: Option<String>,
    pub(super) correlation_id: Option<String>,
    pub(super) attempts: Option<u32>,
    pub(super) elapsed_ms: Option<u64>,
    /// With --cancel-purchases: the phase the procedure reached, the orders it cancelled and
    /// found cancelled, and how long it waited for cancellations.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub(super) purchases: Option<PurchasesRecord>,
}

/// What the documented procedure did for one customer (or, in a dry run, would do). Each list
/// is what happened on the wire: a cancel accepted (a 2xx) is not yet an order read cancelled.
#[derive(Debug, Default, Serialize)]
pub(super) struct PurchasesRecord {
    pub(super) reached: String,
    /// Orders whose cancel this run sent and Partner Center accepted (provisional).
    pub(super) cancel_accepted_orders: Vec<String>,
    /// Orders this run read `cancelled` after sending their cancel.
    pub(super) cancelled_orders: Vec<String>,
    pub(super) already_cancelled_orders: Vec<String>,
    /// Orders to cancel for which no cancel was sent (a stop, or an earlier refusal).
    pub(super) not_attempted_orders: Vec<String>,
    /// Orders Partner Center answered "in progress" and never accepted a cancel for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) deferred_orders: Vec<String>,
    /// Orders whose cancel was sent and not accepted (refused, failed, or stopped between
    /// retries); still active unless also in `cancel_maybe_applied_orders`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) cancel_failed_orders: Vec<String>,
    /// Of those, the orders an attempt may have cancelled anyway: unknown until read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) cancel_maybe_applied_orders: Vec<String>,
    /// In a dry run: the orders the procedure would cancel.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) would_cancel_orders: Vec<String>,
    /// In a dry run: orders whose creation date was missing or unreadable (the procedure
    /// would send their cancel; Partner Center decides).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) age_unknown_orders: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) not_cancellable_orders: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) cancelled_by_subscription: Vec<String>,
    /// Each of the customer's subscriptions: what became of it (or, in a dry run, what would).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) subscriptions: Vec<SubscriptionLine>,
    pub(super) waited_ms: u64,
}

/// One subscription in a record. `result` is what happened on the wire (`ended`: a read after
/// this run's update shows it ended; `accepted`: the update was accepted and no read has shown
/// it yet), or in a dry run what would be done (`cancel`, `suspend`, ...).
#[derive(Debug, Serialize)]
pub(super) struct SubscriptionLine {
    pub(super) subscription_id: String,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) result: &'static str,
    /// The status a read showed, where the result rests on one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) status: Option<String>,
    /// Partner Center refused its cancel as past its window (a suspend was sent instead).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) cancel_refused_past_window: bool,
    /// Of those, read `suspended` after the suspend: suspended, not cancelled.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) suspended_not_cancelled: bool,
    /// It stays active until this date (the end of its term), as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) ends_on: Option<String>,
    /// An Azure plan's Azure subscriptions whose cancel Partner Center accepted in this run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) azure_cancel_accepted: Vec<String>,
    /// An Azure plan's Azure subscriptions whose cancel was not accepted and may have applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) azure_cancel_maybe_applied: Vec<String>,
    /// An Azure plan's Azure subscriptions a read showed `inactive`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) azure_inactive: Vec<String>,
    /// The same, for a person.
    pub(super) detail: String,
}

impl SubscriptionLine {
    fn of(s: &SubscriptionOutcome) -> Self {
        let (result, status, ends_on) = match s.step() {
            SubscriptionStep::AlreadyEnded(st) => ("already_ended", Some(st), None),
            SubscriptionStep::ByOrder(_) => ("by_order", None, None),
            SubscriptionStep::LeftAlone(_) => ("left_alone", None, None),
            SubscriptionStep::NotAttempted => ("not_attempted", None, None),
            SubscriptionStep::Accepted(_) => ("accepted", None, None),
            SubscriptionStep::Deferred => ("deferred", None, None),
            SubscriptionStep::Failed { may_have_applied: true } => {
                ("failed_may_have_applied", None, None)
            }
            SubscriptionStep::Failed { .. } => ("failed", None, None),
            SubscriptionStep::Ended(st) => ("ended", Some(st), None),
            SubscriptionStep::EndsAtRenewal { on } => ("ends_at_renewal", None, on.clone()),
            _ => ("other", None, None),
        };
        Self {
            subscription_id: s.id().to_string(),
            name: s.name().to_owned(),
            kind: s.kind().to_string(),
            result,
            status: status.map(SubscriptionStatus::to_string),
            cancel_refused_past_window: s.was_window_refused(),
            suspended_not_cancelled: s.was_window_refused()
                && s.step() == &SubscriptionStep::Ended(SubscriptionStatus::Suspended),
            ends_on,
            azure_cancel_accepted: s
                .azure_cancel_accepted()
                .iter()
                .map(ToString::to_string)
                .collect(),
            azure_cancel_maybe_applied: s
                .azure_cancel_maybe_applied()
                .iter()
                .map(ToString::to_string)
                .collect(),
            azure_inactive: s.azure_inactive().iter().map(ToString::to_string).collect(),
            detail: s.to_string(),
        }
    }

    fn planned(p: &PlannedSubscription) -> Self {
        let result = match p.action() {
            SubscriptionAction::Cancel => "cancel",
            SubscriptionAction::CancelPastWindow { .. } => "cancel_past_window",
            SubscriptionAction::Suspend => "suspend",
            SubscriptionAction::CancelAzureSubscriptionsThenSuspend => {
                "cancel_azure_subscriptions_then_suspend"
            }
            SubscriptionAction::ByOrder(_) => "by_order",
            SubscriptionAction::AlreadyEnded => "already_ended",
            SubscriptionAction::LeaveAlone(_) => "left_alone",
            _ => "other",
        };
        Self {
            subscription_id: p.id().to_string(),
            name: p.name().to_owned(),
            kind: p.kind().to_string(),
            result,
            status: Some(p.status().to_string()),
            cancel_refused_past_window: false,
            suspended_not_cancelled: false,
            ends_on: None,
            azure_cancel_accepted: Vec::new(),
            azure_cancel_maybe_applied: Vec::new(),
            azure_inactive: Vec::new(),
            detail: p.action().to_string(),
        }
    }
}

fn ids(orders: &[OrderId]) -> Vec<String> {
    orders.iter().map(ToString::to_string).collect()
}

impl PurchasesRecord {
    pub(super) fn of(removal: &Removal) -> Self {
        Self {
            reached: removal.reached().to_string(),
            cancel_accepted_orders: ids(removal.cancel_accepted()),
            cancelled_orders: ids(removal.cancelled()),
            already_cancelled_orders: ids(removal.already_cancelled()),
            not_attempted_orders: ids(removal.not_attempted()),
            deferred_orders: ids(removal.deferred()),
            cancel_failed_orders: ids(removal.cancel_failed()),
            cancel_maybe_applied_orders: ids(removal.cancel_maybe_applied()),
            cancelled_by_subscription: removal.cancelled_by_subscription().to_vec(),
            subscriptions: removal.subscriptions().iter().map(SubscriptionLine::of).collect(),
            waited_ms: removal.waited().as_millis() as u64,
            ..Self::default()
        }
    }

    pub(super) fn planned(plan: &PurchasePlan) -> Self {
        let with = |v: fn(&Verdict) -> bool| {
            plan.orders().iter().filter(|o| v(&o.verdict())).map(|o| o.id().to_string()).collect()
        };
        Self {
            reached: Phase::LookingUp.to_string(),
            would_cancel_orders: with(|v| v.cancels()),
            age_unknown_orders: with(|v| *v == Verdict::CancelAgeUnknown),
            already_cancelled_orders: with(|v| *v == Verdict::AlreadyCancelled),
            not_cancellable_orders: with(|v| matches!(v, Verdict::PastWindow { .. })),
            cancelled_by_subscription: plan.cancelled_by_subscription().to_vec(),
            subscriptions: plan.subscriptions().iter().map(SubscriptionLine::planned).collect(),
            ..Self::default()
        }
    }
}

impl Record {
    pub(super) fn new(c: &Candidate, outcome: Outcome) -> Self {
        Self {
            tenant_id: c.id.to_string(),
            outcome,
            company_name: c.name.clone(),
            status: None,
            error_code: None,
            error_description: None,
            hint: None,
            request_id: None,
            correlation_id: None,
            attempts: None,
            elapsed_ms: None,
            purchases: None,
        }
    }

    /// The record of the documented procedure's run for `c`.
    pub(super) fn from_removal(
        c: &Candidate,
        result: &Result<Removal, RemovalError>,
        conn: &Connected,
    ) -> Self {
        match result {
            Ok(removal) => {
                let mut record = match removal.deleted() {
                    Some(deleted) => Self::from_result(c, &Ok(*deleted), false, conn),
                    None if removal.was_already_gone() => Self::new(c, Outcome::AlreadyGone),
                    None => Self::new(c, Outcome::Stopped),
                };
                record.purchases = Some(PurchasesRecord::of(removal));
                record
            }
            Err(err) => {
                let mut record = match err.call_error() {
                    Some(call) => {
                        let mut r = Self::from_call_error(c, call, Outcome::Failed, conn);
                        // The hint has a line of its own: not in the description too.
                        let text = err.to_string();
                        let hint = call.api().and_then(|a| a.hint());
                        r.error_description = Some(match hint {
                            Some(hint) => text.replace(&format!(" — {hint}"), ""),
                            None => text,
                        });
                        r
                    }
                    None => Self {
                        error_description: Some(err.to_string()),
                        ..Self::new(c, Outcome::Failed)
                    },
                };
                // The refusal's own message says what to do, against what the run saw.
                if matches!(err.kind(), RemovalErrorKind::DeleteRefused { .. }) {
                    record.hint = None;
                }
                let mut purchases = PurchasesRecord::of(err.done());
                purchases.reached = err.phase().to_string();
                if let RemovalErrorKind::PastCancellationWindow { order, .. } = err.kind() {
                    purchases.not_cancellable_orders.push(order.to_string());
                }
                record.purchases = Some(purchases);
                record
            }
        }
    }

    /// The record of a plain delete; `gone` says whether an error was confirmed to mean the
    /// customer does not exist ([`CustomerById::confirm_gone`]).
    ///
    /// [`CustomerById::confirm_gone`]: partner_center_client::CustomerById::confirm_gone
    pub(super) fn from_result(
        c: &Candidate,
        result: &Result<Deleted, Error>,
        gone: bool,
        conn: &Connected,
    ) -> Self {
        match result {
            Ok(deleted) => {
                let call = deleted.call();
                Self {
                    status: Some(deleted.status().as_u16()),
                    request_id: Some(call.request_id().to_string()),
                    correlation_id: Some(call.correlation_id().to_string()),
                    attempts: Some(call.attempts()),
                    elapsed_ms: Some(call.elapsed().as_millis() as u64),
                    ..Self::new(c, Outcome::Deleted)
                }
            }
            Err(err) => {
                let outcome = if gone { Outcome::AlreadyGone } else { Outcome::Failed };
                Self::from_call_error(c, err, outcome, conn)
            }
        }
    }

    pub(super) fn from_call_error(
        c: &Candidate,
        err: &Error,
        outcome: Outcome,
        conn: &Connected,
    ) -> Self {
        let api = err.api();
        let call = err.call();
        Self {
            status: api.map(|a| a.status().as_u16()),
            error_code: api.and_then(|a| a.code()).map(|code| match code {
                ErrorCode::Number(n) => n.to_string(),
                ErrorCode::Text(t) => t.clone(),
            }),
            error_description: Some(match api.and_then(|a| a.description()) {
                Some(d) if !err.is_not_found_after_retry() => d.to_string(),
                _ => err.to_string(),
            }),
            hint: hints::for_error(err, conn.cloud),
            request_id: call.map(|c| c.request_id().to_string()),
            correlation_id: call.map(|c| c.correlation_id().to_string()),
            attempts: call.map(|c| c.attempts()),
            elapsed_ms: call.map(|c| c.elapsed().as_millis() as u64),
            ..Self::new(c, outcome)
        }
    }
}
