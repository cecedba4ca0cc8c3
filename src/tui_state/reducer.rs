//! The only place state changes: `update(state, event, now) -> effects`. Pure: it never spawns,
//! sleeps, reads the clock or touches files; `now` is passed in.

use crate::domain::answer::{Answer, AnswerState};
use std::time::Instant;

use super::action::Action;
use super::effect::{Effect, StoreOp};
use super::event::{Event, StreamEvent};
use super::state::remembered::Remembered;
use super::state::{
    AppState, MAX_PANES, Mode, NOTICE_SECONDS, PaneState, PaneStatus, PickerRow, params,
};
use crate::domain::FinishReason;
use crate::domain::generation::Failure;

/// Rows of a pane that are not text: borders, title, metrics line.
const PANE_CHROME_ROWS: u16 = 4;
/// Rows of the screen outside the panes: hardware bar, rating bar, hint bar.
const SCREEN_CHROME_ROWS: u16 = 3;

pub fn update(state: &mut AppState, event: Event, now: Instant) -> Vec<Effect> {
    state.dirty = true;
    match event {
        Event::Action(action) => on_action(state, action),
        Event::Char(c) => {
            match state.mode() {
                Mode::Editor => editor::insert_char(state, c),
                Mode::Params => state.params.edit(Some(c)),
                Mode::PromptFile => state.prompt_file.push(c),
                Mode::Note => state.rating.note.push(c),
                Mode::Picker => {
                    state.picker_filter.push(c);
                    state.picker_cursor = 0;
                }
                Mode::Pull => pull::edit(state, Some(c)),
                _ => {}
            }
            Vec::new()
        }
        Event::Backspace => {
            match state.mode() {
                Mode::Editor => editor::backspace(state),
                Mode::Params => state.params.edit(None),
                Mode::PromptFile => {
                    state.prompt_file.pop();
                }
                Mode::Note => {
                    state.rating.note.pop();
                }
                Mode::Picker => {
                    state.picker_filter.pop();
                    state.picker_cursor = 0;
                }
                Mode::Pull => pull::edit(state, None),
                _ => {}
            }
            Vec::new()
        }
        Event::Paste(text) => {
            if state.mode() == Mode::Editor {
                editor::insert_text(state, &text);
                return Vec::new();
            }
            // One-line fields take the text on one line.
            let mut effects = Vec::new();
            for c in text.chars().filter(|c| !c.is_control()) {
                effects.extend(update(state, Event::Char(c), now));
            }
            effects
        }
        Event::EditedExternally { system, result } => {
            editor::on_edited_externally(state, system, result);
            Vec::new()
        }
        Event::PromptLoaded(result) => {
            match result {
                Ok(text) => {
                    editor::replace_field(state, false, &text);
                    state.notice = None;
                }
                Err(e) => state.say(e),
            }
            state.screens.open(Mode::Editor);
            Vec::new()
        }
        Event::Resize { width, height } => {
            state.width = width;
            state.height = height;
            let w = state.pane_text_width();
            for pane in &mut state.panes {
                pane.set_text_width(w);
            }
            editor::keep_cursor_visible(state);
            Vec::new()
        }
        Event::Stream { pane, run, event } => on_stream(state, pane, run, event),
        Event::Hub(event) => pull::on_event(state, event, now),
        Event::Hardware(sample) => {
            let slowed = sample.throttling();
            if !slowed.is_empty() {
                // Local models only (their memory is known): a server's answer is not slowed
                // by this machine.
                for pane in state.panes.iter_mut().filter(|p| p.status.is_active()) {
                    if pane.generation.started.is_some() && pane.generation.memory.is_some() {
                        let since = pane.generation.since_start(now);
                        pane.mark_throttled(since, slowed.join(", "));
                    }
                }
            }
            state.hardware_history.push(sample.clone());
            state.hardware = Some(sample);
            Vec::new()
        }
        Event::Tick => {
            // Live figures (elapsed, tok/s) move only while something runs.
            state.dirty = expire_notice(state, now);
            for pane in state.panes.iter_mut().filter(|p| p.status.is_active()) {
                pane.refresh_metrics(now);
                state.dirty = true;
            }
            Vec::new()
        }
        Event::Saved { seq } => {
            rating::on_saved(state, seq);
            Vec::new()
        }
        Event::SaveFailed { seq, message } => {
            rating::on_save_failed(state, seq, message);
            Vec::new()
        }
        Event::ItemLoaded { index, result } => rating::on_item_loaded(state, index, result),
        Event::SessionsLoaded { request, result } => {
            sessions::on_sessions_loaded(state, request, result);
            Vec::new()
        }
        Event::FiguresLoaded { request, result } => {
            sessions::on_figures_loaded(state, request, result);
            Vec::new()
        }
        Event::ReportLoaded { request, result } => {
            sessions::on_report_loaded(state, request, result);
            Vec::new()
        }
        Event::LeaderboardLoaded { request, result } => {
            if request == state.rating.leaderboard_request {
                state.rating.leaderboard = Some(result);
            }
            Vec::new()
        }
    }
}

/// Start a message's time on its first tick; drop it once its time is up. True when it went.
fn expire_notice(state: &mut AppState, now: Instant) -> bool {
    let Some(notice) = state.notice.as_mut().filter(|n| !n.lasting) else {
        return false;
    };
    let shown = *notice.shown_at.get_or_insert(now);
    let expired =
        now.saturating_duration_since(shown) >= std::time::Duration::from_secs(NOTICE_SECONDS);
    if expired {
        state.notice = None;
    }
    expired
}

/// Open a rating session (`slam rate`) at its first item not rated yet.
pub fn start_rating_session(state: &mut AppState) -> Vec<Effect> {
    let first = state
        .rating
        .session
        .as_ref()
        .map_or(0, |s| s.first_unrated());
    state.screens.reset(Mode::Compare);
    rating::go_to_item(state, first)
}

/// Text rows visible in the focused pane (the prompt strip above the panes taken off, and the
/// row of throttle marks the pane shows once the hardware was throttled).
pub fn pane_rows(state: &AppState) -> usize {
    let strip = crate::tui_state::state::prompt_view::prompt_strip_height(state);
    let marks = state
        .panes
        .get(state.focus)
        .map_or(0, |p| u16::from(!p.throttled.is_empty()));
    usize::from(
        state
            .height
            .saturating_sub(SCREEN_CHROME_ROWS + PANE_CHROME_ROWS + strip + marks)
            .max(1),
    )
}

fn on_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    if state.help && scroll_help(state, action) {
        return Vec::new();
    }
    if state.mode() == Mode::Sessions
        && !state.help
        && let Some(effects) = sessions::on_action(state, action)
    {
        return effects;
    }
    if state.mode() == Mode::Pull
        && !state.help
        && let Some(effects) = pull::on_action(state, action)
    {
        return effects;
    }
    if state.mode() == Mode::Editor
        && !state.help
        && let Some(effects) = editor::on_action(state, action)
    {
        return effects;
    }
    match action {
        Action::OpenSessions => return sessions::open(state),
        Action::OpenHardware => {
            if state.mode() == Mode::Hardware {
                state.screens.back();
            } else {
                state.screens.open(Mode::Hardware);
            }
        }
        Action::Quit => {
            let mut effects = cancel_panes(state, None);
            effects.push(Effect::Quit);
            return effects;
        }
        Action::ToggleHelp => {
            state.help = !state.help;
            state.help_scroll = 0;
        }
        Action::Back => {
            if state.help {
                state.help = false;
            } else if state.mode() == Mode::Params {
                return close_params(state);
            } else {
                // Back where this screen was opened from; the first screen stays.
                state.screens.back();
            }
        }
        Action::OpenParams => {
            // On its first field, whatever was edited last time.
            state.params.cursor = 0;
            state.screens.open(Mode::Params);
        }
        Action::MoveUp | Action::MoveDown => move_on(state, action == Action::MoveDown),
        Action::OpenPromptFile => {
            state.prompt_file.clear();
            state.screens.open(Mode::PromptFile);
        }
        Action::RerunFocused => return rerun_pane(state, state.focus),
        Action::OpenPicker => state.screens.open(Mode::Picker),
        Action::OpenPull => pull::open(state),
        Action::OpenEditor => state.screens.open(Mode::Editor),
        Action::PickerToggle => {
            let chosen = state.picker.iter().filter(|p| p.selected).count();
            if let Some(PickerRow::Model(i)) = state.picker_rows().get(state.picker_cursor).copied()
                && let Some(item) = state.picker.get_mut(i)
                && (item.selected || chosen < MAX_PANES)
            {
                item.selected = !item.selected;
            }
        }
        Action::Confirm => match state.mode() {
            Mode::Picker => return picker_confirm(state),
            Mode::Params => return close_params(state),
            Mode::Note => return rating::on_note_submit(state),
            Mode::PromptFile => {
                let path = state.prompt_file.trim().to_owned();
                state.screens.close(Mode::PromptFile);
                if !path.is_empty() {
                    return vec![Effect::LoadPromptFile(path)];
                }
            }
            _ => return submit(state),
        },
        Action::RerunAll => {
            if let Some(last) = state.history.last().cloned() {
                state.prompt = last;
                return submit(state);
            }
        }
        Action::FocusNext | Action::FocusPrev => {
            let n = state.panes.len();
            if n > 0 {
                state.focus = if action == Action::FocusNext {
                    (state.focus + 1) % n
                } else {
                    (state.focus + n - 1) % n
                };
            }
        }
        Action::PageUp | Action::PageDown | Action::ScrollTop | Action::FollowTail => {
            scroll(state, action)
        }
        Action::CancelFocused => return cancel_panes(state, Some(state.focus)),
        Action::CancelAll => return cancel_panes(state, None),
        Action::CopyFocused => {
            if let Some(pane) = state.panes.get(state.focus) {
                return vec![Effect::CopyToClipboard(pane.text.text().to_owned())];
            }
        }
        Action::TogglePrompt => {
            state.prompt_view.collapsed = !state.prompt_view.collapsed;
            state.prompt_view.scroll = 0;
        }
        Action::PromptScrollUp => {
            state.prompt_view.scroll = state.prompt_view.scroll.saturating_sub(1);
        }
        Action::PromptScrollDown => {
            let rows = crate::tui_state::state::prompt_view::prompt_rows(state).len();
            let shown = usize::from(crate::tui_state::state::prompt_view::visible_prompt_rows(
                state,
            ));
            state.prompt_view.scroll =
                (state.prompt_view.scroll + 1).min(rows.saturating_sub(shown));
        }
        Action::ToggleThinking => {
            // All panes together, so thinking models compare side by side.
            let show = !state
                .panes
                .get(state.focus)
                .is_some_and(|p| p.show_thinking);
            for pane in &mut state.panes {
                pane.show_thinking = show;
            }
        }
        _ => return rating::on_action(state, action),
    }
    Vec::new()
}

/// Movement while the help overlay is open scrolls it. True when the action was that.
fn scroll_help(state: &mut AppState, action: Action) -> bool {
    // More rows than any keymap's help has: the overlay clamps to its own height.
    const MOST: usize = 500;
    let page = usize::from(state.height.saturating_sub(4)).max(1);
    let at = state.help_scroll;
    state.help_scroll = match action {
        Action::MoveUp => at.saturating_sub(1),
        Action::MoveDown => (at + 1).min(MOST),
        Action::PageUp => at.saturating_sub(page),
        Action::PageDown => (at + page).min(MOST),
        _ => return false,
    };
    true
}

/// Up or down whatever the screen shown lists or scrolls.
fn move_on(state: &mut AppState, down: bool) {
    let step = |at: usize, last: usize| {
        if down {
            (at + 1).min(last)
        } else {
            at.saturating_sub(1)
        }
    };
    match state.mode() {
        Mode::Picker => {
            let last = state.picker_rows().len().saturating_sub(1);
            state.picker_cursor = step(state.picker_cursor, last);
        }
        Mode::Params => {
            state.params.cursor = step(state.params.cursor, params::FIELDS.len() - 1);
        }
        Mode::Compare => scroll(
            state,
            if down {
                Action::MoveDown
            } else {
                Action::MoveUp
            },
        ),
        _ => {}
    }
}

/// Enter on the picker: replay the recorded session under the cursor, or go write a prompt
/// for the models selected.
fn picker_confirm(state: &mut AppState) -> Vec<Effect> {
    if let Some(PickerRow::Replay(replay)) = state.picker_rows().get(state.picker_cursor).copied() {
        return start_replay(state, replay);
    }
    if state.picker.iter().any(|p| p.selected) {
        state.screens.open(Mode::Editor);
    }
    Vec::new()
}

/// Close the parameters popup unless a value is invalid (then say which); kept for the next
/// start.
fn close_params(state: &mut AppState) -> Vec<Effect> {
    match state.params.patch() {
        Ok(_) => {
            state.screens.close(Mode::Params);
            vec![Effect::Remember(Remembered::of(state))]
        }
        Err(e) => {
            state.params.error = Some(e);
            Vec::new()
        }
    }
}

fn scroll(state: &mut AppState, action: Action) {
    let rows = pane_rows(state);
    let Some(pane) = state.panes.get_mut(state.focus) else {
        return;
    };
    let top = pane.first_visible_row(rows);
    let max = pane.row_count().saturating_sub(rows);
    let target = match action {
        Action::MoveUp => top.saturating_sub(1),
        Action::MoveDown => top + 1,
        Action::PageUp => top.saturating_sub(rows),
        Action::PageDown => top + rows,
        Action::ScrollTop => 0,
        _ => max,
    };
    pane.scroll = target.min(max);
    // Reaching the bottom (or asking for it) re-attaches to the tail.
    pane.follow = action == Action::FollowTail || pane.scroll >= max && action != Action::ScrollTop;
}

fn on_stream(state: &mut AppState, index: usize, run: u64, event: StreamEvent) -> Vec<Effect> {
    let round = state.rating.round;
    let Some(pane) = state.panes.get_mut(index) else {
        return Vec::new();
    };
    if pane.run != run {
        return Vec::new(); // a stale event from an earlier run of this pane
    }
    let cancelled = pane.status == PaneStatus::Cancelled;
    if cancelled
        && matches!(
            event,
            StreamEvent::Delta { .. } | StreamEvent::Thinking { .. }
        )
    {
        return Vec::new();
    }
    pane.generation.on_event(&event);
    match event {
        StreamEvent::Started { .. } => {
            if !cancelled {
                pane.status = PaneStatus::Prefill;
            }
        }
        StreamEvent::Delta { text, n_tokens, at } => {
            if text.is_empty() {
                return Vec::new();
            }
            let since = pane.generation.since_start(at);
            pane.record_rate(since, n_tokens);
            pane.text.push_str(&text);
            pane.status = PaneStatus::Streaming;
        }
        StreamEvent::Thinking { text, n_tokens, at } => {
            if text.is_empty() {
                return Vec::new();
            }
            let since = pane.generation.since_start(at);
            pane.record_rate(since, n_tokens);
            pane.thinking.push_str(&text);
            pane.status = PaneStatus::Streaming;
        }
        StreamEvent::Adapted { change, .. } => pane.add_note(&change),
        StreamEvent::Measured { .. } => {}
        StreamEvent::Finished {
            finish_reason, at, ..
        } => {
            pane.status = if cancelled || finish_reason == FinishReason::Cancelled {
                PaneStatus::Cancelled
            } else {
                PaneStatus::Done(AnswerState::of_answer(Some(finish_reason), None))
            };
            pane.refresh_metrics(at);
            let reason = if pane.status == PaneStatus::Cancelled {
                FinishReason::Cancelled
            } else {
                finish_reason
            };
            return vec![save_generation(pane, index, round, Some(reason), None)];
        }
        StreamEvent::Failed { error, at } => {
            let saved = Some(error.clone());
            if !cancelled {
                pane.status = PaneStatus::Error {
                    kind: error.kind,
                    message: error.message,
                };
            }
            pane.refresh_metrics(at);
            return vec![save_generation(pane, index, round, None, saved)];
        }
    }
    Vec::new()
}

/// Every finished answer is kept, so it can be rated and exported.
fn save_generation(
    pane: &PaneState,
    index: usize,
    round: u64,
    finish_reason: Option<FinishReason>,
    error: Option<Failure>,
) -> Effect {
    Effect::Store(StoreOp::Generation {
        round,
        run: pane.run,
        answer: Box::new(Answer {
            model: pane.model.clone(),
            position: index,
            text: pane.text.text().to_owned(),
            thinking: pane.thinking.text().to_owned(),
            adaptations: pane.generation.adaptations.clone(),
            metrics: pane.live.clone(),
            timings: pane.generation.timings,
            finish_reason,
            error,
        }),
    })
}

mod footer;
pub use footer::available;
pub mod editor;
#[cfg(test)]
mod editor_tests;
mod pull;
#[cfg(test)]
mod pull_tests;
mod rating;
#[cfg(test)]
mod rating_tests;
mod runs;
use runs::{cancel_panes, rerun_pane, start_replay, submit};
mod sessions;
#[cfg(test)]
mod tests;
