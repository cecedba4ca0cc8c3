//! The `?` overlay: every binding of the current mode, from the keymap, one row per action
//! with all its keys. When the rows do not fit the screen's height they go in columns; a
//! description that does not fit its column ends in "…" (every key is always shown).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::theme::Theme;
use crate::tui_state::action::Action;
use crate::tui_state::keymap::KeyChord;

pub struct HelpOverlay<'a> {
    pub bindings: &'a [(KeyChord, Action)],
    pub theme: &'a Theme,
}

/// Columns between two columns of the overlay.
const GUTTER: usize = 2;

/// One row per action, keys joined, in the actions' declared order (related actions together,
/// as in the hint bar).
pub fn entries(bindings: &[(KeyChord, Action)]) -> Vec<(String, Action)> {
    let mut out: Vec<(String, Action)> = Vec::new();
    for (key, action) in bindings {
        match out.iter_mut().find(|(_, a)| a == action) {
            Some((keys, _)) => {
                keys.push(' ');
                keys.push_str(&key.to_string());
            }
            None => out.push((key.to_string(), *action)),
        }
    }
    out.sort_by_key(|(_, a)| *a);
    out
}

fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let entries = entries(self.bindings);
        let rows_fit = usize::from(area.height.saturating_sub(2)).max(1);
        let columns = entries.len().div_ceil(rows_fit).max(1);
        let rows = entries.len().div_ceil(columns);
        let chunks: Vec<&[(String, Action)]> = entries.chunks(rows.max(1)).collect();
        let key_width = |chunk: &[(String, Action)]| {
            chunk
                .iter()
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0)
        };
        let natural: Vec<usize> = chunks
            .iter()
            .map(|c| {
                key_width(c)
                    + GUTTER
                    + c.iter()
                        .map(|(_, a)| a.description().chars().count())
                        .max()
                        .unwrap_or(0)
            })
            .collect();
        let inner = usize::from(area.width.saturating_sub(2));
        let total = natural.iter().sum::<usize>() + GUTTER * (columns - 1);
        // Each column its natural width; when they do not all fit, the widest gives way first.
        let mut widths = natural;
        let floors: Vec<usize> = chunks.iter().map(|c| key_width(c) + GUTTER + 8).collect();
        let mut excess = total.saturating_sub(inner);
        while excess > 0 {
            let Some((i, _)) = widths
                .iter()
                .enumerate()
                .filter(|&(i, w)| *w > floors[i])
                .max_by_key(|&(_, w)| *w)
            else {
                break;
            };
            widths[i] -= 1;
            excess -= 1;
        }
        let lines: Vec<Line> = (0..rows)
            .map(|r| {
                let mut spans = Vec::new();
                for (c, chunk) in chunks.iter().enumerate() {
                    let Some((keys, action)) = chunk.get(r) else {
                        continue;
                    };
                    let kw = key_width(chunk);
                    let room = widths[c].saturating_sub(kw + GUTTER);
                    let gap = if c + 1 < chunks.len() { GUTTER } else { 0 };
                    let desc = fit(action.description(), room);
                    spans.push(Span::styled(
                        format!("{keys:>kw$}  "),
                        Style::default().fg(t.accent),
                    ));
                    spans.push(Span::styled(
                        format!("{desc:<room$}{:gap$}", ""),
                        Style::default().fg(t.text),
                    ));
                }
                Line::from(spans)
            })
            .collect();
        let width = widths.iter().sum::<usize>() + GUTTER * (columns - 1) + 2;
        let popup = super::centered(area, width as u16, rows as u16 + 2);
        Clear.render(popup, buf);
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(Style::default().fg(t.focused_border))
                    .title(Span::styled(
                        " keys ",
                        Style::default().add_modifier(Modifier::BOLD),
                    )),
            )
            .render(popup, buf);
    }
}
