//! Everything the TUI shows, as plain data. Widgets render from `&AppState` only.

mod pane;

pub use pane::{PaneState, PaneStatus};

use super::domain::Prompt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Picker,
    Editor,
    Compare,
}

/// One entry of the model picker.
#[derive(Debug, Clone, PartialEq)]
pub struct PickerItem {
    pub name: String,
    pub detail: String,
    pub selected: bool,
}

pub const MAX_PANES: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub mode: Mode,
    pub help: bool,
    pub picker: Vec<PickerItem>,
    pub picker_cursor: usize,
    pub prompt: Prompt,
    pub editing_system: bool,
    pub history: Vec<Prompt>,
    /// Position while browsing history; `None` when editing a new prompt.
    pub history_cursor: Option<usize>,
    pub panes: Vec<PaneState>,
    pub focus: usize,
    pub width: u16,
    pub height: u16,
    pub next_run: u64,
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl AppState {
    pub fn new(picker: Vec<PickerItem>, width: u16, height: u16) -> Self {
        let mode = if picker.iter().any(|p| p.selected) {
            Mode::Editor
        } else {
            Mode::Picker
        };
        Self {
            mode,
            help: false,
            picker,
            picker_cursor: 0,
            prompt: Prompt::default(),
            editing_system: false,
            history: Vec::new(),
            history_cursor: None,
            panes: Vec::new(),
            focus: 0,
            width,
            height,
            next_run: 1,
            dirty: true,
        }
    }

    pub fn selected_models(&self) -> Vec<String> {
        self.picker
            .iter()
            .filter(|p| p.selected)
            .map(|p| p.name.clone())
            .collect()
    }

    /// Columns available to one pane's text (panes side by side, one border each side).
    pub fn pane_text_width(&self) -> u16 {
        let n = self.panes.len().max(1) as u16;
        (self.width / n).saturating_sub(2).max(1)
    }
}
