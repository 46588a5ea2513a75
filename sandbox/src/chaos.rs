//! Seeded random faults on every route, for crash-convergence and chaos tests of clients.
//!
//! Whether a request meets a fault, and which, depends only on the seed, its method, its path
//! and how many times that method and path were asked before — not on timing or on the order in
//! which a concurrent client's requests arrive — so a failing trial replays from its seed.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// Random faults at a rate, from a seed: `SEED:RATE` (`42:0.05`, or `42:5%`).
///
/// At the rate, a request on any route gets one of: a `429` with `Retry-After: 1`, a `500` or
/// `503`, a dropped connection (closed unanswered, nothing done), a delay of 20 to 200 ms; and
/// for state-changing requests (`DELETE`, `PATCH`) also "applied, then dropped": the operation
/// runs and its idempotency outcome is stored, and only the answer is lost.
///
/// Unless [`SandboxBuilder::seed`](crate::SandboxBuilder::seed) gives another, the seed also
/// seeds the ids the sandbox makes up (order ids,
/// [`SandboxBuilder::customer_ids`](crate::SandboxBuilder::customer_ids)), so the same set-up
/// and the same sequential client meet the same paths and the same faults.
///
/// ```
/// use partner_center_sandbox::Chaos;
///
/// let chaos: Chaos = "7:5%".parse().unwrap();
/// assert_eq!(chaos, Chaos::new(7, 0.05));
/// assert!("7".parse::<Chaos>().is_err() && "7:2".parse::<Chaos>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chaos {
    seed: u64,
    rate: f64,
}

impl Chaos {
    /// Faults at `rate` (0 to 1; clamped), decided from `seed`.
    pub fn new(seed: u64, rate: f64) -> Self {
        Self { seed, rate: if rate.is_finite() { rate.clamp(0.0, 1.0) } else { 0.0 } }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The rate.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

impl fmt::Display for Chaos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seed, self.rate)
    }
}

/// A `--chaos` value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not SEED:RATE (a whole number, then a rate from 0 to 1 or a percentage: 42:0.05, 42:5%)"
)]
pub struct BadChaos(String);

impl FromStr for Chaos {
    type Err = BadChaos;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadChaos(s.chars().take(64).collect());
        let (seed, rate) = s.split_once(':').ok_or_else(bad)?;
        let seed = seed.trim().parse::<u64>().map_err(|_| bad())?;
        let rate = match rate.trim().strip_suffix('%') {
            Some(percent) => percent.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
            None => rate.parse::<f64>().map_err(|_| bad())?,
        };
        if !(0.0..=1.0).contains(&rate) {
            return Err(bad());
        }
        Ok(Chaos::new(seed, rate))
    }
}

/// What a request meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Throttle,
    ServerError(u16),
    Drop,
    Delay(Duration),
    /// Run the operation, then close the connection instead of answering.
    AppliedThenDropped,
}

impl Effect {
    /// The name the request record gives it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Effect::Throttle => "chaos:throttle",
            Effect::ServerError(500) => "chaos:500",
            Effect::ServerError(_) => "chaos:503",
            Effect::Drop => "chaos:drop",
            Effect::Delay(_) => "chaos:delay",
            Effect::AppliedThenDropped => "chaos:applied-then-dropped",
        }
    }
}

/// The chaos setting and how many times each method and path was asked.
#[derive(Debug)]
pub(crate) struct State {
    chaos: Chaos,
    asked: Mutex<HashMap<(String, String), u64>>,
}

impl State {
    pub(crate) fn new(chaos: Chaos) -> Self {
        Self { chaos, asked: Mutex::new(HashMap::new()) }
    }

    /// The fault this request meets, if any.
    pub(crate) fn decide(&self, method: &str, path: &str, changes_state: bool) -> Option<Effect> {
        let nth = {
            let mut asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
            let count = asked.entry((method.to_owned(), path.to_owned())).or_insert(0);
            *count += 1;
            *count
        };
        let roll = mix(&[self.chaos.seed, fnv(method.as_bytes()), fnv(path.as_bytes()), nth]);
        if unit(roll) >= self.chaos.rate {
            return None;
        }
        let pick = mix(&[roll, 0x9e37_79b9]);
        let kinds = if changes_state { 6 } else { 5 };
        Some(match pick % kinds {
            0 => Effect::Throttle,
            1 => Effect::ServerError(500),
            2 => Effect::ServerError(503),
            3 => Effect::Drop,
            4 => Effect::Delay(Duration::from_millis(20 + (pick >> 8) % 181)),
            _ => Effect::AppliedThenDropped,
        })
    }
}

/// FNV-1a: a stable hash of bytes (std's hasher may change between Rust releases, which would
/// break replaying a seed).
fn fnv(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// splitmix64 over the words, chained (also what the seeded ids are drawn with,
/// [`crate::seed::IdSource`]).
pub(crate) fn mix(words: &[u64]) -> u64 {
    words.iter().fold(0, |acc: u64, w| {
        let mut z = acc.wrapping_add(*w).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// A hash as a number in [0, 1).
fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_depend_on_seed_method_path_and_count_only_and_meet_the_rate() {
        let a = State::new(Chaos::new(7, 0.05));
        let b = State::new(Chaos::new(7, 0.05));
        let paths: Vec<String> = (0..2000).map(|i| format!("/v1/customers/{i}")).collect();
        // The same decisions in another order.
        let first: Vec<_> = paths.iter().map(|p| a.decide("DELETE", p, true)).collect();
        let mut second: Vec<_> = paths.iter().rev().map(|p| b.decide("DELETE", p, true)).collect();
        second.reverse();
        assert_eq!(first, second);
        let faults = first.iter().flatten().count();
        assert!((60..=140).contains(&faults), "about 5 % of 2000: {faults}");
        // Every kind occurs, applied-then-dropped only for state changes.
        for kind in [
            "chaos:throttle",
            "chaos:500",
            "chaos:503",
            "chaos:drop",
            "chaos:delay",
            "chaos:applied-then-dropped",
        ] {
            assert!(first.iter().flatten().any(|e| e.name() == kind), "{kind}");
        }
        let reads = State::new(Chaos::new(7, 1.0));
        assert!(
            (0..500).all(|i| reads.decide("GET", &format!("/{i}"), false)
                != Some(Effect::AppliedThenDropped))
        );
        // Asking the same path again is a new roll; another seed, other decisions.
        let again: Vec<_> = paths.iter().map(|p| a.decide("DELETE", p, true)).collect();
        assert_ne!(first, again);
        let other = State::new(Chaos::new(8, 0.05));
        assert_ne!(
            first,
            paths.iter().map(|p| other.decide("DELETE", p, true)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn chaos_parses_rates_and_percentages() {
        assert_eq!("3:0.5".parse::<Chaos>(), Ok(Chaos::new(3, 0.5)));
        assert_eq!("3:50%".parse::<Chaos>(), Ok(Chaos::new(3, 0.5)));
        for bad in ["", "3", "x:0.1", "3:1.5", "3:-1", "3:abc%"] {
            assert!(bad.parse::<Chaos>().is_err(), "{bad}");
        }
    }
}
