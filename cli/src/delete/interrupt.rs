//! What Ctrl-C does during a run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::exit;

/// The first Ctrl-C stops new customers, ends every wait for cancellations at once and lets
/// the calls in flight finish; a second one quits at once, saying that the calls in flight are
/// then in an unknown state.
pub(super) async fn watch(
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
        "\ninterrupted: no new customer, order read, cancel or delete is sent and waits stop; waiting for the calls in flight (Ctrl-C again to quit at once)"
    );
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!(
            "quit: deletes that were in flight may or may not have happened; list the customers to see"
        );
        std::process::exit(i32::from(exit::INTERRUPTED));
    }
}
