//! Folding an engine stream: the one accumulator of `core::generation`, with the engine's typed
//! failures. Running several models at once is the app layer's (`app::run`).

use super::EngineError;

/// One engine generation, folded event by event.
pub type Recorder = crate::core::generation::Generation<EngineError>;
