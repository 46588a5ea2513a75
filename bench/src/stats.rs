//! What a run's samples are reduced to: medians, a p99, and per-round ratios reported as their
//! median with the min–max beside it (the spread says how far one run's figure can be trusted).

use std::time::Duration;

/// Per-round ratios, reported as their median and range.
pub struct Ratios(pub Vec<f64>);

impl Ratios {
    pub fn median(&self) -> f64 {
        median_f64(&self.0)
    }

    /// The table cell: `median (min–max)`.
    pub fn cell(&self) -> String {
        let min = self.0.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!("{:.3} ({min:.3}–{max:.3})", self.median())
    }
}

impl FromIterator<f64> for Ratios {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// The middle sample (the upper middle for an even count).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The middle value (the upper middle for an even count); `total_cmp` so it needs no NaN rule.
pub fn median_f64(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() * 99 / 100).min(v.len() - 1)]
}

pub fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// The end of every target line, spelled one way so the lines read (and compare) alike.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}
