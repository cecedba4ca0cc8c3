//! What a key resolves to. Keymaps bind key strings to these, per mode; the help overlay and
//! the hint bar are generated from the same map, so every action is discoverable.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Quit,
    ToggleHelp,
    Back,
    // Model picker.
    OpenPicker,
    PickerUp,
    PickerDown,
    PickerToggle,
    PickerConfirm,
    // Prompt editor.
    OpenEditor,
    Submit,
    NewLine,
    HistoryPrev,
    HistoryNext,
    ToggleSystemPrompt,
    // Comparison panes.
    FocusNext,
    FocusPrev,
    ScrollUp,
    ScrollDown,
    PageUp,
    PageDown,
    ScrollTop,
    FollowTail,
    CancelFocused,
    CancelAll,
    RerunAll,
    CopyFocused,
    RerunFocused,
    // Parameters popup.
    OpenParams,
    ParamUp,
    ParamDown,
    // Load the prompt from a file.
    OpenPromptFile,
}

impl Action {
    /// Every action, so a test can check each one has a key.
    pub const ALL: [Action; 31] = [
        Action::Quit,
        Action::ToggleHelp,
        Action::Back,
        Action::OpenPicker,
        Action::PickerUp,
        Action::PickerDown,
        Action::PickerToggle,
        Action::PickerConfirm,
        Action::OpenEditor,
        Action::Submit,
        Action::NewLine,
        Action::HistoryPrev,
        Action::HistoryNext,
        Action::ToggleSystemPrompt,
        Action::FocusNext,
        Action::FocusPrev,
        Action::ScrollUp,
        Action::ScrollDown,
        Action::PageUp,
        Action::PageDown,
        Action::ScrollTop,
        Action::FollowTail,
        Action::CancelFocused,
        Action::CancelAll,
        Action::RerunAll,
        Action::CopyFocused,
        Action::RerunFocused,
        Action::OpenParams,
        Action::ParamUp,
        Action::ParamDown,
        Action::OpenPromptFile,
    ];

    /// One line for the help overlay and the hint bar.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::ToggleHelp => "help",
            Action::Back => "back",
            Action::OpenPicker => "choose models",
            Action::PickerUp => "previous model",
            Action::PickerDown => "next model",
            Action::PickerToggle => "select / unselect model",
            Action::PickerConfirm => "use the selected models",
            Action::OpenEditor => "edit the prompt",
            Action::Submit => "run the prompt on every model",
            Action::NewLine => "new line",
            Action::HistoryPrev => "earlier prompt",
            Action::HistoryNext => "later prompt",
            Action::ToggleSystemPrompt => "edit system prompt / user prompt",
            Action::FocusNext => "next pane",
            Action::FocusPrev => "previous pane",
            Action::ScrollUp => "scroll up",
            Action::ScrollDown => "scroll down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::ScrollTop => "to the top",
            Action::FollowTail => "follow the tail",
            Action::CancelFocused => "cancel this pane",
            Action::CancelAll => "cancel all panes",
            Action::RerunAll => "run again",
            Action::CopyFocused => "copy this answer",
            Action::RerunFocused => "run this pane again",
            Action::OpenParams => "parameters (temperature, max tokens, seed, top_p)",
            Action::ParamUp => "previous parameter",
            Action::ParamDown => "next parameter",
            Action::OpenPromptFile => "load the prompt from a file",
        }
    }
}
