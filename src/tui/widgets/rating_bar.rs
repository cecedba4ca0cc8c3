//! One line under the panes: blind mode, the rating session's progress, the vote and whether
//! it is saved, and any notice.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::domain::rating::{Score, Vote, blind_name};
use crate::tui::theme::Theme;
use crate::tui_state::state::{AppState, Rated, SaveState};

pub struct RatingBar<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

/// "✓ saved", "saving…" or "NOT saved", coloured.
pub fn save_span<'a, T>(state: &AppState, rated: &Rated<T>, theme: &Theme) -> Span<'a> {
    match state.rating.save_state(rated.seq) {
        SaveState::Saved => Span::styled("✓ saved", Style::default().fg(theme.success)),
        SaveState::Saving => Span::styled("saving…", Style::default().fg(theme.warning)),
        SaveState::Failed(_) => Span::styled(
            "NOT saved",
            Style::default()
                .fg(theme.error)
                .add_modifier(Modifier::BOLD),
        ),
    }
}

/// A pane's score line: "★ 4 · hallucination · “too long” · ✓ saved".
pub fn score_line<'a>(state: &AppState, pane: usize, theme: &Theme) -> Option<Line<'a>> {
    let rated = state.rating.scores.get(pane)?.as_ref()?;
    let Score { score, tags, note } = &rated.value;
    let mut parts: Vec<String> = Vec::new();
    if let Some(s) = score {
        parts.push(format!("★ {s}"));
    }
    parts.extend(tags.iter().map(|t| t.as_str().to_owned()));
    if let Some(n) = note {
        parts.push(format!("“{n}”"));
    }
    if parts.is_empty() {
        parts.push("no score".into());
    }
    Some(Line::from(vec![
        Span::styled(
            format!(" {} · ", parts.join(" · ")),
            Style::default().fg(theme.accent),
        ),
        save_span(state, rated, theme),
        Span::raw(" "),
    ]))
}

fn pane_name(state: &AppState, pane: usize) -> String {
    if state.rating.round_blind && !state.rating.revealed {
        blind_name(pane)
    } else {
        state
            .panes
            .get(pane)
            .map_or_else(|| blind_name(pane), |p| p.model.clone())
    }
}

impl Widget for RatingBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, t) = (self.state, self.theme);
        let r = &state.rating;
        let mut spans: Vec<Span> = Vec::new();
        let sep = || Span::styled(" · ", Style::default().fg(t.muted));
        if r.round_blind {
            let label = if r.revealed {
                "blind (revealed)"
            } else {
                "BLIND"
            };
            spans.push(Span::styled(
                label,
                Style::default().fg(t.warning).add_modifier(Modifier::BOLD),
            ));
        }
        if let Some(session) = &r.session {
            if !spans.is_empty() {
                spans.push(sep());
            }
            let repetition = session
                .items
                .get(session.cursor)
                .and_then(|i| i.repetition)
                .map_or(String::new(), |r| format!(" · repetition {}", r + 1));
            spans.push(Span::styled(
                format!(
                    "item {}/{}{repetition} · {} rated",
                    session.cursor + 1,
                    session.items.len(),
                    session.done()
                ),
                Style::default().fg(t.title),
            ));
        }
        if let Some(vote) = &r.vote {
            if !spans.is_empty() {
                spans.push(sep());
            }
            let text = match vote.value {
                Vote::Pair(outcome) => format!("vote: {}", outcome.label()),
                Vote::Best { best, worst } => {
                    let mut s = String::from("vote:");
                    if let Some(b) = best {
                        s.push_str(&format!(" best {}", pane_name(state, b)));
                    }
                    if let Some(w) = worst {
                        s.push_str(&format!(" worst {}", pane_name(state, w)));
                    }
                    s
                }
            };
            spans.push(Span::styled(text, Style::default().fg(t.accent)));
            spans.push(Span::raw(" "));
            spans.push(save_span(state, vote, t));
        } else if state.panes.len() >= 2 && state.panes.iter().all(|p| !p.status.is_active()) {
            if !spans.is_empty() {
                spans.push(sep());
            }
            let hint = if state.panes.len() == 2 {
                "rate: 1–5 score · a/b better · t tie · z both bad"
            } else {
                "rate: 1–5 score · + best · - worst"
            };
            spans.push(Span::styled(hint, Style::default().fg(t.muted)));
        }
        if let Some(notice) = state.notice_here() {
            if !spans.is_empty() {
                spans.push(sep());
            }
            spans.push(Span::styled(
                notice.to_owned(),
                Style::default().fg(t.warning),
            ));
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}

/// The pane's title name: the model, or "Model A" while blind, "Model A = name" once revealed.
pub fn pane_title(state: &AppState, pane: usize) -> String {
    let model = state.panes.get(pane).map_or("", |p| p.model.as_str());
    match (state.rating.round_blind, state.rating.revealed) {
        (true, false) => blind_name(pane),
        (true, true) => format!("{} = {model}", blind_name(pane)),
        _ => model.to_owned(),
    }
}
