//! Everything the TUI shows, as plain data. Widgets render from `&AppState` only.

pub mod editor;
mod pane;
pub mod params;
pub mod prompt_view;
pub mod pull;
pub mod rating;
pub mod remembered;
mod screens;
pub mod sessions;

pub use pane::{PaneRow, PaneState, PaneStatus};
pub use params::ParamsState;
pub use rating::{RateItem, RateSession, Rated, RatingState, SaveState};
pub use screens::Screens;
pub use sessions::{ReportView, SessionLine, SessionsState};

use crate::domain::Prompt;
use crate::domain::hardware::{HardwareHistory, HardwareSnapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Picker,
    Editor,
    Compare,
    /// The parameters popup, over the screen it was opened from.
    Params,
    /// A one-line input for the path of a prompt file.
    PromptFile,
    /// A one-line note on the focused answer.
    Note,
    /// Ratings so far: scores, win rates, Bradley–Terry, Elo.
    Leaderboard,
    /// Every stored session, newest first; one opened on its figures.
    Sessions,
    /// Every hardware reading with its last minute.
    Hardware,
    /// Get a model from the Hugging Face Hub, over the picker.
    Pull,
    /// `slam eval`'s live screen (its own loop: the run, not this state, is what it shows).
    Eval,
}

impl Mode {
    /// Every screen.
    pub const ALL: [Mode; 11] = [
        Mode::Picker,
        Mode::Editor,
        Mode::Compare,
        Mode::Params,
        Mode::PromptFile,
        Mode::Note,
        Mode::Leaderboard,
        Mode::Sessions,
        Mode::Hardware,
        Mode::Pull,
        Mode::Eval,
    ];
}

/// One entry of the model picker.
#[derive(Debug, Clone, PartialEq)]
pub struct PickerItem {
    pub name: String,
    pub detail: String,
    pub selected: bool,
}

/// A line of the picker: a model or a recorded session, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerRow {
    Model(usize),
    Replay(usize),
}

/// A recorded session the picker offers to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayItem {
    pub name: String,
    pub prompt: Prompt,
    pub models: Vec<String>,
}

/// A message to the user. It belongs to the screen that raised it and goes after
/// `NOTICE_SECONDS` — unless it states a lasting condition (no model, no store), which stays
/// and shows on every screen that shows messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub screen: Mode,
    pub lasting: bool,
    /// When it was first on screen (the first tick after it was raised).
    pub shown_at: Option<std::time::Instant>,
}

/// How long a message stays.
pub const NOTICE_SECONDS: u64 = 5;

pub const MAX_PANES: usize = 4;
/// Below this many columns per pane, panes stack vertically.
pub const MIN_PANE_WIDTH: u16 = 40;

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    /// The screens open; the top one is shown (`mode()`), Esc goes back down.
    pub screens: Screens,
    pub help: bool,
    /// The help overlay's first row (the overlay clamps it to what it holds).
    pub help_scroll: usize,
    pub picker: Vec<PickerItem>,
    /// Recorded sessions, listed in the picker after the models.
    pub replays: Vec<ReplayItem>,
    /// A message to the user, on the screen that raised it (`notice_here`).
    pub notice: Option<Notice>,
    /// Index into `picker_rows()`.
    pub picker_cursor: usize,
    /// Typed in the picker: only names containing it are listed.
    pub picker_filter: String,
    pub prompt: Prompt,
    pub editing_system: bool,
    /// The editor's cursor, scroll and undo.
    pub editor: editor::EditorState,
    pub history: Vec<Prompt>,
    /// Position while browsing history; `None` when editing a new prompt.
    pub history_cursor: Option<usize>,
    pub panes: Vec<PaneState>,
    pub focus: usize,
    pub width: u16,
    pub height: u16,
    pub next_run: u64,
    pub hardware: Option<HardwareSnapshot>,
    /// The last minute of hardware samples (the hardware screen's charts).
    pub hardware_history: HardwareHistory,
    pub params: ParamsState,
    /// The path typed in `Mode::PromptFile`.
    pub prompt_file: String,
    pub rating: RatingState,
    /// Thinking models' thinking shown (else folded to one line), in every pane.
    pub show_thinking: bool,
    /// The prompt above the comparison panes: folded or scrolled.
    pub prompt_view: prompt_view::PromptView,
    pub sessions: SessionsState,
    /// The picker's "get a model" popup.
    pub pull: pull::PullState,
    /// Each model's own parameters (the config's defaults and its entry's): what the
    /// parameters popup's empty fields leave in force.
    pub model_params: std::collections::HashMap<String, crate::domain::GenParams>,
    /// The parameters the answers shown were asked with, as one line (none: not known, as for
    /// stored or replayed answers).
    pub shown_params: Option<String>,
    /// No memory of an earlier start: the editor greets a new user.
    pub first_start: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl AppState {
    pub fn new(picker: Vec<PickerItem>, width: u16, height: u16) -> Self {
        let mut screens = Screens::new(Mode::Picker);
        if picker.iter().any(|p| p.selected) {
            screens.open(Mode::Editor);
        }
        Self {
            screens,
            help: false,
            help_scroll: 0,
            picker,
            replays: Vec::new(),
            notice: None,
            picker_cursor: 0,
            picker_filter: String::new(),
            prompt: Prompt::default(),
            editing_system: false,
            editor: editor::EditorState::default(),
            history: Vec::new(),
            history_cursor: None,
            panes: Vec::new(),
            focus: 0,
            width,
            height,
            next_run: 1,
            hardware: None,
            hardware_history: HardwareHistory::default(),
            params: ParamsState::default(),
            prompt_file: String::new(),
            rating: RatingState::new(String::from("me"), false, 0),
            show_thinking: true,
            prompt_view: prompt_view::PromptView::default(),
            sessions: SessionsState::default(),
            pull: pull::PullState::default(),
            model_params: Default::default(),
            shown_params: None,
            first_start: false,
            dirty: true,
        }
    }

    /// The screen shown.
    pub fn mode(&self) -> Mode {
        self.screens.top()
    }

    /// Tell the user something, on the screen shown, for a few seconds.
    pub fn say(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            screen: self.mode(),
            lasting: false,
            shown_at: None,
        });
    }

    /// A condition that lasts (no model to run, no store): it stays until replaced.
    pub fn say_lasting(&mut self, text: impl Into<String>) {
        self.say(text);
        if let Some(n) = &mut self.notice {
            n.lasting = true;
        }
    }

    /// The message for the screen shown, if any.
    pub fn notice_here(&self) -> Option<&str> {
        self.notice
            .as_ref()
            .filter(|n| n.lasting || n.screen == self.mode())
            .map(|n| n.text.as_str())
    }

    /// A new pane, thinking shown or folded as the others are.
    pub fn new_pane(&self, model: String, run: u64, width: u16) -> PaneState {
        let mut pane = PaneState::new(model, run, width);
        pane.show_thinking = self.show_thinking;
        pane
    }

    /// The picker's lines under the current filter (case-insensitive substring).
    pub fn picker_rows(&self) -> Vec<PickerRow> {
        let filter = self.picker_filter.to_lowercase();
        let shown = |name: &str| name.to_lowercase().contains(&filter);
        let models = self
            .picker
            .iter()
            .enumerate()
            .filter(|(_, p)| shown(&p.name));
        let replays = self
            .replays
            .iter()
            .enumerate()
            .filter(|(_, r)| shown(&r.name));
        models
            .map(|(i, _)| PickerRow::Model(i))
            .chain(replays.map(|(i, _)| PickerRow::Replay(i)))
            .collect()
    }

    /// The parameters in force for the models selected, field by field.
    pub fn params_in_force(&self) -> Vec<(params::ParamField, String, bool)> {
        self.params.in_force(&self.selected_params())
    }

    /// The own parameters of the selected models that are known.
    pub fn selected_params(&self) -> Vec<&crate::domain::GenParams> {
        self.picker
            .iter()
            .filter(|p| p.selected)
            .filter_map(|p| self.model_params.get(&p.name))
            .collect()
    }

    pub fn selected_models(&self) -> Vec<String> {
        self.picker
            .iter()
            .filter(|p| p.selected)
            .map(|p| p.name.clone())
            .collect()
    }

    /// Columns available to one pane's text (one border each side): panes sit side by side,
    /// or stack when that would make them narrower than `MIN_PANE_WIDTH`.
    pub fn pane_text_width(&self) -> u16 {
        pane_text_width(self.width, self.panes.len())
    }
}

pub fn pane_text_width(width: u16, panes: usize) -> u16 {
    let n = panes.max(1) as u16;
    let side_by_side = width / n;
    let pane = if side_by_side >= MIN_PANE_WIDTH {
        side_by_side
    } else {
        width
    };
    pane.saturating_sub(2).max(1)
}
