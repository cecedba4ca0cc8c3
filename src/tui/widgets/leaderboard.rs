//! The leaderboard screen: a table (scores with a t interval, win/tie/loss with a Wilson
//! interval, Bradley–Terry with bootstrap interval, Elo), a bar chart of strengths and the
//! tag counts.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::report::leaderboard::{bar_lines, table_lines};
use crate::tui::theme::Theme;
use crate::tui_state::state::AppState;

pub struct LeaderboardView<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

impl Widget for LeaderboardView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let r = &self.state.rating;
        let scope = if r.leaderboard_session_only {
            "this session"
        } else {
            "all sessions"
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(t.focused_border))
            .title(format!(" leaderboard · {scope} (s: switch) "));
        let inner = block.inner(area);
        block.render(area, buf);
        let board = match &r.leaderboard {
            None => {
                Paragraph::new("computing…")
                    .style(Style::default().fg(t.muted))
                    .render(inner, buf);
                return;
            }
            Some(Err(e)) => {
                Paragraph::new(e.as_str())
                    .style(Style::default().fg(t.error))
                    .wrap(Wrap { trim: false })
                    .render(inner, buf);
                return;
            }
            Some(Ok(b)) => b,
        };
        let lines = table_lines(board);
        let height = lines.len() as u16;
        let [table, chart] =
            Layout::vertical([Constraint::Length(height + 1), Constraint::Min(0)]).areas(inner);
        let styled: Vec<Line> = lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let style = if i == 0 {
                    Style::default().fg(t.title).add_modifier(Modifier::BOLD)
                } else {
                    Style::default().fg(t.text)
                };
                Line::from(Span::styled(l, style))
            })
            .collect();
        Paragraph::new(styled).render(table, buf);
        let bars = bar_lines(board, usize::from(chart.width));
        Paragraph::new(
            bars.into_iter()
                .map(|l| Line::from(Span::styled(l, Style::default().fg(t.accent))))
                .collect::<Vec<_>>(),
        )
        .render(chart, buf);
    }
}
