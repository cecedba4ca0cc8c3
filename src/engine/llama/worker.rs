//! The inference thread of one loaded model: it owns the model and its context (the context is
//! `Send` but not `Sync`), answers tokenizer requests at once and hands generations to the
//! scheduler (several sequences in one context), never blocking the async runtime.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::{OnceLock, mpsc};
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;

use crate::domain::memory::ModelMemory;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::{LogOptions, send_logs_to_tracing};

use super::prompt::PromptFormat;
use super::scheduler::{Cached, Model, Pending, run_until_idle};
use super::threads::ThreadChoice;
use super::{Job, LlamaOptions, LlamaSpec, LoadedInfo, cpus, log_capture};
use crate::engine::EngineError;
use crate::engine::backend::GenEvent;
use crate::engine::gguf::GgufHeader;
use crate::engine::threads::choose_threads;

/// llama.cpp's backend is initialised once per process; its log goes to tracing from then on.
fn backend() -> Result<&'static LlamaBackend, EngineError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            send_logs_to_tracing(LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|reason| EngineError::Context {
            reason: format!("llama.cpp backend init failed: {reason}"),
        })
}

type Ready = Result<LoadedInfo, EngineError>;

/// Start the thread, load the model on it, and return once it is ready to serve.
pub(super) fn spawn(
    spec: &LlamaSpec,
    header: GgufHeader,
) -> Result<(mpsc::Sender<Job>, LoadedInfo), EngineError> {
    let (jobs, inbox) = mpsc::channel();
    let (ready_tx, ready_rx) = mpsc::sync_channel::<Ready>(1);
    let name = spec
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let spec_for_thread = spec.clone();
    std::thread::Builder::new()
        .name(format!("llama {name}"))
        .spawn(move || serve(spec_for_thread, header, ready_tx, inbox))
        .map_err(|e| EngineError::Context {
            reason: format!("cannot start the inference thread: {e}"),
        })?;
    let info = ready_rx.recv().map_err(|_| EngineError::WorkerGone {
        path: spec.path.clone(),
    })??;
    Ok((jobs, info))
}

fn serve(
    spec: LlamaSpec,
    header: GgufHeader,
    ready: mpsc::SyncSender<Ready>,
    inbox: mpsc::Receiver<Job>,
) {
    let started = Instant::now();
    // Measuring what other processes use takes a moment: start while the model loads.
    cpus::start_sampler();
    // The buffer sizes llama.cpp allocates are in its load log only.
    log_capture::start_thread_capture();
    let loaded = match load_model(&spec) {
        Ok(model) => model,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let opts = &spec.options;
    let n_ctx_train = loaded.n_ctx_train();
    let sizes = Sizes::of(opts, n_ctx_train);
    let Sizes {
        parallel,
        prompt_cache,
        n_batch,
        n_threads,
        ..
    } = sizes;
    let params = sizes.context_params();
    let Ok(backend) = backend() else { return };
    log_capture::clear();
    let mut ctx = match loaded.new_context(backend, params) {
        Ok(ctx) => ctx,
        Err(e) => {
            let reason = log_capture::take().unwrap_or_else(|| e.to_string());
            let _ = ready.send(Err(EngineError::Context { reason }));
            return;
        }
    };
    let (format, bos) = match prompt_format(&loaded, opts, &header) {
        Ok(f) => f,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let memory = ModelMemory::from_log(
        log_capture::take_thread_capture()
            .iter()
            .map(String::as_str),
    );
    // llama.cpp may round the requested size up.
    let n_ctx_seq = ctx.n_ctx() / parallel;
    let info = LoadedInfo {
        path: spec.path.clone(),
        n_ctx: n_ctx_seq,
        n_ctx_train,
        n_threads,
        n_batch,
        n_gpu_layers: opts.n_gpu_layers.unwrap_or(default_gpu_layers()),
        parallel,
        prompt_cache,
        prompt_format: format.label(),
        load_ms: started.elapsed().as_secs_f64() * 1000.0,
        memory,
    };
    tracing::info!(?info, "model ready");
    if ready.send(Ok(info)).is_err() {
        return;
    }
    let model = Model {
        model: &loaded,
        format,
        bos,
        n_batch,
        n_ctx_seq,
        prompt_cache,
    };
    let mut threads = ThreadChoice::new(opts.n_threads, n_threads);
    let mut slots: Vec<Cached> = vec![Vec::new(); parallel as usize];
    let mut queue = VecDeque::new();
    let mut inbox = Some(inbox);
    while let Some(job) = inbox.as_ref().and_then(|i| i.recv().ok()) {
        answer(job, &loaded, &mut queue);
        if queue.is_empty() {
            continue;
        }
        serve_on_own_thread(Serving {
            model: &model,
            ctx: &mut ctx,
            threads: &mut threads,
            slots: &mut slots,
            queue: &mut queue,
            inbox: &mut inbox,
        });
    }
}

/// How prompts are written for the model (its template, or the one asked for) and its BOS text.
fn prompt_format(
    loaded: &LlamaModel,
    opts: &LlamaOptions,
    header: &GgufHeader,
) -> Result<(PromptFormat, String), EngineError> {
    let vocab = loaded.vocab();
    let piece =
        |t: LlamaToken| String::from_utf8_lossy(&vocab.token_to_piece(t, true, None)).into_owned();
    let (bos, eos) = (piece(vocab.bos()), piece(vocab.eos()));
    let format = PromptFormat::choose(loaded, &opts.template, header.chat_template(), &bos, &eos)?;
    Ok((format, bos))
}

/// How a model's context is sized: per sequence, sequences, batch and threads.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    n_ctx_seq: u32,
    parallel: u32,
    prompt_cache: bool,
    n_batch: u32,
    n_threads: u32,
}

impl Sizes {
    fn of(opts: &LlamaOptions, n_ctx_train: u32) -> Sizes {
        let n_ctx_seq = super::ctx_per_seq(opts.n_ctx, Some(n_ctx_train));
        let parallel = super::sequences(opts.parallel);
        let n_batch = super::batch_size(opts.n_batch, n_ctx_seq, parallel);
        let n_threads = opts
            .n_threads
            .unwrap_or_else(|| choose_threads(&cpus::budget()))
            .max(1);
        Sizes {
            n_ctx_seq,
            parallel,
            prompt_cache: opts.prompt_cache.unwrap_or(true),
            n_batch,
            n_threads,
        }
    }

    fn context_params(&self) -> LlamaContextParams {
        let threads = i32::try_from(self.n_threads).unwrap_or(i32::MAX);
        LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(
                self.n_ctx_seq.saturating_mul(self.parallel),
            ))
            .with_n_seq_max(self.parallel)
            // Each sequence gets its own part of the cache, n_ctx tokens long. A shared cache
            // lets llama.cpp put more into one compute, but then a sequence's attention runs
            // over the others' cells too and its greedy answer changes with what else runs
            // (measured: a different answer after ~25 tokens); separate caches keep every
            // answer the same as it would be alone, at the price of a step splitting when the
            // running slots' ids are not consecutive or prefill and decode mix.
            .with_kv_unified(false)
            // A full-size sliding-window cache, so a cached prefix can always be cut and reused.
            .with_swa_full(self.prompt_cache)
            .with_n_batch(self.n_batch)
            .with_n_ubatch(self.n_batch)
            .with_n_threads(threads)
            .with_n_threads_batch(threads)
            .with_no_perf(false)
    }
}

/// What a loaded model serves with: its context, thread choice, cached slots, the queue of
/// requests and the inbox they arrive through.
struct Serving<'s, 'm, 'c> {
    model: &'s Model<'m>,
    ctx: &'s mut LlamaContext<'c>,
    threads: &'s mut ThreadChoice,
    slots: &'s mut [Cached],
    queue: &'s mut VecDeque<Pending>,
    inbox: &'s mut Option<mpsc::Receiver<Job>>,
}

/// Serve until the model is idle on a short-lived thread: llama.cpp's OpenMP thread team
/// belongs to the thread that computes and ends with it, so a model that sits idle keeps no
/// team alive (idle teams made the running model decode up to 40% slower: libgomp throttles its
/// spinning when teams outnumber the cores). It serves every request that arrives until the
/// model is idle again.
fn serve_on_own_thread(mut serving: Serving<'_, '_, '_>) {
    let spawned = std::thread::scope(|scope| {
        let on_thread = &mut serving;
        let decode = std::thread::Builder::new()
            .name("llama decode".into())
            .spawn_scoped(scope, move || serve_busy(on_thread));
        match decode {
            Ok(handle) => {
                if handle.join().is_err() {
                    tracing::error!("the decode thread panicked; its requests end as failed");
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "no decode thread: decoding on the model's own");
                false
            }
        }
    });
    if !spawned {
        serve_busy(&mut serving);
    }
    // After a panic the queue may still hold requests nobody will serve: they fail now.
    for p in serving.queue.drain(..) {
        let _ = p.events.send(GenEvent::Failed {
            error: EngineError::Internal {
                reason: "the model's decode thread stopped".into(),
            },
            at: Instant::now(),
        });
    }
}

/// Decode until the model is idle, taking the requests that arrive meanwhile.
fn serve_busy(s: &mut Serving<'_, '_, '_>) {
    let (model, inbox) = (s.model, &mut *s.inbox);
    run_until_idle(model, s.ctx, s.threads, s.slots, s.queue, |queue| {
        while let Some(job) = inbox.as_ref().and_then(|i| i.try_recv().ok()) {
            answer(job, model.model, queue);
        }
    });
}

/// A job the model's thread answers at once (tokenizing), or a generation to queue.
fn answer(job: Job, model: &LlamaModel, queue: &mut VecDeque<Pending>) {
    match job {
        Job::Generate {
            request,
            cancel,
            events,
            queued_at,
        } => queue.push_back(Pending {
            request: *request,
            cancel,
            events,
            queued_at,
        }),
        Job::Tokenize { text, reply } => {
            let vocab = model.vocab();
            let pieces = vocab
                .tokenize(text.as_bytes(), false, false)
                .into_iter()
                .map(|t| {
                    let mut piece = Vec::new();
                    vocab.token_to_piece_into(t, &mut piece, false, None);
                    (t.0, piece)
                })
                .collect();
            let _ = reply.send(pieces);
        }
        Job::Detokenize {
            ids,
            special,
            reply,
        } => {
            let tokens: Vec<LlamaToken> = ids.into_iter().map(LlamaToken).collect();
            let bytes = if tokens.is_empty() {
                Vec::new()
            } else {
                model.vocab().detokenize(&tokens, false, special)
            };
            let _ = reply.send(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
}

fn default_gpu_layers() -> u32 {
    if cfg!(feature = "cuda") { u32::MAX } else { 0 }
}

fn load_model(spec: &LlamaSpec) -> Result<LlamaModel, EngineError> {
    let backend = backend()?;
    let path: &Path = &spec.path;
    let params = LlamaModelParams::default()
        .with_n_gpu_layers(spec.options.n_gpu_layers.unwrap_or(default_gpu_layers()));
    log_capture::clear();
    LlamaModel::load_from_file(backend, path, &params).map_err(|e| EngineError::ModelLoad {
        path: path.to_path_buf(),
        reason: log_capture::take().unwrap_or_else(|| e.to_string()),
    })
}
