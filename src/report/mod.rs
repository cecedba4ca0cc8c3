//! Output formats, one home for each: what slam prints or writes for people and other tools.
//! Pure functions from results to text or JSON; they read nothing and run nothing. The CLI
//! prints them, the TUI styles them.
//!
//! - `metrics`: a generation's metrics line and the comparison table.
//! - `events`: JSON event lines, the recording format.
//! - `leaderboard`: the leaderboard table and bar chart.
//! - `eval`: an evaluation run's figures.
//! - `judge`, `similarity`: automatic quality figures over an evaluation run.
//! - `document` (+ `decision`, `charts`): the decision report as blocks, written by `html` and
//!   `markdown`.

pub mod charts;
pub mod cost;
pub mod decision;
pub mod document;
pub mod eval;
pub mod events;
pub mod hardware;
pub mod html;
pub mod judge;
pub mod leaderboard;
pub mod markdown;
pub mod metrics;
pub mod similarity;
pub mod view;
