//! One generation's events and the one accumulator from events to metrics.
//!
//! Every part of slam speaks this type: the engine streams `GenEvent<EngineError, Instant>`
//! (typed failures, stamped on receipt), the TUI and the store see `GenEvent<Failure, Instant>`
//! (the failure as kind + message), and a recording holds `GenEvent<Failure, Duration>`
//! (offsets from the recording's start). `Generation` folds any of them into the text, the
//! chunk stamps and, through `metrics::compute`, the metrics — for a live pane, a finished
//! command-line run, a replay and an import alike.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::metrics::{self, ChunkStamp, GenerationMetrics, Totals};
use crate::domain::{EngineTimings, FinishReason, ParamChange, Usage};

/// One engine generation, folded event by event (the engine's typed failures).
pub type Recorder = Generation<super::error::EngineError>;

#[derive(Debug, Clone, PartialEq)]
pub enum GenEvent<E = Failure, T = Instant> {
    /// The request was sent; `at` is the origin of TTFT and e2e.
    Started {
        at: T,
    },
    /// Content: `n_tokens` tokens decoded into `text` (0 for a server chunk of unknown size).
    Delta {
        text: String,
        n_tokens: u32,
        at: T,
    },
    /// The model's thinking, kept apart from the answer (same counting as `Delta`).
    Thinking {
        text: String,
        n_tokens: u32,
        at: T,
    },
    /// A parameter was not sent as asked (before the request, or after a server's 400).
    Adapted {
        change: ParamChange,
        at: T,
    },
    Finished {
        usage: Usage,
        finish_reason: FinishReason,
        timings: Option<EngineTimings>,
        /// The prompt's and the generated token ids, when the request asked for them (tests,
        /// diagnostics).
        token_ids: Option<TokenIds>,
        at: T,
    },
    Failed {
        error: E,
        at: T,
    },
    /// What the machine measured: the loaded model's memory (sent after `Started`) and the
    /// energy the generation used (sent just before `Finished`). Local models only.
    Measured {
        energy: Option<crate::domain::energy::GenerationEnergy>,
        memory: Option<crate::domain::memory::ModelMemory>,
        at: T,
    },
}

/// The tokens a local model decoded: its prompt as tokenized, and what it generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenIds {
    pub prompt: Vec<i32>,
    pub generated: Vec<i32>,
}

/// A failure once it has left the engine: its kind (as `EngineError::kind` names it) and the
/// message shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: String,
    pub message: String,
}

/// A point in time events are stamped with: a clock reading, or an offset into a recording.
pub trait Stamp: Copy {
    /// Time from `earlier` to `self`, zero if `earlier` is later.
    fn since(self, earlier: Self) -> Duration;
}

impl Stamp for Instant {
    fn since(self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl Stamp for Duration {
    fn since(self, earlier: Self) -> Duration {
        self.saturating_sub(earlier)
    }
}

impl<E, T: Copy> GenEvent<E, T> {
    pub fn at(&self) -> T {
        match self {
            GenEvent::Started { at }
            | GenEvent::Delta { at, .. }
            | GenEvent::Thinking { at, .. }
            | GenEvent::Adapted { at, .. }
            | GenEvent::Finished { at, .. }
            | GenEvent::Failed { at, .. }
            | GenEvent::Measured { at, .. } => *at,
        }
    }

    /// `Finished` or `Failed`: nothing follows.
    pub fn is_terminal(&self) -> bool {
        matches!(self, GenEvent::Finished { .. } | GenEvent::Failed { .. })
    }

    /// The same event with its failure and its stamp converted.
    pub fn map<E2, T2>(
        self,
        error: impl FnOnce(E) -> E2,
        stamp: impl FnOnce(T) -> T2,
    ) -> GenEvent<E2, T2> {
        match self {
            GenEvent::Started { at } => GenEvent::Started { at: stamp(at) },
            GenEvent::Delta { text, n_tokens, at } => GenEvent::Delta {
                text,
                n_tokens,
                at: stamp(at),
            },
            GenEvent::Thinking { text, n_tokens, at } => GenEvent::Thinking {
                text,
                n_tokens,
                at: stamp(at),
            },
            GenEvent::Adapted { change, at } => GenEvent::Adapted {
                change,
                at: stamp(at),
            },
            GenEvent::Finished {
                usage,
                finish_reason,
                timings,
                token_ids,
                at,
            } => GenEvent::Finished {
                usage,
                finish_reason,
                timings,
                token_ids,
                at: stamp(at),
            },
            GenEvent::Failed { error: e, at } => GenEvent::Failed {
                error: error(e),
                at: stamp(at),
            },
            GenEvent::Measured { energy, memory, at } => GenEvent::Measured {
                energy,
                memory,
                at: stamp(at),
            },
        }
    }
}

/// Everything one generation produced, built up event by event — the in-memory member of the
/// answer family while it streams (`domain::answer`).
#[derive(Debug, Clone, PartialEq)]
pub struct Generation<E = Failure, T = Instant> {
    pub started: Option<T>,
    /// The answer, thinking excluded.
    pub text: String,
    /// The thinking, apart from the answer.
    pub thinking: String,
    /// Parameters not sent as asked.
    pub adaptations: Vec<ParamChange>,
    /// Answer and thinking chunks, stamped from `started`.
    pub chunks: Vec<ChunkStamp>,
    pub finished: Option<T>,
    pub usage: Option<Usage>,
    pub finish_reason: Option<FinishReason>,
    pub timings: Option<EngineTimings>,
    pub token_ids: Option<TokenIds>,
    pub error: Option<E>,
    pub energy: Option<crate::domain::energy::GenerationEnergy>,
    pub memory: Option<crate::domain::memory::ModelMemory>,
}

impl<E, T> Default for Generation<E, T> {
    fn default() -> Self {
        Self {
            started: None,
            text: String::new(),
            thinking: String::new(),
            adaptations: Vec::new(),
            chunks: Vec::new(),
            finished: None,
            usage: None,
            finish_reason: None,
            timings: None,
            token_ids: None,
            energy: None,
            memory: None,
            error: None,
        }
    }
}

impl<E: Clone, T: Stamp> Generation<E, T> {
    /// Fold in one event. Empty deltas carry no content and are not chunks.
    pub fn on_event(&mut self, event: &GenEvent<E, T>) {
        match event {
            GenEvent::Started { at } => self.started = Some(*at),
            GenEvent::Delta { text, n_tokens, at } => {
                if !text.is_empty() {
                    self.text.push_str(text);
                    self.chunks.push(ChunkStamp {
                        at: self.since_start(*at),
                        n_tokens: *n_tokens,
                        thinking: false,
                    });
                }
            }
            GenEvent::Thinking { text, n_tokens, at } => {
                if !text.is_empty() {
                    self.thinking.push_str(text);
                    self.chunks.push(ChunkStamp {
                        at: self.since_start(*at),
                        n_tokens: *n_tokens,
                        thinking: true,
                    });
                }
            }
            GenEvent::Adapted { change, .. } => self.adaptations.push(change.clone()),
            GenEvent::Measured { energy, memory, .. } => {
                if energy.is_some() {
                    self.energy = energy.clone();
                }
                if memory.is_some() {
                    self.memory = memory.clone();
                }
            }
            GenEvent::Finished {
                usage,
                finish_reason,
                timings,
                token_ids,
                at,
            } => {
                self.finished = Some(*at);
                self.usage = Some(*usage);
                self.finish_reason = Some(*finish_reason);
                self.timings = *timings;
                self.token_ids.clone_from(token_ids);
            }
            GenEvent::Failed { error, at } => {
                self.finished = Some(*at);
                self.error = Some(error.clone());
            }
        }
    }
}

impl<E, T: Stamp> Generation<E, T> {
    /// Time from the start to `at` (from the first stamp seen, zero, when no start came).
    pub fn since_start(&self, at: T) -> Duration {
        self.started.map_or(Duration::ZERO, |s| at.since(s))
    }

    pub fn is_done(&self) -> bool {
        self.finished.is_some()
    }

    /// The metrics of a finished generation (e2e zero if it never finished).
    pub fn metrics(&self) -> GenerationMetrics {
        self.measure(self.finished)
    }

    /// The metrics so far: `now` stands in for the finish while the generation is running.
    pub fn metrics_at(&self, now: T) -> GenerationMetrics {
        self.measure(self.finished.or(Some(now)))
    }

    fn measure(&self, end: Option<T>) -> GenerationMetrics {
        let e2e = end.map_or(Duration::ZERO, |end| self.since_start(end));
        GenerationMetrics {
            energy: self.energy.clone(),
            memory: self.memory.clone(),
            prompt_tokens: self.usage.and_then(|u| u.prompt_tokens).or_else(|| {
                self.timings
                    .filter(|t| t.prompt_tokens > 0)
                    .map(|t| t.prompt_tokens)
            }),
            cached_prompt_tokens: self.usage.and_then(|u| u.cached_prompt_tokens),
            queue_ms: self.timings.and_then(|t| t.queued_ms),
            threads: self.timings.and_then(|t| t.threads),
            ..metrics::compute(
                &self.chunks,
                Totals {
                    e2e,
                    output_tokens: self
                        .usage
                        .filter(|u| !u.estimated)
                        .map(|u| u.completion_tokens),
                    prefill: self
                        .timings
                        .filter(|t| t.prompt_tokens > 0)
                        .map(|t| (t.prompt_tokens, t.prompt_ms)),
                    reasoning_tokens: self
                        .usage
                        .filter(|u| !u.estimated)
                        .and_then(|u| u.reasoning_tokens),
                    hit_length: self.finish_reason == Some(FinishReason::Length),
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn recorded(events: &[GenEvent<Failure, Duration>]) -> Generation<Failure, Duration> {
        let mut g = Generation::default();
        for e in events {
            g.on_event(e);
        }
        g
    }

    #[test]
    fn chunks_are_stamped_from_the_start_and_metrics_follow_the_definitions() {
        // Sent at 100 ms; chunks at 300, 350, 450 ms; finished at 500 ms with 4 tokens reported.
        let g = recorded(&[
            GenEvent::Started { at: ms(100) },
            GenEvent::Delta {
                text: "a".into(),
                n_tokens: 1,
                at: ms(300),
            },
            GenEvent::Delta {
                text: String::new(),
                n_tokens: 0,
                at: ms(320),
            },
            GenEvent::Delta {
                text: "bc".into(),
                n_tokens: 2,
                at: ms(350),
            },
            GenEvent::Delta {
                text: "d".into(),
                n_tokens: 1,
                at: ms(450),
            },
            GenEvent::Finished {
                usage: Usage {
                    prompt_tokens: Some(3),
                    completion_tokens: 4,
                    estimated: false,
                    ..Default::default()
                },
                finish_reason: FinishReason::Stop,
                timings: None,
                token_ids: None,
                at: ms(500),
            },
        ]);
        assert_eq!(g.text, "abcd");
        assert_eq!(g.chunks.len(), 3, "the empty delta is not a chunk");
        let m = g.metrics();
        // By hand: TTFT 200; e2e 400; decode (4−1)/(400−200 ms) = 15 tok/s; TPOT 200/3 ms;
        // gaps 50 and 100 → p50 75.
        assert_eq!(m.ttft_ms, Some(200.0));
        assert_eq!(m.e2e_ms, 400.0);
        assert_eq!(m.decode_tokens_per_s, Some(15.0));
        assert!((m.tpot_ms.unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.itl_p50_ms, Some(75.0));
        assert_eq!((m.output_tokens, m.tokens_estimated), (4, false));
    }

    #[test]
    fn a_running_generation_measures_up_to_now_and_a_failure_ends_it() {
        let mut g: Generation<Failure, Duration> = recorded(&[
            GenEvent::Started { at: ms(0) },
            GenEvent::Delta {
                text: "x".into(),
                n_tokens: 1,
                at: ms(40),
            },
        ]);
        assert_eq!(g.metrics_at(ms(90)).e2e_ms, 90.0);
        assert!(!g.is_done());
        g.on_event(&GenEvent::Failed {
            error: Failure {
                kind: "network".into(),
                message: "reset".into(),
            },
            at: ms(60),
        });
        assert!(g.is_done());
        assert_eq!(g.metrics_at(ms(90)).e2e_ms, 60.0, "the failure is the end");
        assert_eq!(g.error.as_ref().map(|f| f.kind.as_str()), Some("network"));
    }

    #[test]
    fn map_converts_failure_and_stamp() {
        let e: GenEvent<&str, u64> = GenEvent::Failed {
            error: "boom",
            at: 7,
        };
        let mapped = e.map(str::len, Duration::from_millis);
        assert_eq!(
            mapped,
            GenEvent::Failed {
                error: 4,
                at: ms(7)
            }
        );
    }
}
