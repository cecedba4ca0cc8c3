//! What produced an eval run, read from the run itself (never from the moment a report is
//! written, so a report written again from the same run is the same file): when it started,
//! the slam that recorded it, the prompt set's hash, and per model its identity, sampling
//! parameters, seed, repetitions and hardware.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// The run's start as recorded (`session.created_at`).
    pub started: Option<String>,
    /// Every slam version that recorded a cell of it.
    pub slam_versions: Vec<String>,
    pub prompt_set: Option<String>,
    pub prompt_set_sha256: Option<String>,
    /// Why the run stopped before its plan ran out (None: it ran to the end).
    pub stopped: Option<crate::domain::run_stop::RunStop>,
    pub models: BTreeMap<String, ModelProvenance>,
}

/// A sampling parameter's value over a model's cells: one value, or not the same on all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting {
    Same(f64),
    Varied,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelProvenance {
    /// `llama.cpp` or `openai`.
    pub backend: Option<String>,
    pub quantization: Option<String>,
    pub gguf_sha256: Option<String>,
    /// The server's base URL (credentials stripped when recorded) and the id it serves.
    pub base_url: Option<String>,
    pub model_id: Option<String>,
    /// The llama-cpp-2 crate version (it pins llama.cpp).
    pub llama_cpp_2: Option<String>,
    /// Each distinct machine its cells ran on, described.
    pub hardware: Vec<String>,
    /// 1 + the highest repetition.
    pub repetitions: u64,
    /// The lowest seed (repetition r is sampled with seed + r).
    pub seed: Option<u64>,
    /// (parameter, its value) in `PARAMETERS` order.
    pub params: Vec<(&'static str, Setting)>,
}

/// The sampling parameters a provenance names, as stored in each answer's `params`.
pub const PARAMETERS: [&str; 6] = [
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "repeat_penalty",
    "max_tokens",
];
