//! The one set of metric definitions (vLLM / genai-perf / NVIDIA NIM), used everywhere.
//!
//! All times are offsets from the moment the request was sent, stamped when a chunk was
//! produced or received (never when it was rendered).
//!
//! - TTFT: request sent → first chunk with non-empty content.
//! - e2e: request sent → last chunk (finish).
//! - ITL: gaps between consecutive content chunks; reported as p50/p95/p99.
//! - TPOT: (e2e − TTFT) / (output_tokens − 1), for output_tokens > 1.
//! - decode tok/s: (output_tokens − 1) / (e2e − TTFT).
//! - prompt tok/s: prompt_tokens / prefill time (from the engine's own timings).
//! - Percentiles: linear interpolation between closest ranks (numpy's default).

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One content chunk as received: when, and how many tokens it carried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkStamp {
    pub at: Duration,
    pub n_tokens: u32,
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
    /// Prompt tokens taken from a cache, not computed: TTFT is short for those (shown beside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_prompt_tokens: Option<u32>,
    /// Time waiting for a busy local model (part of TTFT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_ms: Option<f64>,
    /// CPU threads a local model decoded with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
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
}

pub fn compute(chunks: &[ChunkStamp], totals: Totals) -> GenerationMetrics {
    let counted: u32 = chunks.iter().map(|c| c.n_tokens).sum();
    let (output_tokens, tokens_estimated) = match totals.output_tokens {
        Some(n) => (n, false),
        None => (counted, true),
    };
    let e2e_ms = ms(totals.e2e);
    let ttft_ms = chunks.first().map(|c| ms(c.at));

    let mut gaps: Vec<f64> = chunks
        .windows(2)
        .map(|w| ms(w[1].at.saturating_sub(w[0].at)))
        .collect();
    gaps.sort_by(f64::total_cmp);

    let decode_ms = ttft_ms.map(|t| e2e_ms - t).filter(|d| *d > 0.0);
    let (tpot_ms, decode_tokens_per_s) = match decode_ms {
        Some(d) if output_tokens > 1 => {
            let steps = f64::from(output_tokens - 1);
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
                prefill: None,
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
    fn median_of_unsorted() {
        close(median(&[5.0, 1.0, 3.0]), 3.0);
        close(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
