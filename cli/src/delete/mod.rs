//! `partner-center customers delete`: find the customers, confirm, delete them concurrently
//! under the run's pacer (with `--cancel-purchases`, each through the documented procedure:
//! cancel its orders, wait, delete), report each one and the whole run.
//!
//! This module is the run itself (who, dry run, the concurrent deletes); [`record`] is what
//! one customer's outcome records, [`text`] how a person reads it, [`prompt`] the
//! confirmation, [`progress`] the progress bar and [`interrupt`] what Ctrl-C does.

mod interrupt;
mod progress;
mod prompt;
mod record;
mod text;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures_util::{StreamExt, stream};
use partner_center_client::{PollPolicy, Progress};

use crate::args::{DeleteArgs, DeleteOutput};
use crate::candidates::Candidate;
use crate::exit::{self, Failure};
use crate::purchases;
use crate::target::Connected;
use progress::Phases;
use record::{Outcome, PurchasesRecord, Record};

/// Deletes `targets` (after a dry run or a confirmation, as `args` say); the exit code.
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
        let cancel_azure = args.cancel_azure_subscriptions || conn.is_sandbox();
        Some(purchases::plans(conn, &targets, usize::from(args.concurrency), cancel_azure).await)
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
    prompt::confirm(&targets, plans.as_deref(), args.yes, ids_from_stdin)?;
    Ok(delete_all(conn, args, &targets).await)
}

async fn delete_all(conn: &Connected, args: &DeleteArgs, targets: &[Candidate]) -> u8 {
    let stop = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (listening, ready) = tokio::sync::oneshot::channel();
    let watcher = tokio::spawn(interrupt::watch(Arc::clone(&stop), stop_tx, listening));
    // Nothing is sent before Ctrl-C is handled: an interrupt at any moment of the run is ours.
    let _ = ready.await;
    let bar = progress::bar(targets.len() as u64);
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
    text::summary(started.elapsed(), targets.len(), deleted, gone, &failed, conn);
    text::interrupted(stopped, &not_attempted);
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
        let customer = pc.customers().by_id(c.id);
        let result = customer.delete().await;
        // Gone only when Partner Center says so (the procedure's rule): a read decides any
        // other 404; a failed read leaves the delete's own error.
        let gone = match &result {
            Err(e) => customer.confirm_gone(e).await.unwrap_or(false),
            Ok(_) => false,
        };
        return Record::from_result(c, &result, gone, conn);
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
        .subscription_polling(polling)
        .cancel_azure_subscriptions(args.cancel_azure_subscriptions || conn.is_sandbox())
        .azure_polling(PollPolicy::for_azure_entitlements().with_interval(polling.interval()))
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
