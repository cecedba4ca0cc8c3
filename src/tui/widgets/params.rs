//! The parameters popup: temperature, max tokens, seed, top_p, reasoning effort and thinking
//! for the next run.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::theme::Theme;
use crate::tui_state::state::AppState;

pub struct ParamsPopup<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

impl Widget for ParamsPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let p = &self.state.params;
        let mut lines: Vec<Line> = self
            .state
            .params_in_force()
            .into_iter()
            .enumerate()
            .map(|(i, (field, value, typed))| {
                // A value not typed is the models' own: shown as what it is, marked default.
                let shown = if typed {
                    value
                } else {
                    format!("{value} (default)")
                };
                let style = match (i == p.cursor, typed) {
                    (true, _) => Style::default().fg(t.selection_fg).bg(t.selection_bg),
                    (false, true) => Style::default().fg(t.text),
                    (false, false) => Style::default().fg(t.muted),
                };
                Line::from(vec![
                    Span::styled(
                        format!(" {:<17}", field.label()),
                        Style::default().fg(t.muted),
                    ),
                    Span::styled(format!(" {shown:<24}"), style),
                ])
            })
            .collect();
        if let Some(error) = &p.error {
            lines.push(Line::from(Span::styled(
                format!(" {error}"),
                Style::default().fg(t.error),
            )));
        }
        let popup = super::centered(area, 52, lines.len() as u16 + 2);
        Clear.render(popup, buf);
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(Style::default().fg(t.focused_border))
                    .title(" parameters (empty: the model's own) "),
            )
            .render(popup, buf);
    }
}
