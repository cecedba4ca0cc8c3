//! Which keys the footer offers: those that do something on the screen shown now.

use crate::tui_state::action::Action;
use crate::tui_state::state::{AppState, Mode, PaneStatus};

/// Whether `action` does anything on the screen shown now: the footer lists only those (a key
/// that would do nothing is not offered). Help lists every key regardless.
pub fn available(state: &AppState, action: Action) -> bool {
    let answers = !state.panes.is_empty();
    let running = state.panes.iter().any(|p| p.status.is_active());
    let rating_session = state.rating.session.is_some();
    match action {
        Action::NextItem | Action::PrevItem => rating_session,
        Action::CancelFocused | Action::CancelAll => running,
        Action::RerunAll | Action::RerunFocused => !state.history.is_empty() && answers,
        Action::VoteA | Action::VoteB | Action::VoteTie | Action::VoteBothBad => {
            state.panes.len() == 2 && !running
        }
        Action::VoteBest | Action::VoteWorst => state.panes.len() > 2 && !running,
        // Rating waits for the answers to finish.
        Action::Score1
        | Action::Score2
        | Action::Score3
        | Action::Score4
        | Action::Score5
        | Action::TagHallucination
        | Action::TagRefusal
        | Action::TagWrongFormat
        | Action::OpenNote => answers && !running,
        Action::UndoRating => !state.rating.undo.is_empty(),
        Action::RevealFailure => {
            !state.rating.revealed
                && state
                    .panes
                    .iter()
                    .any(|p| matches!(p.status, PaneStatus::Error { .. }))
        }
        Action::Undo => !state.editor.undo.is_empty(),
        Action::Redo => !state.editor.redo.is_empty(),
        Action::HistoryPrev => !state.history.is_empty(),
        Action::HistoryNext => state.history_cursor.is_some(),
        Action::MoveUp | Action::MoveDown if state.mode() == Mode::Pull => state.pull.lines() > 0,
        Action::FocusNext | Action::FocusPrev | Action::CopyFocused | Action::ToggleThinking => {
            answers
        }
        Action::TogglePrompt => !state.prompt.user_text().trim().is_empty(),
        Action::PromptScrollUp | Action::PromptScrollDown => {
            use crate::tui_state::state::prompt_view::{prompt_rows, visible_prompt_rows};
            !state.prompt_view.collapsed
                && prompt_rows(state).len() > usize::from(visible_prompt_rows(state))
        }
        _ => true,
    }
}
