//! Pure core: no tokio, no terminal, no IO, no clock. Time is always passed in. The domain
//! types every room speaks (a generation's events and their accumulator, metrics, ratings,
//! statistics, recordings) and the TUI's state and reducer. Core imports no other room.

pub mod action;
pub mod checks;
pub mod consistency;
pub mod conversation;
pub mod cost;
pub mod domain;
pub mod effect;
pub mod energy;
pub mod event;
pub mod generation;
pub mod grammar;
pub mod hardware;
pub mod judge;
pub mod keymap;
pub mod leaderboard;
pub mod memory;
pub mod metrics;
pub mod rating;
pub mod recording;
pub mod reducer;
pub mod similarity;
pub mod source_pos;
pub mod state;
pub mod stats;
pub mod stop;
pub mod text_edit;
pub mod text_layout;
pub mod thinking;
pub mod threads;
pub mod wrap;
