//! `slam report ID|FILE -o report.html|report.md`: the decision report of an eval run.

use crate::app::files::{Access, write_atomically};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use crate::config::Config;
use crate::eval::decision;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The eval run: a session id (see `slam sessions list`) or a file written by `slam
    /// sessions export` (it carries the judges' verdicts and the answers' embeddings too).
    run: String,
    /// Where to write it: `.html` (self-contained, charts inline) or `.md`.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    pricing: super::cost::PricingArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
}

pub fn format_of(path: &Path) -> anyhow::Result<Format> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    {
        Some(e) if e == "html" || e == "htm" => Ok(Format::Html),
        Some(e) if e == "md" || e == "markdown" => Ok(Format::Markdown),
        _ => bail!(
            "{}: expected a file name ending in .html or .md (the report's format)",
            path.display()
        ),
    }
}

pub fn run(config: &Config, db: &Path, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let format = format_of(&args.output)?;
    let opts = args.pricing.options();
    let baseline = args.pricing.baseline.as_deref();
    let d = match args.run.parse::<i64>() {
        Ok(session) => {
            let store = Store::open_read(db)?;
            decision::from_store(config, &store, session, baseline, &opts)?
        }
        Err(_) => decision::from_file(config, Path::new(&args.run), baseline, &opts)?,
    };
    let text = match format {
        Format::Html => crate::report::decision::html(&d),
        Format::Markdown => crate::report::decision::markdown(&d),
    };
    write_atomically(&args.output, text.as_bytes(), Access::Shared)?;
    eprintln!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}
