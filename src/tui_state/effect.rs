//! What the reducer asks the driver to do. Effects are data: the reducer never performs them.

use crate::domain::answer::Answer;
use crate::domain::rating::Rating;
use crate::domain::{GenParamsPatch, Prompt};

// A few effects per event at human pace: their size costs nothing, boxing would cost clarity.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start generation `run` for pane `pane` with model `model`.
    StartGeneration {
        pane: usize,
        run: u64,
        model: String,
        prompt: Prompt,
        /// The parameters popup's settings, over the model's own.
        params: GenParamsPatch,
    },
    /// Read the prompt from this file; the result comes back as `Event::PromptLoaded`.
    LoadPromptFile(String),
    /// Open `text` in `$VISUAL` / `$EDITOR` (the terminal handed over meanwhile); the saved file
    /// comes back as `Event::EditedExternally`.
    EditExternally {
        text: String,
        system: bool,
    },
    /// Replay recorded session `replay` into the panes, pane `i` as generation `runs[i]`.
    Replay {
        replay: usize,
        runs: Vec<u64>,
    },
    /// Cancel the generation `run` of pane `pane`.
    Cancel {
        pane: usize,
        run: u64,
    },
    /// Put text on the clipboard (OSC 52).
    CopyToClipboard(String),
    /// Write to the store, in this order.
    Store(StoreOp),
    /// Look up item `index` (`key`) of the rating session in the store; comes back as
    /// `Event::ItemLoaded`.
    LoadItem {
        index: usize,
        key: String,
    },
    /// Compute the leaderboard (this session only, or everything); comes back as
    /// `Event::LeaderboardLoaded`.
    LoadLeaderboard {
        request: u64,
        session_only: bool,
    },
    /// List the stored sessions; comes back as `Event::SessionsLoaded`.
    LoadSessions {
        request: u64,
    },
    /// A session's figures as text (an eval's consistency and checks, else its leaderboard);
    /// comes back as `Event::FiguresLoaded`.
    LoadFigures {
        request: u64,
        session: i64,
        kind: String,
    },
    /// An eval run's report; comes back as `Event::ReportLoaded`.
    LoadReport {
        request: u64,
        session: i64,
    },
    /// Keep the parameters and the prompt history for the next start.
    Remember(crate::tui_state::state::remembered::Remembered),
    /// Ask the Hugging Face Hub; answers come back as `Event::Hub`.
    Hub(HubRequest),
    Quit,
}

/// The "get a model" popup's requests.
#[derive(Debug, Clone, PartialEq)]
pub enum HubRequest {
    /// GGUF repositories matching `text`.
    Search { request: u64, text: String },
    /// A repository's GGUF files by quantization; `quant` (else llama.cpp's default) is the
    /// one to offer first.
    List {
        request: u64,
        repo: String,
        quant: Option<String>,
    },
    /// The fit check, then (if it fits or `force`) the download of the file whose first part
    /// is `path`, with progress.
    Pull {
        request: u64,
        repo: String,
        path: String,
        force: bool,
    },
    /// Stop the download where it is (the partial file stays, to be resumed).
    Stop,
    /// Find the models on the machine again (a pull landed): `select` is now the file at
    /// `path` (a pull of a newer revision replaces the older one of the same name).
    RefreshModels {
        select: String,
        path: std::path::PathBuf,
    },
}

/// A write to the store. Prompts are numbered by round, answers by run; the writer maps them
/// to rows. Saves with a `seq` report back as `Event::Saved` once committed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum StoreOp {
    Prompt {
        round: u64,
        prompt: Prompt,
        /// Model names left to right as shown.
        pane_models: Vec<String>,
        item: Option<String>,
    },
    /// A finished answer of pane `answer.position`, generation `run`, to prompt `round`.
    Generation {
        round: u64,
        run: u64,
        answer: Box<Answer>,
    },
    /// Stored answers shown for rating: round → the stored prompt, run → the stored answer.
    Bind {
        round: u64,
        prompt: i64,
        answers: Vec<(u64, i64)>,
    },
    Rate {
        round: u64,
        seq: u64,
        change: RatingChange,
        /// The answers' names were hidden when this was given.
        blind: bool,
    },
    /// Take back the rating save `takes_back` carried (nothing, if it never committed: the
    /// store then already holds what the undo shows).
    Undo { seq: u64, takes_back: u64 },
}

/// A rating given in the TUI, about answers named by their run.
pub type RatingChange = Rating<u64>;
