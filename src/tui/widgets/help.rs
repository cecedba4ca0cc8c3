//! The help overlay: every binding of the screen shown, from the keymap, one entry per action
//! with all its keys and what the action does on this screen. Entries go in as many columns as
//! fit whole; a description wider than its column wraps (never cut), and when the entries are
//! taller than the screen the overlay scrolls (Up/Down, PageUp/PageDown).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::theme::Theme;
use crate::tui_state::action::Action;
use crate::tui_state::keymap::KeyChord;
use crate::tui_state::state::Mode;
use crate::tui_state::text_layout::{rows, width_of};

pub struct HelpOverlay<'a> {
    pub bindings: &'a [(KeyChord, Action)],
    pub mode: Mode,
    /// First row shown (the reducer's `help_scroll`; clamped here to what there is).
    pub scroll: usize,
    pub theme: &'a Theme,
}

/// Columns between two columns of the overlay, and between keys and description.
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

/// The entries in `columns` columns: each column's key width and natural width.
fn columns_of(entries: &[(String, &str)], columns: usize) -> Vec<(usize, usize)> {
    let per = entries.len().div_ceil(columns.max(1)).max(1);
    entries
        .chunks(per)
        .map(|chunk| {
            let keys = chunk.iter().map(|(k, _)| width_of(k)).max().unwrap_or(0);
            let text = chunk.iter().map(|(_, d)| width_of(d)).max().unwrap_or(0);
            (keys, keys + GUTTER + text)
        })
        .collect()
}

/// The layout: how many columns, and the text width of each. The fewest columns whose rows
/// fit the height; else the most that fit the width whole (the overlay scrolls); one column,
/// its descriptions wrapped, when not even one fits.
fn layout(entries: &[(String, &str)], inner_width: usize, rows_fit: usize) -> Vec<(usize, usize)> {
    let total = |cols: &[(usize, usize)]| {
        cols.iter().map(|(_, w)| w).sum::<usize>() + GUTTER * cols.len().saturating_sub(1)
    };
    let fitting: Vec<Vec<(usize, usize)>> = (1..=entries.len().max(1))
        .map(|n| columns_of(entries, n))
        .filter(|cols| total(cols) <= inner_width)
        .collect();
    let tall = |cols: &Vec<(usize, usize)>| entries.len().div_ceil(cols.len().max(1));
    if let Some(cols) = fitting.iter().find(|c| tall(c) <= rows_fit) {
        return cols.clone();
    }
    if let Some(cols) = fitting.last() {
        return cols.clone();
    }
    let keys = columns_of(entries, 1).first().map_or(0, |c| c.0);
    vec![(keys, inner_width)]
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let entries: Vec<(String, &str)> = entries(self.bindings)
            .into_iter()
            .map(|(keys, a)| (keys, a.description_on(self.mode)))
            .collect();
        let inner_width = usize::from(area.width.saturating_sub(2));
        let rows_fit = usize::from(area.height.saturating_sub(2)).max(1);
        let columns = layout(&entries, inner_width, rows_fit);
        let per = entries.len().div_ceil(columns.len().max(1)).max(1);
        // Each column as screen lines (a wrapped description takes several), then side by side.
        let column_lines: Vec<Vec<Vec<Span>>> = entries
            .chunks(per)
            .zip(&columns)
            .map(|(chunk, &(kw, width))| {
                let room = width.saturating_sub(kw + GUTTER).max(1);
                let mut lines = Vec::new();
                for (keys, desc) in chunk {
                    for (i, row) in rows(desc, room).iter().enumerate() {
                        let keys = if i == 0 { keys.as_str() } else { "" };
                        let text = desc[row.range.clone()].trim_end();
                        let pad = room.saturating_sub(width_of(text));
                        lines.push(vec![
                            Span::styled(
                                format!("{keys:>kw$}{:GUTTER$}", ""),
                                Style::default().fg(t.accent),
                            ),
                            Span::styled(format!("{text}{:pad$}", ""), Style::default().fg(t.text)),
                        ]);
                    }
                }
                lines
            })
            .collect();
        let height = column_lines.iter().map(Vec::len).max().unwrap_or(0);
        let scroll = self.scroll.min(height.saturating_sub(rows_fit));
        let lines: Vec<Line> = (scroll..height.min(scroll + rows_fit))
            .map(|r| {
                let mut spans = Vec::new();
                for (c, col) in column_lines.iter().enumerate() {
                    if c > 0 {
                        spans.push(Span::raw(format!("{:GUTTER$}", "")));
                    }
                    match col.get(r) {
                        Some(line) => spans.extend(line.iter().cloned()),
                        None => spans.push(Span::raw(format!("{:w$}", "", w = columns[c].1))),
                    }
                }
                Line::from(spans)
            })
            .collect();
        let title = if height > rows_fit {
            format!(
                " keys {}–{} of {height} · ↑↓ scroll ",
                scroll + 1,
                scroll + lines.len()
            )
        } else {
            " keys ".to_owned()
        };
        let width = columns.iter().map(|(_, w)| w).sum::<usize>()
            + GUTTER * columns.len().saturating_sub(1)
            + 2;
        let popup = super::centered(area, width as u16, lines.len() as u16 + 2);
        Clear.render(popup, buf);
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(Style::default().fg(t.focused_border))
                    .title(Span::styled(
                        title,
                        Style::default().add_modifier(Modifier::BOLD),
                    )),
            )
            .render(popup, buf);
    }
}
