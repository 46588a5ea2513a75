//! The progress bar on a terminal, with how many customers are in each phase of the procedure.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use partner_center_client::Phase;

/// How many customers are in each phase of the procedure now, for the progress bar.
#[derive(Default)]
pub(super) struct Phases([AtomicUsize; 4]);

impl Phases {
    fn index(phase: Phase) -> Option<usize> {
        match phase {
            Phase::LookingUp => Some(0),
            Phase::Cancelling | Phase::EndingSubscriptions => Some(1),
            Phase::Waiting | Phase::WaitingForSubscriptions => Some(2),
            Phase::Deleting => Some(3),
            _ => None,
        }
    }

    pub(super) fn moved(&self, from: Option<Phase>, to: Option<Phase>) {
        if let Some(i) = from.and_then(Self::index) {
            self.0[i].fetch_sub(1, Ordering::Relaxed);
        }
        if let Some(i) = to.and_then(Self::index) {
            self.0[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(super) fn message(&self) -> String {
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

/// A progress bar on stderr when it is a terminal; plain log lines otherwise.
pub(super) fn bar(total: u64) -> Option<ProgressBar> {
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
