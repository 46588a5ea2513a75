//! Items 1 and 3: one call at a time against the floor server, where nothing but the client's
//! own cost separates the variants.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::clients::{Clients, Variant, bare, bare_delete, facade, facade_delete};
use crate::interleave::{ROUNDS, Round, interleave};
use crate::stats::{Ratios, median, micros, p99, verdict};

/// Calls per variant per round.
const PER_ROUND: usize = 400;

/// Items 1 then 3, against one floor server.
pub async fn run(out: &mut String) {
    let clients = Clients::start().await;
    latency(out, &clients).await;
    connections(out, &clients).await;
}

/// Item 1: sequential latency against a minimal 204 server; bare, generated, facade.
async fn latency(out: &mut String, clients: &Clients) {
    let id = Uuid::new_v4();
    // Warm bare's and the facade's pools first, so neither pays a handshake inside a round (the
    // generated client's is left as it always was: one cold call in 2,000).
    for _ in 0..50 {
        bare_delete(&clients.http, &clients.url, id).await;
        facade_delete(&clients.pc, id).await;
    }
    // Call by call the three variants take turns, so drift in the machine's load falls on all
    // three alike.
    let rounds = interleave(&Variant::ALL, ROUNDS, PER_ROUND, async |variant| {
        let started = Instant::now();
        let ok = clients.delete(variant, id).await;
        let elapsed = started.elapsed();
        assert!(ok, "variant {variant:?} failed");
        elapsed
    })
    .await;
    // Each round's ratio of medians, so a slow round weighs on both sides of its ratio.
    let ratio_to_bare = |v| -> Ratios {
        let round_median = |round: &Round<_, _>, v| median(round.of(v).copied().collect());
        rounds
            .iter()
            .map(|round| {
                round_median(round, v).as_secs_f64()
                    / round_median(round, Variant::Bare).as_secs_f64()
            })
            .collect()
    };
    let all = |v| -> Vec<Duration> { rounds.iter().flat_map(|r| r.of(v).copied()).collect() };
    let (b, g, f) = (all(Variant::Bare), all(Variant::Generated), all(Variant::Facade));
    let n = b.len();
    let _ = writeln!(
        out,
        "\n1. Sequential latency, {n} calls per variant, {ROUNDS} rounds, the variants taking turns call by call, minimal hyper 204 server"
    );
    let _ = writeln!(out, "   | variant | median | p99 | median ratio to bare (min–max) |");
    let _ = writeln!(out, "   |---|---|---|---|");
    let _ = writeln!(
        out,
        "   | bare reqwest | {} | {} | 1 |",
        micros(median(b.clone())),
        micros(p99(b))
    );
    let _ = writeln!(
        out,
        "   | generated client | {} | {} | {} |",
        micros(median(g.clone())),
        micros(p99(g)),
        ratio_to_bare(Variant::Generated).cell()
    );
    let facade_ratios = ratio_to_bare(Variant::Facade);
    let _ = writeln!(
        out,
        "   | facade | {} | {} | {} |",
        micros(median(f.clone())),
        micros(p99(f)),
        facade_ratios.cell()
    );
    let _ = writeln!(
        out,
        "   target: facade median ≤ 1.05× bare — {}",
        verdict(facade_ratios.median() <= 1.05)
    );
}

/// Item 3: connections opened for 1,000 sequential calls, by a fresh facade and by a fresh bare
/// reqwest (the floor server counts accepted connections).
async fn connections(out: &mut String, clients: &Clients) {
    let (server, url) = (&clients.server, clients.url.as_str());
    let id = Uuid::new_v4();
    let before = server.connections();
    let pc = facade(url);
    for _ in 0..1000 {
        pc.customers().by_id(id.into()).delete().await.expect("204");
    }
    let opened = server.connections() - before;
    let before = server.connections();
    let http = bare();
    for _ in 0..1000 {
        bare_delete(&http, url, id).await;
    }
    let bare_opened = server.connections() - before;
    let _ = writeln!(
        out,
        "\n3. Connections opened by 1,000 sequential facade calls: {opened} (target 1 — {}); by bare reqwest: {bare_opened}",
        verdict(opened == 1)
    );
}
