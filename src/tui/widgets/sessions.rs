//! The session browser: every stored session, newest first; Enter opens one on its figures.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Widget};

use crate::tui::theme::Theme;
use crate::tui_state::state::AppState;

pub struct SessionsView<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

impl Widget for SessionsView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let s = &self.state.sessions;
        let title = match (&s.report, &s.figures) {
            (Some((id, _)), _) => format!(" report of eval run {id} · Esc back "),
            (None, Some((id, _))) => format!(" session {id} · r report · Esc back "),
            (None, None) => {
                " sessions, newest first · Enter opens one · r report · Esc back ".to_owned()
            }
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(t.border))
            .title(Line::styled(
                title,
                Style::default().fg(t.title).add_modifier(Modifier::BOLD),
            ));
        let inner = block.inner(area);
        block.render(area, buf);
        let message = |text: &str, style: Style, buf: &mut Buffer| {
            Paragraph::new(text.to_owned())
                .style(style)
                .render(inner, buf);
        };
        match &s.report {
            Some((_, None)) => {
                return message("computing the report…", Style::default().fg(t.muted), buf);
            }
            Some((_, Some(Err(e)))) => return message(e, Style::default().fg(t.error), buf),
            Some((_, Some(Ok(view)))) => {
                return super::report::ReportScreen {
                    view,
                    scroll: s.scroll,
                    theme: t,
                }
                .render(inner, buf);
            }
            None => {}
        }
        match (&s.figures, &s.rows) {
            (Some((_, None)), _) | (None, None) => {
                message("reading the store…", Style::default().fg(t.muted), buf)
            }
            (Some((_, Some(Err(e)))), _) | (None, Some(Err(e))) => {
                message(e, Style::default().fg(t.error), buf)
            }
            (Some((_, Some(Ok(text)))), _) => {
                let lines: Vec<Line> = text.lines().skip(s.scroll).map(Line::raw).collect();
                Paragraph::new(lines)
                    .style(Style::default().fg(t.text))
                    .render(inner, buf);
            }
            (None, Some(Ok(rows))) if rows.is_empty() => message(
                "no sessions yet: rate, evaluate (slam eval) or import something first",
                Style::default().fg(t.muted),
                buf,
            ),
            (None, Some(Ok(rows))) => {
                let header = Row::new([
                    "id", "kind", "name", "answers", "ratings", "created", "models",
                ])
                .style(Style::default().fg(t.muted));
                // Keep the cursor in view.
                let height = usize::from(inner.height.saturating_sub(1)).max(1);
                let first = s.cursor.saturating_sub(height - 1);
                let body = rows.iter().enumerate().skip(first).map(|(i, r)| {
                    let style = if i == s.cursor {
                        Style::default().fg(t.selection_fg).bg(t.selection_bg)
                    } else {
                        Style::default().fg(t.text)
                    };
                    Row::new([
                        r.id.to_string(),
                        r.kind.clone(),
                        r.name.clone(),
                        r.answers.to_string(),
                        r.ratings.to_string(),
                        r.created.chars().take(16).collect(),
                        r.models.clone(),
                    ])
                    .style(style)
                });
                let widths = [
                    Constraint::Length(5),
                    Constraint::Length(7),
                    Constraint::Length(22),
                    Constraint::Length(8),
                    Constraint::Length(8),
                    Constraint::Length(17),
                    Constraint::Min(10),
                ];
                Widget::render(Table::new(body, widths).header(header), inner, buf);
            }
        }
    }
}
