//! `slam compare`: several models, one prompt, at the same time.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{SamplingArgs, read_prompt};
use crate::app::{BackendFactory, Limits, Models, RunEvent, merge, run_prompt};
use crate::config::{Config, ResolvedModel};
use crate::domain::Prompt;
use crate::engine::runner::Recorder;
use crate::report::events::{event_json, metrics_json};
use crate::report::metrics::{TABLE_HEADER, render_table, table_row};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A model to compare (repeat: -m A -m B …); a config name or a .gguf path.
    #[arg(short = 'm', long = "model", required = true)]
    pub models: Vec<String>,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Print one JSON object per event (and per loaded model) instead of text and a table.
    #[arg(long)]
    pub json: bool,
    /// The prompt; `-` reads it from standard input.
    pub prompt: String,
}

pub async fn run(config: &Config, args: CompareArgs) -> anyhow::Result<ExitCode> {
    let prompt = read_prompt(&args.prompt, args.sampling.system.as_ref())?;
    let patch = args.sampling.patch();
    let models = args
        .models
        .iter()
        .map(|m| config.resolve(m, &patch))
        .collect::<Result<Vec<ResolvedModel>, _>>()?;
    let cancel = super::cancel_on_ctrl_c();
    let factory = Arc::new(Models::new(args.sampling.load_overrides()));
    let show = Show {
        json: args.json,
        progress: !args.json && std::io::stderr().is_terminal(),
    };
    let mut out = std::io::stdout().lock();
    let limits = args.sampling.limits();
    let all_ok = compare(factory, models, &prompt, show, limits, &cancel, &mut out).await?;
    let code = if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    Ok(super::unless_cancelled(&cancel, code))
}

/// How the comparison is shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Show {
    /// One JSON object per event (a replayable recording) instead of text and a table.
    pub json: bool,
    /// A one-line progress display on stderr while the models run.
    pub progress: bool,
}

/// Run `prompt` on `models` at once and write the answers and metrics to `out`. Returns
/// whether every model answered without an error.
pub async fn compare(
    factory: Arc<dyn BackendFactory>,
    models: Vec<ResolvedModel>,
    prompt: &Prompt,
    show: Show,
    limits: Limits,
    cancel: &CancellationToken,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let epoch = Instant::now();
    let names: Vec<String> = models.iter().map(|m| m.name().to_owned()).collect();
    if show.json {
        // The first line makes the output a replayable recording (`slam tui --replay FILE`).
        let mut line =
            json!({"event": "prompt", "system": prompt.system, "user": prompt.user_text()});
        if !prompt.is_plain() {
            line["conversation"] = json!(prompt);
        }
        writeln!(out, "{line}")?;
    }
    // Every model gets the same prompt; each keeps its own system prompt and parameters. A
    // model that fails to load is reported, the others go on.
    let mut events = merge(run_prompt(factory, models, prompt, limits, cancel));
    let mut recorders = vec![Recorder::default(); names.len()];
    while let Some((index, event)) = events.recv().await {
        let event = match event {
            RunEvent::Loaded { at } => {
                if show.json {
                    let t_ms = at.saturating_duration_since(epoch).as_secs_f64() * 1000.0;
                    writeln!(
                        out,
                        "{}",
                        json!({"event": "loaded", "model": names[index], "index": index, "t_ms": t_ms})
                    )?;
                }
                continue;
            }
            other => match other.into_gen() {
                Some(event) => event,
                None => continue,
            },
        };
        let rec = &mut recorders[index];
        rec.on_event(&event);
        if show.json {
            let mut line = event_json(&names[index], index, &event, epoch);
            if event.is_terminal() {
                line["metrics"] = metrics_json(&rec.metrics());
            }
            writeln!(out, "{line}")?;
        } else if show.progress {
            let status: Vec<String> = names
                .iter()
                .zip(&recorders)
                .map(|(n, r)| {
                    format!(
                        "{n} {} chunks{}",
                        r.chunks.len(),
                        if r.is_done() { " ✓" } else { "" }
                    )
                })
                .collect();
            eprint!("\r\x1b[2K{}", status.join(" · "));
        }
    }
    if show.progress {
        eprint!("\r\x1b[2K");
    }

    if !show.json {
        for (name, rec) in names.iter().zip(&recorders) {
            writeln!(out, "── {name} ──")?;
            for change in &rec.adaptations {
                writeln!(out, "note: {change}")?;
            }
            if !rec.thinking.is_empty() {
                writeln!(out, "[thinking]\n{}\n[answer]", rec.thinking.trim_end())?;
            }
            match &rec.error {
                Some(e) => writeln!(out, "error: {e}")?,
                None => writeln!(out, "{}", rec.text.trim_end())?,
            }
            writeln!(out)?;
        }
        let rows: Vec<Vec<String>> = names
            .iter()
            .zip(&recorders)
            .map(|(n, r)| table_row(n, r))
            .collect();
        write!(out, "{}", render_table(&TABLE_HEADER, &rows))?;
    }
    out.flush()?;
    Ok(recorders.iter().all(|r| r.error.is_none()))
}
