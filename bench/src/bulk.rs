//! Item 2: bulk throughput against the sandbox, facade vs bare reqwest, at 1, 8 and 64 in
//! flight: whether the facade keeps up when the server, not the client, is the bottleneck.

use std::fmt::Write as _;

use crate::clients::{Variant, bare, facade, facade_delete};
use crate::interleave::{ROUNDS, interleave};
use crate::load::{drive, drive_bare, seeded};
use crate::stats::{Ratios, median_f64, verdict};

/// Deletes per variant per round (a fifth of it at 1 in flight, which is that much slower).
const N: usize = 10_000;

pub async fn run(out: &mut String) {
    let _ = writeln!(
        out,
        "\n2. Bulk throughput, {N} deletes per variant per round against the sandbox, {ROUNDS} interleaved rounds"
    );
    let _ = writeln!(
        out,
        "   | in flight | bare req/s | facade req/s | facade/bare (min–max) | target ≥ 0.95 |"
    );
    let _ = writeln!(out, "   |---|---|---|---|---|");
    for concurrency in [1, 8, 64] {
        let n = if concurrency == 1 { N / 5 } else { N };
        // Round by round the two take turns, each on a freshly seeded sandbox (seeding untimed).
        let rounds = interleave(&[Variant::Bare, Variant::Facade], ROUNDS, 1, async |variant| {
            let (sandbox, ids) = seeded(n).await;
            let url = sandbox.base_url();
            let elapsed = match variant {
                Variant::Bare => drive_bare(&bare(), &url, &ids, concurrency).await,
                Variant::Facade => {
                    let pc = &facade(&url);
                    drive(&ids, concurrency, |id| facade_delete(pc, id)).await
                }
                Variant::Generated => unreachable!("item 2 compares bare and facade"),
            };
            n as f64 / elapsed.as_secs_f64()
        })
        .await;
        let rates = |v| -> Vec<f64> { rounds.iter().map(|r| *r.only(v)).collect() };
        let ratios: Ratios =
            rounds.iter().map(|r| r.only(Variant::Facade) / r.only(Variant::Bare)).collect();
        let _ = writeln!(
            out,
            "   | {concurrency} | {:.0} | {:.0} | {} | {} |",
            median_f64(&rates(Variant::Bare)),
            median_f64(&rates(Variant::Facade)),
            ratios.cell(),
            verdict(ratios.median() >= 0.95)
        );
    }
}
