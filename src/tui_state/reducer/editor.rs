//! The prompt editor: typing, pasting and deleting at the cursor, moving by character, word,
//! line and screen row, undo/redo, history at the first and last row, and the external editor.

use super::super::action::Action;
use super::super::effect::Effect;
use super::super::state::AppState;
use super::super::state::editor::{
    self, EditKind, Snapshot, UNDO_DEPTH, cursor, field_rows, layout,
};
use super::super::text_edit::{self as te};
use super::super::text_layout::{column_of, position_at, row_of};

fn field_mut(state: &mut AppState) -> &mut String {
    if state.editing_system {
        state.prompt.system.get_or_insert_with(String::new)
    } else {
        state.prompt.user_text_mut()
    }
}

fn snapshot(state: &AppState) -> Snapshot {
    Snapshot {
        prompt: state.prompt.clone(),
        editing_system: state.editing_system,
        cursor: cursor(state),
    }
}

/// Before an edit: a new undo step unless it continues a run of the same kind (a typed word,
/// a row of backspaces).
fn begin(state: &mut AppState, kind: EditKind) {
    if kind == EditKind::Other || state.editor.last_edit != Some(kind) {
        let snap = snapshot(state);
        let undo = &mut state.editor.undo;
        undo.push(snap);
        if undo.len() > UNDO_DEPTH {
            undo.remove(0);
        }
    }
    state.editor.redo.clear();
    state.editor.last_edit = Some(kind);
    state.editor.goal_column = None;
    state.history_cursor = None;
}

fn replace(state: &mut AppState, range: std::ops::Range<usize>, with: &str) {
    let at = range.start;
    field_mut(state).replace_range(range, with);
    state.editor.cursor = at + with.len();
    keep_cursor_visible(state);
}

pub fn insert_char(state: &mut AppState, c: char) {
    let at = cursor(state);
    // A word is one undo step: a space after a word starts the next one.
    let after_word = editor::field(state)[..at]
        .chars()
        .next_back()
        .is_some_and(|p| !p.is_whitespace());
    if c.is_whitespace() && after_word {
        state.editor.last_edit = None;
    }
    begin(state, EditKind::Insert);
    let mut buf = [0; 4];
    replace(state, at..at, c.encode_utf8(&mut buf));
}

/// A paste (or a file read back): one undo step, newlines kept.
pub fn insert_text(state: &mut AppState, text: &str) {
    let text = te::normalise(text);
    if text.is_empty() {
        return;
    }
    begin(state, EditKind::Other);
    let at = cursor(state);
    replace(state, at..at, &text);
    state.editor.last_edit = None;
}

pub fn backspace(state: &mut AppState) {
    let at = cursor(state);
    let from = te::prev_char(editor::field(state), at);
    if from < at {
        begin(state, EditKind::Delete);
        replace(state, from..at, "");
    }
}

/// Delete from `from` to the cursor, or from the cursor to `to`: one undo step.
fn delete_span(state: &mut AppState, from: usize, to: usize) {
    if from < to {
        begin(state, EditKind::Other);
        replace(state, from..to, "");
        state.editor.last_edit = None;
    }
}

fn move_to(state: &mut AppState, at: usize) {
    state.editor.cursor = at;
    state.editor.goal_column = None;
    state.editor.last_edit = None;
    keep_cursor_visible(state);
}

/// The editor's own actions; `None` for the rest.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let at = cursor(state);
    let text = editor::field(state);
    match action {
        Action::CursorLeft => move_to(state, te::prev_char(text, at)),
        Action::CursorRight => move_to(state, te::next_char(text, at)),
        Action::WordLeft => move_to(state, te::word_left(text, at)),
        Action::WordRight => move_to(state, te::word_right(text, at)),
        Action::LineStart => move_to(state, te::line_start(text, at)),
        Action::LineEnd => move_to(state, te::line_end(text, at)),
        Action::MoveUp | Action::MoveDown => vertical(state, action == Action::MoveUp),
        Action::HistoryPrev => browse_history(state, true),
        Action::HistoryNext => browse_history(state, false),
        Action::NewLine => insert_text(state, "\n"),
        Action::DeleteForward => {
            let to = te::next_char(text, at);
            if to > at {
                begin(state, EditKind::Delete);
                replace(state, at..to, "");
            }
        }
        Action::DeleteWordBack => delete_span(state, te::word_left(text, at), at),
        Action::DeleteToLineEnd => {
            // At the end of a line, the newline goes (the lines join), as in readline/emacs.
            let end = te::line_end(text, at);
            let to = if end == at {
                te::next_char(text, at)
            } else {
                end
            };
            delete_span(state, at, to);
        }
        Action::Undo => step_back(state, true),
        Action::Redo => step_back(state, false),
        Action::EditExternally => {
            return Some(vec![Effect::EditExternally {
                text: text.to_owned(),
                system: state.editing_system,
            }]);
        }
        Action::ToggleSystemPrompt => {
            state.editing_system = !state.editing_system;
            let end = editor::field(state).len();
            state.editor.scroll = 0;
            move_to(state, end);
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Up/Down by screen row; from the first row Up (from the last, Down) walks the history.
fn vertical(state: &mut AppState, up: bool) {
    let rows = layout(state);
    let text = editor::field(state);
    let at = cursor(state);
    let row = row_of(&rows, at);
    let target = if up {
        row.checked_sub(1)
    } else {
        Some(row + 1).filter(|&r| r < rows.len())
    };
    let (Some(target), Some(current)) = (target, rows.get(row)) else {
        return browse_history(state, up);
    };
    let goal = state
        .editor
        .goal_column
        .unwrap_or_else(|| column_of(text, current, at));
    state.editor.cursor = position_at(text, &rows[target], goal);
    state.editor.goal_column = Some(goal);
    state.editor.last_edit = None;
    keep_cursor_visible(state);
}

/// Earlier/later prompts, the cursor at the end. The prompt being written is kept as the
/// draft and comes back after the newest entry. Undoable like any edit.
pub fn browse_history(state: &mut AppState, earlier: bool) {
    if state.history.is_empty() {
        return;
    }
    let last = state.history.len() - 1;
    let cursor = match (state.history_cursor, earlier) {
        (None, true) => Some(last),
        (Some(i), true) => Some(i.saturating_sub(1)),
        (Some(i), false) if i < last => Some(i + 1),
        (None, false) => return,
        (Some(_), false) => None,
    };
    if state.history_cursor.is_none() {
        state.editor.draft = Some(state.prompt.clone());
    }
    begin(state, EditKind::Other);
    state.prompt = match cursor {
        Some(i) => state.history[i].clone(),
        None => state.editor.draft.take().unwrap_or_default(),
    };
    state.history_cursor = cursor;
    state.editor.last_edit = None;
    cursor_to_end(state);
}

fn step_back(state: &mut AppState, undo: bool) {
    let (from, to) = if undo {
        (&mut state.editor.undo, &mut state.editor.redo)
    } else {
        (&mut state.editor.redo, &mut state.editor.undo)
    };
    let Some(snap) = from.pop() else {
        return;
    };
    let current = Snapshot {
        prompt: state.prompt.clone(),
        editing_system: state.editing_system,
        cursor: state.editor.cursor,
    };
    to.push(current);
    state.prompt = snap.prompt;
    state.editing_system = snap.editing_system;
    state.editor.cursor = snap.cursor;
    state.editor.last_edit = None;
    state.editor.goal_column = None;
    state.history_cursor = None;
    keep_cursor_visible(state);
}

/// The field read back from `$EDITOR` replaces the one it was opened from: one undo step. An
/// editor that failed leaves the prompt as it was and says why.
pub fn on_edited_externally(state: &mut AppState, system: bool, result: Result<String, String>) {
    let text = match result {
        Ok(text) => text,
        Err(e) => {
            state.say(e);
            return;
        }
    };
    state.notice = None;
    // Editors end a file with a newline the prompt did not have.
    let text = te::normalise(text.strip_suffix('\n').unwrap_or(&text));
    replace_field(state, system, &text);
}

/// Replace the system prompt or the prompt whole (a file loaded, an external edit): one undo
/// step, the cursor at its end.
pub fn replace_field(state: &mut AppState, system: bool, text: &str) {
    state.editing_system = system;
    if editor::field(state) == text {
        return cursor_to_end(state);
    }
    begin(state, EditKind::Other);
    let len = editor::field(state).len();
    replace(state, 0..len, text);
    state.editor.last_edit = None;
}

/// The cursor after the field's last character (a prompt loaded or recalled).
pub fn cursor_to_end(state: &mut AppState) {
    state.editor.cursor = editor::field(state).len();
    state.editor.goal_column = None;
    keep_cursor_visible(state);
}

/// Scroll the field so the cursor's row is on screen.
pub fn keep_cursor_visible(state: &mut AppState) {
    let rows = layout(state);
    let row = row_of(&rows, cursor(state));
    let shown = field_rows(state);
    let scroll = &mut state.editor.scroll;
    if row < *scroll {
        *scroll = row;
    } else if row >= *scroll + shown {
        *scroll = row + 1 - shown;
    }
    *scroll = (*scroll).min(rows.len().saturating_sub(shown));
}
