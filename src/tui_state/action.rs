//! What a key resolves to. Keymaps bind key strings to these, per mode; the help overlay and
//! the hint bar are generated from the same map, so every action is discoverable.

use serde::{Deserialize, Serialize};

use super::state::Mode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Quit,
    ToggleHelp,
    Back,
    /// Enter: what the screen shown does with it (run the prompt, use the models, apply the
    /// parameters, open the session, …; `description_on` says which).
    #[serde(alias = "submit", alias = "picker-confirm", alias = "pull-confirm")]
    Confirm,
    // Model picker.
    OpenPicker,
    PickerToggle,
    /// The picker's "get a model" popup (the Hugging Face Hub).
    OpenPull,
    // Prompt editor.
    OpenEditor,
    NewLine,
    HistoryPrev,
    HistoryNext,
    ToggleSystemPrompt,
    // Comparison panes.
    FocusNext,
    FocusPrev,
    /// Up the list, the field or the text shown (the picker's cursor, the parameters, a
    /// pane's text, the editor's row — on its first row, the earlier prompt in history).
    #[serde(
        alias = "picker-up",
        alias = "param-up",
        alias = "scroll-up",
        alias = "cursor-up"
    )]
    MoveUp,
    /// Down the list, the field or the text shown.
    #[serde(
        alias = "picker-down",
        alias = "param-down",
        alias = "scroll-down",
        alias = "cursor-down"
    )]
    MoveDown,
    PageUp,
    PageDown,
    ScrollTop,
    FollowTail,
    CancelFocused,
    CancelAll,
    RerunAll,
    CopyFocused,
    RerunFocused,
    ToggleThinking,
    /// The prompt above the panes: fold it to a row or show it whole.
    TogglePrompt,
    PromptScrollUp,
    PromptScrollDown,
    OpenSessions,
    /// The session browser: the report of an eval run.
    OpenReport,
    // Parameters popup.
    OpenParams,
    // Load the prompt from a file.
    OpenPromptFile,
    // Rating the focused answer.
    #[serde(rename = "score-1")]
    Score1,
    #[serde(rename = "score-2")]
    Score2,
    #[serde(rename = "score-3")]
    Score3,
    #[serde(rename = "score-4")]
    Score4,
    #[serde(rename = "score-5")]
    Score5,
    TagHallucination,
    TagRefusal,
    TagWrongFormat,
    OpenNote,
    // Voting across the answers.
    VoteA,
    VoteB,
    VoteTie,
    VoteBothBad,
    VoteBest,
    VoteWorst,
    UndoRating,
    /// Blind: show why an answer failed (names the models; no vote on the item then).
    RevealFailure,
    ToggleBlind,
    // A rating session's items.
    NextItem,
    PrevItem,
    // The leaderboard screen.
    OpenLeaderboard,
    LeaderboardScope,
    // Editing at the cursor (last: the hint bar lists actions in this order, and these are
    // the keys every editor has).
    CursorLeft,
    CursorRight,
    WordLeft,
    WordRight,
    LineStart,
    LineEnd,
    DeleteForward,
    DeleteWordBack,
    DeleteToLineEnd,
    Undo,
    Redo,
    /// Open the prompt in `$VISUAL` / `$EDITOR` and read it back.
    EditExternally,
    /// The hardware screen (from every screen).
    OpenHardware,
}

impl Action {
    /// Every action, so a test can check each one has a key.
    pub const ALL: [Action; 68] = [
        Action::Quit,
        Action::ToggleHelp,
        Action::Back,
        Action::Confirm,
        Action::OpenPicker,
        Action::PickerToggle,
        Action::OpenPull,
        Action::OpenEditor,
        Action::NewLine,
        Action::HistoryPrev,
        Action::HistoryNext,
        Action::ToggleSystemPrompt,
        Action::FocusNext,
        Action::FocusPrev,
        Action::MoveUp,
        Action::MoveDown,
        Action::PageUp,
        Action::PageDown,
        Action::ScrollTop,
        Action::FollowTail,
        Action::CancelFocused,
        Action::CancelAll,
        Action::RerunAll,
        Action::CopyFocused,
        Action::RerunFocused,
        Action::ToggleThinking,
        Action::TogglePrompt,
        Action::PromptScrollUp,
        Action::PromptScrollDown,
        Action::OpenSessions,
        Action::OpenReport,
        Action::OpenParams,
        Action::OpenPromptFile,
        Action::Score1,
        Action::Score2,
        Action::Score3,
        Action::Score4,
        Action::Score5,
        Action::TagHallucination,
        Action::TagRefusal,
        Action::TagWrongFormat,
        Action::OpenNote,
        Action::VoteA,
        Action::VoteB,
        Action::VoteTie,
        Action::VoteBothBad,
        Action::VoteBest,
        Action::VoteWorst,
        Action::UndoRating,
        Action::RevealFailure,
        Action::ToggleBlind,
        Action::NextItem,
        Action::PrevItem,
        Action::OpenLeaderboard,
        Action::LeaderboardScope,
        Action::CursorLeft,
        Action::CursorRight,
        Action::WordLeft,
        Action::WordRight,
        Action::LineStart,
        Action::LineEnd,
        Action::DeleteForward,
        Action::DeleteWordBack,
        Action::DeleteToLineEnd,
        Action::Undo,
        Action::Redo,
        Action::EditExternally,
        Action::OpenHardware,
    ];

    /// One line for the help overlay and the hint bar, as it reads on screen `mode`: the
    /// generic actions say what they do there.
    pub fn description_on(self, mode: Mode) -> &'static str {
        match (self, mode) {
            (Action::Confirm, Mode::Editor) => "run the prompt on every model",
            (Action::Confirm, Mode::Picker) => "use the selected models",
            (Action::Confirm, Mode::Pull) => {
                "search / choose / download (again: pull one that won't fit)"
            }
            (Action::Confirm, Mode::Params) => "apply the parameters",
            (Action::Confirm, Mode::PromptFile) => "load the file",
            (Action::Confirm, Mode::Note) => "save the note",
            (Action::Confirm, Mode::Sessions) => "open the session",
            (Action::MoveUp, Mode::Editor) => "up a row (on the first: earlier prompt)",
            (Action::MoveDown, Mode::Editor) => "down a row (on the last: later prompt)",
            (Action::MoveUp, Mode::Params) => "previous parameter",
            (Action::MoveDown, Mode::Params) => "next parameter",
            (Action::MoveUp, Mode::Picker | Mode::Pull | Mode::Sessions) => "up the list",
            (Action::MoveDown, Mode::Picker | Mode::Pull | Mode::Sessions) => "down the list",
            (Action::MoveUp, Mode::Compare) => "scroll up",
            (Action::MoveDown, Mode::Compare) => "scroll down",
            (Action::Back, Mode::Note) => "cancel the note",
            (Action::Back, Mode::Params) => "apply the parameters and close",
            (Action::Quit, Mode::Eval) => {
                "stop (finished cells are kept; run the same command again to go on)"
            }
            _ => self.description(),
        }
    }

    /// One line for the help overlay and the hint bar, whatever the screen.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::ToggleHelp => "help",
            Action::Back => "back",
            Action::MoveUp => "up",
            Action::MoveDown => "down",
            Action::Confirm => "confirm",
            Action::OpenPicker => "choose models",
            Action::PickerToggle => "select / unselect model",
            Action::OpenPull => "get a model from the Hugging Face Hub",
            Action::OpenEditor => "edit the prompt",
            Action::NewLine => "new line",
            Action::HistoryPrev => "earlier prompt",
            Action::HistoryNext => "later prompt",
            Action::ToggleSystemPrompt => "edit system prompt / user prompt",
            Action::FocusNext => "next pane",
            Action::FocusPrev => "previous pane",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::ScrollTop => "to the top",
            Action::FollowTail => "follow the tail",
            Action::CancelFocused => "cancel this pane",
            Action::CancelAll => "cancel all panes",
            Action::RerunAll => "run again",
            Action::CopyFocused => "copy this answer",
            Action::RerunFocused => "run this pane again",
            Action::ToggleThinking => "show / fold the models' thinking",
            Action::TogglePrompt => "show / fold the prompt above the answers",
            Action::PromptScrollUp => "scroll the prompt up",
            Action::PromptScrollDown => "scroll the prompt down",
            Action::OpenSessions => "stored sessions and their figures",
            Action::OpenReport => "the eval run's report: verdicts, quality, latency, cost",
            Action::OpenParams => "parameters (temperature, max tokens, seed, top_p)",
            Action::OpenPromptFile => "load the prompt from a file",
            Action::Score1 => "score this answer 1 (bad)",
            Action::Score2 => "score 2",
            Action::Score3 => "score 3",
            Action::Score4 => "score 4",
            Action::Score5 => "score 5 (excellent)",
            Action::TagHallucination => "tag: hallucination",
            Action::TagRefusal => "tag: refusal",
            Action::TagWrongFormat => "tag: wrong format",
            Action::OpenNote => "note on this answer",
            Action::VoteA => "vote: A is better",
            Action::VoteB => "vote: B is better",
            Action::VoteTie => "vote: tie",
            Action::VoteBothBad => "vote: both bad",
            Action::VoteBest => "vote: this answer is the best",
            Action::VoteWorst => "vote: this answer is the worst",
            Action::UndoRating => "undo the last rating",
            Action::RevealFailure => "why it failed (reveals the models; no vote on this item)",
            Action::ToggleBlind => "blind mode on/off (hide model names)",
            Action::NextItem => "next item",
            Action::PrevItem => "previous item",
            Action::OpenLeaderboard => "leaderboard",
            Action::LeaderboardScope => "leaderboard: this session / everything",
            Action::CursorLeft => "cursor left",
            Action::CursorRight => "cursor right",
            Action::WordLeft => "word left",
            Action::WordRight => "word right",
            Action::LineStart => "start of the line",
            Action::LineEnd => "end of the line",
            Action::DeleteForward => "delete the character under the cursor",
            Action::DeleteWordBack => "delete the word before the cursor",
            Action::DeleteToLineEnd => "delete to the end of the line",
            Action::Undo => "undo",
            Action::Redo => "redo",
            Action::EditExternally => "edit the prompt in $EDITOR",
            Action::OpenHardware => "hardware: GPUs, CPU cores, memory, power, the last minute",
        }
    }
}
