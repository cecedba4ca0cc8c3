//! `slam compare`: several models, one prompt, at the same time.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::output::{TABLE_HEADER, event_json, metrics_json, render_table, table_row};
use super::{SamplingArgs, read_prompt, start};
use crate::config::{Config, ResolvedModel};
use crate::engine::backend::GenEvent;
use crate::engine::runner::{Recorder, fan_out};
use crate::engine::{Backend, GenRequest};

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
    let epoch = Instant::now();
    let prompt = read_prompt(&args.prompt, args.sampling.system.as_ref())?;
    let patch = args.sampling.patch();
    let models = args
        .models
        .iter()
        .map(|m| config.resolve(m, &patch))
        .collect::<Result<Vec<ResolvedModel>, _>>()?;
    let names: Vec<String> = models.iter().map(|m| m.name.clone()).collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        // The first line makes the output a replayable recording (`slam tui --replay FILE`).
        writeln!(
            out,
            "{}",
            json!({"event": "prompt", "system": prompt.system, "user": prompt.user})
        )?;
    }
    let progress = !args.json && std::io::stderr().is_terminal();

    // Load every model at once; a model that fails to load is reported, the others go on.
    let loads: Vec<_> = models
        .iter()
        .map(|m| tokio::spawn(start::open_async(m.clone(), args.sampling.clone())))
        .collect();
    let mut recorders = vec![Recorder::default(); models.len()];
    let mut ready: Vec<(usize, Arc<dyn Backend>)> = Vec::new();
    for (index, load) in loads.into_iter().enumerate() {
        let result = load.await.map_err(anyhow::Error::from)?;
        match result {
            Ok(backend) => {
                if args.json {
                    let t_ms = epoch.elapsed().as_secs_f64() * 1000.0;
                    writeln!(
                        out,
                        "{}",
                        json!({"event": "loaded", "model": names[index], "index": index, "t_ms": t_ms})
                    )?;
                }
                ready.push((index, backend));
            }
            Err(error) => {
                let event = GenEvent::Failed {
                    error,
                    at: Instant::now(),
                };
                recorders[index].on_event(&event);
                if args.json {
                    writeln!(out, "{}", event_json(&names[index], index, &event, epoch))?;
                }
            }
        }
    }

    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    // Every model gets the same prompt; each keeps its own system prompt and parameters.
    let backends: Vec<Arc<dyn Backend>> = ready.iter().map(|(_, b)| b.clone()).collect();
    let requests: Vec<GenRequest> = ready
        .iter()
        .map(|(i, _)| GenRequest::new(models[*i].messages(&prompt), models[*i].params.clone()))
        .collect();
    let mut events = fan_out(&backends, &requests, &cancel);
    while let Some(tagged) = events.recv().await {
        let index = ready[tagged.index].0;
        let rec = &mut recorders[index];
        rec.on_event(&tagged.event);
        if args.json {
            let mut line = event_json(&names[index], index, &tagged.event, epoch);
            if tagged.event.is_terminal() {
                line["metrics"] = metrics_json(&rec.metrics());
            }
            writeln!(out, "{line}")?;
        } else if progress {
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
    if progress {
        eprint!("\r\x1b[2K");
    }

    if !args.json {
        for (name, rec) in names.iter().zip(&recorders) {
            writeln!(out, "── {name} ──")?;
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
    let failed = recorders.iter().any(|r| r.error.is_some());
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
