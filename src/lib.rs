//! slam: can a small language model replace GPT-4 behind your feature?
//!
//! Rooms, from the bottom up (no import cycle; `tests/module_graph.rs` checks it): `core`
//! (pure types and logic) ← `engine` (backends) ← `config` ← `store`, `monitor` ← `app`
//! (running and keeping generations) ← `report` (output formats) ← `tui`, `cli` (front ends).

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod engine;
pub mod eval;
#[doc(hidden)]
pub mod fuzzing;
pub mod hub;
pub mod logging;
pub mod monitor;
pub mod report;
pub mod store;
pub mod tui;
