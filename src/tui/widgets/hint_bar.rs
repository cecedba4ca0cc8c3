//! The bottom line: the current mode's keys, generated from the keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::tui::theme::Theme;
use crate::tui_state::action::Action;
use crate::tui_state::keymap::KeyChord;

pub struct HintBar<'a> {
    pub bindings: &'a [(KeyChord, Action)],
    pub theme: &'a Theme,
}

impl Widget for HintBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let mut spans = Vec::new();
        let mut seen = Vec::new();
        // Help and quit first: on a narrow terminal they are what must stay visible. Then
        // the actions in their declared order (moving about before rating), one score key.
        let mut ordered: Vec<&(KeyChord, Action)> = self
            .bindings
            .iter()
            .filter(|(_, a)| {
                !matches!(
                    a,
                    Action::Score2 | Action::Score3 | Action::Score4 | Action::Score5
                )
            })
            .collect();
        // Stable: for one action, the mode's own key (listed first) wins over a global one.
        ordered.sort_by_key(|(_, a)| {
            let first = match a {
                Action::ToggleHelp => 0,
                Action::Quit => 1,
                _ => 2,
            };
            (first, *a)
        });
        for (key, action) in ordered {
            // One key per action keeps the bar short; `?` lists them all.
            if seen.contains(action) {
                continue;
            }
            seen.push(*action);
            spans.push(Span::styled(
                format!(" {key}"),
                Style::default().fg(t.accent),
            ));
            spans.push(Span::styled(
                format!(" {} ", action.description()),
                Style::default().fg(t.muted),
            ));
        }
        Line::from(spans).render(area, buf);
    }
}
