//! Pure analysis of answers and ratings (no IO, no clock): statistics and intervals, the
//! leaderboard, checks, consistency over repetitions, similarity, an LLM judge's prompts and
//! verdict parsing, and cost. Imports only `domain`.

pub mod checks;
pub mod consistency;
pub mod cost;
pub mod judge;
pub mod leaderboard;
pub mod similarity;
pub mod stats;
