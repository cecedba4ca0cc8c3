//! Local GGUF models in-process through llama-cpp-2. Each loaded model lives on its own OS
//! thread that owns the model and its context; requests arrive over a channel. Models are
//! cached: asking for the same file with the same options again reuses the loaded one.

mod cpus;
mod log_capture;
mod prompt;
mod sampler;
mod scheduler;
mod threads;
mod worker;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc as tokio_mpsc;
use tokio_util::sync::CancellationToken;

pub use log_capture::LlamaLogCapture;

use super::backend::{Backend, GenEvent, GenRequest, GenStream};
use super::chat_template::TemplateChoice;
use super::{EngineError, gguf};

/// Load-time options of a local model (config keys of a `backend = "llama"` entry).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlamaOptions {
    /// Context window; default: the model's training context, capped at 4096.
    pub n_ctx: Option<u32>,
    /// CPU threads, fixed; default: chosen before each step from the CPUs really free.
    pub n_threads: Option<u32>,
    /// Prompt tokens per decode call; default 512.
    pub n_batch: Option<u32>,
    /// Layers to offload to a GPU (needs the `cuda` feature); default 0, or all with `cuda`.
    pub n_gpu_layers: Option<u32>,
    pub template: TemplateChoice,
    /// Generations served at once in one context (batched decoding); more wait in a queue.
    /// Default 1.
    pub parallel: Option<u32>,
    /// Reuse the cached prefix of the previous prompt (default on); off measures cold latency.
    pub prompt_cache: Option<bool>,
}

/// More sequences than any CPU serves usefully.
pub const MAX_PARALLEL: u32 = 64;

pub const DEFAULT_CTX_CAP: u32 = 4096;

/// The context per sequence a local model is loaded with, the one rule for loading it and for
/// estimating its memory before: the one asked for, else its training context up to
/// `DEFAULT_CTX_CAP` (the cap when the model does not say), and at least 16 tokens.
pub fn ctx_per_seq(asked: Option<u32>, n_ctx_train: Option<u32>) -> u32 {
    asked
        .unwrap_or_else(|| n_ctx_train.unwrap_or(DEFAULT_CTX_CAP).min(DEFAULT_CTX_CAP))
        .max(16)
}
pub const DEFAULT_BATCH: u32 = 512;

/// Sequences a local model serves at once: the number asked for, 1 to `MAX_PARALLEL`.
pub fn sequences(asked: Option<u32>) -> u32 {
    asked.unwrap_or(1).clamp(1, MAX_PARALLEL)
}

/// Tokens per decode call, which is also the micro-batch: the number asked for, else
/// `DEFAULT_BATCH`, at most the context per sequence and at least one per sequence (every
/// decoding sequence adds a token to each step's batch).
pub fn batch_size(asked: Option<u32>, n_ctx_seq: u32, parallel: u32) -> u32 {
    asked
        .unwrap_or(DEFAULT_BATCH)
        .clamp(1, n_ctx_seq)
        .max(parallel)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LlamaSpec {
    pub path: PathBuf,
    pub options: LlamaOptions,
}

impl LlamaSpec {
    /// The same spec with the file's canonical path: one key for one file, however named.
    pub fn canonical(&self) -> LlamaSpec {
        LlamaSpec {
            path: std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone()),
            options: self.options.clone(),
        }
    }
}

/// What loading settled on, for display and for the run record.
#[derive(Debug, Clone, Serialize)]
pub struct LoadedInfo {
    pub path: PathBuf,
    pub n_ctx: u32,
    pub n_ctx_train: u32,
    pub n_threads: u32,
    pub n_batch: u32,
    pub n_gpu_layers: u32,
    pub parallel: u32,
    pub prompt_cache: bool,
    /// Which prompt format is in use: "gguf-jinja", "llama.cpp:<name>" or "raw".
    pub prompt_format: String,
    pub load_ms: f64,
    /// Weights, KV cache and compute buffers per device, as llama.cpp logged them.
    pub memory: crate::domain::memory::ModelMemory,
}

enum Job {
    Generate {
        /// Boxed: a conversation is much larger than the other jobs.
        request: Box<GenRequest>,
        cancel: CancellationToken,
        events: tokio_mpsc::UnboundedSender<GenEvent>,
        /// When the request was made: a busy model's queue time starts here.
        queued_at: Instant,
    },
    Tokenize {
        text: String,
        reply: mpsc::Sender<Vec<(i32, Vec<u8>)>>,
    },
    Detokenize {
        ids: Vec<i32>,
        /// Special tokens as their text.
        special: bool,
        reply: mpsc::Sender<String>,
    },
}

/// A loaded model: a handle to its inference thread.
pub struct LocalModel {
    info: LoadedInfo,
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl LocalModel {
    pub fn info(&self) -> &LoadedInfo {
        &self.info
    }

    /// Detokenize `ids` in one call (not streamed), on the model's own thread.
    pub fn detokenize(&self, ids: Vec<i32>) -> Result<String, EngineError> {
        self.detokenize_as(ids, false)
    }

    /// Detokenize with special tokens written as their text (`<|im_start|>`): a prompt as the
    /// model decoded it.
    pub fn detokenize_special(&self, ids: Vec<i32>) -> Result<String, EngineError> {
        self.detokenize_as(ids, true)
    }

    fn detokenize_as(&self, ids: Vec<i32>, special: bool) -> Result<String, EngineError> {
        let (reply, answer) = mpsc::channel();
        self.send(Job::Detokenize {
            ids,
            special,
            reply,
        })?;
        answer.recv().map_err(|_| self.gone())
    }

    /// Tokenize `text` (no BOS) on the model's own thread: each token's id and its raw bytes,
    /// which may be part of a UTF-8 character — what the decode loop streams.
    pub fn tokenize(&self, text: &str) -> Result<Vec<(i32, Vec<u8>)>, EngineError> {
        let (reply, answer) = mpsc::channel();
        self.send(Job::Tokenize {
            text: text.to_owned(),
            reply,
        })?;
        answer.recv().map_err(|_| self.gone())
    }

    fn send(&self, job: Job) -> Result<(), EngineError> {
        let jobs = self.jobs.lock().map_err(|_| self.gone())?;
        jobs.send(job).map_err(|_| self.gone())
    }

    fn gone(&self) -> EngineError {
        EngineError::WorkerGone {
            path: self.info.path.clone(),
        }
    }
}

impl Backend for LocalModel {
    fn generate(&self, request: GenRequest, cancel: CancellationToken) -> GenStream {
        let (events, stream) = tokio_mpsc::unbounded_channel();
        let now = Instant::now();
        let _ = events.send(GenEvent::Started { at: now });
        let failed = events.clone();
        if let Err(error) = self.send(Job::Generate {
            request: Box::new(request),
            cancel,
            events,
            queued_at: now,
        }) {
            let _ = failed.send(GenEvent::Failed {
                error,
                at: Instant::now(),
            });
        }
        stream
    }

    fn memory(&self) -> Option<crate::domain::memory::ModelMemory> {
        (!self.info.memory.is_empty()).then(|| self.info.memory.clone())
    }
}

/// Load `spec` (blocking: call from a blocking context) on a new inference thread. The file is
/// validated first, so a bad file is an error naming it, never a crash. Sharing a loaded model
/// between generations is the caller's business (`app::factory::Models`).
pub fn load(spec: &LlamaSpec) -> Result<Arc<LocalModel>, EngineError> {
    let header = gguf::read_header(&spec.path)?;
    // Loaded by the path as given, not the link's target: llama.cpp finds a multi-part
    // model's other parts beside the first by name, and in the Hugging Face cache the names
    // are the snapshot's links (their targets are blobs named by hash).
    let (jobs, info) = worker::spawn(spec, header)?;
    Ok(Arc::new(LocalModel {
        info,
        jobs: Mutex::new(jobs),
    }))
}

/// Physical cores, which is what llama.cpp's own tools default to.
pub fn default_threads() -> u32 {
    u32::try_from(num_cpus::get_physical().max(1)).unwrap_or(1)
}

#[cfg(test)]
mod ctx_tests {
    use super::ctx_per_seq;

    #[test]
    fn the_context_rule_by_hand() {
        assert_eq!(ctx_per_seq(None, Some(131_072)), 4096);
        assert_eq!(ctx_per_seq(None, Some(2048)), 2048);
        assert_eq!(ctx_per_seq(None, None), 4096);
        assert_eq!(ctx_per_seq(Some(8192), Some(2048)), 8192);
        assert_eq!(ctx_per_seq(Some(8), None), 16);
    }
}
