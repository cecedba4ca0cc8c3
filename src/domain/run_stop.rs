//! Why an eval run stopped before its plan ran out, recorded with the run so that its report
//! says it is incomplete (and why) instead of presenting part of a run as the whole.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum RunStop {
    /// The next API cell could have passed the spec's `max_cost`.
    MaxCost {
        spent: f64,
        max_cost: f64,
        cells_left: u64,
    },
    /// Stopped by the user (Ctrl-C, `q`).
    Cancelled { cells_left: u64 },
    /// Cells that ran could not be stored.
    Unstored { cells_left: u64 },
    /// Recorded when the run starts, replaced when it ends: still running, or killed.
    Unfinished { cells_left: u64 },
}

impl RunStop {
    pub fn cells_left(&self) -> u64 {
        match self {
            RunStop::MaxCost { cells_left, .. }
            | RunStop::Cancelled { cells_left }
            | RunStop::Unstored { cells_left }
            | RunStop::Unfinished { cells_left } => *cells_left,
        }
    }
}
