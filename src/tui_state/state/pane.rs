//! One model's pane in a comparison.

use std::time::Instant;

use crate::domain::ParamChange;
use crate::domain::answer::AnswerState;
use crate::domain::generation::Generation;
use crate::domain::metrics::GenerationMetrics;
use crate::tui_state::wrap::WrappedText;

#[derive(Debug, Clone, PartialEq)]
pub enum PaneStatus {
    /// Waiting for the model to load or the request to be sent.
    Loading,
    /// Request sent, no token yet.
    Prefill,
    Streaming,
    /// Ended by the model: complete, at a stop string, truncated (or, for a stored answer
    /// imported without an ending, unknown).
    Done(AnswerState),
    Error {
        kind: String,
        message: String,
    },
    Cancelled,
}

impl PaneStatus {
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            PaneStatus::Loading | PaneStatus::Prefill | PaneStatus::Streaming
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaneState {
    pub model: String,
    pub run: u64,
    pub status: PaneStatus,
    pub text: WrappedText,
    /// The model's thinking, shown above the answer (dimmed) when `show_thinking`.
    pub thinking: WrappedText,
    pub show_thinking: bool,
    /// A line per parameter not sent as asked, and why (wrapped, above the text).
    pub notes: WrappedText,
    /// The generation's events folded: chunk stamps, usage, timings, the finish.
    pub generation: Generation,
    /// First visible row; ignored while `follow` is on.
    pub scroll: usize,
    /// Keep the newest text in view.
    pub follow: bool,
    /// Tokens received per `RATE_BUCKET` since the request was sent (the sparkline).
    pub rate_buckets: Vec<u64>,
    /// Sparkline buckets in which the hardware was throttled (GPU throttle reasons, a CPU
    /// below its clocks), and why: marked under the sparkline.
    pub throttled: Vec<(usize, String)>,
    /// The metrics as last computed (on each tick while streaming, and at the finish), so a
    /// frame never re-sorts 100k gaps.
    pub live: GenerationMetrics,
}

/// One row of a pane's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaneRow<'a> {
    /// A parameter that was not sent as asked, and why.
    Note(&'a str),
    /// "thinking · N tokens", or "thinking (hidden), N tokens".
    ThinkingHeader,
    Thinking(&'a str),
    Answer(&'a str),
}

/// Width of one sparkline bucket.
pub const RATE_BUCKET: std::time::Duration = std::time::Duration::from_millis(250);

impl PaneState {
    pub fn new(model: String, run: u64, text_width: u16) -> Self {
        Self {
            model,
            run,
            status: PaneStatus::Loading,
            text: WrappedText::new(text_width),
            thinking: WrappedText::new(text_width),
            show_thinking: true,
            notes: WrappedText::new(text_width),
            generation: Generation::default(),
            scroll: 0,
            follow: true,
            rate_buckets: Vec::new(),
            throttled: Vec::new(),
            live: GenerationMetrics::default(),
        }
    }

    /// Metrics so far; `now` stands in for the finish while the stream is running.
    pub fn metrics(&self, now: Instant) -> GenerationMetrics {
        if self.generation.started.is_none() {
            return GenerationMetrics::default();
        }
        self.generation.metrics_at(now)
    }

    pub fn refresh_metrics(&mut self, now: Instant) {
        self.live = self.metrics(now);
    }

    /// The hardware was slowed down `since` the request was sent, for `why`.
    pub fn mark_throttled(&mut self, since: std::time::Duration, why: String) {
        let bucket = (since.as_millis() / RATE_BUCKET.as_millis()) as usize;
        if self.throttled.last().is_none_or(|(b, _)| *b != bucket) {
            self.throttled.push((bucket, why));
        }
    }

    /// Count `n_tokens` arriving `since` the request was sent into the sparkline buckets.
    pub fn record_rate(&mut self, since: std::time::Duration, n_tokens: u32) {
        let bucket = (since.as_millis() / RATE_BUCKET.as_millis()) as usize;
        if self.rate_buckets.len() <= bucket {
            self.rate_buckets.resize(bucket + 1, 0);
        }
        self.rate_buckets[bucket] += u64::from(n_tokens);
    }

    /// A thinking header row comes first: the model thought visibly, or a server counted
    /// thinking it did not show.
    pub fn has_thinking(&self) -> bool {
        !self.thinking.text().is_empty() || self.live.thinking_hidden
    }

    fn thinking_rows(&self) -> usize {
        match (
            self.has_thinking(),
            self.show_thinking && !self.live.thinking_hidden,
        ) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 1 + self.thinking.row_count(),
        }
    }

    /// Rows of the pane's text: a note per parameter not sent as asked, the thinking header,
    /// the thinking when expanded, the answer.
    pub fn row_count(&self) -> usize {
        self.note_rows() + self.thinking_rows() + self.text.row_count()
    }

    fn note_rows(&self) -> usize {
        if self.notes.text().is_empty() {
            0
        } else {
            self.notes.row_count()
        }
    }

    pub fn add_note(&mut self, change: &ParamChange) {
        if !self.notes.text().is_empty() {
            self.notes.push_str("\n");
        }
        self.notes.push_str(&format!("⚠ {change}"));
    }

    /// Rows `start..start + height` of the pane's text, as `row_count` counts them.
    /// Each part is asked only for its visible rows: a frame costs the same at 100k rows.
    pub fn rows(&self, start: usize, height: usize) -> impl Iterator<Item = PaneRow<'_>> {
        let end = start + height;
        // The rows of a part that lie in start..end, given where the part begins and its length.
        let window = |begin: usize, len: usize| {
            let from = start.clamp(begin, begin + len) - begin;
            let to = end.clamp(begin, begin + len) - begin;
            (from, to - from)
        };
        let n_notes = self.note_rows();
        let head = self.thinking_rows();
        let (from, n) = window(0, n_notes);
        let notes = self.notes.rows(from, n).map(PaneRow::Note);
        let header =
            (head > 0 && (start..end).contains(&n_notes)).then_some(PaneRow::ThinkingHeader);
        let (from, n) = window(n_notes + 1, head.saturating_sub(1));
        let thinking = self.thinking.rows(from, n).map(PaneRow::Thinking);
        let (from, n) = window(n_notes + head, self.text.row_count());
        let answer = self.text.rows(from, n).map(PaneRow::Answer);
        notes.chain(header).chain(thinking).chain(answer)
    }

    pub fn set_text_width(&mut self, width: u16) {
        self.text.set_width(width);
        self.thinking.set_width(width);
        self.notes.set_width(width);
    }

    /// The first row to show in a viewport of `height` rows.
    pub fn first_visible_row(&self, height: usize) -> usize {
        let max = self.row_count().saturating_sub(height);
        if self.follow {
            max
        } else {
            self.scroll.min(max)
        }
    }
}

#[cfg(test)]
mod rows_tests {
    use super::*;

    /// Every window of rows equals the same window of the whole list, shown or folded.
    #[test]
    fn a_window_of_rows_equals_the_whole_list_sliced() {
        let mut pane = PaneState::new("m".into(), 1, 10);
        pane.add_note(&ParamChange {
            param: "temperature".into(),
            replaced_by: None,
            reason: "a reasoning model takes only its default".into(),
            learned: false,
            rejected_value: None,
        });
        pane.thinking
            .push_str("first think about it, then think again");
        pane.text
            .push_str("the answer comes in several short rows here");
        for show in [true, false] {
            pane.show_thinking = show;
            let all: Vec<PaneRow> = pane.rows(0, usize::MAX / 2).collect();
            assert_eq!(all.len(), pane.row_count());
            for start in 0..=all.len() {
                for height in 0..=all.len() + 1 {
                    let want: Vec<PaneRow> = all.iter().copied().skip(start).take(height).collect();
                    assert_eq!(
                        pane.rows(start, height).collect::<Vec<_>>(),
                        want,
                        "{start}+{height}"
                    );
                }
            }
        }
    }
}
