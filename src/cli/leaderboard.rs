//! `slam leaderboard`: the ratings in force as a table and a bar chart.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use crate::analysis::leaderboard::{RESAMPLES, SEED, compute, with_judges};
use crate::report::leaderboard::{bar_lines, table_lines};
use crate::store::{Filter, Store};

#[derive(Debug, Args)]
pub struct LeaderboardArgs {
    /// Only this session's ratings.
    #[arg(long, value_name = "ID")]
    pub session: Option<i64>,
    /// Only sessions over this prompt set (a prompt file's or imported file's name).
    #[arg(long, value_name = "NAME")]
    pub prompt_set: Option<String>,
    /// Only this rater's ratings.
    #[arg(long)]
    pub rater: Option<String>,
    /// The votes on one criterion (imported from SLaM's "A/B Testing with Criterions": clarity,
    /// likability, …) instead of the overall votes.
    #[arg(long, value_name = "NAME")]
    pub criterion: Option<String>,
    /// Bootstrap resamples for the Bradley–Terry intervals.
    #[arg(long, default_value_t = RESAMPLES as u64, value_parser = clap::value_parser!(u64).range(RESAMPLES as u64..))]
    pub resamples: u64,
    /// Seed of the bootstrap (the same seed gives the same intervals).
    #[arg(long, default_value_t = SEED)]
    pub seed: u64,
}

pub fn run(db: &Path, args: LeaderboardArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open_read(db)?;
    let filter = Filter {
        session: args.session,
        prompt_set: args.prompt_set,
        rater: args.rater,
        criterion: args.criterion.clone(),
    };
    let resamples = args.resamples as usize;
    let board = with_judges(
        compute(&store.leaderboard_input(&filter)?, resamples, args.seed),
        &crate::analysis::judge::leaderboard_input(&store.verdicts_matching(&filter)?),
        resamples,
        args.seed,
    );
    if board.rows.is_empty() {
        println!(
            "no ratings match, nor any judge verdicts (rate with slam rate, judge with slam judge, or slam sessions import FILE)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    for line in table_lines(&board) {
        println!("{line}");
    }
    println!();
    for line in bar_lines(&board, 80) {
        println!("{line}");
    }
    let criteria = store.criteria(&Filter {
        criterion: None,
        ..filter
    })?;
    if !criteria.is_empty() {
        println!(
            "\n{} · votes per criterion: {} (slam leaderboard --criterion NAME)",
            match &args.criterion {
                Some(c) => format!("criterion {c}"),
                None => "overall votes".into(),
            },
            criteria.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
