//! Starting and stopping runs: a prompt on every pane, one pane again, a recorded session
//! replayed, cancels.

use crate::tui_state::effect::{Effect, StoreOp};
use crate::tui_state::state::remembered::Remembered;
use crate::tui_state::state::{AppState, Mode, PaneState, PaneStatus, pane_text_width};

/// Start pane `index` again with the last prompt, the other panes untouched.
pub(super) fn rerun_pane(state: &mut AppState, index: usize) -> Vec<Effect> {
    let (Some(prompt), Ok(params)) = (state.history.last().cloned(), state.params.patch()) else {
        return Vec::new();
    };
    let width = state.pane_text_width();
    let run = state.next_run;
    let Some(pane) = state.panes.get_mut(index) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    if pane.status.is_active() {
        effects.push(Effect::Cancel {
            pane: index,
            run: pane.run,
        });
    }
    state.next_run += 1;
    let show_thinking = pane.show_thinking;
    *pane = PaneState::new(pane.model.clone(), run, width);
    pane.show_thinking = show_thinking;
    // The ratings shown were of the old answer (they stay saved against it).
    if let Some(score) = state.rating.scores.get_mut(index) {
        *score = None;
    }
    state.rating.vote = None;
    state.rating.undo.clear();
    effects.push(Effect::StartGeneration {
        pane: index,
        run,
        model: pane.model.clone(),
        prompt,
        params,
    });
    effects
}

pub(super) fn submit(state: &mut AppState) -> Vec<Effect> {
    let models = state.selected_models();
    if models.is_empty() {
        state.say("Nothing ran: no model is selected (Ctrl-p chooses models).");
        return Vec::new();
    }
    if state.prompt.user_text().trim().is_empty() {
        state.say("Nothing ran: the prompt is empty — type it first.");
        return Vec::new();
    }
    let params = match state.params.patch() {
        Ok(p) => p,
        Err(e) => {
            state.say(e);
            return Vec::new();
        }
    };
    let mut effects = cancel_panes(state, None);
    if state.history.last() != Some(&state.prompt) {
        state.history.push(state.prompt.clone());
    }
    state.history_cursor = None;
    state.first_start = false;
    // Known when every model's own parameters are (the TUI reads them from the config).
    let own = state.selected_params();
    state.shown_params = (own.len() == models.len()).then(|| state.params.line(&own));
    effects.push(Effect::Remember(Remembered::of(state)));
    state.prompt_view.scroll = 0;
    let width = pane_text_width(state.width, models.len());
    let session = state.rating.session.as_ref();
    let item = session.and_then(|s| s.items.get(s.cursor).map(|i| i.key.clone()));
    let item_index = session.map_or(state.rating.round, |s| s.cursor as u64);
    let order = super::rating::new_round(state, models.len(), item_index);
    let models: Vec<String> = order
        .iter()
        .filter_map(|&i| models.get(i).cloned())
        .collect();
    effects.push(Effect::Store(StoreOp::Prompt {
        round: state.rating.round,
        prompt: state.prompt.clone(),
        pane_models: models.clone(),
        item,
    }));
    state.panes = models
        .into_iter()
        .enumerate()
        .map(|(pane, model)| {
            let run = state.next_run;
            state.next_run += 1;
            effects.push(Effect::StartGeneration {
                pane,
                run,
                model: model.clone(),
                prompt: state.prompt.clone(),
                params: params.clone(),
            });
            state.new_pane(model, run, width)
        })
        .collect();
    state.focus = 0;
    state.screens.open(Mode::Compare);
    effects
}

pub(super) fn start_replay(state: &mut AppState, replay: usize) -> Vec<Effect> {
    let Some(item) = state.replays.get(replay).cloned() else {
        return Vec::new();
    };
    let mut effects = cancel_panes(state, None);
    let width = pane_text_width(state.width, item.models.len());
    let mut runs = Vec::new();
    // Replays keep their recorded order: the recording's panes are fixed.
    let blind = std::mem::replace(&mut state.rating.blind, false);
    state.shown_params = None;
    super::rating::new_round(state, item.models.len(), 0);
    state.rating.blind = blind;
    effects.push(Effect::Store(StoreOp::Prompt {
        round: state.rating.round,
        prompt: item.prompt.clone(),
        pane_models: item.models.clone(),
        item: None,
    }));
    state.panes = item
        .models
        .iter()
        .map(|model| {
            let run = state.next_run;
            state.next_run += 1;
            runs.push(run);
            state.new_pane(model.clone(), run, width)
        })
        .collect();
    state.prompt = item.prompt;
    state.focus = 0;
    state.screens.open(Mode::Compare);
    effects.push(Effect::Replay { replay, runs });
    effects
}

/// Cancel one pane (`Some(i)`) or all active panes.
pub(super) fn cancel_panes(state: &mut AppState, only: Option<usize>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for (i, pane) in state.panes.iter_mut().enumerate() {
        if only.is_some_and(|o| o != i) || !pane.status.is_active() {
            continue;
        }
        pane.status = PaneStatus::Cancelled;
        effects.push(Effect::Cancel {
            pane: i,
            run: pane.run,
        });
    }
    effects
}
