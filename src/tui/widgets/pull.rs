//! The "get a model" popup over the picker: the query, what the Hub answered (repositories, a
//! repository's quantizations with sizes), the fit check, and the download's progress (bytes,
//! rate, ETA).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Widget, Wrap};

use crate::domain::memory::human_size;
use crate::tui::theme::Theme;
use crate::tui_state::state::AppState;
use crate::tui_state::state::pull::{Download, PullStage};

pub struct PullPopup<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

/// "1h02m", "3m05s", "12s".
fn duration(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// "48 MiB of 97 MiB · 12.3 MiB/s · ETA 4s".
pub fn progress_text(d: &Download) -> String {
    let mut text = format!("{} of {}", human_size(d.done), human_size(d.size));
    if let Some(rate) = d.rate {
        text.push_str(&format!(" · {:.1} MiB/s", rate / 1_048_576.0));
    }
    if let Some(eta) = d.eta_s() {
        text.push_str(&format!(" · ETA {}", duration(eta)));
    }
    text
}

/// `text` as rows of at most `width` columns (word-wrapped), so the popup knows its height.
fn wrapped(text: &str, width: u16) -> Vec<String> {
    let mut w = crate::tui_state::wrap::WrappedText::new(width);
    w.push_str(text);
    w.rows(0, w.row_count()).map(str::to_owned).collect()
}

impl PullPopup<'_> {
    fn rows<'a>(&self, text: &str, style: Style, width: u16) -> Vec<Line<'a>> {
        wrapped(text, width)
            .into_iter()
            .map(|row| Line::from(Span::styled(row, style)))
            .collect()
    }

    fn list<'a>(&self, rows: Vec<String>, height: usize) -> Vec<Line<'a>> {
        let t = self.theme;
        let cursor = self.state.pull.cursor;
        // Keep the cursor in view.
        let first = cursor.saturating_sub(height.saturating_sub(1));
        rows.into_iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(i, row)| {
                let style = if i == cursor {
                    Style::default().fg(t.selection_fg).bg(t.selection_bg)
                } else {
                    Style::default().fg(t.text)
                };
                Line::from(Span::styled(row, style))
            })
            .collect()
    }
}

impl Widget for PullPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let pull = &self.state.pull;
        let width = area.width.saturating_sub(4).clamp(10, 96).min(area.width);
        // At most this tall; as tall as what it shows.
        let max_height = area.height.saturating_sub(2).clamp(3, 20).min(area.height);
        let inner_width = width.saturating_sub(2);
        let muted = Style::default().fg(t.muted);
        const PROMPT: &str = "search or ORG/REPO[:QUANT] ";
        // A query longer than its row shows its end, where the typing is.
        let room_for_query = usize::from(inner_width).saturating_sub(PROMPT.len() + 2);
        let count = pull.query.chars().count();
        let query = if count > room_for_query {
            let tail: String = pull.query.chars().skip(count - room_for_query).collect();
            format!("…{tail}")
        } else {
            pull.query.clone()
        };
        let mut lines = vec![Line::from(vec![
            Span::styled(PROMPT, muted),
            Span::styled(format!("{query}█"), Style::default().fg(t.text)),
        ])];
        if let Some(message) = &pull.message {
            lines.extend(self.rows(message, Style::default().fg(t.warning), inner_width));
        }
        let room = usize::from(max_height.saturating_sub(2)).saturating_sub(lines.len() + 1);
        let mut gauge = None;
        match &pull.stage {
            PullStage::Query => lines.push(Line::from(Span::styled(
                "Enter searches the Hub's GGUF repositories; ORG/REPO lists its files",
                muted,
            ))),
            PullStage::Waiting(what) => lines.extend(self.rows(what, muted, inner_width)),
            PullStage::Repos(repos) => {
                let w = usize::from(inner_width).saturating_sub(18);
                let rows = repos
                    .iter()
                    .map(|r| format!("{:<w$} {:>10} ↓", r.id, r.downloads))
                    .collect();
                lines.extend(self.list(rows, room));
            }
            PullStage::Files { repo, files } => {
                lines.push(Line::from(Span::styled(repo.clone(), muted)));
                let rows = files
                    .iter()
                    .map(crate::tui_state::state::pull::FileLine::describe)
                    .collect();
                lines.extend(self.list(rows, room.saturating_sub(1)));
            }
            PullStage::Confirm { file, why, .. } => {
                lines.extend(self.rows(
                    &format!("{} {}", file.label, file.path),
                    Style::default().fg(t.text),
                    inner_width,
                ));
                lines.extend(self.rows(why, Style::default().fg(t.error), inner_width));
                lines.push(Line::from(Span::styled(
                    "Enter pulls it anyway · Esc goes back",
                    Style::default().add_modifier(Modifier::BOLD),
                )));
            }
            PullStage::Downloading(d) => {
                let part = if d.parts > 1 {
                    format!(" · part {} of {}", d.part, d.parts)
                } else {
                    String::new()
                };
                lines.extend(self.rows(
                    &format!("{} {} {}{part}", d.repo, d.file.label, d.file.path),
                    Style::default().fg(t.text),
                    inner_width,
                ));
                let fit = d.fit.as_deref().unwrap_or("checking the fit…");
                lines.extend(self.rows(fit, muted, inner_width));
                gauge = Some(d);
            }
        }
        let text_rows = lines.len() as u16;
        let height = (text_rows + u16::from(gauge.is_some()) + 2).min(max_height);
        let popup = super::centered(area, width, height);
        Clear.render(popup, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(t.focused_border))
            .title(" get a model from the Hugging Face Hub ");
        let inner = block.inner(popup);
        block.render(popup, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
        if let Some(d) = gauge.filter(|_| inner.height > 0) {
            let y = inner.y + text_rows.min(inner.height.saturating_sub(1));
            let ratio = if d.size > 0 {
                (d.done as f64 / d.size as f64).clamp(0.0, 1.0)
            } else {
                0.0
            };
            Gauge::default()
                .gauge_style(Style::default().fg(t.accent))
                .ratio(ratio)
                .label(progress_text(d))
                .render(
                    Rect {
                        y,
                        height: 1,
                        ..inner
                    },
                    buf,
                );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(4.4), "4s");
        assert_eq!(duration(185.0), "3m05s");
        assert_eq!(duration(3720.0), "1h02m");
    }
}
