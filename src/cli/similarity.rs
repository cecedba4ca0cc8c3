//! `slam similarity SESSION`: each answer's similarity to the baseline's by sentence embedding.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::eval::similarity::{self, SimilarityOptions};

#[derive(Debug, Args)]
pub struct SimilarityArgs {
    /// The session whose answers are compared (an eval run: see `slam sessions list`).
    session: i64,
    /// The model every other is compared with (default: the spec's `baseline = true`).
    #[arg(long, value_name = "MODEL")]
    baseline: Option<String>,
    /// A sentence-transformers model directory (default: all-MiniLM-L6-v2 as `make models`
    /// fetches it).
    #[arg(long, value_name = "DIR")]
    embedder: Option<PathBuf>,
    /// The figures as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(db: &Path, args: SimilarityArgs) -> anyhow::Result<ExitCode> {
    let cancel = super::cancel_on_ctrl_c();
    let opts = SimilarityOptions {
        baseline: args.baseline,
        embedder: args.embedder,
    };
    let db = db.to_path_buf();
    let session = args.session;
    let report = tokio::task::spawn_blocking(move || similarity::run(&db, session, &opts, &cancel))
        .await??;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", crate::report::similarity::render(&report));
    }
    Ok(ExitCode::SUCCESS)
}
