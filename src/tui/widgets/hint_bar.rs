//! The bottom line: the keys of the screen shown (`Keymap::footer`), each with what it does
//! there.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::tui::theme::Theme;
use crate::tui_state::action::Action;
use crate::tui_state::keymap::KeyChord;
use crate::tui_state::state::Mode;

pub struct HintBar<'a> {
    /// The footer's keys, in order.
    pub entries: &'a [(KeyChord, Action)],
    /// The screen shown: what its actions are described as.
    pub mode: Mode,
    pub theme: &'a Theme,
}

impl Widget for HintBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let spans: Vec<Span> = self
            .entries
            .iter()
            .flat_map(|(key, action)| {
                [
                    Span::styled(format!(" {key}"), Style::default().fg(t.accent)),
                    Span::styled(
                        format!(" {} ", action.description_on(self.mode)),
                        Style::default().fg(t.muted),
                    ),
                ]
            })
            .collect();
        Line::from(spans).render(area, buf);
    }
}
