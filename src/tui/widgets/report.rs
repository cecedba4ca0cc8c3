//! The report screen of an eval run: verdict lines, the monthly cost per model as bars, each
//! model's latency over the run as a sparkline, and the report's tables below, scrollable.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Borders, Paragraph, Sparkline, Widget, Wrap,
};

use crate::tui::theme::Theme;
use crate::tui_state::state::ReportView;

pub struct ReportScreen<'a> {
    pub view: &'a ReportView,
    pub scroll: usize,
    pub theme: &'a Theme,
}

fn titled<'a>(title: &'a str, t: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::TOP)
        .border_style(Style::default().fg(t.border))
        .title(Line::styled(title, Style::default().fg(t.muted)))
}

impl Widget for ReportScreen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (v, t) = (self.view, self.theme);
        let verdicts: Vec<Line> = v
            .verdicts
            .iter()
            .map(|s| Line::styled(s.as_str(), Style::default().fg(t.text)))
            .collect();
        let verdict_rows = if verdicts.is_empty() {
            1
        } else {
            // Wrapped height, at most a third of the screen.
            let width = usize::from(area.width.max(1));
            let rows: usize = v
                .verdicts
                .iter()
                .map(|s| s.chars().count() / width + 1)
                .sum();
            (rows as u16).min(area.height / 3).max(1)
        };
        let chart_rows = if area.height >= 20 {
            area.height / 4 + 2
        } else {
            0
        };
        let [top, charts, rest] = Layout::vertical([
            Constraint::Length(verdict_rows + 1),
            Constraint::Length(chart_rows),
            Constraint::Min(1),
        ])
        .areas(area);
        let verdict_block = titled(" verdict ", t);
        if verdicts.is_empty() {
            Paragraph::new("no candidate: a report compares models with a baseline")
                .style(Style::default().fg(t.muted))
                .block(verdict_block)
                .render(top, buf);
        } else {
            Paragraph::new(verdicts)
                .wrap(Wrap { trim: false })
                .block(verdict_block)
                .render(top, buf);
        }
        if chart_rows > 0 {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                    .areas(charts);
            self.bars(left, buf);
            self.sparklines(right, buf);
        }
        let lines: Vec<Line> = v
            .lines
            .iter()
            .skip(self.scroll)
            .map(|l| {
                if !l.is_empty() && l.chars().all(|c| !c.is_lowercase()) {
                    Line::styled(
                        l.as_str(),
                        Style::default().fg(t.title).add_modifier(Modifier::BOLD),
                    )
                } else {
                    Line::styled(l.as_str(), Style::default().fg(t.text))
                }
            })
            .collect();
        Paragraph::new(lines)
            .block(titled(" figures · ↑↓ scroll ", t))
            .render(rest, buf);
    }
}

impl ReportScreen<'_> {
    fn bars(&self, area: Rect, buf: &mut Buffer) {
        let (v, t) = (self.view, self.theme);
        let block = titled(&v.bars_caption, t);
        if v.bars.is_empty() {
            Paragraph::new("no model priced: set cost_per_hour, or give prices")
                .style(Style::default().fg(t.muted))
                .block(block)
                .render(area, buf);
            return;
        }
        let bars: Vec<Bar> = v
            .bars
            .iter()
            .map(|(m, value, label)| {
                Bar::default()
                    .value(*value)
                    .label(Line::from(m.as_str()))
                    .text_value(label.clone())
                    .style(Style::default().fg(t.accent))
                    .value_style(Style::default().fg(t.selection_fg).bg(t.accent))
            })
            .collect();
        let width = (area.width.saturating_sub(2) / v.bars.len().max(1) as u16)
            .saturating_sub(1)
            .clamp(3, 14);
        BarChart::default()
            .block(block)
            .data(BarGroup::default().bars(&bars))
            .bar_width(width)
            .bar_gap(1)
            .render(area, buf);
    }

    fn sparklines(&self, area: Rect, buf: &mut Buffer) {
        let (v, t) = (self.view, self.theme);
        let block = titled(" e2e latency over the run (ms) ", t);
        let inner = block.inner(area);
        block.render(area, buf);
        let n = v.latency.len().max(1) as u16;
        let rows =
            Layout::vertical(vec![Constraint::Length(inner.height / n); n as usize]).split(inner);
        for ((model, values), row) in v.latency.iter().zip(rows.iter()) {
            let max = values.iter().max().copied().unwrap_or(0);
            let label = format!("{model} ≤{max}");
            let [name, line] =
                Layout::horizontal([Constraint::Length(22), Constraint::Min(1)]).areas(*row);
            Paragraph::new(label)
                .style(Style::default().fg(t.muted))
                .render(name, buf);
            // The last answers when there are more than columns.
            let skip = values.len().saturating_sub(usize::from(line.width));
            Sparkline::default()
                .data(values[skip..].iter().copied())
                .max(max.max(1))
                .style(Style::default().fg(t.accent))
                .render(line, buf);
        }
    }
}
