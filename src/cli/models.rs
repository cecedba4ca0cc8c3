//! `slam models`: what slam can run, read from GGUF headers without loading any weights.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use crate::config::{BackendKind, Config, ModelEntry};
use crate::engine::{EngineError, gguf};
use crate::report::metrics::render_table;

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// One JSON object per model.
    #[arg(long)]
    pub json: bool,
}

struct Row {
    entry: ModelEntry,
    location: String,
    size: Option<u64>,
    quant: Option<String>,
    n_ctx_train: Option<u64>,
    status: String,
}

fn describe(entry: ModelEntry) -> Row {
    match (&entry.backend, &entry.path) {
        (BackendKind::Llama, Some(path)) => {
            let location = path.display().to_string();
            match gguf::read_header(path) {
                Ok(h) => Row {
                    location,
                    size: Some(h.file_size),
                    quant: h.quantization().map(str::to_owned),
                    n_ctx_train: h.context_length(),
                    status: "ok".into(),
                    entry,
                },
                Err(e) => Row {
                    location,
                    size: None,
                    quant: None,
                    n_ctx_train: None,
                    status: match e {
                        EngineError::ModelFile { reason, .. } => reason,
                        other => other.to_string(),
                    },
                    entry,
                },
            }
        }
        _ => Row {
            location: entry.base_url.clone().unwrap_or_default(),
            size: None,
            quant: None,
            n_ctx_train: None,
            status: "remote".into(),
            entry,
        },
    }
}

fn human_size(bytes: u64) -> String {
    let mb = bytes as f64 / 1_048_576.0;
    if mb >= 1024.0 {
        format!("{:.1} GiB", mb / 1024.0)
    } else {
        format!("{mb:.0} MiB")
    }
}

pub fn run(config: &Config, args: ModelsArgs) -> anyhow::Result<ExitCode> {
    let rows: Vec<Row> = config.models().into_iter().map(describe).collect();
    if args.json {
        for r in &rows {
            println!(
                "{}",
                json!({
                    "name": r.entry.name,
                    "backend": r.entry.backend,
                    "location": r.location,
                    "size_bytes": r.size,
                    "quantization": r.quant,
                    "context_length": r.n_ctx_train,
                    "status": r.status,
                })
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.entry.name.clone(),
                format!("{:?}", r.entry.backend).to_lowercase(),
                r.quant.clone().unwrap_or_else(|| "–".into()),
                r.size.map(human_size).unwrap_or_else(|| "–".into()),
                r.n_ctx_train
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "–".into()),
                r.status.clone(),
                r.location.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        render_table(
            &[
                "name",
                "backend",
                "quant",
                "size",
                "ctx",
                "status",
                "path / url"
            ],
            &table
        )
    );
    if rows.iter().any(|r| r.status == "no such file") {
        eprintln!("hint: fetch the test models with scripts/fetch-test-models (or `make run`)");
    }
    Ok(ExitCode::SUCCESS)
}
