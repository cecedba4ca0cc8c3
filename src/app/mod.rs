//! The application layer: where a generation is run and kept, for every front end.
//!
//! - `factory`: a resolved model → a running backend (real models, or a script in tests).
//! - `generation`: one generation run to its end — the one place above the engine a backend
//!   generates (timeout, cancellation, energy, memory, the fold into a `Recorder`).
//! - `run`: one prompt on several models at once → one event stream per model.
//! - `persist`: a finished answer → a stored record with its manifest; a session's writes.
//! - `scripted`: the scripted backend tests inject through the factory.
//!
//! It ends where presentation begins: it never prints or draws. `cli` (compare, generate,
//! rate) and `tui` (the driver) call it and never import each other; it calls `engine`,
//! `config`, `store` and `monitor`, speaks `domain`'s types and performs `tui_state`'s store
//! operations.

pub mod factory;
pub mod files;
pub mod generation;
pub mod persist;
pub mod run;
pub mod scripted;

pub use factory::{BackendFactory, LoadOverrides, Models};
pub use generation::{Limits, Opened, run_one};
pub use run::{ModelRun, RunEvent, RunStream, merge, run_model, run_prompt, run_together};
