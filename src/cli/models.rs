//! `slam models`: what slam can run, read from GGUF headers without loading any weights.

use std::io::Write;
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
    /// The context the memory estimate is for (default: what slam would load: the model's
    /// `n_ctx`, else its training context up to 4096).
    #[arg(long, value_name = "TOKENS")]
    pub ctx_size: Option<u32>,
    #[command(subcommand)]
    pub action: Option<ModelsAction>,
}

#[derive(Debug, clap::Subcommand)]
pub enum ModelsAction {
    /// Remove a model pulled into the Hugging Face cache (`slam models` names it ORG/REPO/FILE):
    /// its snapshot links, the blobs nothing else uses, and folders left empty.
    Rm {
        /// The model's name as `slam models` lists it.
        name: String,
    },
}

/// `slam models rm NAME`: only what lives in the hub cache (what `slam pull` puts there).
fn remove(config: &Config, name: &str) -> anyhow::Result<ExitCode> {
    let cache = crate::hub::cache::HubCache::from_env()
        .ok_or_else(|| anyhow::anyhow!("no Hugging Face cache folder (HF_HUB_CACHE)"))?;
    let entry = config
        .models()
        .into_iter()
        .find(|m| m.name == name)
        .ok_or_else(|| anyhow::anyhow!("{name}: no such model (see `slam models`)"))?;
    let path = entry.path.unwrap_or_default();
    let Some((repo, file)) = cache.locate(&path) else {
        anyhow::bail!(
            "{name}: {} is not in the Hugging Face cache ({}): slam removes only what it pulls",
            path.display(),
            cache.root.display()
        );
    };
    // A multi-part model goes whole.
    let mut files = vec![file.clone()];
    if let Some((base, _, total)) = crate::hub::quant::part(&file) {
        files = (1..=total)
            .map(|i| format!("{base}-{i:05}-of-{total:05}.gguf"))
            .collect();
    }
    let mut removed = 0;
    for f in &files {
        removed += cache.remove(&repo, f)?;
    }
    println!(
        "removed {name} ({removed} link(s) in {})",
        cache.repo_dir(&repo).display()
    );
    Ok(ExitCode::SUCCESS)
}

struct Row {
    entry: ModelEntry,
    location: String,
    size: Option<u64>,
    quant: Option<String>,
    n_ctx_train: Option<u64>,
    status: String,
    estimate: Option<crate::domain::memory::MemoryEstimate>,
}

fn describe(entry: ModelEntry, ctx: Option<u32>) -> Row {
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
                    estimate: h.memory_estimate(
                        ctx.map(u64::from)
                            .unwrap_or_else(|| h.load_ctx(entry.n_ctx)),
                        entry.n_batch,
                        entry.parallel,
                    ),
                    entry,
                },
                Err(e) => Row {
                    location,
                    size: None,
                    quant: None,
                    n_ctx_train: None,
                    estimate: None,
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
            estimate: None,
            status: match entry.missing_key() {
                Some(env) => format!("needs {env}"),
                None => "remote".into(),
            },
            entry,
        },
    }
}

pub(super) use crate::domain::memory::human_size;

pub fn run(config: &Config, args: ModelsArgs) -> anyhow::Result<ExitCode> {
    if let Some(ModelsAction::Rm { name }) = &args.action {
        return remove(config, name);
    }
    let rows: Vec<Row> = config
        .models()
        .into_iter()
        .map(|e| describe(e, args.ctx_size))
        .collect();
    let free_now = crate::monitor::machine::free_for_models();
    let free = free_now.ram;
    if args.json {
        let mut out = std::io::stdout().lock();
        for r in &rows {
            let line = writeln!(
                out,
                "{}",
                json!({
                    "name": r.entry.name,
                    "backend": r.entry.backend,
                    "location": r.location,
                    "size_bytes": r.size,
                    "quantization": r.quant,
                    "context_length": r.n_ctx_train,
                    "status": r.status,
                    "estimate": r.estimate,
                    "fits_free_ram": r.estimate.map(|e| e.total() <= free),
                    // On the GPU when this build offloads, else in RAM.
                    "fits": r.estimate.map(|e| e.fit(free_now).0),
                })
            );
            // A closed pipe (`| head`) ends the listing quietly.
            if line.is_err() {
                break;
            }
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
                r.estimate
                    .map(|e| {
                        let fits = match (e.fit(free_now).0, free_now.gpu) {
                            (true, _) => "",
                            (false, None) => " (> free RAM)",
                            (false, Some(_)) => " (> free memory)",
                        };
                        format!("{} @{}{fits}", human_size(e.total()), e.n_ctx)
                    })
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
                "needs",
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
