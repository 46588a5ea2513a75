//! `profile VARIANT N`: one variant's work alone, without the interleaving or the other
//! variants, so a profiler's counts belong to it. BENCHMARKS.md gives the commands
//! (`valgrind --tool=callgrind` for instructions per call, `perf record` for the sandbox).

use uuid::Uuid;

use crate::clients::{Clients, Variant, bare};
use crate::load::{drive_bare, seeded};

/// `variant` is `bare`, `generated`, `facade` or `sandbox`.
pub async fn run(variant: &str, n: usize) {
    if variant == "sandbox" {
        sandbox(n).await;
    } else {
        let Some(variant) = Variant::named(variant) else {
            panic!("unknown variant {variant}: bare, generated or facade");
        };
        calls(variant, n).await;
    }
}

/// N sequential calls of one variant against the floor server, for instruction counts per call
/// (item 1's work).
async fn calls(variant: Variant, n: usize) {
    let clients = Clients::start().await;
    let id = Uuid::new_v4();
    for _ in 0..n {
        assert!(clients.delete(variant, id).await);
    }
}

/// N deletes at 64 in flight against a sandbox seeded with N customers: the sandbox under the
/// load item 5 measures.
async fn sandbox(n: usize) {
    let (sandbox, ids) = seeded(n).await;
    drive_bare(&bare(), &sandbox.base_url(), &ids, 64).await;
}
