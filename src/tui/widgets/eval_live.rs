//! The live screen of `slam eval`: a row per model with its progress and latency so far.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Row, Table, Widget};

use crate::eval::progress::LiveRun;
use crate::tui::theme::Theme;
use crate::tui_state::action::Action;
use crate::tui_state::state::Mode;

pub struct EvalLive<'a> {
    pub run: &'a LiveRun,
    pub name: &'a str,
    pub theme: &'a Theme,
    pub now: Instant,
    /// The keys that stop the run, from the keymap (its `[eval]` section and `[global]`).
    pub stop_keys: &'a str,
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.digits$}"))
}

impl Widget for EvalLive<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let run = self.run;
        let session = run
            .session
            .map_or(String::new(), |s| format!(" · session {s}"));
        let state = if run.stopping {
            " · stopping: finishing the cells in flight"
        } else if run.resumed {
            " · resumed"
        } else {
            ""
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(t.border))
            .title(Line::styled(
                format!(" eval {}{session}{state} ", self.name),
                Style::default().fg(t.title).add_modifier(Modifier::BOLD),
            ));
        let inner = block.inner(area);
        block.render(area, buf);
        let n = run.models.len() as u16;
        let [table_area, gauges_area, hint_area] = Layout::vertical([
            Constraint::Length(n + 1),
            Constraint::Length(n),
            Constraint::Min(1),
        ])
        .areas(inner);
        let header = Row::new([
            "model",
            "cells",
            "errors",
            "TTFT p50/p95",
            "e2e p50/p95",
            "tok/s",
            "req/s",
            "ETA",
        ])
        .style(Style::default().fg(t.muted));
        let rows = run.models.iter().map(|m| {
            let ((t50, t95), (e50, e95)) = m.latency();
            let errors = match (&m.failed, m.errors.is_empty()) {
                (Some(f), _) => f.clone(),
                (None, true) => "–".into(),
                (None, false) => m
                    .errors
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let eta = run
                .eta(m, self.now)
                .map_or("–".into(), |d| format!("{}s", d.as_secs()));
            Row::new([
                m.name.clone(),
                format!("{}/{}", m.before + m.done, m.total),
                errors,
                format!("{} / {} ms", num(t50, 0), num(t95, 0)),
                format!("{} / {} ms", num(e50, 0), num(e95, 0)),
                num(m.decode_p50(), 1),
                num(run.requests_per_s(m, self.now), 2),
                eta,
            ])
            .style(Style::default().fg(if m.failed.is_some() {
                t.error
            } else {
                t.text
            }))
        });
        let widths = [
            Constraint::Length(16),
            Constraint::Length(9),
            Constraint::Min(10),
            Constraint::Length(16),
            Constraint::Length(16),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(6),
        ];
        Widget::render(Table::new(rows, widths).header(header), table_area, buf);
        for (i, m) in run.models.iter().enumerate() {
            let ratio = if m.total == 0 {
                1.0
            } else {
                (m.before + m.done) as f64 / m.total as f64
            };
            let row = Rect {
                y: gauges_area.y + i as u16,
                height: 1,
                ..gauges_area
            };
            Gauge::default()
                .gauge_style(Style::default().fg(t.accent))
                .ratio(ratio.clamp(0.0, 1.0))
                .label(m.name.clone())
                .render(row, buf);
        }
        let mut lines = Vec::new();
        if let Some(cost) =
            crate::report::cost::estimate_line(run.estimated_cost, run.max_cost, &run.unpriced)
        {
            lines.push(Line::from(format!(" {cost}")));
        }
        lines.push(Line::from(format!(
            " {} {}",
            self.stop_keys,
            Action::Quit.description_on(Mode::Eval)
        )));
        Paragraph::new(lines)
            .style(Style::default().fg(t.muted))
            .render(hint_area, buf);
    }
}
