//! The one way this bench compares variants: measured in the same run, taking turns.
//!
//! A ratio between two separate runs mostly measures how the machine's load moved between them
//! (two cores shared with everything else). So items 1, 2, 5 and 6 run their variants in turns —
//! each turn runs every variant once, the starting variant moving on by one each turn and each
//! round — and compute their ratios round by round from samples taken side by side. The drift falls on
//! all variants alike and cancels in the ratio; no variant always goes first (warm caches, a
//! just-freed allocator) or last.

/// How many rounds every interleaved item runs; each ratio is reported over them.
pub const ROUNDS: usize = 5;

/// One round's samples, each tagged with the variant it measured, in the order they were taken.
pub struct Round<V, T>(Vec<(V, T)>);

impl<V: PartialEq + Copy, T> Round<V, T> {
    /// The samples of `variant`, in the order they were taken.
    pub fn of(&self, variant: V) -> impl Iterator<Item = &T> {
        self.0.iter().filter(move |(v, _)| *v == variant).map(|(_, t)| t)
    }

    /// The one sample of `variant` in a round of one turn.
    pub fn only(&self, variant: V) -> &T {
        self.of(variant).next().expect("every variant runs every turn")
    }
}

/// Runs `rounds` rounds of `turns` turns; in each turn `measure` runs once per variant of
/// `variants`, starting at the one `round + turn` places along, and its result is that turn's
/// sample of the variant.
pub async fn interleave<V: Copy, T>(
    variants: &[V],
    rounds: usize,
    turns: usize,
    mut measure: impl AsyncFnMut(V) -> T,
) -> Vec<Round<V, T>> {
    let mut all = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let mut samples = Vec::with_capacity(turns * variants.len());
        for turn in 0..turns {
            for k in 0..variants.len() {
                let variant = variants[(k + round + turn) % variants.len()];
                samples.push((variant, measure(variant).await));
            }
        }
        all.push(Round(samples));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::interleave;

    /// The order item 1 has always used: turn `t` of round `r` starts at variant `(r + t) % n`.
    #[tokio::test]
    async fn turns_rotate_by_turn_and_round() {
        let mut order = String::new();
        let rounds = interleave(&['a', 'b', 'c'], 2, 2, async |v| {
            order.push(v);
            order.len()
        })
        .await;
        // Round 0: turns abc, bca; round 1: turns bca, cab.
        assert_eq!(order, "abcbcabcacab");
        assert_eq!(rounds[1].of('a').copied().collect::<Vec<_>>(), [9, 11]);
        assert_eq!(*rounds[0].only('c'), 3);
    }
}
