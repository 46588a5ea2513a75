//! `partner-center customers delete`: find the customers, confirm, delete them concurrently
//! under the run's pacer, report each one and the whole run.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use partner_center_client::{CustomerTenantId, Deleted, Error, ErrorCode};
use serde::Serialize;

use crate::args::{DeleteArgs, DeleteOutput};
use crate::exit::{self, Failure};
use crate::target::Connected;
use crate::{hints, list};

/// A customer to delete, with its name when a listing found it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: CustomerTenantId,
    pub name: Option<String>,
}

/// One customer's outcome, as written to the JSON lines.
#[derive(Debug, Serialize)]
struct Record {
    tenant_id: String,
    outcome: &'static str,
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
}

impl Record {
    fn new(c: &Candidate, outcome: &'static str) -> Self {
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
                    ..Self::new(c, "deleted")
                }
            }
            Err(err) => {
                let outcome = if err.customer_is_gone() { "already_gone" } else { "failed" };
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
        let mut line = match self.outcome {
            "deleted" => format!("deleted       {who}{ids}"),
            "already_gone" => format!("already gone  {who}{ids}"),
            _ => format!(
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

/// The customers to delete: the given ids, or those a listing finds.
pub async fn candidates(
    conn: &Connected,
    args: &DeleteArgs,
    given: Vec<CustomerTenantId>,
) -> Result<Vec<Candidate>, Failure> {
    if !args.all && args.prefix.is_none() {
        return Ok(given.into_iter().map(|id| Candidate { id, name: None }).collect());
    }
    let found = list::customers(&conn.pc, args.prefix.as_deref()).await?;
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
    if args.dry_run {
        let mut out = std::io::stdout().lock();
        for c in &targets {
            let line = match args.output {
                DeleteOutput::Json => {
                    serde_json::to_string(&Record::new(c, "would_delete")).unwrap_or_default()
                }
                DeleteOutput::Text => format!("would delete  {}", Candidate::label(c)),
            };
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
        eprintln!("dry run: {} customer(s) would be deleted; nothing was sent", targets.len());
        return Ok(exit::OK);
    }
    confirm(&targets, args.yes, ids_from_stdin)?;
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
fn confirm(targets: &[Candidate], yes: bool, ids_from_stdin: bool) -> Result<(), Failure> {
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
    for c in targets.iter().take(5) {
        eprintln!("  {}", c.label());
    }
    if n > 5 {
        eprintln!("  … and {} more", n - 5);
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

async fn delete_all(conn: &Connected, args: &DeleteArgs, targets: &[Candidate]) -> u8 {
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn(watch_interrupts(Arc::clone(&stop)));
    let bar = progress_bar(targets.len() as u64);
    let json = args.output == DeleteOutput::Json;
    let started = Instant::now();

    let mut attempted = vec![false; targets.len()];
    let mut failed: Vec<Record> = Vec::new();
    let (mut deleted, mut gone) = (0usize, 0usize);
    let mut stdout = std::io::stdout().lock();
    let mut stdout_ok = true;
    let pc = &conn.pc;
    let mut results = stream::iter(targets.iter().enumerate())
        .take_while(|_| std::future::ready(!stop.load(Ordering::SeqCst)))
        .map(|(i, c)| async move { (i, c, pc.customers().by_id(c.id).delete().await) })
        .buffer_unordered(usize::from(args.concurrency));
    while let Some((i, c, result)) = results.next().await {
        attempted[i] = true;
        let record = Record::from_result(c, &result, conn);
        match record.outcome {
            "deleted" => deleted += 1,
            "already_gone" => gone += 1,
            _ => {}
        }
        if json && stdout_ok {
            stdout_ok =
                serde_json::to_string(&record).is_ok_and(|line| writeln!(stdout, "{line}").is_ok());
        }
        match &bar {
            Some(bar) => {
                if record.outcome == "failed" {
                    bar.println(record.line());
                }
                bar.inc(1);
                let pauses = conn.pacer.pauses();
                bar.set_message(format!("throttle pauses: {}", pauses.count));
            }
            None => eprintln!("{}", record.line()),
        }
        if record.outcome == "failed" {
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
            if let Ok(line) = serde_json::to_string(&Record::new(c, "not_attempted")) {
                let _ = writeln!(stdout, "{line}");
            }
        }
    }
    let _ = stdout.flush();
    summary(started.elapsed(), targets.len(), deleted, gone, &failed, conn);
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
        "{bar:30} {pos}/{len} deleted or gone  {per_sec}  eta {eta}  {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message("throttle pauses: 0");
    Some(bar)
}

/// The first Ctrl-C stops new deletes and lets those in flight finish; a second one quits at
/// once, saying that the deletes in flight are then in an unknown state.
async fn watch_interrupts(stop: Arc<AtomicBool>) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    stop.store(true, Ordering::SeqCst);
    eprintln!(
        "\ninterrupted: no new deletes start; waiting for those in flight (Ctrl-C again to quit at once)"
    );
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!(
            "quit: deletes that were in flight may or may not have happened; list the customers to see"
        );
        std::process::exit(i32::from(exit::INTERRUPTED));
    }
}
