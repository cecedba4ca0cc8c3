//! The prompt above the comparison panes: the shared system prompt and the prompt, wrapped;
//! folded to its first row (`P`) or scrolled (`{` `}`) when long.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::tui::theme::Theme;
use crate::tui_state::state::AppState;
use crate::tui_state::state::prompt_view::{prompt_rows, system_rows, visible_prompt_rows};

pub struct PromptStrip<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

impl Widget for PromptStrip<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (s, t) = (self.state, self.theme);
        let rows = prompt_rows(s);
        let shown = usize::from(visible_prompt_rows(s));
        let first = if s.prompt_view.collapsed {
            0
        } else {
            s.prompt_view.scroll.min(rows.len().saturating_sub(shown))
        };
        let more_above = first > 0;
        let more_below = first + shown < rows.len();
        let title = match (s.prompt_view.collapsed, more_above || more_below) {
            (true, _) => format!(" prompt ({} rows) · P shows it ", rows.len()),
            (false, true) => format!(
                " prompt · rows {}–{} of {} · {{ }} scroll · P folds ",
                first + 1,
                (first + shown).min(rows.len()),
                rows.len()
            ),
            (false, false) => " prompt · P folds ".to_owned(),
        };
        let title_width = title.chars().count();
        let mut block = Block::default()
            .borders(Borders::TOP)
            .border_style(Style::default().fg(t.border))
            .title(Line::styled(title, Style::default().fg(t.muted)));
        // The parameters the answers below were asked with, as many as fit beside the title.
        if let Some(params) = s.shown_params.as_deref() {
            let room = usize::from(area.width).saturating_sub(title_width + 4);
            let mut parts: Vec<&str> = params.split(" · ").collect();
            while !parts.is_empty() && parts.join(" · ").chars().count() + 2 > room {
                parts.pop();
            }
            if !parts.is_empty() {
                let shown = format!(" {} ", parts.join(" · "));
                block =
                    block.title(Line::styled(shown, Style::default().fg(t.muted)).right_aligned());
            }
        }
        let system_rows = system_rows(s);
        let lines: Vec<Line> = rows
            .iter()
            .enumerate()
            .skip(first)
            .take(shown)
            .map(|(i, r)| {
                let style = if i < system_rows {
                    Style::default().fg(t.muted).add_modifier(Modifier::ITALIC)
                } else {
                    Style::default().fg(t.text)
                };
                Line::styled(r.as_str(), style)
            })
            .collect();
        Paragraph::new(lines).block(block).render(area, buf);
    }
}
