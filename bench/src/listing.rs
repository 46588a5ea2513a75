//! Item 6: paging through 10,000 customers, the facade's stream vs bare reqwest following the
//! next links, against one sandbox: what typed pages cost (or save) over `serde_json::Value`.

use std::fmt::Write as _;
use std::time::Instant;

use futures_util::TryStreamExt;
use uuid::Uuid;

use crate::clients::{TOKEN, Variant, bare, facade};
use crate::interleave::{ROUNDS, interleave};
use crate::load::seeded;
use crate::stats::Ratios;

/// Customers listed per variant per round.
const N: usize = 10_000;

pub async fn run(out: &mut String) {
    let (sandbox, _) = seeded(N).await;
    let url = sandbox.base_url();
    let http = bare();
    let pc = facade(&url);
    // Round by round the two take turns listing the same sandbox.
    let rounds = interleave(&[Variant::Bare, Variant::Facade], ROUNDS, 1, async |variant| {
        let started = Instant::now();
        let count = match variant {
            Variant::Bare => bare_list(&http, &url).await,
            Variant::Facade => {
                pc.customers().list().stream().try_collect::<Vec<_>>().await.expect("listing").len()
            }
            Variant::Generated => unreachable!("item 6 compares bare and facade"),
        };
        assert_eq!(count, N);
        N as f64 / started.elapsed().as_secs_f64()
    })
    .await;
    let ratios: Ratios =
        rounds.iter().map(|r| r.only(Variant::Facade) / r.only(Variant::Bare)).collect();
    let _ = writeln!(
        out,
        "\n6. Listing {N} customers (20 pages of 500): facade/bare items/s {}",
        ratios.cell()
    );
}

/// Lists every customer with bare reqwest, following `links.next` as the docs say.
async fn bare_list(http: &reqwest::Client, base_url: &str) -> usize {
    let mut count = 0;
    let mut next: Option<(String, String)> = None;
    loop {
        let request = match &next {
            None => http.get(format!("{base_url}/v1/customers?size=500")),
            Some((uri, token)) => {
                http.get(format!("{base_url}{uri}")).header("MS-ContinuationToken", token)
            }
        };
        let page: serde_json::Value = request
            .header("Authorization", format!("Bearer {TOKEN}"))
            .header("Accept", "application/json")
            .header("MS-RequestId", Uuid::new_v4().to_string())
            .header("MS-CorrelationId", Uuid::new_v4().to_string())
            .send()
            .await
            .expect("page")
            .json()
            .await
            .expect("json");
        count += page["items"].as_array().map_or(0, Vec::len);
        let link = &page["links"]["next"];
        match (link["uri"].as_str(), link["headers"][0]["value"].as_str()) {
            (Some(uri), Some(token)) => next = Some((uri.to_string(), token.to_string())),
            _ => return count,
        }
    }
}
