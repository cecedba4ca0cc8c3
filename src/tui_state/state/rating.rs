//! What the rating keys have done on the current prompt, and whether the store has it yet.

use crate::analysis::leaderboard::Leaderboard;
use crate::domain::Prompt;
use crate::domain::rating::{Score, Vote};

/// A value the user gave, with the number of the save that carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rated<T> {
    pub value: T,
    pub seq: u64,
}

/// What an undo puts back, and the save (`taken`) it takes back.
#[derive(Debug, Clone, PartialEq)]
pub enum Undo {
    Score {
        pane: usize,
        before: Option<Rated<Score>>,
        taken: u64,
    },
    Vote {
        before: Option<Rated<Vote>>,
        taken: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum SaveState {
    Saving,
    Saved,
    Failed(String),
}

/// One item of a rating session (`slam rate`).
#[derive(Debug, Clone, PartialEq)]
pub struct RateItem {
    /// The item's id in its prompt set; stored with the prompt to resume.
    pub key: String,
    pub prompt: Prompt,
    /// Which repetition of a stored session's answers it shows (0 first); none for a prompt
    /// file's item.
    pub repetition: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateSession {
    pub items: Vec<RateItem>,
    pub cursor: usize,
    pub rated: Vec<bool>,
    /// The answers come from the store (imported or earlier sessions), not from the models.
    pub stored: bool,
}

impl RateSession {
    pub fn done(&self) -> usize {
        self.rated.iter().filter(|r| **r).count()
    }

    /// Where to start: the first item not rated yet.
    pub fn first_unrated(&self) -> usize {
        self.rated.iter().position(|r| !r).unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RatingState {
    pub rater: String,
    pub blind: bool,
    /// Drives the blind order; fixed per session so a resumed session keeps its order.
    pub seed: u64,
    /// The current prompt's number; 0 before the first.
    pub round: u64,
    /// The current round was shown blind.
    pub round_blind: bool,
    /// Names are shown (always when not blind; after the vote is saved when blind).
    pub revealed: bool,
    /// Blind answers are shown only once all have finished (streaming pace is a tell).
    pub blind_together: bool,
    /// A failure was revealed before the vote: blindness is over for this item, and no vote
    /// or score is taken on it.
    pub forfeited: bool,
    pub scores: Vec<Option<Rated<Score>>>,
    pub vote: Option<Rated<Vote>>,
    /// This round's changes, newest last.
    pub undo: Vec<Undo>,
    pub next_seq: u64,
    /// Every save up to this number has committed.
    pub acked: u64,
    /// Saves that failed, with why.
    pub failed: Vec<(u64, String)>,
    /// The note being typed (`Mode::Note`).
    pub note: String,
    pub session: Option<RateSession>,
    pub leaderboard: Option<Result<Leaderboard, String>>,
    /// The leaderboard counts this session only (else everything in the store).
    pub leaderboard_session_only: bool,
    /// The latest leaderboard request; older answers are dropped.
    pub leaderboard_request: u64,
}

impl RatingState {
    pub fn new(rater: String, blind: bool, seed: u64) -> Self {
        Self {
            rater,
            blind,
            seed,
            round: 0,
            round_blind: blind,
            revealed: !blind,
            forfeited: false,
            blind_together: false,
            scores: Vec::new(),
            vote: None,
            undo: Vec::new(),
            next_seq: 1,
            acked: 0,
            failed: Vec::new(),
            note: String::new(),
            session: None,
            leaderboard: None,
            leaderboard_session_only: false,
            leaderboard_request: 0,
        }
    }

    pub fn save_state(&self, seq: u64) -> SaveState {
        if let Some((_, why)) = self.failed.iter().find(|(s, _)| *s == seq) {
            SaveState::Failed(why.clone())
        } else if seq <= self.acked {
            SaveState::Saved
        } else {
            SaveState::Saving
        }
    }

    pub fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }
}
