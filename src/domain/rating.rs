//! Ratings as the user gives them: a 1–5 score with tags and a note per answer, and a vote
//! across the answers (A/B/tie/both bad for two, best and worst for more). Blind order too.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tag {
    Hallucination,
    Refusal,
    WrongFormat,
}

impl Tag {
    pub const ALL: [Tag; 3] = [Tag::Hallucination, Tag::Refusal, Tag::WrongFormat];

    pub fn parse(name: &str) -> Option<Tag> {
        Tag::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Hallucination => "hallucination",
            Tag::Refusal => "refusal",
            Tag::WrongFormat => "wrong-format",
        }
    }
}

/// One answer's score. Every change (score, tag, note) is saved as a new rating.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Score {
    pub score: Option<u8>,
    pub tags: BTreeSet<Tag>,
    pub note: Option<String>,
}

impl Score {
    pub fn is_empty(&self) -> bool {
        self.score.is_none() && self.tags.is_empty() && self.note.is_none()
    }

    pub fn tag_names(&self) -> Vec<String> {
        self.tags.iter().map(|t| t.as_str().to_owned()).collect()
    }
}

/// Two answers: which is better — the one pairwise outcome, from a vote in the TUI to a battle in
/// the statistics (`A`: the first/left answer or model won). Stored and exported as `a`, `b`,
/// `tie`, `bothbad`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PairOutcome {
    A,
    B,
    Tie,
    BothBad,
}

impl PairOutcome {
    pub const ALL: [PairOutcome; 4] = [
        PairOutcome::A,
        PairOutcome::B,
        PairOutcome::Tie,
        PairOutcome::BothBad,
    ];

    /// As stored: `a`, `b`, `tie`, `bothbad`.
    pub fn as_str(self) -> &'static str {
        match self {
            PairOutcome::A => "a",
            PairOutcome::B => "b",
            PairOutcome::Tie => "tie",
            PairOutcome::BothBad => "bothbad",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PairOutcome::A => "A is better",
            PairOutcome::B => "B is better",
            PairOutcome::Tie => "tie",
            PairOutcome::BothBad => "both bad",
        }
    }
}

/// What a rating is, whatever names the answers it is about: `A` is a run in the TUI, a row id
/// in the store, a uid in an export. The one definition of scores, pair votes and best/worst
/// votes; the store maps it to and from its columns, nothing else matches on kind strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Rating<A> {
    /// One answer's score, tags and note; `position`: the pane it was shown in (0 = left).
    Score {
        answer: A,
        score: Score,
        position: Option<usize>,
    },
    /// Two answers, left (`a`) and right (`b`).
    Pair { a: A, b: A, outcome: PairOutcome },
    /// Several answers: the best and the worst of the `ballot` (every answer shown, left to
    /// right).
    Best {
        best: Option<A>,
        worst: Option<A>,
        ballot: Vec<A>,
    },
}

/// A rating's kind, as stored and exported: `score`, `pair`, `best`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RatingKind {
    Score,
    Pair,
    Best,
}

/// Where a saved rating stands in its history: `active`, `replaced` (by a later one) or
/// `undone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RatingStatus {
    Active,
    Replaced,
    Undone,
}

impl RatingKind {
    pub const ALL: [RatingKind; 3] = [RatingKind::Score, RatingKind::Pair, RatingKind::Best];

    pub fn as_str(self) -> &'static str {
        match self {
            RatingKind::Score => "score",
            RatingKind::Pair => "pair",
            RatingKind::Best => "best",
        }
    }
}

impl RatingStatus {
    pub const ALL: [RatingStatus; 3] = [
        RatingStatus::Active,
        RatingStatus::Replaced,
        RatingStatus::Undone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RatingStatus::Active => "active",
            RatingStatus::Replaced => "replaced",
            RatingStatus::Undone => "undone",
        }
    }
}

impl<A> Rating<A> {
    pub fn kind(&self) -> RatingKind {
        match self {
            Rating::Score { .. } => RatingKind::Score,
            Rating::Pair { .. } => RatingKind::Pair,
            Rating::Best { .. } => RatingKind::Best,
        }
    }

    /// The same rating about other names for the same answers; the first name that cannot
    /// be translated is the error.
    pub fn try_map<B, E>(self, mut f: impl FnMut(A) -> Result<B, E>) -> Result<Rating<B>, E> {
        Ok(match self {
            Rating::Score {
                answer,
                score,
                position,
            } => Rating::Score {
                answer: f(answer)?,
                score,
                position,
            },
            Rating::Pair { a, b, outcome } => Rating::Pair {
                a: f(a)?,
                b: f(b)?,
                outcome,
            },
            Rating::Best {
                best,
                worst,
                ballot,
            } => Rating::Best {
                best: best.map(&mut f).transpose()?,
                worst: worst.map(&mut f).transpose()?,
                ballot: ballot.into_iter().map(f).collect::<Result<_, _>>()?,
            },
        })
    }
}

/// The vote on one prompt's answers; pane indices as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote {
    Pair(PairOutcome),
    Best {
        best: Option<usize>,
        worst: Option<usize>,
    },
}

/// "Model A", "Model B", … : what a blind pane is called.
pub fn blind_name(pane: usize) -> String {
    let letter = (b'A' + (pane % 26) as u8) as char;
    format!("Model {letter}")
}

/// The blind order of `n` answers for item `item`: which chosen model each pane shows.
/// Blocks of `n` consecutive items use the `n` rotations of a random order, each once in a
/// random sequence, so every model sits in every position equally often over each block
/// (position bias cancels) while single items stay unpredictable.
pub fn blind_order(seed: u64, item: u64, n: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let block = item / n as u64;
    let mut rng = fastrand::Rng::with_seed(seed ^ block.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut base: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut base);
    let mut rotations: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut rotations);
    let rotation = rotations[(item % n as u64) as usize];
    (0..n).map(|pane| base[(pane + rotation) % n]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blind_order_is_a_permutation_and_balances_positions_per_block() {
        for n in 1..=4 {
            let mut counts = vec![vec![0; n]; n];
            for item in 0..(n as u64 * 25) {
                let order = blind_order(42, item, n);
                let mut sorted = order.clone();
                sorted.sort();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>());
                for (pane, model) in order.iter().enumerate() {
                    counts[*model][pane] += 1;
                }
            }
            for row in &counts {
                assert!(row.iter().all(|c| *c == 25), "n={n}: {counts:?}");
            }
        }
    }

    #[test]
    fn blind_order_varies_with_the_seed_and_is_reproducible() {
        let a: Vec<_> = (0..40).map(|i| blind_order(1, i, 2)).collect();
        let b: Vec<_> = (0..40).map(|i| blind_order(2, i, 2)).collect();
        assert_ne!(a, b);
        assert_eq!(a, (0..40).map(|i| blind_order(1, i, 2)).collect::<Vec<_>>());
        // Not always the same side first.
        assert!(a.iter().any(|o| o[0] == 0) && a.iter().any(|o| o[0] == 1));
    }
}
