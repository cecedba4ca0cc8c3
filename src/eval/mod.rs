//! Evaluation runs: a feature's prompt set × models × repetitions (`slam eval SPEC.toml`),
//! resumable cell by cell, with checks and consistency figures.

pub mod answers;
mod ask;
pub mod budget;
pub mod cell;
pub mod cost;
pub mod decision;
pub mod grade;
pub mod inputs;
pub mod judge;
pub mod limiter;
pub mod plan;
pub mod progress;
pub mod provenance;
pub mod runner;
pub mod show;
pub mod similarity;
pub mod spec;
mod writer;
