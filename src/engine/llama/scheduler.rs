//! Several generations in one llama.cpp context, as llama-server's slots do: each request takes
//! a sequence (a slot) of the KV cache; every step decodes one batch holding the next token of
//! each decoding sequence and as many prompt tokens of the sequences in prefill as fit; each
//! sequence samples from its own logits with its own sampler, stop strings and cancel. Requests
//! beyond the slots wait in a queue (the wait is a metric of its own). A slot keeps the tokens
//! of its last request in the cache, and a new request reuses the longest common prefix.

use std::collections::VecDeque;
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::mpsc as tokio_mpsc;
use tokio_util::sync::CancellationToken;

use super::prompt::PromptFormat;
use super::threads::ThreadChoice;
use super::{cpus, sampler};
use crate::domain::generation::TokenIds;
use crate::domain::{EngineTimings, FinishReason, ResponseFormat, Usage};
use crate::engine::EngineError;
use crate::engine::backend::{GenEvent, GenRequest};
use crate::engine::stop::StopMatcher;
use crate::engine::thinking::{self, PartKind, Piece, ThinkingSplitter, ThinkingTags};
use crate::engine::utf8::Utf8Stream;

/// What a loaded model needs to turn requests into tokens.
pub(super) struct Model<'m> {
    pub model: &'m LlamaModel,
    pub format: PromptFormat,
    pub bos: String,
    pub n_batch: u32,
    /// Context of one sequence.
    pub n_ctx_seq: u32,
    /// Reuse a slot's cached prefix.
    pub prompt_cache: bool,
}

/// A request waiting for a slot.
pub(super) struct Pending {
    pub request: GenRequest,
    pub cancel: CancellationToken,
    pub events: tokio_mpsc::UnboundedSender<GenEvent>,
    pub queued_at: Instant,
}

/// The tokens whose keys and values a slot's sequence holds, position by position.
pub(super) type Cached = Vec<LlamaToken>;

/// One generation in a slot.
struct Run {
    pending: Pending,
    sampler: LlamaSampler,
    plain_greedy: bool,
    text: Utf8Stream,
    stops: StopMatcher,
    /// Thinking (`<think>…</think>`) apart from the answer.
    split: ThinkingSplitter,
    /// Some thinking text was streamed (an empty `<think></think>` is no thinking).
    thought: bool,
    prompt: Vec<LlamaToken>,
    /// The next prompt token to compute; `prompt.len()` once the prompt is in the cache.
    next_prompt: usize,
    cached_tokens: usize,
    /// Sampled, to be decoded in the next batch.
    last: Option<LlamaToken>,
    generated: Vec<i32>,
    unsent: u32,
    /// This step: where the run's logits are in the batch, and how many tokens it added.
    logits_at: Option<i32>,
    added: usize,
    admitted_at: Instant,
    first_token_at: Option<Instant>,
    last_token_at: Option<Instant>,
    /// Decode steps per thread count: the one used most is reported.
    threads: Vec<(u32, u32)>,
}

/// Serve the queued requests until every slot is idle and nothing waits; new requests arrive
/// through `take` (called between steps without blocking).
pub(super) fn run_until_idle(
    m: &Model<'_>,
    ctx: &mut LlamaContext<'_>,
    threads: &mut ThreadChoice,
    slots: &mut [Cached],
    queue: &mut VecDeque<Pending>,
    mut take: impl FnMut(&mut VecDeque<Pending>),
) {
    let _decoding = cpus::Decoding::start();
    let mut runs: Vec<Option<Run>> = (0..slots.len()).map(|_| None).collect();
    let mut batch = LlamaBatch::new(m.n_batch as usize, 1);
    loop {
        take(queue);
        drop_cancelled(queue);
        admit(m, ctx, slots, &mut runs, queue);
        if runs.iter().all(Option::is_none) {
            if queue.is_empty() {
                return;
            }
            continue;
        }
        for run in runs.iter_mut() {
            if run
                .as_ref()
                .is_some_and(|r| r.pending.cancel.is_cancelled())
                && let Some(r) = run.take()
            {
                finish(r, FinishReason::Cancelled);
            }
        }
        if let Err(error) = fill(m, &mut batch, &mut runs) {
            fail_all(ctx, slots, &mut runs, &error);
            continue;
        }
        if batch.n_tokens() == 0 {
            continue;
        }
        let n_threads = threads.update(ctx);
        if let Err(e) = ctx.decode(&mut batch) {
            let error = EngineError::Decode {
                reason: e.to_string(),
            };
            fail_all(ctx, slots, &mut runs, &error);
            continue;
        }
        for (slot, run) in runs.iter_mut().enumerate() {
            let Some(r) = run.as_mut() else { continue };
            match r.threads.iter_mut().find(|(n, _)| *n == n_threads) {
                Some((_, steps)) => *steps += 1,
                None => r.threads.push((n_threads, 1)),
            }
            commit_added(r, &mut slots[slot]);
            let Some(at) = r.logits_at.take() else {
                continue;
            };
            if let Some(reason) = step(m, ctx, r, at)
                && let Some(r) = run.take()
            {
                finish(r, reason);
            }
        }
    }
}

/// Requests cancelled while they waited end now, not when a slot frees.
fn drop_cancelled(queue: &mut VecDeque<Pending>) {
    queue.retain(|p| {
        let cancelled = p.cancel.is_cancelled();
        if cancelled {
            answer_cancelled(p);
        }
        !cancelled
    });
}

/// `Finished(Cancelled)` for a request that never got a slot: nothing generated, its wait.
fn answer_cancelled(p: &Pending) {
    let now = Instant::now();
    let waited = now.saturating_duration_since(p.queued_at).as_secs_f64() * 1000.0;
    let _ = p.events.send(GenEvent::Finished {
        usage: Usage::default(),
        finish_reason: FinishReason::Cancelled,
        timings: Some(EngineTimings {
            queued_ms: Some(waited),
            ..EngineTimings::default()
        }),
        token_ids: None,
        at: now,
    });
}

/// Move queued requests into free slots: the slot whose cached tokens share the longest prefix
/// with the prompt (when the prompt cache is on), else the first free one.
fn admit(
    m: &Model<'_>,
    ctx: &mut LlamaContext<'_>,
    slots: &mut [Cached],
    runs: &mut [Option<Run>],
    queue: &mut VecDeque<Pending>,
) {
    while runs.iter().any(Option::is_none) {
        let Some(pending) = queue.pop_front() else {
            return;
        };
        if pending.cancel.is_cancelled() {
            answer_cancelled(&pending);
            continue;
        }
        let prepared = tokenize(m, &pending.request).and_then(|prompt| {
            let format = pending.request.prompt.response_format.as_ref();
            sampler::build(&pending.request.params, format, m.model)
                .map(|sampler| (prompt, sampler))
                .map_err(|reason| EngineError::Config { reason })
        });
        let (prompt, sampler) = match prepared {
            Ok(p) => p,
            Err(error) => {
                let _ = pending.events.send(GenEvent::Failed {
                    error,
                    at: Instant::now(),
                });
                continue;
            }
        };
        // The longest reusable prefix; among equals an empty slot (no cache lost), then the
        // lowest (sequences with neighbouring ids batch together best).
        let free = (0..runs.len()).filter(|s| runs[*s].is_none());
        let slot = free.max_by_key(|s| {
            let reuse = if m.prompt_cache {
                common_prefix(&slots[*s], &prompt.tokens)
            } else {
                0
            };
            (reuse, slots[*s].is_empty(), usize::MAX - s)
        });
        let Some(slot) = slot else {
            // No free sequence (the loop's guard makes this unreachable).
            return;
        };
        let reuse = if m.prompt_cache {
            reusable_prefix(&slots[slot], &prompt.tokens)
        } else {
            0
        };
        let kept = keep_prefix(ctx, slot, reuse, &mut slots[slot]);
        runs[slot] = Some(start(pending, prompt, sampler, kept));
    }
}

/// The prompt's tokens, or why it cannot run.
fn tokenize(m: &Model<'_>, request: &GenRequest) -> Result<Prompt, EngineError> {
    let prompt = m
        .format
        .render(m.model, &request.prompt, request.params.thinking)?;
    // A template that writes the BOS itself must not get a second one from the tokenizer.
    let add_special = m.bos.is_empty() || !prompt.text.starts_with(&m.bos);
    let tokens =
        m.model
            .vocab()
            .tokenize(prompt.text.as_bytes(), add_special, prompt.parse_special);
    tracing::debug!(prompt = %prompt.text, ?tokens, add_special, "prompt");
    if tokens.is_empty() || tokens.len() >= m.n_ctx_seq as usize {
        return Err(EngineError::PromptTooLong {
            prompt_tokens: tokens.len(),
            n_ctx: m.n_ctx_seq,
        });
    }
    Ok(Prompt {
        opens_thinking: thinking::prompt_opens_thinking(&prompt.text, &ThinkingTags::default()),
        tokens,
    })
}

/// A tokenized prompt, and whether it leaves a thinking block open (the template wrote
/// `<think>`: the model's output starts inside its thinking).
struct Prompt {
    tokens: Vec<LlamaToken>,
    opens_thinking: bool,
}

/// The number of leading tokens `a` and `b` share.
pub(super) fn common_prefix(a: &[LlamaToken], b: &[LlamaToken]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// How much of a slot's cache a prompt can reuse: the common prefix, but never the whole
/// prompt — its last token is computed again, since its logits are needed to sample.
pub(super) fn reusable_prefix(cached: &[LlamaToken], prompt: &[LlamaToken]) -> usize {
    common_prefix(cached, prompt).min(prompt.len().saturating_sub(1))
}

/// Drop the slot's cache from position `keep` on; returns how much was kept (0 when the cache
/// cannot be cut there and had to be cleared). After a cut the sequence must hold exactly the
/// positions 0..keep, or it is cleared too: a wrong prefix would give wrong text silently.
fn keep_prefix(ctx: &mut LlamaContext<'_>, slot: usize, keep: usize, cached: &mut Cached) -> usize {
    let seq = slot as u32;
    let cut = u32::try_from(keep)
        .ok()
        .and_then(|p0| ctx.clear_kv_cache_seq(Some(seq), Some(p0), None).ok())
        .unwrap_or(false);
    let whole = keep == 0
        || (ctx.kv_cache_seq_pos_min(slot as i32) == 0
            && ctx.kv_cache_seq_pos_max(slot as i32) == keep as i32 - 1);
    let kept = if cut && whole {
        keep
    } else {
        let _ = ctx.clear_kv_cache_seq(Some(seq), None, None);
        0
    };
    cached.truncate(kept);
    kept
}

fn start(pending: Pending, prompt: Prompt, sampler: LlamaSampler, kept: usize) -> Run {
    let params = &pending.request.params;
    Run {
        split: ThinkingSplitter::new(ThinkingTags::default(), prompt.opens_thinking),
        thought: false,
        sampler,
        plain_greedy: sampler::is_plain_greedy(
            params,
            pending
                .request
                .prompt
                .response_format
                .as_ref()
                .is_some_and(|f| *f != ResponseFormat::Text),
        ),
        text: Utf8Stream::default(),
        stops: StopMatcher::new(&params.stop),
        prompt: prompt.tokens,
        next_prompt: kept,
        cached_tokens: kept,
        last: None,
        generated: Vec::new(),
        unsent: 0,
        logits_at: None,
        added: 0,
        admitted_at: Instant::now(),
        first_token_at: None,
        last_token_at: None,
        threads: Vec::new(),
        pending,
    }
}

/// Build the next batch: the next token of every decoding run first, then prompt tokens of the
/// runs in prefill while they fit (a prompt longer than a batch takes several steps).
fn fill(
    m: &Model<'_>,
    batch: &mut LlamaBatch<'_>,
    runs: &mut [Option<Run>],
) -> Result<(), EngineError> {
    let err = |e: &dyn std::fmt::Display| EngineError::Decode {
        reason: e.to_string(),
    };
    batch.clear();
    let capacity = m.n_batch as usize;
    for (slot, run) in runs.iter_mut().enumerate() {
        let Some(r) = run.as_mut() else { continue };
        r.added = 0;
        r.logits_at = None;
        if let Some(token) = r.last {
            let pos = r.prompt.len() + r.generated.len() - 1;
            r.logits_at = Some(batch.n_tokens());
            batch
                .add(token, pos as i32, &[slot as i32], true)
                .map_err(|e| err(&e))?;
            r.added = 1;
        }
    }
    for (slot, run) in runs.iter_mut().enumerate() {
        let Some(r) = run.as_mut() else { continue };
        while r.next_prompt < r.prompt.len() && (batch.n_tokens() as usize) < capacity {
            let pos = r.next_prompt;
            let last = pos + 1 == r.prompt.len();
            if last {
                r.logits_at = Some(batch.n_tokens());
            }
            batch
                .add(r.prompt[pos], pos as i32, &[slot as i32], last)
                .map_err(|e| err(&e))?;
            r.next_prompt += 1;
            r.added += 1;
        }
    }
    Ok(())
}

/// After a decode: the tokens a run added are now in its slot's cache.
fn commit_added(r: &mut Run, cached: &mut Cached) {
    if r.added == 0 {
        return;
    }
    if let Some(token) = r.last.take() {
        cached.push(token);
    } else {
        let end = r.next_prompt;
        cached.extend_from_slice(&r.prompt[end - r.added..end]);
    }
}

/// Sample the run's next token from the logits at `at`; `Some(reason)` when it is finished.
fn step(m: &Model<'_>, ctx: &LlamaContext<'_>, r: &mut Run, at: i32) -> Option<FinishReason> {
    let (max_tokens, ignore_eos) = {
        let p = &r.pending.request.params;
        (p.max_tokens as usize, p.ignore_eos)
    };
    if r.pending.cancel.is_cancelled() {
        return Some(FinishReason::Cancelled);
    }
    // Checked before sampling too, so a library caller's max_tokens 0 yields no token.
    if r.generated.len() >= max_tokens {
        return Some(FinishReason::Length);
    }
    let token = if r.plain_greedy {
        sampler::argmax(ctx.get_logits_ith(at))
    } else {
        r.sampler.sample(ctx, at)
    };
    let vocab = m.model.vocab();
    if !ignore_eos && vocab.is_eog(token) {
        return Some(FinishReason::Stop);
    }
    let now = Instant::now();
    r.first_token_at.get_or_insert(now);
    r.last_token_at = Some(now);
    r.generated.push(token.0);
    let mut piece = Vec::with_capacity(32);
    vocab.token_to_piece_into(token, &mut piece, false, None);
    r.unsent += 1;
    let out = r.stops.push(&r.text.push(&piece));
    if !out.emit.is_empty() {
        send_delta(r, out.emit, now);
    }
    if out.stopped {
        return Some(FinishReason::StopString);
    }
    let n_past = r.prompt.len() + r.generated.len();
    if r.generated.len() >= max_tokens || n_past >= m.n_ctx_seq as usize {
        return Some(FinishReason::Length);
    }
    r.last = Some(token);
    None
}

fn send_delta(r: &mut Run, text: String, at: Instant) {
    let pieces = r.split.push(&text, std::mem::take(&mut r.unsent));
    send_pieces(r, pieces, at);
}

fn send_pieces(r: &mut Run, pieces: Vec<Piece>, at: Instant) {
    for Piece {
        kind,
        text,
        n_tokens,
    } in pieces
    {
        let event = match kind {
            PartKind::Thinking => {
                r.thought |= !text.is_empty();
                GenEvent::Thinking { text, n_tokens, at }
            }
            PartKind::Answer => GenEvent::Delta { text, n_tokens, at },
        };
        let _ = r.pending.events.send(event);
    }
}

/// The run is over: the rest of its text, then `Finished` with usage and timings. Its slot
/// keeps what its cache holds for the next request.
fn finish(mut r: Run, reason: FinishReason) {
    if reason != FinishReason::StopString {
        let mut tail = r.stops.push(&r.text.finish()).emit;
        tail.push_str(&r.stops.finish());
        if !tail.is_empty() {
            send_delta(&mut r, tail, Instant::now());
        }
    }
    let held = r.split.finish();
    send_pieces(&mut r, held, Instant::now());
    let ms = |a: Instant, b: Instant| b.saturating_duration_since(a).as_secs_f64() * 1000.0;
    let first = r.first_token_at.unwrap_or_else(Instant::now);
    let timings = EngineTimings {
        prompt_tokens: count(r.next_prompt.saturating_sub(r.cached_tokens)),
        prompt_ms: ms(r.admitted_at, first),
        predicted_tokens: count(r.generated.len().saturating_sub(1)),
        predicted_ms: r.last_token_at.map_or(0.0, |last| ms(first, last)),
        queued_ms: Some(ms(r.pending.queued_at, r.admitted_at)),
        threads: r
            .threads
            .iter()
            .max_by_key(|(n, steps)| (*steps, *n))
            .map(|(n, _)| *n),
    };
    let usage = Usage {
        prompt_tokens: Some(count(r.prompt.len())),
        completion_tokens: count(r.generated.len()),
        estimated: false,
        cached_prompt_tokens: Some(count(r.cached_tokens)),
        reasoning_tokens: Some(r.split.thinking_tokens()).filter(|n| *n > 0 && r.thought),
    };
    let token_ids = r.pending.request.record_token_ids.then(|| TokenIds {
        prompt: r.prompt.iter().map(|t| t.0).collect(),
        generated: std::mem::take(&mut r.generated),
    });
    let _ = r.pending.events.send(GenEvent::Finished {
        usage,
        finish_reason: reason,
        timings: Some(timings),
        token_ids,
        at: Instant::now(),
    });
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A failed decode ends every run in it, and their caches (their state is unknown).
fn fail_all(
    ctx: &mut LlamaContext<'_>,
    slots: &mut [Cached],
    runs: &mut [Option<Run>],
    error: &EngineError,
) {
    for (slot, run) in runs.iter_mut().enumerate() {
        if let Some(r) = run.take() {
            let _ = r.pending.events.send(GenEvent::Failed {
                error: error.clone(),
                at: Instant::now(),
            });
            keep_prefix(ctx, slot, 0, &mut slots[slot]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ids: &[i32]) -> Vec<LlamaToken> {
        ids.iter().map(|i| LlamaToken(*i)).collect()
    }

    #[test]
    fn the_reused_prefix_is_the_common_one_but_never_the_whole_prompt() {
        // Prompts sharing a prefix.
        assert_eq!(
            reusable_prefix(&t(&[1, 2, 3, 4, 5]), &t(&[1, 2, 3, 9, 9, 9])),
            3
        );
        // A prompt that is a prefix of what is cached: all but its last token.
        assert_eq!(reusable_prefix(&t(&[1, 2, 3, 4, 5]), &t(&[1, 2, 3])), 2);
        // The same prompt again: all but its last token.
        assert_eq!(reusable_prefix(&t(&[1, 2, 3]), &t(&[1, 2, 3])), 2);
        // A prompt longer than everything cached (and than the previous context).
        assert_eq!(reusable_prefix(&t(&[1, 2]), &t(&[1, 2, 3, 4, 5, 6, 7])), 2);
        // Nothing in common, nothing cached, a one-token prompt.
        assert_eq!(reusable_prefix(&t(&[7, 8]), &t(&[1, 2])), 0);
        assert_eq!(reusable_prefix(&[], &t(&[1, 2])), 0);
        assert_eq!(reusable_prefix(&t(&[1]), &t(&[1])), 0);
    }
}
