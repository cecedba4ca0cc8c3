//! Turning a resolved model into a running backend.

use std::sync::Arc;

use crate::config::{BackendKind, ResolvedModel};
use crate::engine::openai::OpenAiBackend;
use crate::engine::{Backend, EngineError, llama};

use super::SamplingArgs;

/// Load a model (blocking: llama models load on their own thread; this waits for it).
pub fn open(model: &ResolvedModel, args: &SamplingArgs) -> Result<Arc<dyn Backend>, EngineError> {
    let config_error = |reason: String| EngineError::Config { reason };
    match model.entry.backend {
        BackendKind::Llama => {
            let Some(mut spec) = model.llama_spec() else {
                return Err(config_error(format!(
                    "model {:?}: a llama model needs `path`",
                    model.name
                )));
            };
            if args.threads.is_some() {
                spec.options.n_threads = args.threads;
            }
            if args.ctx_size.is_some() {
                spec.options.n_ctx = args.ctx_size;
            }
            let loaded: Arc<dyn Backend> = llama::load(&spec)?;
            Ok(loaded)
        }
        BackendKind::Openai => {
            let Some(opts) = model.openai_options() else {
                return Err(config_error(format!(
                    "model {:?}: an openai model needs `model` (the id the server knows)",
                    model.name
                )));
            };
            let backend: Arc<dyn Backend> = Arc::new(OpenAiBackend::new(opts)?);
            Ok(backend)
        }
    }
}

/// Load on a blocking thread so several models load at once.
pub async fn open_async(
    model: ResolvedModel,
    args: SamplingArgs,
) -> Result<Arc<dyn Backend>, EngineError> {
    tokio::task::spawn_blocking(move || open(&model, &args))
        .await
        .unwrap_or_else(|e| {
            Err(EngineError::Config {
                reason: format!("model loading stopped: {e}"),
            })
        })
}
