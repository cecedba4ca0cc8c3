//! The one set of metric definitions (vLLM / genai-perf / NVIDIA NIM), used everywhere.
//!
//! All times are offsets from the moment the request was sent, stamped when a chunk was
//! produced or received (never when it was rendered).
//!
//! - TTFT: request sent → first chunk of the answer (thinking excluded): what a user waits for.
//! - first token (any): request sent → first chunk of any kind, thinking included.
//! - e2e: request sent → last chunk (finish).
//! - ITL: gaps between consecutive chunks of any kind; reported as p50/p95/p99.
//! - TPOT: (e2e − first token) / (tokens after the first visible one), for more than one token.
//! - decode tok/s: tokens generated after the first visible one / (e2e − first token), thinking
//!   included; thinking a server hides (OpenAI's reasoning tokens) came before the first visible
//!   token and is left out of both.
//! - prompt tok/s: prompt_tokens / prefill time (from the engine's own timings).
//! - Percentiles: linear interpolation between closest ranks (numpy's default).

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One content chunk as received: when, and how many tokens it carried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkStamp {
    pub at: Duration,
    pub n_tokens: u32,
    /// Part of the model's thinking rather than its answer.
    pub thinking: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationMetrics {
    pub ttft_ms: Option<f64>,
    pub e2e_ms: f64,
    pub itl_p50_ms: Option<f64>,
    pub itl_p95_ms: Option<f64>,
    pub itl_p99_ms: Option<f64>,
    pub tpot_ms: Option<f64>,
    pub decode_tokens_per_s: Option<f64>,
    pub prompt_tokens_per_s: Option<f64>,
    pub output_tokens: u32,
    /// True when `output_tokens` was counted from deltas rather than reported by the server.
    pub tokens_estimated: bool,
    pub chunks: usize,
    /// Prompt tokens as the server reported them (or the engine counted): what an API bills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<u32>,
    /// Prompt tokens taken from a cache, not computed: TTFT is short for those (shown beside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_prompt_tokens: Option<u32>,
    /// Time waiting for a busy local model (part of TTFT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_ms: Option<f64>,
    /// CPU threads a local model decoded with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
    /// First token of any kind, thinking included; present when the model thought visibly
    /// (otherwise it is `ttft_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_token_ms: Option<f64>,
    /// Thinking tokens (part of `output_tokens`): the server's count when it sends one, else
    /// counted from the thinking chunks (then `thinking_estimated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub thinking_estimated: bool,
    /// The thinking was not streamed (OpenAI's API only counts it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub thinking_hidden: bool,
    /// The length limit was reached while the model was still thinking: there is no answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub length_while_thinking: bool,
    /// Energy measured over the generation (GPU counter or power, CPU package), where the
    /// machine lets it be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy: Option<crate::domain::energy::GenerationEnergy>,
    /// The local model's memory on this machine (weights, KV cache, compute buffers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<crate::domain::memory::ModelMemory>,
}

impl GenerationMetrics {
    /// Answer tokens: output tokens less thinking tokens.
    pub fn answer_tokens(&self) -> u32 {
        self.output_tokens
            .saturating_sub(self.thinking_tokens.unwrap_or(0))
    }
}

/// Inputs that do not come from the chunk stamps themselves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    /// Request sent → finish.
    pub e2e: Duration,
    /// Output tokens: the server's count when given, else the sum over chunks.
    pub output_tokens: Option<u32>,
    /// Prefill: prompt tokens and the engine's prefill time in ms.
    pub prefill: Option<(u32, f64)>,
    /// Thinking tokens as the server reports them (OpenAI's `reasoning_tokens`).
    pub reasoning_tokens: Option<u32>,
    /// The generation stopped at its length limit.
    pub hit_length: bool,
}

pub fn compute(chunks: &[ChunkStamp], totals: Totals) -> GenerationMetrics {
    let counted: u32 = chunks.iter().map(|c| c.n_tokens).sum();
    let (output_tokens, tokens_estimated) = match totals.output_tokens {
        Some(n) => (n, false),
        None => (counted, true),
    };
    let e2e_ms = ms(totals.e2e);
    let first_token_ms = chunks.first().map(|c| ms(c.at));
    let ttft_ms = chunks.iter().find(|c| !c.thinking).map(|c| ms(c.at));
    let thinking_counted: u32 = chunks
        .iter()
        .filter(|c| c.thinking)
        .map(|c| c.n_tokens)
        .sum();
    let streamed_thinking = chunks.iter().any(|c| c.thinking);
    let (thinking_tokens, thinking_estimated) = match totals.reasoning_tokens {
        Some(n) if n > 0 => (Some(n), false),
        _ if streamed_thinking => (Some(thinking_counted), true),
        _ => (None, false),
    };
    let thinking_hidden = !streamed_thinking && thinking_tokens.is_some_and(|n| n > 0);
    let hidden = if thinking_hidden {
        thinking_tokens.unwrap_or(0)
    } else {
        0
    };
    let length_while_thinking = totals.hit_length
        && thinking_tokens.is_some_and(|n| n > 0)
        && (chunks.last().is_some_and(|c| c.thinking) || ttft_ms.is_none());

    // Chunks stamped together (thinking and answer split out of one event or token) are one
    // arrival: no zero gap between them.
    let mut gaps: Vec<f64> = chunks
        .windows(2)
        .filter(|w| w[1].at != w[0].at || w[1].thinking == w[0].thinking)
        .map(|w| ms(w[1].at.saturating_sub(w[0].at)))
        .collect();
    gaps.sort_by(f64::total_cmp);

    let decode_ms = first_token_ms.map(|t| e2e_ms - t).filter(|d| *d > 0.0);
    let visible = output_tokens.saturating_sub(hidden);
    let (tpot_ms, decode_tokens_per_s) = match decode_ms {
        Some(d) if visible > 1 => {
            let steps = f64::from(visible - 1);
            (Some(d / steps), Some(steps * 1000.0 / d))
        }
        _ => (None, None),
    };
    let prompt_tokens_per_s = totals
        .prefill
        .filter(|(n, t)| *n > 0 && *t > 0.0)
        .map(|(n, t)| f64::from(n) * 1000.0 / t);

    GenerationMetrics {
        ttft_ms,
        e2e_ms,
        itl_p50_ms: percentile(&gaps, 50.0),
        itl_p95_ms: percentile(&gaps, 95.0),
        itl_p99_ms: percentile(&gaps, 99.0),
        tpot_ms,
        decode_tokens_per_s,
        prompt_tokens_per_s,
        output_tokens,
        tokens_estimated,
        chunks: chunks.len(),
        first_token_ms: first_token_ms.filter(|_| streamed_thinking),
        thinking_tokens,
        thinking_estimated,
        thinking_hidden,
        length_while_thinking,
        ..GenerationMetrics::default()
    }
}

/// Percentile `q` (0–100) of ascending `sorted` values, linear interpolation (numpy default).
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = (q.clamp(0.0, 100.0) / 100.0) * last as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    let frac = rank - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// Median of unsorted values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    percentile(&v, 50.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64, n: u32) -> ChunkStamp {
        ChunkStamp {
            at: Duration::from_millis(ms),
            n_tokens: n,
            thinking: false,
        }
    }

    fn thought(ms: u64, n: u32) -> ChunkStamp {
        ChunkStamp {
            thinking: true,
            ..at(ms, n)
        }
    }

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("value present");
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn percentile_matches_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4], [50, 95, 99]) = [2.5, 3.85, 3.97]
        let v = [1.0, 2.0, 3.0, 4.0];
        close(percentile(&v, 50.0), 2.5);
        close(percentile(&v, 95.0), 3.85);
        close(percentile(&v, 99.0), 3.97);
        close(percentile(&[7.0], 95.0), 7.0);
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn hand_computed_stream() {
        // Sent at 0; chunks at 100, 120, 150, 160, 200 ms, one token each; finish at 210 ms.
        let chunks = [at(100, 1), at(120, 1), at(150, 1), at(160, 1), at(200, 1)];
        let m = compute(
            &chunks,
            Totals {
                e2e: Duration::from_millis(210),
                output_tokens: None,
                prefill: Some((50, 80.0)),
                ..Totals::default()
            },
        );
        close(m.ttft_ms, 100.0);
        assert_eq!(m.e2e_ms, 210.0);
        // gaps 20, 30, 10, 40 → sorted 10, 20, 30, 40
        close(m.itl_p50_ms, 25.0);
        close(m.itl_p95_ms, 38.5);
        close(m.itl_p99_ms, 39.7);
        // (210 − 100) / (5 − 1) = 27.5 ms; 4 / 0.110 s = 36.36… tok/s
        close(m.tpot_ms, 27.5);
        close(m.decode_tokens_per_s, 4.0 / 0.110);
        close(m.prompt_tokens_per_s, 625.0);
        assert_eq!(m.output_tokens, 5);
        assert!(m.tokens_estimated);
        assert_eq!(m.chunks, 5);
    }

    #[test]
    fn server_usage_overrides_counted_tokens() {
        // Two chunks carrying several tokens each; the server says 9 tokens.
        let chunks = [at(300, 4), at(340, 4)];
        let m = compute(
            &chunks,
            Totals {
                e2e: Duration::from_millis(380),
                output_tokens: Some(9),
                ..Totals::default()
            },
        );
        assert_eq!(m.output_tokens, 9);
        assert!(!m.tokens_estimated);
        close(m.tpot_ms, 80.0 / 8.0);
        close(m.decode_tokens_per_s, 8.0 / 0.080);
        close(m.itl_p50_ms, 40.0);
        assert_eq!(m.prompt_tokens_per_s, None);
    }

    #[test]
    fn single_token_has_no_decode_rate() {
        let m = compute(
            &[at(50, 1)],
            Totals {
                e2e: Duration::from_millis(60),
                ..Totals::default()
            },
        );
        close(m.ttft_ms, 50.0);
        assert_eq!(m.tpot_ms, None);
        assert_eq!(m.decode_tokens_per_s, None);
        assert_eq!(m.itl_p50_ms, None);
    }

    #[test]
    fn no_content_has_no_ttft() {
        let m = compute(
            &[],
            Totals {
                e2e: Duration::from_millis(60),
                ..Totals::default()
            },
        );
        assert_eq!(m.ttft_ms, None);
        assert_eq!(m.output_tokens, 0);
    }

    #[test]
    fn thinking_then_answer() {
        // Thinking chunks at 100, 150 ms (2 tokens each), answer at 300, 320 ms (1 each),
        // finish at 340 ms, counts from the chunks.
        let chunks = [thought(100, 2), thought(150, 2), at(300, 1), at(320, 1)];
        let m = compute(
            &chunks,
            Totals {
                e2e: Duration::from_millis(340),
                ..Totals::default()
            },
        );
        close(m.ttft_ms, 300.0);
        close(m.first_token_ms, 100.0);
        assert_eq!((m.output_tokens, m.thinking_tokens), (6, Some(4)));
        assert!(m.thinking_estimated && !m.thinking_hidden);
        assert_eq!(m.answer_tokens(), 2);
        // (6 − 1) tokens over 340 − 100 ms = 20.83 tok/s; gaps 50, 150, 20 → p50 50.
        close(m.decode_tokens_per_s, 5.0 / 0.240);
        close(m.itl_p50_ms, 50.0);
        assert!(!m.length_while_thinking);
    }

    #[test]
    fn streamed_thinking_counts_even_when_usage_says_zero_and_splits_make_no_zero_gaps() {
        // A server that streams thinking but reports reasoning_tokens 0: the chunks count.
        // The answer's first chunk arrives in the same event as the last thinking (120 ms).
        let chunks = [thought(100, 1), thought(120, 1), at(120, 1), at(150, 1)];
        let m = compute(
            &chunks,
            Totals {
                e2e: Duration::from_millis(160),
                output_tokens: Some(4),
                reasoning_tokens: Some(0),
                ..Totals::default()
            },
        );
        assert_eq!((m.thinking_tokens, m.thinking_estimated), (Some(2), true));
        // Gaps 20 and 30 only: p50 25.
        close(m.itl_p50_ms, 25.0);
    }

    #[test]
    fn hidden_thinking_is_left_out_of_the_decode_rate() {
        // OpenAI: no thinking streamed; usage says 30 completion tokens of which 20 reasoning.
        // Answer chunks at 1000 and 1090 ms, finish at 1100 ms.
        let m = compute(
            &[at(1000, 1), at(1090, 1)],
            Totals {
                e2e: Duration::from_millis(1100),
                output_tokens: Some(30),
                reasoning_tokens: Some(20),
                ..Totals::default()
            },
        );
        close(m.ttft_ms, 1000.0);
        assert_eq!(m.first_token_ms, None);
        assert!(m.thinking_hidden && !m.thinking_estimated);
        assert_eq!(m.answer_tokens(), 10);
        // 10 visible tokens: 9 steps over 100 ms = 90 tok/s.
        close(m.decode_tokens_per_s, 90.0);
    }

    #[test]
    fn length_reached_while_thinking() {
        let m = compute(
            &[thought(100, 1), thought(110, 1)],
            Totals {
                e2e: Duration::from_millis(120),
                hit_length: true,
                ..Totals::default()
            },
        );
        assert_eq!(m.ttft_ms, None);
        assert!(m.length_while_thinking);
        let answered = compute(
            &[thought(100, 1), at(110, 1)],
            Totals {
                e2e: Duration::from_millis(120),
                hit_length: true,
                ..Totals::default()
            },
        );
        assert!(!answered.length_while_thinking);
        let hidden = compute(
            &[],
            Totals {
                e2e: Duration::from_millis(120),
                output_tokens: Some(64),
                reasoning_tokens: Some(64),
                hit_length: true,
                ..Totals::default()
            },
        );
        assert!(hidden.length_while_thinking && hidden.thinking_hidden);
    }

    #[test]
    fn median_of_unsorted() {
        close(median(&[5.0, 1.0, 3.0]), 3.0);
        close(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
