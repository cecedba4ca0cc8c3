//! `slam generate`: stream one model's answer to stdout.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use super::{SamplingArgs, read_prompt};
use crate::app::{Models, run_model};
use crate::config::Config;
use crate::engine::backend::GenEvent;
use crate::engine::runner::Recorder;
use crate::report::events::{event_json, metrics_json};
use crate::report::metrics::metrics_line;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Model name from the config (see `slam models`) or a path to a .gguf file.
    #[arg(short, long)]
    pub model: String,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Print one JSON object per event instead of plain text.
    #[arg(long)]
    pub json: bool,
    /// The prompt; `-` reads it from standard input.
    pub prompt: String,
}

pub async fn run(config: &Config, args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let prompt = read_prompt(&args.prompt, args.sampling.system.as_ref())?;
    let model = config.resolve(&args.model, &args.sampling.patch())?;
    let name = model.name().to_owned();
    let cancel = super::cancel_on_ctrl_c();
    let factory = Arc::new(Models::new(args.sampling.load_overrides()));
    let limits = args.sampling.limits();
    let mut stream = run_model(factory, model, &prompt, limits, &cancel);

    let mut rec = Recorder::default();
    let mut stdout = std::io::stdout().lock();
    let mut epoch = None;
    while let Some(event) = stream.recv().await {
        let Some(event) = event.into_gen() else {
            continue;
        };
        rec.on_event(&event);
        let epoch = *epoch.get_or_insert(event.at());
        if args.json {
            let mut line = event_json(&name, 0, &event, epoch);
            if event.is_terminal() {
                line["metrics"] = metrics_json(&rec.metrics());
            }
            writeln!(stdout, "{line}")?;
        } else {
            match &event {
                GenEvent::Delta { text, .. } => {
                    write!(stdout, "{text}")?;
                    stdout.flush().context("writing to stdout")?;
                }
                // The thinking and changed parameters go to stderr: stdout is the answer.
                GenEvent::Thinking { text, .. } => eprint!("\x1b[2m{text}\x1b[0m"),
                GenEvent::Adapted { change, .. } => eprintln!("note: {change}"),
                _ => {}
            }
        }
        if event.is_terminal() {
            break;
        }
    }
    // The answer's line ends; a model that never answered (it did not load) printed nothing.
    if !args.json && (rec.error.is_none() || !rec.text.is_empty()) {
        writeln!(stdout)?;
    }
    stdout.flush()?;
    if let Some(error) = rec.error {
        anyhow::bail!(error);
    }
    eprintln!("{}", metrics_line(&name, &rec));
    Ok(super::unless_cancelled(&cancel, ExitCode::SUCCESS))
}
