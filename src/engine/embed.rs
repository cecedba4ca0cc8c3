//! Sentence embeddings with a sentence-transformers BERT model (all-MiniLM-L6-v2, the embedder
//! SLaM scores similarity with), run in-process by candle from the model's own files:
//! `config.json`, `model.safetensors`, `tokenizer.json` and `sentence_bert_config.json`.
//! The pipeline is sentence-transformers' own: tokenize (lower-cased WordPiece, truncated to the
//! model's `max_seq_length`), encode, mean-pool over the real tokens, L2-normalise.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// The files a sentence-transformers model directory must hold.
const FILES: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// Texts encoded together; sorted by length first so padding stays small.
pub const BATCH: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("{}: {what} is missing (run `make models` to fetch all-MiniLM-L6-v2)", dir.display())]
    Missing { dir: PathBuf, what: String },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("embedding failed: {0}")]
    Compute(String),
}

pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    dim: usize,
    max_tokens: usize,
}

impl Embedder {
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        for f in FILES {
            if !dir.join(f).is_file() {
                return Err(EmbedError::Missing {
                    dir: dir.to_path_buf(),
                    what: f.to_owned(),
                });
            }
        }
        let invalid = |file: &str, message: String| EmbedError::Invalid {
            path: dir.join(file),
            message,
        };
        let config_text = std::fs::read_to_string(dir.join("config.json"))
            .map_err(|e| invalid("config.json", e.to_string()))?;
        let config: Config = serde_json::from_str(&config_text)
            .map_err(|e| invalid("config.json", format!("not a BERT config: {e}")))?;
        let dim: usize = serde_json::from_str::<serde_json::Value>(&config_text)
            .ok()
            .and_then(|v| v.get("hidden_size")?.as_u64())
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| invalid("config.json", "no hidden_size".into()))?;
        let max_tokens = max_seq_length(dir)?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| invalid("tokenizer.json", e.to_string()))?;
        // The file pads to a fixed 128 and truncates at 128; sentence-transformers overrides
        // both with its own max_seq_length and pads a batch to its longest text.
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| invalid("tokenizer.json", e.to_string()))?;
        let pad = tokenizer.get_padding().cloned().unwrap_or_default();
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..pad
        }));
        let weights = dir.join("model.safetensors");
        // SAFETY: the file is memory-mapped read-only; slam never writes model files while
        // they are loaded (the same contract as llama.cpp's mmap of a GGUF).
        let vb = unsafe {
            VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &Device::Cpu)
                .map_err(|e| invalid("model.safetensors", e.to_string()))?
        };
        let model = BertModel::load(vb, &config)
            .map_err(|e| invalid("model.safetensors", e.to_string()))?;
        Ok(Self {
            model,
            tokenizer,
            dim,
            max_tokens,
        })
    }

    /// The length of every embedding.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Tokens a text is cut to before it is encoded.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// The number of tokens `text` is encoded as (with [CLS] and [SEP], after truncation).
    pub fn token_count(&self, text: &str) -> Result<usize, EmbedError> {
        self.tokenizer
            .encode(text, true)
            .map(|e| e.get_ids().len())
            .map_err(|e| EmbedError::Compute(e.to_string()))
    }

    /// One unit-length embedding per text, in the order given.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, v) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let fail = |e: &dyn std::fmt::Display| EmbedError::Compute(e.to_string());
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| fail(&e))?;
        let rows = |f: fn(&tokenizers::Encoding) -> &[u32]| -> Result<Tensor, EmbedError> {
            let flat: Vec<u32> = encodings.iter().flat_map(|e| f(e).to_vec()).collect();
            let width = encodings.first().map_or(0, |e| f(e).len());
            Tensor::from_vec(flat, (encodings.len(), width), &Device::Cpu).map_err(|e| fail(&e))
        };
        let ids = rows(tokenizers::Encoding::get_ids)?;
        let types = rows(tokenizers::Encoding::get_type_ids)?;
        let mask = rows(tokenizers::Encoding::get_attention_mask)?;
        let hidden = self
            .model
            .forward(&ids, &types, Some(&mask))
            .map_err(|e| fail(&e))?;
        mean_pool_normalised(&hidden, &mask).map_err(|e| fail(&e))
    }
}

/// Mean over the tokens the mask keeps, then unit length: `[batch, tokens, dim]` → rows.
fn mean_pool_normalised(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Vec<Vec<f32>>> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    // sentence-transformers clamps the count at 1e-9 so an all-padding row stays finite.
    let counts = mask.sum(1)?.clamp(1e-9, f64::INFINITY)?;
    let mean = summed.broadcast_div(&counts)?;
    let rows: Vec<Vec<f32>> = mean.to_vec2()?;
    Ok(rows.into_iter().map(unit).collect())
}

/// `v / max(‖v‖, 1e-12)`, as torch's `normalize` does.
fn unit(v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.into_iter().map(|x| x / norm).collect()
}

/// `max_seq_length` from `sentence_bert_config.json` (absent file: BERT's 512).
fn max_seq_length(dir: &Path) -> Result<usize, EmbedError> {
    let path = dir.join("sentence_bert_config.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(512);
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("max_seq_length")?.as_u64())
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n >= 2)
        .ok_or_else(|| EmbedError::Invalid {
            path,
            message: "expected a max_seq_length of at least 2".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_vector_has_length_one_and_zero_stays_finite() {
        let v = unit(vec![3.0, 4.0]);
        assert!((v[0] - 0.6).abs() < 1e-7 && (v[1] - 0.8).abs() < 1e-7);
        assert!(unit(vec![0.0, 0.0]).iter().all(|x| *x == 0.0));
    }

    #[test]
    fn pooling_ignores_padding() {
        // Two rows of three tokens; the second row's last token is padding.
        let hidden = Tensor::new(
            &[
                [[1f32, 0.0], [3.0, 0.0], [5.0, 0.0]],
                [[0.0, 2.0], [0.0, 4.0], [100.0, 100.0]],
            ],
            &Device::Cpu,
        )
        .unwrap();
        let mask = Tensor::new(&[[1u32, 1, 1], [1, 1, 0]], &Device::Cpu).unwrap();
        let rows = mean_pool_normalised(&hidden, &mask).unwrap();
        assert_eq!(rows, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    }

    #[test]
    fn a_directory_without_the_model_names_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let err = Embedder::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("config.json is missing"), "{err}");
        assert!(err.contains("make models"), "{err}");
    }
}
