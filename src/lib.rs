//! slam: can a small language model replace GPT-4 behind your feature?

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod engine;
#[doc(hidden)]
pub mod fuzzing;
pub mod logging;
pub mod monitor;
pub mod report;
pub mod store;
pub mod tui;
