//! `slam pull ORG/REPO[:QUANT]`: a GGUF model from the Hugging Face Hub into the hub cache
//! (where huggingface_hub and slam's discovery see it), after a fit check from its header and
//! a disk check; resumable, hash-checked. `slam pull --search TEXT` lists GGUF repositories.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use super::models::human_size;
use crate::hub::api::Hub;
use crate::hub::cache::HubCache;
use crate::hub::download::{Fetch, fetch};
use crate::hub::quant::{Candidate, Choice, choose};

#[derive(Debug, Args)]
pub struct PullArgs {
    /// ORG/REPO, optionally with the quantization: `bartowski/SmolLM2-135M-Instruct-GGUF:Q4_K_M`
    /// (case-insensitive; none: Q4_K_M, as llama.cpp does).
    #[arg(required_unless_present = "search")]
    target: Option<String>,
    /// List GGUF repositories matching TEXT, most downloaded first.
    #[arg(long, value_name = "TEXT", conflicts_with = "target")]
    search: Option<String>,
    /// Pull even when the model will not fit in the memory free now.
    #[arg(long)]
    force: bool,
    /// The context the fit check is for (default: what slam would load it with).
    #[arg(long, value_name = "TOKENS")]
    ctx_size: Option<u32>,
}

fn listing(candidates: &[Candidate]) -> String {
    candidates
        .iter()
        .map(|c| {
            let parts = if c.files.len() > 1 {
                format!(" ({} parts)", c.files.len())
            } else {
                String::new()
            };
            format!(
                "  {:<12} {:>9}  {}{parts}",
                c.label.as_deref().unwrap_or("–"),
                human_size(c.size()),
                c.path()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn run(args: PullArgs) -> anyhow::Result<ExitCode> {
    let hub = Hub::from_env();
    if let Some(text) = &args.search {
        return search(&hub, text).await;
    }
    let target = args.target.as_deref().unwrap_or_default();
    let (repo, quant) = match target.split_once(':') {
        Some((r, q)) => (r, Some(q)),
        None => (target, None),
    };
    if repo.split('/').count() != 2 || repo.split('/').any(str::is_empty) {
        bail!(
            "{target:?}: expected ORG/REPO or ORG/REPO:QUANT, like bartowski/SmolLM2-135M-Instruct-GGUF:Q4_K_M"
        );
    }
    let files = hub.files(repo).await?;
    let candidate = match choose(&files, quant) {
        Choice::One(c) => c,
        Choice::Several(list) => pick(repo, &list)?,
        Choice::NoMatch(list) => bail!(
            "{repo}: no file is {} — it has:\n{}",
            quant.unwrap_or_default().to_ascii_uppercase(),
            listing(&list)
        ),
        Choice::NoGguf => bail!("{repo}: the repository has no GGUF file"),
    };
    let cache = HubCache::from_env().context("no Hugging Face cache folder: set HF_HUB_CACHE")?;
    fit_check(&hub, repo, &candidate, args.ctx_size, args.force).await?;
    disk_check(&cache, repo, &candidate)?;
    let commit = hub.commit(repo, candidate.path()).await?;
    for f in &candidate.files {
        let sha = f.sha256.clone().with_context(|| {
            format!(
                "{repo}/{}: the Hub lists no sha256 for it, so it cannot be checked",
                f.path
            )
        })?;
        let dest = cache.blob(repo, &sha);
        if std::fs::metadata(&dest).is_ok_and(|m| m.len() == f.size) {
            eprintln!("{}: already here", f.path);
        } else {
            let plan = Fetch {
                url: hub.resolve_url(repo, &f.path),
                token: hub.token.clone(),
                size: f.size,
                sha256: sha.clone(),
                partial: cache.incomplete(repo, &sha),
                dest,
            };
            let bar = progress_bar(&f.path, f.size);
            let transfer = fetch(&hub.client, &plan, |done, _| bar.set_position(done)).await;
            bar.finish_and_clear();
            let transfer = transfer?;
            if transfer.resumed_from > 0 {
                eprintln!(
                    "{}: resumed at {}",
                    f.path,
                    human_size(transfer.resumed_from)
                );
            }
            if transfer.restarted {
                eprintln!(
                    "{}: the file changed upstream since the partial download: started over",
                    f.path
                );
            }
        }
        cache
            .link(repo, &commit, &f.path, &sha)
            .with_context(|| format!("{}: cannot link the snapshot", cache.root.display()))?;
    }
    let path = cache.snapshot(repo, &commit, candidate.path());
    let stem = Path::new(candidate.path())
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    println!(
        "pulled {repo} {} ({}) → {}\nrun it: slam tui -m {repo}/{stem}",
        candidate.label.as_deref().unwrap_or(""),
        human_size(candidate.size()),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Several files match: on a terminal, ask which; otherwise list them and say how to name one.
fn pick(repo: &str, list: &[Candidate]) -> anyhow::Result<Candidate> {
    let numbered: String = list
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{:>3}. {}",
                i + 1,
                listing(std::slice::from_ref(c)).trim_start()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    if !std::io::stdin().is_terminal() {
        bail!("{repo}: several files match — name one with {repo}:QUANT:\n{numbered}");
    }
    eprintln!(
        "{repo}: several files match:\n{numbered}\nwhich one (1–{})? ",
        list.len()
    );
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let n: usize = line.trim().parse().context("expected a number")?;
    list.get(n.wrapping_sub(1))
        .cloned()
        .with_context(|| format!("{n}: expected 1–{}", list.len()))
}

fn progress_bar(name: &str, size: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(size);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
    ) {
        bar.set_style(style);
    }
    bar.set_message(name.to_owned());
    bar
}

/// The weights and KV cache at the context slam would use, from the header fetched with a
/// Range request, against the RAM free now.
async fn fit_check(
    hub: &Hub,
    repo: &str,
    c: &Candidate,
    ctx: Option<u32>,
    force: bool,
) -> anyhow::Result<()> {
    let Some(first) = c.files.first() else {
        return Ok(());
    };
    let mut n: u64 = 2 << 20;
    let header = loop {
        let bytes = hub.head_bytes(repo, &first.path, n.min(first.size)).await?;
        match crate::engine::gguf::parse_header_prefix(&bytes, first.size, Path::new(&first.path)) {
            Ok(h) => break h,
            Err(_) if n < first.size && n < 256 << 20 => n *= 4,
            Err(e) => {
                eprintln!("{}: {e}; the fit is not checked", first.path);
                return Ok(());
            }
        }
    };
    let Some(mut estimate) = header.memory_estimate(header.load_ctx(ctx)) else {
        eprintln!(
            "{}: no KV cache shape in its header; the fit is not checked",
            first.path
        );
        return Ok(());
    };
    // A multi-part model's first header lists only its own part's tensors.
    estimate.weights_bytes = estimate.weights_bytes.max(c.size().saturating_sub(n));
    let free = crate::monitor::machine::free_memory();
    let label = estimate.fit_label(free, "RAM");
    if estimate.total() > free {
        if !force {
            bail!("{repo}: {label} — `--force` pulls it anyway");
        }
        eprintln!("warning: {label} (pulling anyway: --force)");
    } else {
        eprintln!("{label}");
    }
    Ok(())
}

/// Enough free disk for what is still to fetch.
fn disk_check(cache: &HubCache, repo: &str, c: &Candidate) -> anyhow::Result<()> {
    let need: u64 = c
        .files
        .iter()
        .map(|f| {
            let have = f.sha256.as_deref().map_or(0, |sha| {
                [cache.blob(repo, sha), cache.incomplete(repo, sha)]
                    .iter()
                    .filter_map(|p| std::fs::metadata(p).ok())
                    .map(|m| m.len())
                    .max()
                    .unwrap_or(0)
            });
            f.size.saturating_sub(have)
        })
        .sum();
    let free = crate::hub::cache::free_disk(&cache.root);
    if let Some(free) = free.filter(|&f| f < need) {
        bail!(
            "{}: {} free, the download needs {} more: free some space (or set HF_HUB_CACHE)",
            cache.root.display(),
            human_size(free),
            human_size(need)
        );
    }
    Ok(())
}

async fn search(hub: &Hub, text: &str) -> anyhow::Result<ExitCode> {
    let hits = hub.search(text, 10).await?;
    if hits.is_empty() {
        println!("no GGUF repository matches {text:?}");
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    for hit in hits {
        // Each repository's GGUF files, for their sizes.
        let sizes = match hub.files(&hit.id).await {
            Ok(files) => {
                let c = crate::hub::quant::candidates(&files);
                match (
                    c.iter().map(Candidate::size).min(),
                    c.iter().map(Candidate::size).max(),
                ) {
                    (Some(lo), Some(hi)) if lo == hi => {
                        format!("{} file, {}", c.len(), human_size(lo))
                    }
                    (Some(lo), Some(hi)) => {
                        format!("{} files, {}–{}", c.len(), human_size(lo), human_size(hi))
                    }
                    _ => "no GGUF file".into(),
                }
            }
            Err(e) => format!("sizes unknown: {e}"),
        };
        if writeln!(
            out,
            "{:<50} {:>10} downloads  {sizes}",
            hit.id, hit.downloads
        )
        .is_err()
        {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}
