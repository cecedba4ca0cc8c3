//! Opening models: a resolved model in, a running backend out. The real factory loads local
//! GGUFs through llama.cpp (each loaded once per factory, then shared) and connects to
//! OpenAI-compatible servers; tests give the app layer a scripted factory instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::config::{BackendKind, ResolvedModel};
use crate::engine::llama::{self, LlamaSpec, LocalModel};
use crate::engine::openai::{OpenAiBackend, OpenAiOptions};
use crate::engine::{Backend, EngineError};
use crate::monitor::energy_meter::EnergyMeter;

/// Opens models. `open` may block (a local model loads on its own thread and this waits).
pub trait BackendFactory: Send + Sync {
    fn open(&self, model: &ResolvedModel) -> Result<Arc<dyn Backend>, EngineError>;

    /// What measures the energy of `model`'s generations: this machine's meter for a local
    /// model; a remote server's energy is not seen here.
    fn energy_meter(&self, model: &ResolvedModel) -> Option<Arc<EnergyMeter>> {
        (model.entry.backend == BackendKind::Llama).then(EnergyMeter::global)
    }
}

/// Command-line settings that change how a local model is loaded, not how it samples.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOverrides {
    pub threads: Option<u32>,
    pub ctx_size: Option<u32>,
    pub parallel: Option<u32>,
    pub prompt_cache: Option<bool>,
}

/// The real models. A local model is loaded once per file and load options and shared by every
/// generation this factory serves (a TUI pane run again reuses it).
#[derive(Default)]
pub struct Models {
    overrides: LoadOverrides,
    loaded: Mutex<HashMap<LlamaSpec, Arc<LocalModel>>>,
    /// Remote models by name, kept so what a server taught one request (a parameter it
    /// rejects) holds for the rest of the run.
    remote: Mutex<HashMap<String, (OpenAiOptions, Arc<OpenAiBackend>)>>,
}

impl Models {
    pub fn new(overrides: LoadOverrides) -> Self {
        Self {
            overrides,
            loaded: Mutex::default(),
            remote: Mutex::default(),
        }
    }

    /// A local model, loaded now or shared from an earlier load of the same file and options.
    pub fn local(&self, spec: &LlamaSpec) -> Result<Arc<LocalModel>, EngineError> {
        let key = spec.canonical();
        let poisoned = || EngineError::Context {
            reason: "the loaded-model table was poisoned by a panic".into(),
        };
        if let Some(model) = self.loaded.lock().map_err(|_| poisoned())?.get(&key) {
            return Ok(model.clone());
        }
        // Loading takes seconds: not under the lock, so other models load meanwhile. Errors
        // name the file as the user gave it.
        let model = llama::load(spec)?;
        let mut loaded = self.loaded.lock().map_err(|_| poisoned())?;
        // Another thread may have loaded the same model meanwhile: keep the first one.
        Ok(loaded.entry(key).or_insert(model).clone())
    }
}

impl Models {
    fn remote(&self, name: &str, opts: OpenAiOptions) -> Result<Arc<OpenAiBackend>, EngineError> {
        let mut remote = self.remote.lock().map_err(|_| EngineError::Context {
            reason: "the remote-model table was poisoned by a panic".into(),
        })?;
        if let Some((known, backend)) = remote.get(name)
            && *known == opts
        {
            return Ok(backend.clone());
        }
        let backend = Arc::new(OpenAiBackend::new(opts.clone())?);
        remote.insert(name.to_owned(), (opts, backend.clone()));
        Ok(backend)
    }
}

impl BackendFactory for Models {
    fn open(&self, model: &ResolvedModel) -> Result<Arc<dyn Backend>, EngineError> {
        let config_error = |reason: String| EngineError::Config { reason };
        match model.entry.backend {
            BackendKind::Llama => {
                let Some(mut spec) = model.llama_spec() else {
                    return Err(config_error(format!(
                        "model {:?}: a llama model needs `path`",
                        model.name()
                    )));
                };
                if self.overrides.threads.is_some() {
                    spec.options.n_threads = self.overrides.threads;
                }
                if self.overrides.ctx_size.is_some() {
                    spec.options.n_ctx = self.overrides.ctx_size;
                }
                if self.overrides.parallel.is_some() {
                    spec.options.parallel = self.overrides.parallel;
                }
                if self.overrides.prompt_cache.is_some() {
                    spec.options.prompt_cache = self.overrides.prompt_cache;
                }
                let loaded: Arc<dyn Backend> = self.local(&spec)?;
                Ok(loaded)
            }
            BackendKind::Openai => {
                let Some(opts) = model.openai_options() else {
                    return Err(config_error(format!(
                        "model {:?}: an openai model needs `model` (the id the server knows)",
                        model.name()
                    )));
                };
                let backend: Arc<dyn Backend> = self.remote(model.name(), opts)?;
                Ok(backend)
            }
        }
    }
}
