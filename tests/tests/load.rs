//! The sandbox under mixed load and slow clients: every answer is one it may give, no deletion
//! is lost or made twice, memory stays bounded, and slow connections neither block others nor
//! stay open past the documented timeout.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use partner_center_sandbox::{Fault, Idempotency, RetryAfter, Sandbox};
use partner_center_tests::{TIP, quick_retries, sandbox_client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

/// One request of the mix, and the answers it may get besides a fault's (429, 500, no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// A customer's delete, its own `MS-RequestId`: 204, or 404 if its duplicate came first,
    /// or 409 if a conflicting reuse of its id came first.
    Delete,
    /// The same customer again, a new `MS-RequestId`: 204 or 404.
    Duplicate,
    /// `Delete` again with the same `MS-RequestId`: the original's answer.
    Replay,
    /// `Delete`'s `MS-RequestId` for a customer nobody has: 409 (or 404 if it came first).
    Conflict,
    /// A malformed customer id: 400.
    Invalid,
    /// The first page of the listing: 200.
    List,
}

impl Kind {
    fn allows(self, status: u16) -> bool {
        let own: &[u16] = match self {
            Kind::Delete => &[204, 404, 409],
            Kind::Duplicate => &[204, 404],
            Kind::Replay => &[204, 404, 409],
            Kind::Conflict => &[404, 409],
            Kind::Invalid => &[400],
            Kind::List => &[200],
        };
        own.contains(&status) || status == 429 || status == 500
    }
}

#[derive(Debug, Clone, Copy)]
struct Planned {
    kind: Kind,
    customer: Uuid,
    request_id: Uuid,
}

/// A fixed shuffle (xorshift), so a failure can be reproduced.
fn shuffle<T>(items: &mut [T]) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn send(http: &reqwest::Client, base: &str, p: Planned) -> Option<u16> {
    let request = match p.kind {
        Kind::List => http.get(format!("{base}/v1/customers?size=100")),
        Kind::Invalid => http.delete(format!("{base}/v1/customers/not-a-guid-{}", p.customer)),
        _ => http.delete(format!("{base}/v1/customers/{}", p.customer)),
    };
    let response = request
        .header("Authorization", format!("Bearer {TIP}"))
        .header("MS-RequestId", p.request_id.to_string())
        .send()
        .await
        .ok()?;
    Some(response.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_mixed_requests_at_256_in_flight() {
    const CUSTOMERS: usize = 2_000;
    let customers: Vec<Uuid> = (0..CUSTOMERS).map(|_| Uuid::new_v4()).collect();
    let sandbox = Sandbox::builder().tip_partner(TIP).customers(customers.clone()).start().await;
    let sandbox = sandbox.expect("sandbox");
    // Faults for whichever requests come first: throttling, server errors, slow answers and
    // connections closed unanswered.
    sandbox.inject(Fault::throttle(RetryAfter::Seconds(1)).times(100));
    sandbox.inject(Fault::server_error(500).times(100));
    sandbox.inject(Fault::delay(Duration::from_millis(20)).times(50));
    sandbox.inject(Fault::drop_connection().times(20));

    let mut plan = Vec::new();
    for &customer in &customers {
        let request_id = Uuid::new_v4();
        plan.push(Planned { kind: Kind::Delete, customer, request_id });
        plan.push(Planned { kind: Kind::Duplicate, customer, request_id: Uuid::new_v4() });
        plan.push(Planned { kind: Kind::Replay, customer, request_id });
        plan.push(Planned { kind: Kind::Conflict, customer: Uuid::new_v4(), request_id });
    }
    for _ in 0..1_000 {
        plan.push(Planned {
            kind: Kind::Invalid,
            customer: Uuid::new_v4(),
            request_id: Uuid::new_v4(),
        });
        plan.push(Planned { kind: Kind::List, customer: Uuid::nil(), request_id: Uuid::new_v4() });
    }
    assert_eq!(plan.len(), 10_000);
    shuffle(&mut plan);

    let http = partner_center_tests::http_builder().no_proxy().build().expect("client");
    let base = sandbox.base_url();
    let started = Instant::now();
    let answers: Vec<(Planned, Option<u16>)> = futures_util::stream::iter(plan)
        .map(|p| {
            let (http, base) = (&http, &base);
            async move { (p, send(http, base, p).await) }
        })
        .buffer_unordered(256)
        .collect()
        .await;
    let elapsed = started.elapsed();

    // Every answer is one its kind may get.
    let mut seen: HashMap<(Kind, Option<u16>), usize> = HashMap::new();
    for (p, status) in &answers {
        *seen.entry((p.kind, *status)).or_default() += 1;
        if let Some(status) = status {
            assert!(p.kind.allows(*status), "{p:?} answered {status}");
        }
    }
    let unanswered = answers.iter().filter(|(_, s)| s.is_none()).count();
    assert!(unanswered <= 20, "{unanswered} unanswered, but only 20 connections were dropped");

    // No deletion lost or made twice: per customer, at most one `MS-RequestId` got a 204, and
    // the customer is gone exactly when one did. A successful delete's replay is never a 404.
    let mut by_customer: HashMap<Uuid, Vec<(Planned, Option<u16>)>> = HashMap::new();
    for (p, status) in &answers {
        if matches!(p.kind, Kind::Delete | Kind::Duplicate | Kind::Replay) {
            by_customer.entry(p.customer).or_default().push((*p, *status));
        }
    }
    let mut deleted = 0;
    for &customer in &customers {
        let answers = &by_customer[&customer];
        let mut succeeded: Vec<Uuid> =
            answers.iter().filter(|(_, s)| *s == Some(204)).map(|(p, _)| p.request_id).collect();
        succeeded.dedup();
        succeeded.sort();
        succeeded.dedup();
        assert!(succeeded.len() <= 1, "{customer} deleted by two calls: {answers:?}");
        assert_eq!(
            sandbox.has_customer(customer),
            succeeded.is_empty(),
            "the sandbox's state and its answers disagree for {customer}: {answers:?}"
        );
        let original = answers.iter().find(|(p, _)| p.kind == Kind::Delete).map(|(_, s)| *s);
        let replay = answers.iter().find(|(p, _)| p.kind == Kind::Replay).map(|(_, s)| *s);
        if original == Some(Some(204)) {
            assert_ne!(replay, Some(Some(404)), "a replay of a done delete said 404: {answers:?}");
        }
        deleted += usize::from(!succeeded.is_empty());
    }

    // Every request recorded once; memory within its bounds.
    assert_eq!(sandbox.requests().len(), 10_000);
    assert!(sandbox.remembered() <= 3 * CUSTOMERS + 1_000, "{}", sandbox.remembered());
    let rss = peak_rss_kib();
    if let Some(kib) = rss {
        assert!(kib < 1024 * 1024, "peak RSS {kib} KiB");
    }

    // Still answers normally.
    let fresh = Uuid::new_v4();
    assert!(sandbox.add_customer(TIP, fresh));
    let pc = sandbox_client(&sandbox, TIP, quick_retries());
    pc.customers().by_id(fresh.into()).delete().await.expect("a normal delete afterwards");
    pc.customers().list().first_page().await.expect("a normal listing afterwards");

    let mut statuses: Vec<_> = seen.into_iter().collect();
    statuses.sort_by_key(|((k, s), _)| (format!("{k:?}"), *s));
    println!(
        "mixed load: 10,000 requests at 256 in flight in {:.2} s ({:.0} req/s); {deleted} of \
         {CUSTOMERS} customers deleted; {} connections; {} ids remembered; peak RSS {} KiB \
         (test process, client included); statuses {statuses:?}",
        elapsed.as_secs_f64(),
        10_000.0 / elapsed.as_secs_f64(),
        sandbox.connections(),
        sandbox.remembered(),
        rss.map_or("unknown".into(), |k| k.to_string()),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idempotency_memory_stays_within_its_capacity() {
    let customers: Vec<Uuid> = (0..3_000).map(|_| Uuid::new_v4()).collect();
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .customers(customers.clone())
        .idempotency(Idempotency { window: Duration::from_secs(900), capacity: 1_000 })
        .start()
        .await
        .expect("sandbox");
    let http = partner_center_tests::http_builder().no_proxy().build().expect("client");
    let base = sandbox.base_url();
    let statuses: Vec<Option<u16>> = futures_util::stream::iter(customers.iter().copied())
        .map(|customer| {
            let p = Planned { kind: Kind::Delete, customer, request_id: Uuid::new_v4() };
            let (http, base) = (&http, &base);
            async move { send(http, base, p).await }
        })
        .buffer_unordered(256)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == Some(204)));
    assert_eq!(sandbox.remembered(), 1_000, "the oldest outcomes are forgotten at capacity");
}

/// Reads until the server closes the connection; how long that took.
async fn closed_within(mut stream: TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_neither_block_others_nor_stay_connected() {
    const TIMEOUT: Duration = Duration::from_millis(500);
    let customers: Vec<Uuid> = (0..200).map(|_| Uuid::new_v4()).collect();
    let sandbox = Sandbox::builder()
        .tip_partner(TIP)
        .customers(customers.clone())
        .header_read_timeout(TIMEOUT)
        .start()
        .await
        .expect("sandbox");
    let addr = sandbox.addr();
    let head = format!(
        "DELETE /v1/customers/{} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TIP}\r\n\r\n",
        customers[0]
    );
    let head = Arc::new(head.into_bytes());

    // 20 connections that send their head a byte every 50 ms (it would take seconds), 20 that
    // send half a head and stop, 20 that connect and send nothing.
    let mut slow = tokio::task::JoinSet::new();
    for kind in 0..3 {
        for _ in 0..20 {
            let head = Arc::clone(&head);
            slow.spawn(async move {
                let mut stream = TcpStream::connect(addr).await.expect("connect");
                match kind {
                    0 => {
                        let writer = async {
                            for byte in head.iter() {
                                if stream.write_all(&[*byte]).await.is_err() {
                                    break;
                                }
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        };
                        // Give up writing once the server has had time to close it.
                        let _ = tokio::time::timeout(TIMEOUT * 3, writer).await;
                    }
                    1 => stream.write_all(&head[..head.len() / 2]).await.expect("write"),
                    _ => {}
                }
                (kind, closed_within(stream, Duration::from_secs(10)).await)
            });
        }
    }

    // Meanwhile, ordinary calls go through at once.
    let pc = sandbox_client(&sandbox, TIP, quick_retries());
    let started = Instant::now();
    for &customer in &customers[1..] {
        pc.customers().by_id(customer.into()).delete().await.expect("delete");
    }
    let others = started.elapsed();
    assert!(others < Duration::from_secs(5), "199 deletes took {others:?} beside slow clients");

    while let Some(done) = slow.join_next().await {
        let (kind, closed) = done.expect("task");
        let after = closed.unwrap_or_else(|| panic!("slow connection of kind {kind} never closed"));
        // The head-by-byte writer gave up at most 3 timeouts in; every kind was cut within
        // about the timeout of the server starting to wait.
        assert!(after < TIMEOUT * 4, "kind {kind} closed only after {after:?}");
    }
    assert!(sandbox.has_customer(customers[0]), "no slow head was ever served");
}
