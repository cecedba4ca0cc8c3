//! A model's pane: name and state in the title, the streamed text (following the tail unless
//! scrolled), a tokens/s sparkline and the live metrics.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline, Widget, Wrap};

use crate::domain::answer::AnswerState;
use crate::domain::metrics::GenerationMetrics;
use crate::tui::theme::Theme;
use crate::tui_state::state::{PaneRow, PaneState, PaneStatus};

pub struct PaneView<'a> {
    pub pane: &'a PaneState,
    pub theme: &'a Theme,
    pub focused: bool,
    /// The model's name, or its blind name.
    pub title: String,
    /// The answer's score, tags and note, on the bottom border.
    pub rating: Option<Line<'a>>,
    /// Blind and not yet revealed: nothing model-specific is drawn — no error kind or text
    /// (they name the model or its file), no memory, speed or timing (they tell the models
    /// apart), no sparkline (its pace does too).
    pub blind: bool,
    /// Blind answers shown together: this one's text waits for the others to finish.
    pub held: bool,
}

pub fn status_label(status: &PaneStatus) -> String {
    match status {
        PaneStatus::Loading => "loading".into(),
        PaneStatus::Prefill => "prefill".into(),
        PaneStatus::Streaming => "streaming".into(),
        PaneStatus::Done(state) => state.label(),
        PaneStatus::Error { kind, .. } => AnswerState::of(None, Some(kind)).label(),
        PaneStatus::Cancelled => "cancelled".into(),
    }
}

/// The live metrics, shortened to fit `width` columns.
pub fn metrics_line(m: &GenerationMetrics, width: usize) -> String {
    let tokens = format!(
        "{}{}",
        m.output_tokens,
        if m.tokens_estimated && m.output_tokens > 0 {
            "~"
        } else {
            ""
        }
    );
    let elapsed = m.e2e_ms / 1000.0;
    let (ttft, tps) = (fmt_opt(m.ttft_ms, 0), fmt_opt(m.decode_tokens_per_s, 1));
    let (p50, p95) = (fmt_opt(m.itl_p50_ms, 1), fmt_opt(m.itl_p95_ms, 1));
    // A local model's cached prompt prefix (why TTFT is short) and its decode threads.
    let cached = m
        .cached_prompt_tokens
        .filter(|n| *n > 0)
        .map_or(String::new(), |n| format!(" ({n} cached)"));
    let threads = m.threads.map_or(String::new(), |n| format!(" · {n} thr"));
    // A thinking model: its first token of any kind, and how much of the output was thinking.
    let first = m
        .first_token_ms
        .map_or(String::new(), |f| format!(" (first {f:.0})"));
    let thought = m
        .thinking_tokens
        .map_or(String::new(), |n| format!(" ({n} thinking)"));
    // A local model's energy, once measured (after the answer ends).
    let energy = m.energy.as_ref().map_or(String::new(), |e| {
        format!(" · {}", e.label(m.output_tokens))
    });
    // A local model's memory on this machine, all buffers.
    let memory = m.memory.as_ref().map_or(String::new(), |mem| {
        format!(" · {:.0} MiB", mem.total_mib(None))
    });
    let full = format!(
        "TTFT {ttft}{first} ms{cached} · {tps} tok/s{energy} · ITL p50 {p50} p95 {p95} ms · {tokens} tok{thought} · {elapsed:.1} s{threads}{memory}"
    );
    let (p50_0, p95_0) = (fmt_opt(m.itl_p50_ms, 0), fmt_opt(m.itl_p95_ms, 0));
    let short_threads = m.threads.map_or(String::new(), |n| format!(" {n}thr"));
    // Narrow: energy only when measured (the wide form and `generate` say why not).
    let short_energy = m
        .energy
        .as_ref()
        .and_then(|e| e.per_token(m.output_tokens))
        .map_or(String::new(), |j| format!(" {j:.2}J/t"));
    let short_memory = m.memory.as_ref().map_or(String::new(), |mem| {
        format!(" {:.0}MiB", mem.total_mib(None))
    });
    [
        full,
        format!(
            "TTFT {ttft}{first}ms{cached} {tps}t/s{short_energy} ITL {p50}/{p95}ms {tokens}tok{thought} {elapsed:.1}s{short_threads}{short_memory}"
        ),
        format!("TTFT {ttft}ms {tps}t/s ITL {p50}/{p95}ms {tokens}tok {elapsed:.1}s"),
        format!("TTFT {ttft}ms {tps}t/s ITL {p50_0}/{p95_0}ms {tokens}tok"),
        format!("{ttft}ms {tps}t/s {p50_0}/{p95_0}ms {tokens}tok"),
    ]
    .into_iter()
    .find(|l| l.chars().count() <= width)
    .unwrap_or_else(|| format!("{tps}t/s {tokens}tok"))
}

/// The row above a thinking model's thinking: folded or not, and how many tokens it took.
fn thinking_header(pane: &PaneState) -> String {
    let m = &pane.live;
    let tokens = match m.thinking_tokens {
        Some(n) => format!("{n}{} tokens", if m.thinking_estimated { "~" } else { "" }),
        None => "…".to_owned(),
    };
    if m.thinking_hidden {
        return format!("thinking (hidden), {tokens}");
    }
    let limit = if m.length_while_thinking {
        " · length limit reached while thinking"
    } else {
        ""
    };
    if pane.show_thinking {
        format!("▾ thinking · {tokens}{limit}")
    } else {
        format!("▸ thinking · {tokens}{limit} (folded)")
    }
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.digits$}"))
}

impl Widget for PaneView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let pane = self.pane;
        let border = if self.focused {
            t.focused_border
        } else {
            t.border
        };
        let status_color = match pane.status {
            PaneStatus::Error { .. } => t.error,
            PaneStatus::Done(_) => t.success,
            PaneStatus::Cancelled => t.warning,
            _ => t.accent,
        };
        let status = match &pane.status {
            // Which answer finished first is a tell too.
            _ if self.held => "answering".to_owned(),
            PaneStatus::Error { .. } if self.blind => "failed".to_owned(),
            status => status_label(status),
        };
        let title = Line::from(vec![
            Span::styled(
                format!(" {} ", self.title),
                Style::default().fg(t.title).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{status} "), Style::default().fg(status_color)),
        ]);
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(border))
            .title(title);
        if let Some(rating) = self.rating {
            block = block.title_bottom(rating);
        }
        let inner = block.inner(area);
        block.render(area, buf);
        // A row of marks under the sparkline, only when the hardware was throttled.
        let marks = u16::from(!pane.throttled.is_empty());
        let [text_area, spark_area, marks_area, metrics_area] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(marks),
            Constraint::Length(1),
        ])
        .areas(inner);

        if self.held {
            Paragraph::new("(shown when every answer has finished: blind answers appear together)")
                .style(Style::default().fg(t.muted))
                .wrap(Wrap { trim: false })
                .render(text_area, buf);
        } else if let PaneStatus::Error { message, .. } = &pane.status {
            let message = if self.blind {
                "This answer failed. ! shows why — that names the models, so this item then \
                 takes no vote."
            } else {
                message.as_str()
            };
            Paragraph::new(message)
                .style(Style::default().fg(t.error))
                .wrap(Wrap { trim: false })
                .render(text_area, buf);
        } else {
            let height = usize::from(text_area.height);
            let first = pane.first_visible_row(height);
            let header = thinking_header(pane);
            let dim = Style::default().fg(t.muted).add_modifier(Modifier::DIM);
            for (i, row) in pane.rows(first, height).enumerate() {
                // Blind and not yet revealed: a note or "thinking (hidden)" can name the
                // model or its kind, so those rows stay empty.
                let (text, style) = match row {
                    PaneRow::Note(_) if self.blind => ("", Style::default()),
                    PaneRow::ThinkingHeader if self.blind && pane.live.thinking_hidden => {
                        ("", Style::default())
                    }
                    PaneRow::Note(text) => (text, Style::default().fg(t.warning)),
                    PaneRow::ThinkingHeader => {
                        (header.as_str(), dim.add_modifier(Modifier::ITALIC))
                    }
                    PaneRow::Thinking(text) => (text, dim),
                    PaneRow::Answer(text) => (text, Style::default().fg(t.text)),
                };
                buf.set_stringn(
                    text_area.x,
                    text_area.y + i as u16,
                    text,
                    usize::from(text_area.width),
                    style,
                );
            }
        }

        if self.blind {
            // Pace, timings and memory tell the models apart: none of them before the vote.
            return;
        }
        let width = usize::from(spark_area.width);
        let buckets = &pane.rate_buckets;
        let recent = &buckets[buckets.len().saturating_sub(width)..];
        Sparkline::default()
            .data(recent)
            .style(Style::default().fg(t.accent))
            .render(spark_area, buf);
        if marks > 0 {
            throttle_marks(
                pane,
                buckets.len().saturating_sub(width),
                marks_area,
                buf,
                t,
            );
        }

        // A stored answer (rated from the store) has no timings to show.
        let line = if pane.generation.started.is_none() && !pane.status.is_active() {
            "stored answer".to_owned()
        } else {
            metrics_line(&pane.live, usize::from(metrics_area.width))
        };
        buf.set_stringn(
            metrics_area.x,
            metrics_area.y,
            line,
            usize::from(metrics_area.width),
            Style::default().fg(t.muted),
        );
    }
}

/// `▲` under each sparkline bucket in which the hardware was throttled, and the latest reason.
fn throttle_marks(pane: &PaneState, first: usize, area: Rect, buf: &mut Buffer, t: &Theme) {
    let width = usize::from(area.width);
    let mut row: Vec<char> = vec![' '; width];
    for (bucket, _) in &pane.throttled {
        if let Some(cell) = bucket.checked_sub(first).and_then(|i| row.get_mut(i)) {
            *cell = '▲';
        }
    }
    let last_mark = row.iter().rposition(|c| *c == '▲').map_or(0, |i| i + 2);
    if let Some((_, why)) = pane.throttled.last() {
        // After the last mark, shortened to what fits.
        let room = width.saturating_sub(last_mark);
        let full = format!("throttled: {why}");
        let label = if full.chars().count() <= room {
            full
        } else {
            why.chars().take(room).collect()
        };
        for (i, c) in label.chars().enumerate() {
            if let Some(cell) = row.get_mut(last_mark + i) {
                *cell = c;
            }
        }
    }
    let text: String = row.into_iter().collect();
    buf.set_stringn(
        area.x,
        area.y,
        text,
        width,
        Style::default().fg(t.gauge_high),
    );
}
