//! The session browser: open it, move through the sessions, open one on its figures, go back.

use super::pane_rows;
use crate::tui_state::action::Action;
use crate::tui_state::effect::Effect;
use crate::tui_state::state::{AppState, Mode, SessionLine};

pub fn open(state: &mut AppState) -> Vec<Effect> {
    state.screens.open(Mode::Sessions);
    let s = &mut state.sessions;
    s.request += 1;
    s.rows = None;
    s.figures = None;
    vec![Effect::LoadSessions { request: s.request }]
}

/// The browser's own keys; `None` for an action it leaves to the rest of the reducer.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let page = pane_rows(state).max(1);
    let s = &mut state.sessions;
    let step =
        |by: isize, at: usize, len: usize| at.saturating_add_signed(by).min(len.saturating_sub(1));
    let by: isize = match action {
        Action::OpenReport => return Some(open_report(s)),
        Action::MoveUp => -1,
        Action::MoveDown => 1,
        Action::PageUp => -(page as isize),
        Action::PageDown => page as isize,
        Action::Confirm => {
            let line = s.selected()?.clone();
            s.request += 1;
            s.figures = Some((line.id, None));
            s.scroll = 0;
            return Some(vec![Effect::LoadFigures {
                request: s.request,
                session: line.id,
                kind: line.kind,
            }]);
        }
        Action::Back if s.report.is_some() => {
            s.report = None;
            s.scroll = 0;
            return Some(Vec::new());
        }
        Action::Back if s.figures.is_some() => {
            s.figures = None;
            return Some(Vec::new());
        }
        Action::Back => {
            state.screens.close(Mode::Sessions);
            return Some(Vec::new());
        }
        _ => return None,
    };
    match (&s.report, &s.figures) {
        (Some((_, Some(Ok(view)))), _) => s.scroll = step(by, s.scroll, view.lines.len()),
        (Some(_), _) => {}
        (None, Some((_, Some(Ok(text))))) => s.scroll = step(by, s.scroll, text.lines().count()),
        (None, Some(_)) => {}
        (None, None) => s.cursor = step(by, s.cursor, s.len()),
    }
    Some(Vec::new())
}

/// The report of the session opened (or selected): eval runs only.
fn open_report(s: &mut crate::tui_state::state::SessionsState) -> Vec<Effect> {
    let Some(line) = s.selected().cloned() else {
        return Vec::new();
    };
    let id = s.figures.as_ref().map_or(line.id, |f| f.0);
    let kind = s
        .rows
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .and_then(|rows| rows.iter().find(|r| r.id == id))
        .map_or(line.kind, |r| r.kind.clone());
    s.request += 1;
    s.scroll = 0;
    if kind != "eval" {
        s.report = Some((
            id,
            Some(Err(format!(
                "session {id} is a {kind} session: reports are of eval runs (slam eval)"
            ))),
        ));
        return Vec::new();
    }
    s.report = Some((id, None));
    vec![Effect::LoadReport {
        request: s.request,
        session: id,
    }]
}

pub fn on_report_loaded(
    state: &mut AppState,
    request: u64,
    result: Result<crate::tui_state::state::ReportView, String>,
) {
    let s = &mut state.sessions;
    if request == s.request
        && let Some((_, report)) = &mut s.report
    {
        *report = Some(result);
    }
}

pub fn on_sessions_loaded(
    state: &mut AppState,
    request: u64,
    result: Result<Vec<SessionLine>, String>,
) {
    let s = &mut state.sessions;
    if request == s.request {
        s.cursor = 0;
        s.rows = Some(result);
    }
}

pub fn on_figures_loaded(state: &mut AppState, request: u64, result: Result<String, String>) {
    let s = &mut state.sessions;
    if request == s.request
        && let Some((_, figures)) = &mut s.figures
    {
        *figures = Some(result);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::tui_state::event::Event;
    use crate::tui_state::reducer::update;
    use crate::tui_state::state::PickerItem;

    fn line(id: i64, kind: &str) -> SessionLine {
        SessionLine {
            id,
            kind: kind.into(),
            name: format!("s{id}"),
            created: String::new(),
            models: String::new(),
            prompts: 1,
            answers: 2,
            ratings: 0,
        }
    }

    #[test]
    fn browse_open_scroll_and_go_back() {
        let now = Instant::now();
        let item = PickerItem {
            name: "m".into(),
            detail: String::new(),
            selected: true,
        };
        let mut s = AppState::new(vec![item], 80, 24);
        assert_eq!(s.mode(), Mode::Editor);
        let effects = update(&mut s, Event::Action(Action::OpenSessions), now);
        assert_eq!(effects, [Effect::LoadSessions { request: 1 }]);
        assert_eq!(s.mode(), Mode::Sessions);
        // An answer to an older request is dropped.
        update(
            &mut s,
            Event::SessionsLoaded {
                request: 0,
                result: Ok(vec![line(9, "tui")]),
            },
            now,
        );
        assert_eq!(s.sessions.rows, None);
        let rows = vec![line(3, "eval"), line(2, "rate"), line(1, "tui")];
        update(
            &mut s,
            Event::SessionsLoaded {
                request: 1,
                result: Ok(rows),
            },
            now,
        );
        update(&mut s, Event::Action(Action::MoveDown), now);
        update(&mut s, Event::Action(Action::MoveDown), now);
        update(&mut s, Event::Action(Action::MoveDown), now);
        assert_eq!(s.sessions.cursor, 2, "stops at the last");
        update(&mut s, Event::Action(Action::MoveUp), now);
        update(&mut s, Event::Action(Action::MoveUp), now);
        let effects = update(&mut s, Event::Action(Action::Confirm), now);
        assert_eq!(
            effects,
            [Effect::LoadFigures {
                request: 2,
                session: 3,
                kind: "eval".into()
            }]
        );
        update(
            &mut s,
            Event::FiguresLoaded {
                request: 2,
                result: Ok("a\nb\nc".into()),
            },
            now,
        );
        assert_eq!(s.sessions.figures, Some((3, Some(Ok("a\nb\nc".into())))));
        update(&mut s, Event::Action(Action::MoveDown), now);
        assert_eq!(s.sessions.scroll, 1);
        update(&mut s, Event::Action(Action::Back), now);
        assert_eq!(
            (s.mode(), s.sessions.figures.clone()),
            (Mode::Sessions, None)
        );
        update(&mut s, Event::Action(Action::Back), now);
        assert_eq!(s.mode(), Mode::Editor, "back where it was opened from");
    }
}
