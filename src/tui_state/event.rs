//! The one funnel: terminal input (already resolved to actions), ticks, engine events and
//! monitor samples all become an `Event`; only `reducer::update` turns events into state.

use super::action::Action;
use super::state::pull::{FileLine, RepoLine};
use crate::analysis::leaderboard::Leaderboard;
use crate::domain::generation::{Failure, GenEvent};
use crate::domain::hardware::HardwareSnapshot;
use crate::domain::rating::{Rating, Score};

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Action(Action),
    /// A printable character typed in a text field.
    Char(char),
    Backspace,
    /// Text pasted into the terminal (bracketed paste): inserted whole, newlines kept.
    Paste(String),
    /// The field opened in `$EDITOR` as it was saved, or why the editor failed.
    EditedExternally {
        system: bool,
        result: Result<String, String>,
    },
    Resize {
        width: u16,
        height: u16,
    },
    /// An engine event of generation `run` in pane `pane`.
    Stream {
        pane: usize,
        run: u64,
        event: StreamEvent,
    },
    /// The text of a prompt file, or why it could not be read.
    PromptLoaded(Result<String, String>),
    /// A hardware sample (about once a second).
    Hardware(HardwareSnapshot),
    Tick,
    /// Every save up to `seq` has committed.
    Saved {
        seq: u64,
    },
    SaveFailed {
        seq: u64,
        message: String,
    },
    /// Item `index` of the rating session as stored (`Ok(None)`: not answered yet), or why it
    /// could not be read.
    ItemLoaded {
        index: usize,
        result: Result<Option<LoadedItem>, String>,
    },
    LeaderboardLoaded {
        request: u64,
        result: Result<Leaderboard, String>,
    },
    SessionsLoaded {
        request: u64,
        result: Result<Vec<super::state::SessionLine>, String>,
    },
    FiguresLoaded {
        request: u64,
        result: Result<String, String>,
    },
    ReportLoaded {
        request: u64,
        result: Result<super::state::ReportView, String>,
    },
    /// An answer of the Hugging Face Hub to the "get a model" popup.
    Hub(HubEvent),
}

/// Answers to `Effect::Hub`, by request (older ones are dropped).
#[derive(Debug, Clone, PartialEq)]
pub enum HubEvent {
    Searched {
        request: u64,
        result: Result<Vec<RepoLine>, String>,
    },
    Listed {
        request: u64,
        repo: String,
        result: Result<Vec<FileLine>, String>,
        /// The line the cursor starts on: the quant asked for, else the default.
        preferred: usize,
    },
    /// The fit check: when it does not fit (and was not forced), nothing is downloaded.
    Fit {
        request: u64,
        fits: bool,
        label: String,
    },
    /// Bytes of part `part` of `parts` (from 1).
    Progress {
        request: u64,
        part: usize,
        parts: usize,
        done: u64,
        size: u64,
    },
    /// The model's name and the path of its (first) file once every part is in place, or
    /// why not.
    Pulled {
        request: u64,
        result: Result<(String, std::path::PathBuf), String>,
    },
    /// The picker's models found again, the pulled one to select.
    ModelsRefreshed {
        items: Vec<super::state::PickerItem>,
        select: String,
    },
}

/// A stored prompt and its answers, with this rater's ratings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedItem {
    pub prompt_id: i64,
    /// In the order the models were chosen (or stored).
    pub answers: Vec<LoadedAnswer>,
    pub vote: Option<LoadedVote>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoadedAnswer {
    pub generation: i64,
    pub model: String,
    pub text: String,
    /// How it ended, and its error's message if it failed.
    pub state: crate::domain::answer::AnswerState,
    pub error_message: Option<String>,
    pub score: Option<Score>,
}

/// A vote in force, about answers named by their generation id.
pub type LoadedVote = Rating<i64>;

/// The engine's events as the core sees them: the one event type, failures rendered to text.
pub type StreamEvent = GenEvent<Failure>;
