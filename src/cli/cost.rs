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
    #[command(flatten)]
    pricing: PricingArgs,
    /// The figures as JSON.
    #[arg(long)]
    json: bool,
}

/// How a run is priced: the flags `slam cost` and `slam report` share.
#[derive(Debug, Args)]
pub struct PricingArgs {
    /// The model the others are compared with (default: the spec's `baseline = true`).
    #[arg(long, value_name = "MODEL")]
    pub baseline: Option<String>,
    /// A LiteLLM price file (the full model_prices_and_context_window.json, or an override of
    /// the same shape) laid over the bundled prices.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// The p95 latency a self-hosted instance must meet, in ms (default: the baseline's).
    #[arg(long, value_name = "MS")]
    pub p95_target: Option<f64>,
    /// Share of the measured throughput an instance is planned to carry.
    #[arg(long, default_value_t = crate::analysis::cost::DEFAULT_UTILISATION)]
    pub utilisation: f64,
}

impl PricingArgs {
    pub fn options(&self) -> CostOptions {
        CostOptions {
            prices: self.prices.clone(),
            p95_target_ms: self.p95_target,
            utilisation: self.utilisation,
        }
    }
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
        crate::eval::answers::baseline(&store, args.session, args.pricing.baseline.as_deref()).ok();
    let opts = args.pricing.options();
    let prices = opts.prices()?;
    let costs = cost::report(config, &prices, &report, &lines, baseline.as_deref(), &opts)?;
    if args.json {
        println!("{}", serde_json::to_string(&costs)?);
    } else {
        print!("{}", crate::report::cost::render(&costs));
    }
    Ok(ExitCode::SUCCESS)
}
