//! The model picker: every known model, the selected ones marked, the cursor highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::core::state::{AppState, MAX_PANES};
use crate::tui::theme::Theme;

pub struct Picker<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

impl Widget for Picker<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let lines: Vec<Line> = self
            .state
            .picker
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let mark = if item.selected { "[x]" } else { "[ ]" };
                let style = if i == self.state.picker_cursor {
                    Style::default().fg(t.selection_fg).bg(t.selection_bg)
                } else {
                    Style::default().fg(t.text)
                };
                Line::from(vec![
                    Span::styled(format!(" {mark} {:<20}", item.name), style),
                    Span::styled(format!(" {}", item.detail), Style::default().fg(t.muted)),
                ])
            })
            .collect();
        let mut lines = lines;
        let models = self.state.picker.len();
        for (i, replay) in self.state.replays.iter().enumerate() {
            let style = if models + i == self.state.picker_cursor {
                Style::default().fg(t.selection_fg).bg(t.selection_bg)
            } else {
                Style::default().fg(t.accent)
            };
            lines.push(Line::from(vec![
                Span::styled(format!(" ▶ replay {:<17}", replay.name), style),
                Span::styled(
                    format!(
                        " recorded: {} · {:?}",
                        replay.models.join(" vs "),
                        replay.prompt.user
                    ),
                    Style::default().fg(t.muted),
                ),
            ]));
        }
        if let Some(notice) = &self.state.notice {
            lines.insert(
                0,
                Line::from(Span::styled(
                    format!(" {notice}"),
                    Style::default().fg(t.warning),
                )),
            );
            lines.insert(1, Line::default());
        }
        let chosen = self.state.picker.iter().filter(|p| p.selected).count();
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(Style::default().fg(t.border))
                    .title(format!(" models: {chosen} of at most {MAX_PANES} chosen ")),
            )
            .render(area, buf);
    }
}
