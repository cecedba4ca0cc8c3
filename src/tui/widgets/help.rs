//! The `?` overlay: every binding of the current mode, from the keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::core::action::Action;
use crate::core::keymap::KeyChord;
use crate::tui::theme::Theme;

pub struct HelpOverlay<'a> {
    pub bindings: &'a [(KeyChord, Action)],
    pub theme: &'a Theme,
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let lines: Vec<Line> = self
            .bindings
            .iter()
            .map(|(key, action)| {
                Line::from(vec![
                    Span::styled(
                        format!("{:>14}  ", key.to_string()),
                        Style::default().fg(t.accent),
                    ),
                    Span::styled(action.description(), Style::default().fg(t.text)),
                ])
            })
            .collect();
        let content = lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16;
        let popup = super::centered(area, content + 3, lines.len() as u16 + 2);
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
