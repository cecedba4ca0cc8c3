//! `slam cost ID`: each model's monthly cost at 1k–1M requests a day, against the baseline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use crate::config::Config;
use crate::eval::cost::{self, CostOptions};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct CostArgs {
    /// The eval run (see `slam sessions list`).
    session: i64,
    /// The model the others are compared with (default: the spec's `baseline = true`).
    #[arg(long, value_name = "MODEL")]
    baseline: Option<String>,
    /// A LiteLLM price file (the full model_prices_and_context_window.json, or an override of
    /// the same shape) laid over the bundled prices.
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
    /// The p95 latency a self-hosted instance must meet, in ms (default: the baseline's).
    #[arg(long, value_name = "MS")]
    p95_target: Option<f64>,
    /// Share of the measured throughput an instance is planned to carry.
    #[arg(long, default_value_t = crate::core::cost::DEFAULT_UTILISATION)]
    utilisation: f64,
    /// The figures as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, db: &Path, args: CostArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open_read(db)?;
    if store.session(args.session)?.is_none() {
        bail!(
            "no session {} in {} (see `slam sessions list`)",
            args.session,
            db.display()
        );
    }
    let lines = store.export_lines(args.session)?;
    let report = crate::eval::show::report(args.session, &lines);
    let baseline =
        crate::eval::answers::baseline(&store, args.session, args.baseline.as_deref()).ok();
    let opts = CostOptions {
        prices: args.prices,
        p95_target_ms: args.p95_target,
        utilisation: args.utilisation,
    };
    let costs = cost::report(config, &report, &lines, baseline.as_deref(), &opts)?;
    if args.json {
        println!("{}", serde_json::to_string(&costs)?);
    } else {
        print!("{}", crate::report::cost::render(&costs));
    }
    Ok(ExitCode::SUCCESS)
}
