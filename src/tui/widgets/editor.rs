//! The prompt editor: system prompt and user prompt, the one being edited highlighted, drawn in
//! the rows `text_layout` computes (the rows the cursor moves by), scrolled to the cursor.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::tui::theme::Theme;
use crate::tui_state::state::AppState;
use crate::tui_state::state::editor::{self, SYSTEM_TEXT_ROWS, field_width};
use crate::tui_state::text_layout::{self, Row};

pub struct Editor<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

impl Widget for Editor<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let s = self.state;
        let [system_area, user_area] =
            Layout::vertical([Constraint::Length(SYSTEM_TEXT_ROWS + 2), Constraint::Min(3)])
                .areas(area);
        let models = s.selected_models().join(", ");
        let title = match s.notice_here() {
            Some(notice) => format!(" prompt → {models} · {notice} "),
            None => format!(" prompt → {models} "),
        };
        let system = s.prompt.system.as_deref().unwrap_or("");
        Field {
            title: " system prompt ",
            text: system,
            hint: None,
            active: s.editing_system,
            state: s,
            theme: t,
        }
        .render(system_area, buf);
        Field {
            title: &title,
            text: s.prompt.user_text(),
            hint: Some(if s.first_start {
                FIRST_START_HINT
            } else {
                EMPTY_HINT
            }),
            active: !s.editing_system,
            state: s,
            theme: t,
        }
        .render(user_area, buf);
    }
}

/// In the empty prompt of a first start: what to do, and where every key is listed.
const FIRST_START_HINT: &str = "Welcome to slam. Type a prompt and press Enter: every selected \
model answers it side by side, with its speed. Ctrl-p chooses the models, Ctrl-t sets the \
parameters, F1 lists every key.";
/// In an empty prompt afterwards.
const EMPTY_HINT: &str = "type a prompt · Enter runs it on every selected model · F1 keys";

struct Field<'a> {
    title: &'a str,
    text: &'a str,
    /// Shown, muted, while the field is empty.
    hint: Option<&'a str>,
    active: bool,
    state: &'a AppState,
    theme: &'a Theme,
}

impl Widget for Field<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let rows = text_layout::rows(self.text, field_width(self.state));
        let (scroll, cursor) = if self.active {
            (self.state.editor.scroll, Some(editor::cursor(self.state)))
        } else {
            (0, None)
        };
        let cursor_row = cursor.map(|c| text_layout::row_of(&rows, c));
        let height = usize::from(area.height.saturating_sub(2));
        // A prompt replaced from elsewhere (a rerun, a recall) may be shorter than the scroll.
        let scroll = scroll.min(rows.len().saturating_sub(height));
        let width = field_width(self.state);
        let lines: Vec<Line> = rows
            .iter()
            .enumerate()
            .skip(scroll)
            .take(height)
            .map(|(i, row)| {
                let here = cursor.filter(|_| cursor_row == Some(i));
                row_line(self.text, row, here, t)
            })
            .collect();
        let lines = match self.hint.filter(|_| self.text.is_empty()) {
            Some(hint) => hint_lines(hint, width, cursor.is_some(), t),
            None => lines,
        };
        let more = rows.len().saturating_sub(scroll + height);
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(if self.active {
                t.focused_border
            } else {
                t.border
            }))
            .title(self.title.to_owned());
        if scroll > 0 || more > 0 {
            block = block.title_bottom(format!(
                " rows {}–{} of {} ",
                scroll + 1,
                scroll + lines.len(),
                rows.len()
            ));
        }
        Paragraph::new(lines)
            .style(Style::default().fg(t.text))
            .block(block)
            .render(area, buf);
    }
}

/// A muted hint in an empty field, wrapped to its width, after the cursor.
fn hint_lines(hint: &str, width: usize, cursor: bool, t: &Theme) -> Vec<Line<'static>> {
    let muted = Style::default().fg(t.muted);
    text_layout::rows(hint, width.saturating_sub(1))
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let text = Span::styled(hint[row.range.clone()].to_owned(), muted);
            if i == 0 && cursor {
                let at = Style::default().fg(t.text).add_modifier(Modifier::REVERSED);
                Line::from(vec![Span::styled(" ", at), text])
            } else {
                Line::from(vec![Span::raw(" "), text])
            }
        })
        .collect()
}

/// One row, the character under the cursor in reverse video (a reversed space after the
/// last character).
fn row_line<'a>(text: &'a str, row: &Row, cursor: Option<usize>, t: &Theme) -> Line<'a> {
    let content = &text[row.range.clone()];
    let Some(at) = cursor else {
        return Line::from(content);
    };
    let split = at.clamp(row.range.start, row.range.end) - row.range.start;
    let (before, rest) = content.split_at(split);
    let mut chars = rest.chars();
    let under = chars.next().map_or(" ".to_owned(), String::from);
    let after = chars.as_str();
    let cursor_style = Style::default().fg(t.text).add_modifier(Modifier::REVERSED);
    Line::from(vec![
        Span::raw(before),
        Span::styled(under, cursor_style),
        Span::raw(after),
    ])
}
