//! The parameters popup: temperature, max tokens, seed, top_p, reasoning effort and thinking
//! for the next run.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::theme::Theme;
use crate::tui_state::state::AppState;
use crate::tui_state::state::params::FIELDS;

pub struct ParamsPopup<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

impl Widget for ParamsPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let p = &self.state.params;
        let mut lines: Vec<Line> = FIELDS
            .iter()
            .zip(&p.values)
            .enumerate()
            .map(|(i, (field, value))| {
                let shown = if value.is_empty() {
                    "model default"
                } else {
                    value
                };
                let style = if i == p.cursor {
                    Style::default().fg(t.selection_fg).bg(t.selection_bg)
                } else {
                    Style::default().fg(t.text)
                };
                Line::from(vec![
                    Span::styled(
                        format!(" {:<17}", field.label()),
                        Style::default().fg(t.muted),
                    ),
                    Span::styled(format!(" {shown:<16}"), style),
                ])
            })
            .collect();
        if let Some(error) = &p.error {
            lines.push(Line::from(Span::styled(
                format!(" {error}"),
                Style::default().fg(t.error),
            )));
        }
        let popup = super::centered(area, 44, lines.len() as u16 + 2);
        Clear.render(popup, buf);
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(Style::default().fg(t.focused_border))
                    .title(" parameters (empty = model default) "),
            )
            .render(popup, buf);
    }
}
