//! slam: can a small language model replace GPT-4 behind your feature?
//!
//! # Rooms
//!
//! From the bottom up. A room may import only the rooms its row names (`tests/module_graph.rs`
//! reads this table and fails on any other edge, on a room missing from it, and on a cycle). The
//! pure rooms do no IO and read no clock: time is passed in, so they are tested without a
//! terminal, a model or a file. docs/development.md carries the same table.
//!
//! | room | holds | may import |
//! |---|---|---|
//! | `domain` (pure) | the nouns: a conversation and its parameters, a generation's events and their one accumulator, metrics, energy, memory, typed failures, hardware samples, ratings, recordings | — |
//! | `analysis` (pure) | statistics and intervals, the leaderboard, checks, consistency, similarity, the judge's prompts and verdict parsing, cost | `domain` |
//! | `findings` (pure) | the report's data model: what an eval run, a judge, the cost model and the decision found | `domain`, `analysis` |
//! | `tui_state` (pure) | the TUI's state machine: state, actions, events, the reducer, effects, keymaps, text layout | `domain`, `analysis` |
//! | `engine` | backends: llama.cpp in-process and OpenAI-compatible servers, grammars, stop strings, thinking, threads | `domain` |
//! | `monitor` | hardware sampling and the energy meter | `domain` |
//! | `config` | models and how one is named and identified (name, server id, cell identity), the config file, discovery, the price table | `domain`, `analysis`, `engine` |
//! | `logging` | the log file | `config`, `engine` |
//! | `store` | SQLite sessions: records, ratings, imports, exports | `domain`, `analysis`, `config`, `engine` |
//! | `app` | running and keeping generations for every front end (the one run path) | `domain`, `analysis`, `tui_state`, `engine`, `monitor`, `config`, `store` |
//! | `hub` | pulls from the Hugging Face Hub | `domain`, `engine`, `config`, `store` |
//! | `eval` | evaluation runs, judges, similarity, cost and the decision, built from the store | `domain`, `analysis`, `findings`, `engine`, `monitor`, `config`, `store`, `app` |
//! | `report` | output formats: pure functions from findings to text, JSON, HTML | `domain`, `analysis`, `findings`, `tui_state` |
//! | `tui` | the interactive terminal UI: drawing, the driver that performs effects | `domain`, `analysis`, `findings`, `tui_state`, `engine`, `monitor`, `config`, `store`, `app`, `hub`, `eval`, `report` |
//! | `cli` | the command line: one file per subcommand | `domain`, `analysis`, `findings`, `tui_state`, `engine`, `monitor`, `config`, `store`, `app`, `hub`, `eval`, `report`, `tui` |
//! | `fuzzing` | entry points of the parsers a user or a server feeds, for fuzz and property tests | `domain`, `tui_state`, `engine`, `config`, `store`, `tui` |

pub mod analysis;
pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod eval;
pub mod findings;
#[doc(hidden)]
pub mod fuzzing;
pub mod hub;
pub mod logging;
pub mod monitor;
pub mod report;
pub mod store;
pub mod tui;
pub mod tui_state;
