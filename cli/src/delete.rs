//! `partner-center customers delete`: find the customers, confirm, delete them concurrently
//! under the run's pacer (with `--cancel-purchases`, each through the documented procedure:
//! cancel its orders, wait, delete), report each one and the whole run.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use partner_center_client::{
    CustomerTenantId, Deleted, Error, ErrorCode, OrderId, Phase, PollPolicy, Progress,
    PurchasePlan, Removal, RemovalError, RemovalErrorKind, Verdict,
};
use serde::Serialize;

use crate::args::{DeleteArgs, DeleteOutput, Selection};
use crate::exit::{self, Failure};
use crate::target::Connected;
use crate::{hints, list, purchases};

/// A customer to delete, with its name when a listing found it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: CustomerTenantId,
    pub name: Option<String>,
}

/// What became of one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
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
struct Record {
    tenant_id: String,
    outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    company_name: Option<String>,
    status: Option<u16>,
    error_code: Option<String>,
    error_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
    request_id: Option<String>,
    correlation_id: Option<String>,
    attempts: Option<u32>,
    elapsed_ms: Option<u64>,
    /// With --cancel-purchases: the phase the procedure reached, the orders it cancelled and
    /// found cancelled, and how long it waited for cancellations.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    purchases: Option<PurchasesRecord>,
}

/// What the documented procedure did for one customer (or, in a dry run, would do).
#[derive(Debug, Default, Serialize)]
struct PurchasesRecord {
    reached: String,
    cancelled_orders: Vec<String>,
    /// In a dry run: the orders the procedure would cancel.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    would_cancel_orders: Vec<String>,
    already_cancelled_orders: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_cancellable_orders: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cancelled_by_subscription: Vec<String>,
    waited_ms: u64,
}

impl PurchasesRecord {
    fn of(removal: &Removal) -> Self {
        let ids = |orders: &[OrderId]| orders.iter().map(ToString::to_string).collect();
        Self {
            reached: removal.reached().to_string(),
            cancelled_orders: ids(removal.cancelled()),
            would_cancel_orders: Vec::new(),
            already_cancelled_orders: ids(removal.already_cancelled()),
            not_cancellable_orders: Vec::new(),
            cancelled_by_subscription: removal.cancelled_by_subscription().to_vec(),
            waited_ms: removal.waited().as_millis() as u64,
        }
    }

    fn planned(plan: &PurchasePlan) -> Self {
        let with = |v: fn(&Verdict) -> bool| {
            plan.orders().iter().filter(|o| v(&o.verdict())).map(|o| o.id().to_string()).collect()
        };
        Self {
            reached: Phase::LookingUp.to_string(),
            cancelled_orders: Vec::new(),
            would_cancel_orders: with(|v| *v == Verdict::Cancel),
            already_cancelled_orders: with(|v| *v == Verdict::AlreadyCancelled),
            not_cancellable_orders: with(|v| matches!(v, Verdict::PastWindow { .. })),
            cancelled_by_subscription: plan.cancelled_by_subscription().to_vec(),
            waited_ms: 0,
        }
    }
}

impl Record {
    fn new(c: &Candidate, outcome: Outcome) -> Self {
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
    fn from_removal(
        c: &Candidate,
        result: &Result<Removal, RemovalError>,
        conn: &Connected,
    ) -> Self {
        match result {
            Ok(removal) => {
                let mut record = match removal.deleted() {
                    Some(deleted) => Self::from_result(c, &Ok(*deleted), conn),
                    None if removal.was_already_gone() => Self::new(c, Outcome::AlreadyGone),
                    None => Self::new(c, Outcome::Stopped),
                };
                record.purchases = Some(PurchasesRecord::of(removal));
                record
            }
            Err(err) => {
                let mut record = match err.call_error() {
                    Some(call) => {
                        let mut r = Self::from_call_error(c, call, conn);
                        r.error_description = Some(err.to_string());
                        r
                    }
                    None => Self {
                        error_description: Some(err.to_string()),
                        ..Self::new(c, Outcome::Failed)
                    },
                };
                record.outcome = Outcome::Failed;
                if matches!(err.kind(), RemovalErrorKind::BlockedBySubscription(_)) {
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

    fn from_result(c: &Candidate, result: &Result<Deleted, Error>, conn: &Connected) -> Self {
        match result {
            Ok(deleted) => {
                let call = deleted.call();
                Self {
                    status: Some(204),
                    request_id: Some(call.request_id().to_string()),
                    correlation_id: Some(call.correlation_id().to_string()),
                    attempts: Some(call.attempts()),
                    elapsed_ms: Some(call.elapsed().as_millis() as u64),
                    ..Self::new(c, Outcome::Deleted)
                }
            }
            Err(err) => Self::from_call_error(c, err, conn),
        }
    }

    fn from_call_error(c: &Candidate, err: &Error, conn: &Connected) -> Self {
        let outcome = if err.customer_is_gone() { Outcome::AlreadyGone } else { Outcome::Failed };
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

    /// One line for a person.
    fn line(&self) -> String {
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
        let purchases = match &self.purchases {
            Some(p) => format!(
                "{}{}",
                orders("cancelled", &p.cancelled_orders),
                orders("already cancelled", &p.already_cancelled_orders)
            ),
            None => String::new(),
        };
        let mut line = match self.outcome {
            Outcome::Deleted => format!("deleted       {who}{purchases}{ids}"),
            Outcome::AlreadyGone => format!("already gone  {who}{ids}"),
            Outcome::Stopped => {
                let reached = self.purchases.as_ref().map_or("", |p| p.reached.as_str());
                match self.purchases.as_ref().filter(|p| !p.cancelled_orders.is_empty()) {
                    Some(p) => format!(
                        "stopped       {who}: orders cancelled ({}), not deleted (reached: {reached}); run again to finish",
                        p.cancelled_orders.join(", ")
                    ),
                    None => format!("stopped       {who}: not deleted (reached: {reached})"),
                }
            }
            Outcome::NotAttempted => format!("not attempted {who}"),
            Outcome::WouldDelete => {
                let plan = match &self.purchases {
                    Some(p) => format!(
                        "{}{}{}",
                        orders("would cancel", &p.would_cancel_orders),
                        orders("already cancelled", &p.already_cancelled_orders),
                        orders(
                            "NOT cancellable (past the 60-day window)",
                            &p.not_cancellable_orders
                        )
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

/// The customers a command is for: the given ids, or those a listing finds.
pub async fn candidates(
    conn: &Connected,
    which: &Selection,
    given: Vec<CustomerTenantId>,
) -> Result<Vec<Candidate>, Failure> {
    if !which.all && which.prefix.is_none() {
        return Ok(given.into_iter().map(|id| Candidate { id, name: None }).collect());
    }
    let found = list::customers(&conn.pc, which.prefix.as_deref()).await?;
    Ok(found
        .into_iter()
        .map(|c| Candidate { id: c.id(), name: c.company_name().map(str::to_string) })
        .collect())
}

pub async fn run(
    conn: &Connected,
    args: &DeleteArgs,
    targets: Vec<Candidate>,
    ids_from_stdin: bool,
) -> Result<u8, Failure> {
    if targets.is_empty() {
        eprintln!("nothing to delete");
        return Ok(exit::OK);
    }
    // With --cancel-purchases, a dry run and a confirmation show what would be cancelled:
    // those lookups are reads; nothing is cancelled before the answer.
    let asks = !args.yes && targets.len() > 1;
    let plans = if args.cancel_purchases && (args.dry_run || asks) {
        Some(purchases::plans(conn, &targets, usize::from(args.concurrency)).await)
    } else {
        None
    };
    if args.dry_run {
        let mut out = std::io::stdout().lock();
        for (i, c) in targets.iter().enumerate() {
            let mut record = Record::new(c, Outcome::WouldDelete);
            if let Some(plans) = &plans {
                match &plans[i] {
                    Ok(Some(plan)) => record.purchases = Some(PurchasesRecord::planned(plan)),
                    Ok(None) => record.outcome = Outcome::AlreadyGone,
                    Err(e) => {
                        record.outcome = Outcome::Failed;
                        record.error_description = Some(e.to_string());
                    }
                }
            }
            let line = match args.output {
                DeleteOutput::Json => serde_json::to_string(&record).unwrap_or_default(),
                DeleteOutput::Text if plans.is_none() => format!("would delete  {}", c.label()),
                DeleteOutput::Text => record.line(),
            };
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
        let what = if args.cancel_purchases {
            "nothing was cancelled or deleted (only read)"
        } else {
            "nothing was sent"
        };
        eprintln!("dry run: {} customer(s) would be deleted; {what}", targets.len());
        return Ok(exit::OK);
    }
    confirm(&targets, plans.as_deref(), args.yes, ids_from_stdin)?;
    Ok(delete_all(conn, args, &targets).await)
}

impl Candidate {
    fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{}  {name}", self.id),
            None => self.id.to_string(),
        }
    }
}

/// Asks before deleting more than one customer, unless `--yes`; refuses without a terminal.
fn confirm(
    targets: &[Candidate],
    plans: Option<&[purchases::PlanResult]>,
    yes: bool,
    ids_from_stdin: bool,
) -> Result<(), Failure> {
    if yes || targets.len() <= 1 {
        return Ok(());
    }
    let n = targets.len();
    let interactive =
        !ids_from_stdin && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        return Err(Failure::Config(format!(
            "refusing to delete {n} customers without confirmation: there is no terminal to ask on; pass --yes"
        )));
    }
    eprintln!("About to delete {n} customers from the integration sandbox:");
    for (i, c) in targets.iter().enumerate().take(5) {
        eprintln!("  {}", c.label());
        if let Some(Ok(Some(plan))) = plans.map(|p| &p[i]) {
            for order in plan.orders() {
                eprintln!("      order {}: {}", order.id(), order.verdict());
            }
        }
    }
    if n > 5 {
        eprintln!("  … and {} more", n - 5);
    }
    if let Some(plans) = plans {
        let orders: usize = plans
            .iter()
            .filter_map(|p| p.as_ref().ok().and_then(Option::as_ref))
            .map(|p| p.orders().iter().filter(|o| o.verdict() == Verdict::Cancel).count())
            .sum();
        eprintln!("{orders} order(s) would be cancelled first.");
    }
    eprint!("Delete these {n} customers? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::Call("not confirmed: nothing was deleted".into()))
    }
}

/// How many customers are in each phase of the procedure now, for the progress bar.
#[derive(Default)]
struct Phases([AtomicUsize; 4]);

impl Phases {
    fn index(phase: Phase) -> Option<usize> {
        match phase {
            Phase::LookingUp => Some(0),
            Phase::Cancelling => Some(1),
            Phase::Waiting => Some(2),
            Phase::Deleting => Some(3),
            _ => None,
        }
    }

    fn moved(&self, from: Option<Phase>, to: Option<Phase>) {
        if let Some(i) = from.and_then(Self::index) {
            self.0[i].fetch_sub(1, Ordering::Relaxed);
        }
        if let Some(i) = to.and_then(Self::index) {
            self.0[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    fn message(&self) -> String {
        let [l, c, w, d] = &self.0;
        format!(
            "looking up {} · cancelling {} · waiting {} · deleting {}",
            l.load(Ordering::Relaxed),
            c.load(Ordering::Relaxed),
            w.load(Ordering::Relaxed),
            d.load(Ordering::Relaxed)
        )
    }
}

async fn delete_all(conn: &Connected, args: &DeleteArgs, targets: &[Candidate]) -> u8 {
    let stop = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (listening, ready) = tokio::sync::oneshot::channel();
    let watcher = tokio::spawn(watch_interrupts(Arc::clone(&stop), stop_tx, listening));
    // Nothing is sent before Ctrl-C is handled: an interrupt at any moment of the run is ours.
    let _ = ready.await;
    let bar = progress_bar(targets.len() as u64);
    let json = args.output == DeleteOutput::Json;
    let started = Instant::now();
    let phases = Arc::new(Phases::default());

    let mut attempted = vec![false; targets.len()];
    let mut failed: Vec<Record> = Vec::new();
    let (mut deleted, mut gone, mut stopped) = (0usize, 0usize, 0usize);
    let mut stdout = std::io::stdout().lock();
    let mut stdout_ok = true;
    let polling = PollPolicy::default().with_interval(args.poll_interval);
    let mut results = stream::iter(targets.iter().enumerate())
        .take_while(|_| std::future::ready(!stop.load(Ordering::SeqCst)))
        .map(|(i, c)| {
            let run = one(conn, args, c, Arc::clone(&phases), stop_rx.clone(), polling);
            async move { (i, run.await) }
        })
        .buffer_unordered(usize::from(args.concurrency));
    while let Some((i, record)) = results.next().await {
        attempted[i] = true;
        match record.outcome {
            Outcome::Deleted => deleted += 1,
            Outcome::AlreadyGone => gone += 1,
            Outcome::Stopped => stopped += 1,
            _ => {}
        }
        // One complete line per finished customer, flushed at once, so a kill loses at most
        // the customers in flight.
        if json && stdout_ok {
            stdout_ok = serde_json::to_string(&record)
                .is_ok_and(|line| writeln!(stdout, "{line}").and_then(|()| stdout.flush()).is_ok());
        }
        let notable = matches!(record.outcome, Outcome::Failed | Outcome::Stopped);
        match &bar {
            Some(bar) => {
                if notable {
                    bar.println(record.line());
                }
                bar.inc(1);
                let pauses = conn.pacer.pauses();
                let phases = if args.cancel_purchases {
                    format!("{} · ", phases.message())
                } else {
                    String::new()
                };
                bar.set_message(format!("{phases}throttle pauses: {}", pauses.count));
            }
            None => eprintln!("{}", record.line()),
        }
        if record.outcome == Outcome::Failed {
            failed.push(record);
        }
    }
    drop(results);
    watcher.abort();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    let interrupted = stop.load(Ordering::SeqCst);
    let not_attempted: Vec<&Candidate> =
        targets.iter().zip(&attempted).filter(|(_, a)| !**a).map(|(c, _)| c).collect();
    if json && stdout_ok {
        for c in &not_attempted {
            if let Ok(line) = serde_json::to_string(&Record::new(c, Outcome::NotAttempted)) {
                let _ = writeln!(stdout, "{line}");
            }
        }
    }
    let _ = stdout.flush();
    summary(started.elapsed(), targets.len(), deleted, gone, &failed, conn);
    if stopped > 0 {
        eprintln!(
            "interrupted: {stopped} customer(s) were stopped before their delete (see each line: orders may be cancelled, the customer not deleted); run again to finish"
        );
    }
    if !not_attempted.is_empty() {
        eprintln!(
            "interrupted: {} customer(s) were not attempted and are still there:",
            not_attempted.len()
        );
        for c in &not_attempted {
            eprintln!("  {}", c.label());
        }
    }
    if interrupted {
        exit::INTERRUPTED
    } else if failed.is_empty() {
        exit::OK
    } else {
        exit::SOME_FAILED
    }
}

/// One customer: a plain delete, or with `--cancel-purchases` the documented procedure, its
/// phases counted in `phases` and its waits ended by `stop`.
async fn one(
    conn: &Connected,
    args: &DeleteArgs,
    c: &Candidate,
    phases: Arc<Phases>,
    mut stop: tokio::sync::watch::Receiver<bool>,
    polling: PollPolicy,
) -> Record {
    let pc = &conn.pc;
    if !args.cancel_purchases {
        let result = pc.customers().by_id(c.id).delete().await;
        return Record::from_result(c, &result, conn);
    }
    // The phase this customer is in, so the counts move with it and it leaves the last one
    // when it finishes.
    let current = Arc::new(std::sync::Mutex::new(None));
    let observed = Arc::clone(&current);
    let counts = Arc::clone(&phases);
    let result = pc
        .customers()
        .by_id(c.id)
        .delete_with_purchases()
        .polling(polling)
        .on_progress(move |p| {
            if let Progress::Phase(to) = p
                && let Ok(mut now) = observed.lock()
            {
                counts.moved(now.replace(*to), Some(*to));
            }
        })
        .stop_on(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await;
    if let Ok(mut last) = current.lock() {
        phases.moved(last.take(), None);
    }
    Record::from_removal(c, &result, conn)
}

fn summary(
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

/// A progress bar on stderr when it is a terminal; plain log lines otherwise.
fn progress_bar(total: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{bar:30} {pos}/{len} deleted or gone  {rate}  eta {eta}  {msg}",
    )
    .map(|style| {
        // indicatif's own {per_sec} prints four decimals (`9.8843/s`); one is enough.
        style.with_key("rate", |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
            let _ = write!(out, "{:.1}/s", state.per_sec());
        })
    })
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message("throttle pauses: 0");
    Some(bar)
}

/// The first Ctrl-C stops new customers, ends every wait for cancellations at once and lets
/// the calls in flight finish; a second one quits at once, saying that the calls in flight are
/// then in an unknown state.
async fn watch_interrupts(
    stop: Arc<AtomicBool>,
    waits: tokio::sync::watch::Sender<bool>,
    listening: tokio::sync::oneshot::Sender<()>,
) {
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
    // Polled once, the future has installed the handler (or failed to).
    let first = futures_util::poll!(interrupted.as_mut());
    let _ = listening.send(());
    let outcome = match first {
        std::task::Poll::Ready(outcome) => outcome,
        std::task::Poll::Pending => interrupted.await,
    };
    if outcome.is_err() {
        return;
    }
    stop.store(true, Ordering::SeqCst);
    let _ = waits.send(true);
    eprintln!(
        "\ninterrupted: no new customers start, waits stop; waiting for the calls in flight (Ctrl-C again to quit at once)"
    );
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!(
            "quit: deletes that were in flight may or may not have happened; list the customers to see"
        );
        std::process::exit(i32::from(exit::INTERRUPTED));
    }
}
