//! The prompt editor: system prompt and user prompt, the one being edited highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::core::state::AppState;
use crate::tui::theme::Theme;

pub struct Editor<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

impl Widget for Editor<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let s = self.state;
        let [system_area, user_area] =
            Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
        let field = |title: &str, text: &str, active: bool| {
            let cursor = if active { "█" } else { "" };
            Paragraph::new(format!("{text}{cursor}"))
                .style(Style::default().fg(t.text))
                .wrap(Wrap { trim: false })
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(Style::default().fg(if active {
                            t.focused_border
                        } else {
                            t.border
                        }))
                        .title(title.to_owned()),
                )
        };
        let models = s.selected_models().join(", ");
        field(
            " system prompt ",
            s.prompt.system.as_deref().unwrap_or(""),
            s.editing_system,
        )
        .render(system_area, buf);
        let title = match &s.notice {
            Some(notice) => format!(" prompt → {models} · {notice} "),
            None => format!(" prompt → {models} "),
        };
        field(&title, &s.prompt.user, !s.editing_system).render(user_area, buf);
    }
}
