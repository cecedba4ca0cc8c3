//! The inference thread of one loaded model: it owns the model and its context (the context is
//! `Send` but not `Sync`) and serves requests one at a time, never blocking the async runtime.

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::{OnceLock, mpsc};
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::{LogOptions, send_logs_to_tracing};
use tokio::sync::mpsc as tokio_mpsc;
use tokio_util::sync::CancellationToken;

use super::prompt::PromptFormat;
use super::{DEFAULT_BATCH, DEFAULT_CTX_CAP, Job, LlamaSpec, LoadedInfo, log_capture, sampler};
use crate::core::domain::{EngineTimings, FinishReason, Usage};
use crate::core::stop::StopMatcher;
use crate::engine::EngineError;
use crate::engine::backend::{GenEvent, GenRequest};
use crate::engine::gguf::GgufHeader;
use crate::engine::utf8::Utf8Stream;

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
    let loaded = match load_model(&spec) {
        Ok(model) => model,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let opts = &spec.options;
    let n_ctx_train = loaded.n_ctx_train();
    let n_ctx = opts
        .n_ctx
        .unwrap_or(n_ctx_train.min(DEFAULT_CTX_CAP))
        .max(16);
    let n_batch = opts.n_batch.unwrap_or(DEFAULT_BATCH).clamp(1, n_ctx);
    let n_threads = opts.n_threads.unwrap_or_else(super::default_threads).max(1);
    let threads = i32::try_from(n_threads).unwrap_or(i32::MAX);
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(n_ctx))
        .with_n_batch(n_batch)
        .with_n_ubatch(n_batch)
        .with_n_threads(threads)
        .with_n_threads_batch(threads)
        .with_no_perf(false);
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
    let vocab = loaded.vocab();
    let piece =
        |t: LlamaToken| String::from_utf8_lossy(&vocab.token_to_piece(t, true, None)).into_owned();
    let (bos, eos) = (piece(vocab.bos()), piece(vocab.eos()));
    let format =
        match PromptFormat::choose(&loaded, &opts.template, header.chat_template(), &bos, &eos) {
            Ok(f) => f,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
    let info = LoadedInfo {
        path: spec.path.clone(),
        // llama.cpp may round the requested size up.
        n_ctx: ctx.n_ctx(),
        n_ctx_train,
        n_threads,
        n_batch,
        n_gpu_layers: opts.n_gpu_layers.unwrap_or(default_gpu_layers()),
        prompt_format: format.label(),
        load_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    tracing::info!(?info, "model ready");
    if ready.send(Ok(info)).is_err() {
        return;
    }
    let session = Session {
        model: &loaded,
        format,
        bos,
        n_batch,
    };
    while let Ok(job) = inbox.recv() {
        match job {
            Job::Generate {
                request,
                cancel,
                events,
            } => {
                // Each generation runs on a short-lived thread: llama.cpp's OpenMP thread team
                // belongs to the thread that computes and ends with it, so a model that sits
                // idle keeps no team alive (idle teams made the running model decode up to 40%
                // slower: libgomp throttles its spinning when teams outnumber the cores).
                let ctx = &mut ctx;
                let session = &session;
                let failed = events.clone();
                std::thread::scope(|scope| {
                    let run = std::thread::Builder::new()
                        .name("llama decode".into())
                        .spawn_scoped(scope, move || {
                            session.generate(ctx, &request, &cancel, &events)
                        });
                    if let Err(e) = run {
                        let _ = failed.send(GenEvent::Failed {
                            error: EngineError::Decode {
                                reason: format!("cannot start a decode thread: {e}"),
                            },
                            at: Instant::now(),
                        });
                    }
                });
            }
            Job::Tokenize { text, reply } => {
                let vocab = loaded.vocab();
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
            Job::Detokenize { ids, reply } => {
                let tokens: Vec<LlamaToken> = ids.into_iter().map(LlamaToken).collect();
                let bytes = if tokens.is_empty() {
                    Vec::new()
                } else {
                    loaded.vocab().detokenize(&tokens, false, false)
                };
                let _ = reply.send(String::from_utf8_lossy(&bytes).into_owned());
            }
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

struct Session<'m> {
    model: &'m LlamaModel,
    format: PromptFormat,
    bos: String,
    n_batch: u32,
}

/// What one decode loop produced.
struct Outcome {
    finish_reason: FinishReason,
    prompt_tokens: usize,
    generated: Vec<i32>,
}

impl Session<'_> {
    fn generate(
        &self,
        ctx: &mut LlamaContext<'_>,
        request: &GenRequest,
        cancel: &CancellationToken,
        events: &tokio_mpsc::UnboundedSender<GenEvent>,
    ) {
        ctx.clear_kv_cache();
        ctx.reset_timings();
        let event = match self.decode_loop(ctx, request, cancel, events) {
            Ok(outcome) => {
                let t = ctx.timings();
                GenEvent::Finished {
                    usage: Usage {
                        prompt_tokens: u32::try_from(outcome.prompt_tokens).ok(),
                        completion_tokens: u32::try_from(outcome.generated.len())
                            .unwrap_or(u32::MAX),
                        estimated: false,
                    },
                    finish_reason: outcome.finish_reason,
                    timings: Some(EngineTimings {
                        prompt_tokens: u32::try_from(t.n_p_eval()).unwrap_or(0),
                        prompt_ms: t.t_p_eval_ms(),
                        predicted_tokens: u32::try_from(t.n_eval()).unwrap_or(0),
                        predicted_ms: t.t_eval_ms(),
                    }),
                    token_ids: request.record_token_ids.then_some(outcome.generated),
                    at: Instant::now(),
                }
            }
            Err(error) => GenEvent::Failed {
                error,
                at: Instant::now(),
            },
        };
        let _ = events.send(event);
    }

    fn decode_loop(
        &self,
        ctx: &mut LlamaContext<'_>,
        request: &GenRequest,
        cancel: &CancellationToken,
        events: &tokio_mpsc::UnboundedSender<GenEvent>,
    ) -> Result<Outcome, EngineError> {
        let decode_err = |e: &dyn std::fmt::Display| EngineError::Decode {
            reason: e.to_string(),
        };
        let params = &request.params;
        let prompt = self.format.render(self.model, &request.messages)?;
        let vocab = self.model.vocab();
        // A template that writes the BOS itself must not get a second one from the tokenizer.
        let add_special = self.bos.is_empty() || !prompt.text.starts_with(&self.bos);
        let tokens = vocab.tokenize(prompt.text.as_bytes(), add_special, prompt.parse_special);
        tracing::debug!(prompt = %prompt.text, ?tokens, add_special, "prompt");
        let n_ctx = ctx.n_ctx();
        if tokens.is_empty() || tokens.len() >= n_ctx as usize {
            return Err(EngineError::PromptTooLong {
                prompt_tokens: tokens.len(),
                n_ctx,
            });
        }

        // Prefill in chunks of n_batch: a larger batch than n_batch is rejected by llama.cpp.
        let mut batch = LlamaBatch::new(self.n_batch as usize, 1);
        let last = tokens.len() - 1;
        for (chunk_index, chunk) in tokens.chunks(self.n_batch as usize).enumerate() {
            if cancel.is_cancelled() {
                return Ok(Outcome {
                    finish_reason: FinishReason::Cancelled,
                    prompt_tokens: tokens.len(),
                    generated: Vec::new(),
                });
            }
            batch.clear();
            for (i, token) in chunk.iter().enumerate() {
                let pos = chunk_index * self.n_batch as usize + i;
                batch
                    .add(*token, pos as i32, &[0], pos == last)
                    .map_err(|e| decode_err(&e))?;
            }
            ctx.decode(&mut batch).map_err(|e| decode_err(&e))?;
        }

        let mut sampler = sampler::build(params, self.model.n_vocab());
        let plain_greedy = sampler::is_plain_greedy(params);
        let mut text = Utf8Stream::default();
        let mut stops = StopMatcher::new(&params.stop);
        let mut generated = Vec::new();
        let mut unsent_tokens = 0u32;
        let mut n_past = tokens.len();
        let mut piece = Vec::with_capacity(32);
        let send = |t: String, n: u32, at: Instant| {
            let _ = events.send(GenEvent::Delta {
                text: t,
                n_tokens: n,
                at,
            });
        };
        let finish_reason = loop {
            if cancel.is_cancelled() {
                break FinishReason::Cancelled;
            }
            // Checked before sampling too, so a library caller's max_tokens 0 yields no token.
            if generated.len() >= params.max_tokens as usize {
                break FinishReason::Length;
            }
            let token = if plain_greedy {
                sampler::argmax(ctx.get_logits_ith(-1))
            } else {
                sampler.sample(ctx, -1)
            };
            if !params.ignore_eos && vocab.is_eog(token) {
                break FinishReason::Stop;
            }
            generated.push(token.0);
            piece.clear();
            vocab.token_to_piece_into(token, &mut piece, false, None);
            let at = Instant::now();
            unsent_tokens += 1;
            let out = stops.push(&text.push(&piece));
            if !out.emit.is_empty() {
                send(out.emit, std::mem::take(&mut unsent_tokens), at);
            }
            if out.stopped {
                break FinishReason::StopString;
            }
            if generated.len() >= params.max_tokens as usize || n_past + 1 >= n_ctx as usize {
                break FinishReason::Length;
            }
            batch.clear();
            batch
                .add(token, n_past as i32, &[0], true)
                .map_err(|e| decode_err(&e))?;
            ctx.decode(&mut batch).map_err(|e| decode_err(&e))?;
            n_past += 1;
        };
        if finish_reason != FinishReason::StopString {
            let mut tail = stops.push(&text.finish()).emit;
            tail.push_str(&stops.finish());
            if !tail.is_empty() {
                send(tail, unsent_tokens, Instant::now());
            }
        }
        Ok(Outcome {
            finish_reason,
            prompt_tokens: tokens.len(),
            generated,
        })
    }
}
