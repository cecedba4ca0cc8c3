//! A one-line input popup: the path of a prompt file, a note on an answer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::theme::Theme;

pub struct InputLine<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub theme: &'a Theme,
}

impl Widget for InputLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let width = area.width.saturating_sub(4).max(10).min(area.width);
        let popup = Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + area.height / 2,
            width,
            height: 3.min(area.height),
        };
        Clear.render(popup, buf);
        Paragraph::new(format!("{}█", self.text))
            .style(Style::default().fg(t.text))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(Style::default().fg(t.focused_border))
                    .title(format!(" {} ", self.title)),
            )
            .render(popup, buf);
    }
}
