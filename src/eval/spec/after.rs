//! The spec's tables that run once the cells are done: `[judge]` and `[similarity]`, read and
//! checked before anything runs.

use std::path::Path;

use serde::Deserialize;

use crate::config::Config;
use crate::domain::GenParamsPatch;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SimilaritySpec {
    /// A sentence-transformers model directory, relative to the spec (default:
    /// all-MiniLM-L6-v2 from `make models`).
    embedder: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JudgeSpec {
    model: String,
    #[serde(default)]
    criteria: Vec<CriterionSpec>,
    /// A pairwise prompt template file, relative to the spec.
    template: Option<String>,
    max_tokens: Option<u32>,
    /// "pairwise" (default) or "grade".
    mode: Option<String>,
    /// Grading: what a good answer is.
    rubric: Option<String>,
    /// Grading: the baseline's answer to the same input as a reference.
    #[serde(default)]
    reference: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CriterionSpec {
    name: String,
    description: String,
}

/// The `[judge]` table as options, checked: the model exists, criteria are unique, a template
/// shows the judge both answers.
pub(super) fn judge_options(
    j: &JudgeSpec,
    base: &Path,
    config: &Config,
) -> Result<crate::eval::judge::JudgeOptions, String> {
    config
        .resolve(&j.model, &GenParamsPatch::default())
        .map_err(|e| format!("[judge]: {e}"))?;
    let template = match &j.template {
        Some(f) => {
            let p = base.join(f);
            Some(std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let opts = crate::eval::judge::JudgeOptions {
        judge: j.model.clone(),
        baseline: None,
        criteria: j
            .criteria
            .iter()
            .map(|c| (c.name.clone(), c.description.clone()))
            .collect(),
        template,
        max_tokens: j.max_tokens.unwrap_or(160),
        mode: match &j.mode {
            Some(m) => m.parse().map_err(|e| format!("[judge]: {e}"))?,
            None => crate::analysis::judge::JudgeMode::Pairwise,
        },
        rubric: j.rubric.clone(),
        reference: j.reference,
        timeout: None,
    };
    crate::eval::judge::check(&opts).map_err(|e| format!("[judge]: {e}"))?;
    Ok(opts)
}

/// The `[similarity]` table as options, checked: a baseline to compare with, an embedder
/// directory that holds a model.
pub(super) fn similarity_options(
    t: &SimilaritySpec,
    base: &Path,
    has_baseline: bool,
) -> Result<crate::eval::similarity::SimilarityOptions, String> {
    if !has_baseline {
        return Err(
            "[similarity]: no baseline to compare with: mark one model `baseline = true`".into(),
        );
    }
    let dir = t.embedder.as_ref().map(|d| base.join(d));
    let shown = dir
        .clone()
        .unwrap_or_else(crate::eval::similarity::default_embedder_dir);
    for f in ["config.json", "model.safetensors", "tokenizer.json"] {
        if !shown.join(f).is_file() {
            return Err(format!(
                "[similarity]: {}: {f} is missing (run `make models` to fetch all-MiniLM-L6-v2)",
                shown.display()
            ));
        }
    }
    Ok(crate::eval::similarity::SimilarityOptions {
        baseline: None,
        embedder: dir,
    })
}
