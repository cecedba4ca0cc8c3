//! The rating keys: scores, tags and notes on the focused answer, votes across answers,
//! undo, blind mode, a rating session's items and the leaderboard screen.

use crate::domain::answer::AnswerState;
use crate::domain::rating::{PairOutcome, Score, Tag, Vote, blind_order};
use crate::tui_state::action::Action;
use crate::tui_state::effect::{Effect, RatingChange, StoreOp};
use crate::tui_state::event::{LoadedAnswer, LoadedItem, LoadedVote};
use crate::tui_state::state::rating::Undo;
use crate::tui_state::state::{AppState, Mode, PaneState, PaneStatus, Rated, pane_text_width};

pub(super) fn on_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Score1 => score(state, |s| s.score = Some(1)),
        Action::Score2 => score(state, |s| s.score = Some(2)),
        Action::Score3 => score(state, |s| s.score = Some(3)),
        Action::Score4 => score(state, |s| s.score = Some(4)),
        Action::Score5 => score(state, |s| s.score = Some(5)),
        Action::TagHallucination => score(state, |s| toggle(s, Tag::Hallucination)),
        Action::TagRefusal => score(state, |s| toggle(s, Tag::Refusal)),
        Action::TagWrongFormat => score(state, |s| toggle(s, Tag::WrongFormat)),
        Action::OpenNote => {
            if rateable(state, Some(state.focus)) {
                state.rating.note = current_score(state, state.focus)
                    .and_then(|s| s.note)
                    .unwrap_or_default();
                state.screens.open(Mode::Note);
            }
            Vec::new()
        }
        Action::VoteA => pair(state, PairOutcome::A),
        Action::VoteB => pair(state, PairOutcome::B),
        Action::VoteTie => pair(state, PairOutcome::Tie),
        Action::VoteBothBad => pair(state, PairOutcome::BothBad),
        Action::VoteBest | Action::VoteWorst => best_or_worst(state, action == Action::VoteBest),
        Action::UndoRating => undo(state),
        Action::RevealFailure => reveal_failure(state),
        Action::ToggleBlind => {
            state.rating.blind = !state.rating.blind;
            state.say(if state.rating.blind {
                "Blind mode on from the next prompt: names hidden, order shuffled."
            } else {
                "Blind mode off from the next prompt."
            });
            Vec::new()
        }
        Action::NextItem | Action::PrevItem => {
            let Some(session) = &state.rating.session else {
                return Vec::new();
            };
            let last = session.items.len().saturating_sub(1);
            let target = if action == Action::NextItem {
                (session.cursor + 1).min(last)
            } else {
                session.cursor.saturating_sub(1)
            };
            if target == session.cursor && !state.panes.is_empty() {
                return Vec::new();
            }
            go_to_item(state, target)
        }
        Action::OpenLeaderboard => {
            // Counts that move as you score would tell which blind answer is which model.
            if state.rating.round_blind && !state.rating.revealed && !state.panes.is_empty() {
                state.say("The leaderboard opens once this blind vote is saved.");
                return Vec::new();
            }
            state.screens.open(Mode::Leaderboard);
            load_leaderboard(state)
        }
        Action::LeaderboardScope => {
            state.rating.leaderboard_session_only = !state.rating.leaderboard_session_only;
            load_leaderboard(state)
        }
        _ => Vec::new(),
    }
}

/// Blind, a failed answer says only that it failed: this shows why, which names the models —
/// so blindness ends for this item and no vote is taken on it.
fn reveal_failure(state: &mut AppState) -> Vec<Effect> {
    let failed = state
        .panes
        .iter()
        .any(|p| matches!(p.status, PaneStatus::Error { .. }));
    let r = &mut state.rating;
    if !failed || r.revealed {
        return Vec::new();
    }
    r.revealed = true;
    r.forfeited = r.vote.is_none();
    state.say("Revealed to show the failure: no vote is taken on this item.");
    Vec::new()
}

/// Ask for the leaderboard; a result for an earlier request is dropped when it comes.
fn load_leaderboard(state: &mut AppState) -> Vec<Effect> {
    let r = &mut state.rating;
    r.leaderboard_request += 1;
    r.leaderboard = None;
    vec![Effect::LoadLeaderboard {
        request: r.leaderboard_request,
        session_only: r.leaderboard_session_only,
    }]
}

fn toggle(s: &mut Score, tag: Tag) {
    if !s.tags.remove(&tag) {
        s.tags.insert(tag);
    }
}

/// Can these answers be rated yet? Says why not when they can't.
fn rateable(state: &mut AppState, pane: Option<usize>) -> bool {
    if state.rating.forfeited {
        state.say(
            "A failure was revealed before the vote: nothing is recorded for this item (n: next).",
        );
        return false;
    }
    let panes: Vec<&PaneState> = match pane {
        Some(i) => state.panes.get(i).into_iter().collect(),
        None => state.panes.iter().collect(),
    };
    if panes.is_empty() {
        state.say("Nothing to rate yet: run a prompt first.");
        return false;
    }
    if panes.iter().any(|p| p.status.is_active()) {
        state.say("Wait for the answers to finish, then rate.");
        return false;
    }
    // Cancelled before the engine said anything: there is no answer to keep, or to rate.
    if panes
        .iter()
        .any(|p| p.status == PaneStatus::Cancelled && !p.generation.is_done())
    {
        state.say("A cancelled answer has nothing to rate: run it again (R).");
        return false;
    }
    true
}

fn current_score(state: &AppState, pane: usize) -> Option<Score> {
    state
        .rating
        .scores
        .get(pane)
        .cloned()
        .flatten()
        .map(|r| r.value)
}

/// Change the focused answer's score and save the whole score as a new rating.
fn score(state: &mut AppState, change: impl FnOnce(&mut Score)) -> Vec<Effect> {
    let pane = state.focus;
    if !rateable(state, Some(pane)) {
        return Vec::new();
    }
    let mut value = current_score(state, pane).unwrap_or_default();
    change(&mut value);
    set_score(state, pane, value)
}

fn set_score(state: &mut AppState, pane: usize, value: Score) -> Vec<Effect> {
    let Some(run) = state.panes.get(pane).map(|p| p.run) else {
        return Vec::new();
    };
    let r = &mut state.rating;
    if r.scores.len() < state.panes.len() {
        r.scores.resize(state.panes.len(), None);
    }
    let seq = r.take_seq();
    let before = r.scores[pane].replace(Rated {
        value: value.clone(),
        seq,
    });
    r.undo.push(Undo::Score {
        pane,
        before,
        taken: seq,
    });
    state.notice = None;
    mark_item(state);
    vec![Effect::Store(StoreOp::Rate {
        round: state.rating.round,
        seq,
        change: RatingChange::Score {
            answer: run,
            score: value,
            position: Some(pane),
        },
        blind: state.rating.round_blind && !state.rating.revealed,
    })]
}

fn pair(state: &mut AppState, outcome: PairOutcome) -> Vec<Effect> {
    if state.panes.len() != 2 {
        if !state.panes.is_empty() {
            state.say(
                "A/B votes need two answers: with more, press + on the best (- on the worst).",
            );
        }
        return Vec::new();
    }
    if !rateable(state, None) {
        return Vec::new();
    }
    set_vote(state, Vote::Pair(outcome))
}

fn best_or_worst(state: &mut AppState, best: bool) -> Vec<Effect> {
    if !rateable(state, None) {
        return Vec::new();
    }
    let focus = state.focus;
    if state.panes.len() == 2 {
        let a_wins = (focus == 0) == best;
        return set_vote(
            state,
            Vote::Pair(if a_wins {
                PairOutcome::A
            } else {
                PairOutcome::B
            }),
        );
    }
    let (mut b, mut w) = match state.rating.vote.as_ref().map(|v| v.value) {
        Some(Vote::Best { best, worst }) => (best, worst),
        _ => (None, None),
    };
    if best {
        b = Some(focus);
        if w == Some(focus) {
            w = None;
        }
    } else {
        w = Some(focus);
        if b == Some(focus) {
            b = None;
        }
    }
    set_vote(state, Vote::Best { best: b, worst: w })
}

fn set_vote(state: &mut AppState, vote: Vote) -> Vec<Effect> {
    let run = |i: usize| state.panes.get(i).map(|p| p.run);
    let change = match vote {
        Vote::Pair(outcome) => match (run(0), run(1)) {
            (Some(a), Some(b)) => RatingChange::Pair { a, b, outcome },
            _ => return Vec::new(),
        },
        Vote::Best { best, worst } => RatingChange::Best {
            best: best.and_then(run),
            worst: worst.and_then(run),
            ballot: state.panes.iter().map(|p| p.run).collect(),
        },
    };
    let r = &mut state.rating;
    let seq = r.take_seq();
    let before = r.vote.replace(Rated { value: vote, seq });
    r.undo.push(Undo::Vote { before, taken: seq });
    state.notice = None;
    mark_item(state);
    vec![Effect::Store(StoreOp::Rate {
        round: state.rating.round,
        seq,
        change,
        blind: state.rating.round_blind && !state.rating.revealed,
    })]
}

fn undo(state: &mut AppState) -> Vec<Effect> {
    let r = &mut state.rating;
    let Some(last) = r.undo.pop() else {
        state.say("Nothing to undo on this prompt.");
        return Vec::new();
    };
    let seq = r.take_seq();
    // What comes back is saved again (as the undo), so it carries the undo's number.
    let takes_back = match last {
        Undo::Score {
            pane,
            before,
            taken,
        } => {
            if let Some(slot) = r.scores.get_mut(pane) {
                *slot = before.map(|b| Rated {
                    value: b.value,
                    seq,
                });
            }
            taken
        }
        Undo::Vote { before, taken } => {
            r.vote = before.map(|b| Rated {
                value: b.value,
                seq,
            });
            taken
        }
    };
    mark_item(state);
    vec![Effect::Store(StoreOp::Undo { seq, takes_back })]
}

/// Keep the session's progress in step with what this item shows.
fn mark_item(state: &mut AppState) {
    let r = &mut state.rating;
    let any = r.vote.is_some() || r.scores.iter().flatten().any(|s| !s.value.is_empty());
    if let Some(session) = r.session.as_mut()
        && let Some(done) = session.rated.get_mut(session.cursor)
    {
        *done = any;
    }
}

/// A new prompt's answers: ratings start empty. Returns the order to show them in (pane i
/// shows answer `order[i]`), drawn for `item` when blind.
pub(super) fn new_round(state: &mut AppState, n: usize, item: u64) -> Vec<usize> {
    let r = &mut state.rating;
    r.round += 1;
    r.scores = vec![None; n];
    r.vote = None;
    r.undo.clear();
    r.revealed = !r.blind;
    r.forfeited = false;
    r.round_blind = r.blind;
    if r.blind {
        blind_order(r.seed, item, n)
    } else {
        (0..n).collect()
    }
}

/// Saves committed: show them as saved, and reveal blind names once the vote is saved.
pub(super) fn on_saved(state: &mut AppState, seq: u64) {
    let r = &mut state.rating;
    r.acked = r.acked.max(seq);
    if r.revealed {
        return;
    }
    let saved =
        |v: Option<u64>| v.is_some_and(|s| s <= r.acked && !r.failed.iter().any(|(f, _)| *f == s));
    let vote_saved = saved(r.vote.as_ref().map(|v| v.seq));
    // With two answers or more the vote is the verdict: names stay hidden until it is in, so
    // they cannot sway it. A lone answer is revealed once its score is in.
    let all_scored = r.scores.len() == 1
        && r.scores.iter().all(|s| {
            saved(
                s.as_ref()
                    .filter(|s| s.value.score.is_some())
                    .map(|s| s.seq),
            )
        });
    if vote_saved || all_scored {
        r.revealed = true;
    }
}

pub(super) fn on_save_failed(state: &mut AppState, seq: u64, message: String) {
    state.say(format!("Rating NOT saved: {message}"));
    state.rating.failed.push((seq, message));
}

pub(super) fn on_note_submit(state: &mut AppState) -> Vec<Effect> {
    state.screens.close(Mode::Note);
    let pane = state.focus;
    let note = std::mem::take(&mut state.rating.note);
    let mut value = current_score(state, pane).unwrap_or_default();
    let note = Some(note.trim().to_owned()).filter(|n| !n.is_empty());
    if value.note == note {
        return Vec::new();
    }
    value.note = note;
    set_score(state, pane, value)
}

/// A stored answer's pane state: how it ended, as a live pane would show it.
fn stored_status(answer: &LoadedAnswer) -> PaneStatus {
    let message = || answer.error_message.clone().unwrap_or_default();
    match &answer.state {
        AnswerState::Cancelled => PaneStatus::Cancelled,
        AnswerState::TimedOut => PaneStatus::Error {
            kind: "timeout".into(),
            message: message(),
        },
        AnswerState::Failed { kind } => PaneStatus::Error {
            kind: kind.clone(),
            message: message(),
        },
        state => PaneStatus::Done(state.clone()),
    }
}

/// Show item `index` of the rating session: run its prompt, or load its stored answers.
pub(super) fn go_to_item(state: &mut AppState, index: usize) -> Vec<Effect> {
    let Some(session) = state.rating.session.as_mut() else {
        return Vec::new();
    };
    let Some(item) = session.items.get(index).cloned() else {
        return Vec::new();
    };
    session.cursor = index;
    state.notice = None;
    // Answered before (stored, or earlier in this session): show those answers and their
    // ratings; otherwise the models answer it (see `on_item_loaded`).
    let mut effects = super::cancel_panes(state, None);
    state.panes.clear();
    state.prompt = item.prompt;
    state.prompt_view.scroll = 0;
    state.screens.open(Mode::Compare);
    effects.push(Effect::LoadItem {
        index,
        key: item.key,
    });
    effects
}

/// Stored answers arrived: show them as finished panes (in blind order when blind).
pub(super) fn on_item_loaded(
    state: &mut AppState,
    index: usize,
    result: Result<Option<LoadedItem>, String>,
) -> Vec<Effect> {
    let Some(session) = state.rating.session.as_ref() else {
        return Vec::new();
    };
    if session.cursor != index || !state.panes.is_empty() {
        return Vec::new(); // the user moved on
    }
    let stored = session.stored;
    let item = match result {
        Ok(Some(item)) => item,
        Ok(None) if !stored => return super::submit(state),
        Ok(None) => {
            state.say(format!("item {} has no stored answers", index + 1));
            return Vec::new();
        }
        Err(e) => {
            state.say(e);
            return Vec::new();
        }
    };
    if let Some(prompt) = session.items.get(index).map(|i| i.prompt.clone()) {
        state.prompt = prompt.clone();
        // `R`/`r` run this prompt again, not an earlier one.
        if state.history.last() != Some(&prompt) {
            state.history.push(prompt);
        }
    }
    let n = item.answers.len();
    let order = new_round(state, n, index as u64);
    let width = pane_text_width(state.width, n);
    let mut bound = Vec::new();
    let shown: Vec<&LoadedAnswer> = order.iter().filter_map(|&i| item.answers.get(i)).collect();
    state.panes = shown
        .iter()
        .map(|answer| {
            let run = state.next_run;
            state.next_run += 1;
            bound.push((run, answer.generation));
            let mut pane = state.new_pane(answer.model.clone(), run, width);
            pane.text.push_str(&answer.text);
            pane.status = stored_status(answer);
            pane
        })
        .collect();
    // What this rater already gave stands (saved: it came from the store).
    let pane_of = |generation: i64| shown.iter().position(|a| a.generation == generation);
    let r = &mut state.rating;
    r.scores = shown
        .iter()
        .map(|a| a.score.clone().map(|value| Rated { value, seq: 0 }))
        .collect();
    r.vote = item.vote.and_then(|vote| {
        let value = match vote {
            LoadedVote::Pair { a, b, outcome } => {
                let (left, right) = (pane_of(a)?, pane_of(b)?);
                let flipped = match outcome {
                    PairOutcome::A => PairOutcome::B,
                    PairOutcome::B => PairOutcome::A,
                    other => other,
                };
                Vote::Pair(if left < right { outcome } else { flipped })
            }
            LoadedVote::Score { .. } => return None,
            LoadedVote::Best { best, worst, .. } => Vote::Best {
                best: best.and_then(pane_of),
                worst: worst.and_then(pane_of),
            },
        };
        Some(Rated { value, seq: 0 })
    });
    if r.vote.is_some() {
        r.revealed = true; // voted before: nothing left to protect
    }
    state.focus = 0;
    state.screens.open(Mode::Compare);
    mark_item(state);
    vec![Effect::Store(StoreOp::Bind {
        round: state.rating.round,
        prompt: item.prompt_id,
        answers: bound,
    })]
}
