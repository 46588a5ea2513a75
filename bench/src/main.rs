//! `cargo xtask bench`: the client against the bare-`reqwest` floor, on loopback.
//!
//! Every figure is a ratio measured in this one run, with the compared variants interleaved
//! round by round (their order rotated each round) so machine drift cancels; each is reported as
//! the median over the rounds with its min–max. Bounded: fixed request counts, 127.0.0.1 only.
//!
//! Modes, as `cargo xtask bench` and BENCHMARKS.md call them:
//! - `partner-center-bench [CLI]`: the whole table; items 4, 7 and 8 need the release CLI's path.
//! - `partner-center-bench cleanup CLI`: item 8 alone.
//! - `partner-center-bench profile [VARIANT] [N]`: one variant's calls alone, for a profiler.
//!
//! The items print in the order 1, 3, 2, 5, 6, 7, 4, 8: the numbers are BENCHMARKS.md's rows.

mod bulk;
mod cleanup;
mod cli;
mod clients;
mod fixtures;
mod floor;
mod interleave;
mod listing;
mod load;
mod machine;
mod profile;
mod sandbox_alone;
mod sequential;
mod stats;

use std::fmt::Write as _;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("profile") => {
            let variant = args.get(2).map_or("facade", String::as_str);
            let n = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(2000);
            profile::run(variant, n).await;
        }
        // Item 8 alone (most of its time is the C# port's 5-second polls).
        Some("cleanup") => {
            let Some(cli) = args.get(2) else {
                eprintln!(
                    "usage: partner-center-bench cleanup <path of the release partner-center binary>"
                );
                std::process::exit(2);
            };
            let mut out = String::new();
            cleanup::run(&mut out, cli).await;
            print!("{out}");
        }
        // Item 9 alone.
        Some("fixtures") => {
            let mut out = String::new();
            fixtures::run(&mut out).await;
            print!("{out}");
        }
        cli => table(cli).await,
    }
}

/// The whole table, printed at the end in one piece (nothing interleaves with the runs' output).
async fn table(cli_path: Option<&str>) {
    let mut out = String::new();
    let _ = writeln!(out, "{}", machine::describe());
    let started = Instant::now();
    sequential::run(&mut out).await;
    bulk::run(&mut out).await;
    sandbox_alone::run(&mut out).await;
    listing::run(&mut out).await;
    fixtures::run(&mut out).await;
    match cli_path {
        Some(path) => {
            cli::end_to_end(&mut out, path).await;
            cli::throttled(&mut out, path).await;
            cleanup::run(&mut out, path).await;
        }
        None => {
            let _ = writeln!(
                out,
                "\n4./7./8. skipped: pass the release CLI binary's path (cargo xtask bench does)"
            );
        }
    }
    let _ = writeln!(out, "\n(bench took {:.0} s)", started.elapsed().as_secs_f64());
    print!("{out}");
}
