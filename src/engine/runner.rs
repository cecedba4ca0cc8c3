//! Folding an engine stream: the one accumulator of `domain::generation`, with the engine's typed
//! failures. Running several models at once is the app layer's (`app::run`).

pub use crate::domain::generation::Recorder;
