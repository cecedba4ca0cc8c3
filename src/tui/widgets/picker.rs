//! The model picker: every known model and recorded session under the typed filter, the
//! selected models marked, the cursor highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::tui::theme::Theme;
use crate::tui_state::state::{AppState, MAX_PANES, PickerRow};

pub struct Picker<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

impl Widget for Picker<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let s = self.state;
        let mut lines = Vec::new();
        if let Some(notice) = s.notice_here() {
            lines.push(Line::from(Span::styled(
                format!(" {notice}"),
                Style::default().fg(t.warning),
            )));
            lines.push(Line::default());
        }
        for (row_index, row) in s.picker_rows().into_iter().enumerate() {
            let at_cursor = row_index == s.picker_cursor;
            let highlight = |normal: Style| {
                if at_cursor {
                    Style::default().fg(t.selection_fg).bg(t.selection_bg)
                } else {
                    normal
                }
            };
            let (label, detail) = match row {
                PickerRow::Model(i) => {
                    let item = &s.picker[i];
                    let mark = if item.selected { "[x]" } else { "[ ]" };
                    (
                        Span::styled(
                            format!(" {mark} {:<20}", item.name),
                            highlight(Style::default().fg(t.text)),
                        ),
                        format!(" {}", item.detail),
                    )
                }
                PickerRow::Replay(i) => {
                    let r = &s.replays[i];
                    (
                        Span::styled(
                            format!(" ▶ replay {:<17}", r.name),
                            highlight(Style::default().fg(t.accent)),
                        ),
                        format!(
                            " recorded: {} · {:?}",
                            r.models.join(" vs "),
                            r.prompt.user_text()
                        ),
                    )
                }
            };
            lines.push(Line::from(vec![
                label,
                Span::styled(detail, Style::default().fg(t.muted)),
            ]));
        }
        let chosen = s.picker.iter().filter(|p| p.selected).count();
        let filter = if s.picker_filter.is_empty() {
            "type to filter".to_string()
        } else {
            format!("filter: {}", s.picker_filter)
        };
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(Style::default().fg(t.border))
                    .title(format!(
                        " models: {chosen} of at most {MAX_PANES} chosen · {filter} "
                    )),
            )
            .render(area, buf);
    }
}
