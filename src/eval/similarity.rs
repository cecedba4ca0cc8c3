//! `slam similarity SESSION`: every plain answer of an eval run embedded once (stored, so a
//! stopped run resumes), then each answer's similarity to the baseline's answers, SLaM's
//! reading, stability across repetitions, and how far similarity's reading agrees with the
//! human pair votes.

use crate::store::records::ExportLine;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::bail;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::answers;
use crate::analysis::similarity::{self, EmbeddedAnswer, SimilarityReport};
use crate::engine::embed::Embedder;
use crate::store::Store;

/// The embedder SLaM used, as `make models` fetches it.
pub const EMBEDDER_NAME: &str = "all-MiniLM-L6-v2";

/// Answers embedded and stored together.
const STORE_BATCH: usize = 64;

/// `$XDG_CACHE_HOME/slam/models/all-MiniLM-L6-v2`.
pub fn default_embedder_dir() -> PathBuf {
    crate::config::cache_dir()
        .join("models")
        .join(EMBEDDER_NAME)
}

/// The embedder's stored name: its directory's name and the start of its weights' sha256, so
/// vectors of two different models never mix.
pub fn embedder_id(dir: &Path) -> anyhow::Result<String> {
    let weights = dir.join("model.safetensors");
    let mut file = std::fs::File::open(&weights).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e} (run `make models` to fetch {EMBEDDER_NAME})",
            weights.display()
        )
    })?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let sha = hasher.finalize();
    let short: String = sha.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let name = dir.file_name().map_or_else(
        || EMBEDDER_NAME.into(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(format!("{name}@{short}"))
}

#[derive(Debug, Clone, Default)]
pub struct SimilarityOptions {
    pub baseline: Option<String>,
    /// A sentence-transformers model directory (default: all-MiniLM-L6-v2 from `make models`).
    pub embedder: Option<PathBuf>,
}

/// Embed what is not yet stored, then compute the figures. CPU-bound: call it off the async
/// runtime's worker threads.
pub fn run(
    db: &Path,
    session: i64,
    opts: &SimilarityOptions,
    cancel: &CancellationToken,
) -> anyhow::Result<SimilarityReport> {
    let dir = opts.embedder.clone().unwrap_or_else(default_embedder_dir);
    let store = Store::open(db)?;
    let lines = store.export_lines(session)?;
    if lines.is_empty() {
        bail!("session {session} has no answers (see `slam sessions list`)");
    }
    let baseline = answers::baseline(&store, session, opts.baseline.as_deref())?;
    let plain = answers::plain(&lines);
    if !plain.iter().any(|l| l.generation.model == baseline) {
        bail!("session {session} has no answers of the baseline {baseline:?}");
    }
    let id = embedder_id(&dir)?;
    let stored = store.embeddings(session, &id)?;
    let todo: Vec<_> = plain
        .iter()
        .filter(|l| !stored.contains_key(&l.generation.uid))
        .collect();
    if !todo.is_empty() {
        let embedder = Embedder::load(&dir)?;
        let ids = store.generation_ids(session)?;
        for chunk in todo.chunks(STORE_BATCH) {
            if cancel.is_cancelled() {
                break;
            }
            let texts: Vec<&str> = chunk.iter().map(|l| l.generation.text.as_str()).collect();
            let vectors = embedder.embed(&texts)?;
            let rows: Vec<(i64, Vec<f32>)> = chunk
                .iter()
                .zip(vectors)
                .filter_map(|(l, v)| Some((*ids.get(&l.generation.uid)?, v)))
                .collect();
            store.insert_embeddings(&id, &rows)?;
        }
    }
    Ok(summary(&store.export_lines(session)?, &baseline, &id))
}

/// The figures from the vectors of one embedder that the lines carry.
fn summary(lines: &[ExportLine], baseline: &str, embedder: &str) -> SimilarityReport {
    let embedded: Vec<EmbeddedAnswer> = answers::plain(lines)
        .into_iter()
        .filter_map(|l| {
            Some(EmbeddedAnswer {
                uid: l.generation.uid.clone(),
                model: l.generation.model.clone(),
                input: l.prompt.uid.clone(),
                repetition: l.generation.repetition,
                vector: l.embeddings.get(embedder)?.clone(),
            })
        })
        .collect();
    similarity::summarize(
        embedded.as_slice(),
        baseline,
        embedder,
        &answers::human_votes(lines),
    )
}

/// The figures from what is stored (the most used embedder), if the session has vectors and a
/// baseline.
pub fn stored_report(store: &Store, session: i64) -> anyhow::Result<Option<SimilarityReport>> {
    let Ok(baseline) = answers::baseline(store, session, None) else {
        return Ok(None);
    };
    Ok(from_lines(&store.export_lines(session)?, &baseline))
}

/// The figures from the vectors an eval run's lines carry (a store's export or a file), by the
/// embedder most of them were embedded with; None without vectors.
pub fn from_lines(lines: &[ExportLine], baseline: &str) -> Option<SimilarityReport> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in lines.iter().flat_map(|l| l.embeddings.keys()) {
        *counts.entry(e.as_str()).or_default() += 1;
    }
    // The most used; of equals, the first by name.
    let embedder = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))?
        .0
        .to_string();
    Some(summary(lines, baseline, &embedder))
}
