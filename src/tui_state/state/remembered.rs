//! What the TUI keeps between starts: the parameters popup's fields and the prompt history.

use serde::{Deserialize, Serialize};

use super::AppState;
use crate::domain::Prompt;

/// Prompts kept in the history across starts (the most recent).
pub const HISTORY_KEPT: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Remembered {
    /// The parameters popup's fields as typed (empty: the model's default).
    pub params: [String; 6],
    /// Oldest first.
    pub history: Vec<Prompt>,
}

impl Remembered {
    /// What to keep of `state` now.
    pub fn of(state: &AppState) -> Self {
        let skip = state.history.len().saturating_sub(HISTORY_KEPT);
        Self {
            params: state.params.values.clone(),
            history: state.history[skip..].to_vec(),
        }
    }

    /// Put back what an earlier start kept.
    pub fn restore(self, state: &mut AppState) {
        state.params.values = self.params;
        state.history = self.history;
        state.history_cursor = None;
    }
}
