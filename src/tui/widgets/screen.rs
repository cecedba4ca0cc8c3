//! The whole screen: hardware bar, the current mode's content, hint bar, help overlay.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout};

use super::editor::Editor;
use super::hardware_bar::HardwareBar;
use super::help::HelpOverlay;
use super::hint_bar::HintBar;
use super::input_line::InputLine;
use super::leaderboard::LeaderboardView;
use super::pane::PaneView;
use super::params::ParamsPopup;
use super::picker::Picker;
use super::rating_bar::{RatingBar, pane_title, score_line};
use crate::tui::theme::Theme;
use crate::tui_state::keymap::Keymap;
use crate::tui_state::state::{AppState, MIN_PANE_WIDTH, Mode};

pub struct Screen<'a> {
    pub state: &'a AppState,
    pub keymap: &'a Keymap,
    pub theme: &'a Theme,
}

impl Screen<'_> {
    pub fn draw(&self, frame: &mut Frame) {
        let area = frame.area();
        let [top, body, bottom] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);
        let theme = self.theme;
        frame.render_widget(
            HardwareBar {
                hardware: self.state.hardware.as_ref(),
                theme,
                blind: self.state.rating.round_blind && !self.state.rating.revealed,
            },
            top,
        );
        let state = self.state;
        match state.screens.underneath() {
            Mode::Picker
            | Mode::Params
            | Mode::PromptFile
            | Mode::Note
            | Mode::Pull
            | Mode::Eval => frame.render_widget(Picker { state, theme }, body),
            Mode::Editor => frame.render_widget(Editor { state, theme }, body),
            Mode::Leaderboard => frame.render_widget(LeaderboardView { state, theme }, body),
            Mode::Hardware => {
                frame.render_widget(super::hardware_view::HardwareView { state, theme }, body)
            }
            Mode::Sessions => {
                frame.render_widget(super::sessions::SessionsView { state, theme }, body)
            }
            Mode::Compare => {
                let strip = crate::tui_state::state::prompt_view::prompt_strip_height(state);
                let [prompt, body, bar] = Layout::vertical([
                    Constraint::Length(strip),
                    Constraint::Min(3),
                    Constraint::Length(1),
                ])
                .areas(body);
                if strip > 0 {
                    frame.render_widget(super::prompt_strip::PromptStrip { state, theme }, prompt);
                }
                frame.render_widget(RatingBar { state, theme }, bar);
                let n = state.panes.len().max(1) as u16;
                let direction = if body.width / n >= MIN_PANE_WIDTH {
                    Direction::Horizontal
                } else {
                    Direction::Vertical
                };
                let areas = Layout::default()
                    .direction(direction)
                    .constraints(vec![Constraint::Ratio(1, u32::from(n)); usize::from(n)])
                    .split(body);
                for (i, (pane, rect)) in state.panes.iter().zip(areas.iter()).enumerate() {
                    let view = PaneView {
                        pane,
                        theme,
                        focused: i == state.focus,
                        title: pane_title(state, i),
                        rating: score_line(state, i, theme),
                        blind: state.rating.round_blind && !state.rating.revealed,
                        held: state.rating.round_blind
                            && state.rating.blind_together
                            && state.panes.iter().any(|p| p.status.is_active()),
                    };
                    frame.render_widget(view, *rect);
                }
            }
        }
        match state.mode() {
            Mode::Params => frame.render_widget(ParamsPopup { state, theme }, body),
            Mode::Pull => frame.render_widget(super::pull::PullPopup { state, theme }, body),
            Mode::PromptFile => frame.render_widget(
                InputLine {
                    title: "load the prompt from file (Enter)",
                    text: &state.prompt_file,
                    theme,
                },
                body,
            ),
            Mode::Note => frame.render_widget(
                InputLine {
                    title: "note on this answer (Enter saves, Esc cancels)",
                    text: &state.rating.note,
                    theme,
                },
                body,
            ),
            _ => {}
        }
        let bindings = self.keymap.bindings(state.mode());
        let mut footer = self.keymap.footer(state.mode());
        footer.retain(|(_, action)| crate::tui_state::reducer::available(state, *action));
        frame.render_widget(
            HintBar {
                entries: &footer,
                mode: state.mode(),
                theme,
            },
            bottom,
        );
        if state.help {
            frame.render_widget(
                HelpOverlay {
                    bindings: &bindings,
                    mode: state.mode(),
                    scroll: state.help_scroll,
                    theme,
                },
                body,
            );
        }
    }
}
