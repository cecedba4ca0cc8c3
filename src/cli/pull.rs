//! `slam pull ORG/REPO[:QUANT]`: a GGUF model from the Hugging Face Hub into the hub cache
//! (where huggingface_hub and slam's discovery see it), after a fit check from its header and
//! a disk check; resumable, hash-checked. `slam pull --search TEXT` lists GGUF repositories.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use super::models::human_size;
use crate::hub::api::Hub;
use crate::hub::cache::HubCache;
use crate::hub::pull::{self, Fit, Target};
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
        .map(|c| format!("  {}", c.line().describe()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn run(args: PullArgs) -> anyhow::Result<ExitCode> {
    let hub = Hub::from_env();
    if let Some(text) = &args.search {
        return search(&hub, text).await;
    }
    let Target { repo, quant } = Target::parse(args.target.as_deref().unwrap_or_default())?;
    let files = hub.files(&repo).await?;
    let candidate = match choose(&files, quant.as_deref()) {
        Choice::One(c) => c,
        Choice::Several(list) => pick(&repo, &list)?,
        Choice::NoMatch(list) => bail!(
            "{repo}: no file is {} — it has:\n{}",
            quant.unwrap_or_default().to_ascii_uppercase(),
            listing(&list)
        ),
        Choice::NoGguf => bail!("{repo}: the repository has no GGUF file"),
    };
    let cache = HubCache::from_env().context("no Hugging Face cache folder: set HF_HUB_CACHE")?;
    let free = crate::monitor::machine::free_for_models();
    match pull::fit(&hub, &repo, &candidate, args.ctx_size, free).await? {
        Fit::Fits(label) => eprintln!("{label}"),
        Fit::TooBig(label) if args.force => {
            eprintln!("warning: {label} (pulling anyway: --force)")
        }
        Fit::TooBig(label) => bail!("{repo}: {label} — `--force` pulls it anyway"),
        Fit::Unknown(why) => eprintln!("{why}; the fit is not checked"),
    }
    pull::disk_check(&cache, &repo, &candidate)?;
    let mut bar = None;
    let show = |p: pull::Progress| match p {
        pull::Progress::File { path, size, .. } => {
            bar = Some(progress_bar(&path, size));
        }
        pull::Progress::Bytes { done, .. } => {
            if let Some(b) = &bar {
                b.set_position(done)
            }
        }
        pull::Progress::AlreadyHere => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
                eprintln!("{}: already here", b.message());
            }
        }
        pull::Progress::Done(transfer) => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
                if transfer.resumed_from > 0 {
                    eprintln!(
                        "{}: resumed at {}",
                        b.message(),
                        human_size(transfer.resumed_from)
                    );
                }
                if transfer.restarted {
                    eprintln!(
                        "{}: the file changed upstream since the partial download: started over",
                        b.message()
                    );
                }
            }
        }
    };
    // Ctrl-C stops the transfer where it is: what arrived is on disk with its ETag, and the
    // same pull resumes it.
    let path = tokio::select! {
        path = pull::download(&hub, &cache, &repo, &candidate, show) => path?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!(
                "\ninterrupted: the partial download is kept in {}; run the same pull again to resume",
                cache.root.display()
            );
            return Ok(ExitCode::from(130));
        }
    };
    println!(
        "pulled {repo} {} ({}) → {}\nrun it: slam tui -m {}",
        candidate.label.as_deref().unwrap_or(""),
        human_size(candidate.size()),
        path.display(),
        pull::model_name(&repo, &candidate)
    );
    Ok(ExitCode::SUCCESS)
}

/// Several files match: on a terminal, ask which; otherwise list them and say how to name one.
fn pick(repo: &str, list: &[Candidate]) -> anyhow::Result<Candidate> {
    let numbered: String = list
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{:>3}. {}", i + 1, c.line().describe()))
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
