//! Item 5: the sandbox alone under load, against the floor server, with bare reqwest as the
//! load generator on both: what the sandbox costs a test that uses it instead of a stub.

use std::fmt::Write as _;

use uuid::Uuid;

use crate::clients::bare;
use crate::floor;
use crate::interleave::{ROUNDS, interleave};
use crate::load::{drive_bare, seeded};
use crate::stats::{Ratios, verdict};

/// Deletes per server per round.
const N: usize = 10_000;
/// Calls in flight.
const CONCURRENCY: usize = 64;

/// This item's variants: the server answering, with the client held fixed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    /// The minimal hyper server answering every request 204.
    Floor,
    Sandbox,
}

pub async fn run(out: &mut String) {
    // Round by round the two take turns, each server fresh (its start untimed).
    let rounds = interleave(&[Server::Floor, Server::Sandbox], ROUNDS, 1, async |server| {
        let http = bare();
        let elapsed = match server {
            Server::Floor => {
                let server = floor::Server::start().await;
                let ids: Vec<Uuid> = (0..N).map(|_| Uuid::new_v4()).collect();
                drive_bare(&http, &server.url(), &ids, CONCURRENCY).await
            }
            Server::Sandbox => {
                let (sandbox, ids) = seeded(N).await;
                drive_bare(&http, &sandbox.base_url(), &ids, CONCURRENCY).await
            }
        };
        N as f64 / elapsed.as_secs_f64()
    })
    .await;
    let ratios: Ratios =
        rounds.iter().map(|r| r.only(Server::Sandbox) / r.only(Server::Floor)).collect();
    let _ = writeln!(
        out,
        "\n5. Sandbox alone: DELETE req/s at {CONCURRENCY} in flight (bare reqwest as load generator), sandbox/minimal-server {} — target ≥ 0.9 {}",
        ratios.cell(),
        verdict(ratios.median() >= 0.9)
    );
}
