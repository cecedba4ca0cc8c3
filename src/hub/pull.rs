//! One pull, shared by `slam pull` and the TUI's "get a model": what `ORG/REPO[:QUANT]` names,
//! the fit check from the GGUF header (fetched with a Range request), the disk check, and the
//! download of every part into the hub cache.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::api::Hub;
use super::cache::HubCache;
use super::download::{Fetch, Transfer, fetch};
use super::quant::Candidate;
use crate::domain::memory::{FreeMemory, human_size};

/// `ORG/REPO` or `ORG/REPO:QUANT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub repo: String,
    pub quant: Option<String>,
}

impl Target {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let (repo, quant) = match text.trim().split_once(':') {
            Some((r, q)) => (r, Some(q.to_owned()).filter(|q| !q.is_empty())),
            None => (text.trim(), None),
        };
        if !crate::domain::hub_file::is_repo_id(repo) {
            bail!(
                "{text:?}: expected ORG/REPO or ORG/REPO:QUANT, like bartowski/SmolLM2-135M-Instruct-GGUF:Q4_K_M"
            );
        }
        Ok(Self {
            repo: repo.to_owned(),
            quant,
        })
    }
}

/// The fit check's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    Fits(String),
    TooBig(String),
    /// The header could not say (the figures are not checked).
    Unknown(String),
}

/// Weights and KV cache at the context slam would load it with (`ctx` overrides), from the
/// first part's header, against what is free.
pub async fn fit(
    hub: &Hub,
    repo: &str,
    c: &Candidate,
    ctx: Option<u32>,
    free: FreeMemory,
) -> anyhow::Result<Fit> {
    let Some(first) = c.files.first() else {
        return Ok(Fit::Unknown("no file".into()));
    };
    // The header holds the metadata and the tensor table: usually well under 2 MiB, but a
    // large vocabulary can take more, so the read grows until it parses (at most 256 MiB).
    const MAX_HEADER: u64 = 256 << 20;
    let mut n: u64 = 2 << 20;
    let header = loop {
        let bytes = hub.head_bytes(repo, &first.path, n.min(first.size)).await?;
        match crate::engine::gguf::parse_header_prefix(&bytes, first.size, Path::new(&first.path)) {
            Ok(h) => break h,
            Err(_) if n < first.size && n < MAX_HEADER => n = (n * 4).min(MAX_HEADER),
            Err(e) => return Ok(Fit::Unknown(format!("{}: {e}", first.path))),
        }
    };
    let Some(mut estimate) = header.memory_estimate(header.load_ctx(ctx), None, None) else {
        return Ok(Fit::Unknown(format!(
            "{}: no KV cache or vocabulary shape in its header",
            first.path
        )));
    };
    // A multi-part model's first header lists only its own part's tensors.
    estimate.weights_bytes = estimate.weights_bytes.max(c.size().saturating_sub(n));
    let (fits, label) = estimate.fit(free);
    Ok(if fits {
        Fit::Fits(label)
    } else {
        Fit::TooBig(label)
    })
}

/// Bytes still to fetch (what is already in the cache, whole or partial, is not fetched again).
pub fn still_to_fetch(cache: &HubCache, repo: &str, c: &Candidate) -> u64 {
    c.files
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
        .sum()
}

/// Enough free disk for what is still to fetch.
pub fn disk_check(cache: &HubCache, repo: &str, c: &Candidate) -> anyhow::Result<()> {
    let need = still_to_fetch(cache, repo, c);
    let free = super::cache::free_disk(&cache.root);
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

/// What a download is doing, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Part `part` of `parts` (from 1) begins.
    File {
        path: String,
        size: u64,
        part: usize,
        parts: usize,
    },
    /// Bytes of the current file so far.
    Bytes { done: u64, size: u64 },
    /// The current file was already in the cache.
    AlreadyHere,
    /// The current file is done: how the transfer went.
    Done(Transfer),
}

/// Every part of `c` into the cache and its snapshot; the path of the first part (the one to
/// load) once all are checked and linked.
pub async fn download(
    hub: &Hub,
    cache: &HubCache,
    repo: &str,
    c: &Candidate,
    mut progress: impl FnMut(Progress),
) -> anyhow::Result<PathBuf> {
    let commit = hub.commit(repo, c.path()).await?;
    let parts = c.files.len();
    for (i, f) in c.files.iter().enumerate() {
        let sha = f.sha256.clone().with_context(|| {
            format!(
                "{repo}/{}: the Hub lists no sha256 for it, so it cannot be checked",
                f.path
            )
        })?;
        progress(Progress::File {
            path: f.path.clone(),
            size: f.size,
            part: i + 1,
            parts,
        });
        let dest = cache.blob(repo, &sha);
        if std::fs::metadata(&dest).is_ok_and(|m| m.len() == f.size) {
            progress(Progress::AlreadyHere);
        } else {
            let plan = Fetch {
                url: hub.resolve_url(repo, &f.path),
                token: hub.token.clone(),
                size: f.size,
                sha256: sha.clone(),
                partial: cache.incomplete(repo, &sha),
                lock: cache.lock(repo, &sha),
                dest,
            };
            let transfer = fetch(&hub.client, &plan, |done, size| {
                progress(Progress::Bytes { done, size })
            })
            .await?;
            progress(Progress::Done(transfer));
        }
        cache
            .link(repo, &commit, &f.path, &sha)
            .with_context(|| format!("{}: cannot link the snapshot", cache.root.display()))?;
    }
    Ok(cache.snapshot(repo, &commit, c.path()))
}

/// The name slam's discovery gives a pulled file: `ORG/REPO/STEM`.
pub fn model_name(repo: &str, c: &Candidate) -> String {
    let stem = Path::new(c.path())
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    format!("{repo}/{stem}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_and_without_a_quant() {
        let t = Target::parse("bartowski/SmolLM2-GGUF:q4_k_m").unwrap();
        assert_eq!(
            (t.repo.as_str(), t.quant.as_deref()),
            ("bartowski/SmolLM2-GGUF", Some("q4_k_m"))
        );
        assert_eq!(Target::parse(" a/b ").unwrap().quant, None);
        assert_eq!(Target::parse("a/b:").unwrap().quant, None);
        for bad in ["a", "a/", "/b", "a/b/c", "a/b/c:Q8_0"] {
            let e = Target::parse(bad).unwrap_err().to_string();
            assert!(e.contains("expected ORG/REPO"), "{bad}: {e}");
        }
    }
}
