//! The prompt shown above the comparison panes: the system prompt all models share and the
//! prompt, wrapped to the screen, folded to one row or scrolled when long.

use super::AppState;
use crate::tui_state::wrap::WrappedText;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromptView {
    /// Folded to its first row.
    pub collapsed: bool,
    /// First row shown.
    pub scroll: usize,
}

/// The strip's text, wrapped to the screen width inside its border: the shared system prompt
/// (never a model's own default: in blind mode it would tell the models apart), then the
/// prompt.
pub fn prompt_rows(state: &AppState) -> Vec<String> {
    let (mut rows, user) = split_rows(state);
    rows.extend(user);
    rows
}

/// How many of `prompt_rows` are the system prompt's.
pub fn system_rows(state: &AppState) -> usize {
    split_rows(state).0.len()
}

fn split_rows(state: &AppState) -> (Vec<String>, Vec<String>) {
    let width = state.width.saturating_sub(2).max(1);
    let wrap = |text: &str| {
        let mut wrapped = WrappedText::new(width);
        wrapped.push_str(text);
        wrapped
            .rows(0, wrapped.row_count())
            .map(str::to_owned)
            .collect::<Vec<String>>()
    };
    let system = match state.prompt.system.as_deref().map(str::trim_end) {
        Some(s) if !s.trim().is_empty() => wrap(&format!("system: {s}")),
        _ => Vec::new(),
    };
    (system, wrap(state.prompt.user_text().trim_end()))
}

/// Rows of text the strip shows: none without a prompt, one when folded, else all of them up to
/// a third of the screen.
pub fn visible_prompt_rows(state: &AppState) -> u16 {
    if state.prompt.user_text().trim().is_empty() {
        return 0;
    }
    if state.prompt_view.collapsed {
        return 1;
    }
    let most = (state.height / 3).max(2);
    (prompt_rows(state).len() as u16).clamp(1, most)
}

/// Rows the strip takes on screen, its title row included.
pub fn prompt_strip_height(state: &AppState) -> u16 {
    match visible_prompt_rows(state) {
        0 => 0,
        rows => rows + 1,
    }
}
