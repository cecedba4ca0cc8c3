//! The prompt editor's cursor, scroll and undo: what is not the text itself (that is
//! `AppState::prompt`). The cursor is a byte offset into the field being edited, clamped onto
//! the text wherever it is read, so a prompt replaced from elsewhere never leaves it dangling.

use super::AppState;
use crate::domain::Prompt;
use crate::tui_state::text_layout::{self, Row};

/// Undo steps kept: enough for a long editing session, bounded so memory is too.
pub const UNDO_DEPTH: usize = 500;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EditorState {
    /// Byte offset into the field being edited.
    pub cursor: usize,
    /// The column Up/Down aim for, kept across rows shorter than it.
    pub goal_column: Option<usize>,
    /// First row of the field being edited that is on screen.
    pub scroll: usize,
    pub undo: Vec<Snapshot>,
    pub redo: Vec<Snapshot>,
    /// The kind of the last edit: typing runs of one kind undo together.
    pub last_edit: Option<EditKind>,
    /// The prompt being written when history browsing began; Down past the newest entry
    /// brings it back, as shells do.
    pub draft: Option<Prompt>,
}

/// What undo goes back to.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub prompt: Prompt,
    pub editing_system: bool,
    pub cursor: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    Insert,
    Delete,
    /// Paste, word and line deletes, history, the external editor: each its own undo step.
    Other,
}

/// Border columns around the field, and one more so the cursor after a full row's last
/// character still has a cell.
const FIELD_CHROME_COLS: u16 = 3;
/// Text rows of the system prompt's box (it is four rows with its borders).
pub const SYSTEM_TEXT_ROWS: u16 = 2;
/// Rows of the screen that are not the user prompt's text: hardware bar, hint bar, the system
/// prompt's box, the prompt box's borders.
const USER_CHROME_ROWS: u16 = 2 + SYSTEM_TEXT_ROWS + 2 + 2;

/// Columns the editor wraps its fields at.
pub fn field_width(state: &AppState) -> usize {
    usize::from(state.width.saturating_sub(FIELD_CHROME_COLS).max(1))
}

/// Text rows on screen for the field being edited.
pub fn field_rows(state: &AppState) -> usize {
    usize::from(if state.editing_system {
        SYSTEM_TEXT_ROWS
    } else {
        state.height.saturating_sub(USER_CHROME_ROWS).max(1)
    })
}

/// The field being edited.
pub fn field(state: &AppState) -> &str {
    if state.editing_system {
        state.prompt.system.as_deref().unwrap_or("")
    } else {
        state.prompt.user_text()
    }
}

/// The field's rows at the editor's width.
pub fn layout(state: &AppState) -> Vec<Row> {
    text_layout::rows(field(state), field_width(state))
}

/// The cursor, on the field's text.
pub fn cursor(state: &AppState) -> usize {
    crate::tui_state::text_edit::clamp(field(state), state.editor.cursor)
}
