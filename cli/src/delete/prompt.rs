//! The confirmation asked before deleting more than one customer.

use std::io::{IsTerminal, Write};

use partner_center_client::Verdict;

use crate::candidates::Candidate;
use crate::exit::Failure;
use crate::purchases;

/// Asks before deleting more than one customer, unless `--yes`; refuses without a terminal.
pub(super) fn confirm(
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
