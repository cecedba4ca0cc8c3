//! What the reducer asks the driver to do. Effects are data: the reducer never performs them.

use crate::core::domain::{GenParamsPatch, Prompt};

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
    Quit,
}
