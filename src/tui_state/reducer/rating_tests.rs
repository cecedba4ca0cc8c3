//! Rating tests: scores, tags, notes, votes, undo, blind order and reveal, rating sessions.

use std::time::Instant;

use super::tests::{act, item, state, stream, submitted, type_text};
use super::*;
use crate::domain::rating::{PairOutcome, Tag, Vote, blind_order};
use crate::domain::{Prompt, Usage};
use crate::tui_state::effect::RatingChange;
use crate::tui_state::event::{LoadedAnswer, LoadedItem};
use crate::tui_state::state::{RateItem, RateSession, SaveState};

fn finish(s: &mut AppState, pane: usize, text: &str) -> Vec<Effect> {
    let run = s.panes[pane].run;
    let at = Instant::now();
    update(
        s,
        Event::Stream {
            pane,
            run,
            event: StreamEvent::Started { at },
        },
        at,
    );
    let delta = StreamEvent::Delta {
        text: text.into(),
        n_tokens: 1,
        at,
    };
    update(
        s,
        Event::Stream {
            pane,
            run,
            event: delta,
        },
        at,
    );
    let finished = StreamEvent::Finished {
        usage: Usage::default(),
        finish_reason: FinishReason::Stop,
        timings: None,
        token_ids: None,
        at,
    };
    update(
        s,
        Event::Stream {
            pane,
            run,
            event: finished,
        },
        at,
    )
}

/// Two answers in, ready to rate.
fn answered() -> AppState {
    let mut s = submitted("Capital of France?");
    finish(&mut s, 0, "Paris.");
    finish(&mut s, 1, "Lyon.");
    s
}

fn rate_op(effects: &[Effect]) -> (u64, RatingChange) {
    match effects {
        [Effect::Store(StoreOp::Rate { seq, change, .. })] => (*seq, change.clone()),
        other => panic!("expected one rating save, got {other:?}"),
    }
}

fn saved(s: &mut AppState, seq: u64) {
    update(s, Event::Saved { seq }, Instant::now());
}

#[test]
fn a_finished_answer_is_saved_with_its_text_and_metrics() {
    let mut s = submitted("hi");
    let effects = finish(&mut s, 0, "Hello!");
    let [Effect::Store(StoreOp::Generation { run, answer, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (*run, answer.text.as_str(), answer.model.as_str()),
        (s.panes[0].run, "Hello!", "smollm2")
    );
    assert_eq!(answer.finish_reason, Some(FinishReason::Stop));
    assert_eq!(answer.metrics.chunks, 1);
}

#[test]
fn a_score_is_saving_until_the_store_says_saved() {
    let mut s = answered();
    act(&mut s, Action::FocusNext);
    let (seq, change) = rate_op(&act(&mut s, Action::Score4));
    let RatingChange::Score {
        answer: run,
        score,
        position,
    } = change
    else {
        panic!()
    };
    assert_eq!(run, s.panes[1].run, "the focused answer is scored");
    assert_eq!(position, Some(1), "and where it was shown is kept");
    assert_eq!(score.score, Some(4));
    assert_eq!(s.rating.save_state(seq), SaveState::Saving);
    saved(&mut s, seq);
    assert_eq!(s.rating.save_state(seq), SaveState::Saved);
    assert!(s.rating.scores[0].is_none());
}

#[test]
fn tags_toggle_and_each_change_saves_the_whole_score() {
    let mut s = answered();
    act(&mut s, Action::Score2);
    let (_, change) = rate_op(&act(&mut s, Action::TagHallucination));
    let RatingChange::Score { score, .. } = change else {
        panic!()
    };
    assert_eq!(score.score, Some(2), "the score stays");
    assert!(score.tags.contains(&Tag::Hallucination));
    let (_, change) = rate_op(&act(&mut s, Action::TagHallucination));
    let RatingChange::Score { score, .. } = change else {
        panic!()
    };
    assert!(score.tags.is_empty(), "pressed again: untagged");
}

#[test]
fn a_note_is_typed_on_one_line_and_saved_with_the_score() {
    let mut s = answered();
    act(&mut s, Action::Score3);
    act(&mut s, Action::OpenNote);
    assert_eq!(s.mode(), Mode::Note);
    type_text(&mut s, "too long");
    let (_, change) = rate_op(&act(&mut s, Action::Confirm));
    let RatingChange::Score { score, .. } = change else {
        panic!()
    };
    assert_eq!(
        (score.score, score.note.as_deref()),
        (Some(3), Some("too long"))
    );
    assert_eq!(s.mode(), Mode::Compare);
    act(&mut s, Action::OpenNote);
    assert_eq!(s.rating.note, "too long", "the note opens with its text");
    assert!(act(&mut s, Action::Back).is_empty(), "Esc saves nothing");
}

#[test]
fn nothing_is_rated_while_an_answer_is_streaming() {
    let mut s = submitted("hi");
    assert!(act(&mut s, Action::Score5).is_empty());
    assert!(act(&mut s, Action::VoteA).is_empty());
    assert!(s.notice_here().unwrap_or("").contains("Wait"));
    finish(&mut s, 0, "x");
    assert!(
        !act(&mut s, Action::Score5).is_empty(),
        "the finished pane can be scored"
    );
    assert!(
        act(&mut s, Action::VoteA).is_empty(),
        "a vote needs every answer"
    );
}

#[test]
fn pairwise_votes_name_left_and_right_and_rating_again_replaces() {
    let mut s = answered();
    let (a, b) = (s.panes[0].run, s.panes[1].run);
    for (action, outcome) in [
        (Action::VoteA, PairOutcome::A),
        (Action::VoteB, PairOutcome::B),
        (Action::VoteTie, PairOutcome::Tie),
        (Action::VoteBothBad, PairOutcome::BothBad),
    ] {
        let (_, change) = rate_op(&act(&mut s, action));
        assert_eq!(change, RatingChange::Pair { a, b, outcome });
        assert_eq!(
            s.rating.vote.as_ref().map(|v| v.value),
            Some(Vote::Pair(outcome))
        );
    }
    // + and - on two answers: the focused one is better / worse.
    act(&mut s, Action::FocusNext);
    let (_, change) = rate_op(&act(&mut s, Action::VoteBest));
    assert_eq!(
        change,
        RatingChange::Pair {
            a,
            b,
            outcome: PairOutcome::B
        }
    );
    let (_, change) = rate_op(&act(&mut s, Action::VoteWorst));
    assert_eq!(
        change,
        RatingChange::Pair {
            a,
            b,
            outcome: PairOutcome::A
        }
    );
}

#[test]
fn with_more_answers_pick_the_best_and_the_worst() {
    let mut s = AppState::new(
        vec![item("a", true), item("b", true), item("c", true)],
        150,
        30,
    );
    type_text(&mut s, "q");
    act(&mut s, Action::Confirm);
    for (i, t) in ["1", "2", "3"].iter().enumerate() {
        finish(&mut s, i, t);
    }
    assert!(
        act(&mut s, Action::VoteA).is_empty(),
        "A/B needs two answers"
    );
    assert!(s.notice_here().unwrap_or("").contains("+"));
    act(&mut s, Action::FocusNext);
    let (_, change) = rate_op(&act(&mut s, Action::VoteBest));
    let runs: Vec<u64> = s.panes.iter().map(|p| p.run).collect();
    assert_eq!(
        change,
        RatingChange::Best {
            best: Some(runs[1]),
            worst: None,
            ballot: runs.clone()
        }
    );
    act(&mut s, Action::FocusNext);
    let (_, change) = rate_op(&act(&mut s, Action::VoteWorst));
    assert_eq!(
        change,
        RatingChange::Best {
            best: Some(runs[1]),
            worst: Some(runs[2]),
            ballot: runs.clone()
        }
    );
    // The best cannot also be the worst.
    act(&mut s, Action::FocusPrev);
    let (_, change) = rate_op(&act(&mut s, Action::VoteWorst));
    assert_eq!(
        change,
        RatingChange::Best {
            best: None,
            worst: Some(runs[1]),
            ballot: runs
        }
    );
}

#[test]
fn undo_takes_back_the_last_rating_step_by_step() {
    let mut s = answered();
    let (vote_a, _) = rate_op(&act(&mut s, Action::VoteA));
    let (vote_b, _) = rate_op(&act(&mut s, Action::VoteB));
    let (score, _) = rate_op(&act(&mut s, Action::Score5));
    let undo = |s: &mut AppState| match act(s, Action::UndoRating).as_slice() {
        [Effect::Store(StoreOp::Undo { seq, takes_back })] => (*takes_back, *seq),
        other => panic!("{other:?}"),
    };
    let (taken, seq) = undo(&mut s);
    assert_eq!(taken, score, "the score went last, so it goes first");
    assert!(s.rating.scores[0].is_none());
    assert_eq!(s.rating.save_state(seq), SaveState::Saving);
    assert_eq!(undo(&mut s).0, vote_b);
    assert_eq!(
        s.rating.vote.as_ref().map(|v| v.value),
        Some(Vote::Pair(PairOutcome::A))
    );
    assert_eq!(undo(&mut s).0, vote_a);
    assert!(s.rating.vote.is_none());
    assert!(act(&mut s, Action::UndoRating).is_empty());
    assert!(s.notice_here().unwrap_or("").contains("Nothing to undo"));
}

#[test]
fn a_failed_save_is_shown_as_not_saved() {
    let mut s = answered();
    let (seq, _) = rate_op(&act(&mut s, Action::VoteTie));
    update(
        &mut s,
        Event::SaveFailed {
            seq,
            message: "disk full".into(),
        },
        Instant::now(),
    );
    assert_eq!(
        s.rating.save_state(seq),
        SaveState::Failed("disk full".into())
    );
    assert!(
        s.notice_here()
            .unwrap_or("")
            .contains("NOT saved: disk full")
    );
}

fn blind_state(seed: u64) -> AppState {
    let mut s = state();
    s.rating = crate::tui_state::state::RatingState::new("ann".into(), true, seed);
    s
}

fn prompt_models(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Store(StoreOp::Prompt { pane_models, .. }) => Some(pane_models.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn blind_order_is_shuffled_per_prompt_recorded_and_balanced() {
    let mut s = blind_state(7);
    let models = ["smollm2", "gemma3-base"];
    let mut first_left = [0, 0];
    for round in 0..20u64 {
        act(&mut s, Action::OpenEditor);
        type_text(&mut s, "q");
        let effects = act(&mut s, Action::Confirm);
        let order = blind_order(7, round, 2);
        let expected: Vec<String> = order.iter().map(|&i| models[i].to_string()).collect();
        assert_eq!(
            prompt_models(&effects),
            expected,
            "round {round}: the order shown is saved"
        );
        let panes: Vec<_> = s.panes.iter().map(|p| p.model.clone()).collect();
        assert_eq!(panes, expected);
        first_left[order[0]] += 1;
        assert!(s.rating.round_blind && !s.rating.revealed);
        s.prompt = Prompt::default();
    }
    assert_eq!(
        first_left,
        [10, 10],
        "each model is on the left for half the prompts"
    );
}

#[test]
fn blind_names_are_revealed_only_after_the_vote_is_saved() {
    let mut s = blind_state(3);
    type_text(&mut s, "q");
    act(&mut s, Action::Confirm);
    finish(&mut s, 0, "x");
    finish(&mut s, 1, "y");
    let (score_seq, _) = rate_op(&act(&mut s, Action::Score4));
    saved(&mut s, score_seq);
    assert!(!s.rating.revealed, "one answer scored: names stay hidden");
    let effects = act(&mut s, Action::VoteA);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Store(StoreOp::Rate { blind: true, .. })]
        ),
        "the save says it was blind"
    );
    let (vote_seq, _) = rate_op(&effects);
    assert!(!s.rating.revealed, "not before the store has it");
    saved(&mut s, vote_seq);
    assert!(s.rating.revealed);
    // The next prompt hides names again.
    act(&mut s, Action::OpenEditor);
    type_text(&mut s, "next");
    act(&mut s, Action::Confirm);
    assert!(!s.rating.revealed);
}

#[test]
fn scores_alone_do_not_reveal_two_blind_answers_and_later_ratings_are_not_blind() {
    let mut s = blind_state(3);
    type_text(&mut s, "q");
    act(&mut s, Action::Confirm);
    finish(&mut s, 0, "x");
    finish(&mut s, 1, "y");
    let (a, _) = rate_op(&act(&mut s, Action::Score2));
    act(&mut s, Action::FocusNext);
    let (b, _) = rate_op(&act(&mut s, Action::Score5));
    saved(&mut s, a);
    saved(&mut s, b);
    assert!(!s.rating.revealed, "the vote is still to come");
    let (vote, _) = rate_op(&act(&mut s, Action::VoteB));
    saved(&mut s, vote);
    assert!(s.rating.revealed);
    // Rated again with the names in view: saved as not blind.
    assert!(matches!(
        act(&mut s, Action::Score3).as_slice(),
        [Effect::Store(StoreOp::Rate { blind: false, .. })]
    ));
}

#[test]
fn blind_mode_toggles_for_the_next_prompt() {
    let mut s = state();
    act(&mut s, Action::ToggleBlind);
    assert!(s.rating.blind);
    type_text(&mut s, "q");
    act(&mut s, Action::Confirm);
    assert!(s.rating.round_blind && !s.rating.revealed);
}

fn live_session(rated: Vec<bool>) -> AppState {
    let mut s = state();
    let items = (1..=rated.len())
        .map(|i| RateItem {
            key: format!("p{i}"),
            prompt: Prompt::new(None, format!("prompt {i}")),
            repetition: None,
        })
        .collect();
    s.rating.session = Some(RateSession {
        items,
        cursor: 0,
        rated,
        stored: false,
    });
    s
}

fn loaded(index: usize, result: Option<LoadedItem>) -> Event {
    Event::ItemLoaded {
        index,
        result: Ok(result),
    }
}

fn answer(generation: i64, model: &str, text: &str) -> LoadedAnswer {
    LoadedAnswer {
        generation,
        model: model.into(),
        text: text.into(),
        state: crate::domain::answer::AnswerState::Complete,
        error_message: None,
        score: None,
    }
}

#[test]
fn a_rating_session_resumes_at_the_first_unrated_item_and_walks_on() {
    let mut s = live_session(vec![true, true, false, false]);
    let effects = start_rating_session(&mut s);
    assert_eq!(s.prompt.user_text(), "prompt 3");
    assert_eq!(
        effects,
        [Effect::LoadItem {
            index: 2,
            key: "p3".into()
        }],
        "first: is it answered already?"
    );
    // Not yet: the models answer it.
    let effects = update(&mut s, loaded(2, None), Instant::now());
    assert!(effects.iter().any(|e| matches!(e,
        Effect::Store(StoreOp::Prompt { item: Some(k), .. }) if k == "p3")));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::StartGeneration { .. }))
            .count(),
        2
    );
    finish(&mut s, 0, "a");
    finish(&mut s, 1, "b");
    act(&mut s, Action::VoteTie);
    assert_eq!(s.rating.session.as_ref().map(|r| r.done()), Some(3));
    act(&mut s, Action::NextItem);
    assert_eq!(s.prompt.user_text(), "prompt 4");
    update(&mut s, loaded(3, None), Instant::now());
    act(&mut s, Action::NextItem);
    assert_eq!(s.prompt.user_text(), "prompt 4", "no item after the last");
    act(&mut s, Action::PrevItem);
    assert_eq!(s.prompt.user_text(), "prompt 3");
    assert_eq!(act(&mut s, Action::Back), Vec::new());
    assert_eq!(
        s.mode(),
        Mode::Compare,
        "a rating session stays on its panes"
    );
}

#[test]
fn a_revisited_item_shows_its_stored_answers_and_the_ratings_in_force() {
    let mut s = live_session(vec![true, false]);
    s.rating.blind = true;
    s.rating.seed = 11;
    start_rating_session(&mut s);
    act(&mut s, Action::PrevItem);
    let mut gpt = answer(7, "smollm2", "Paris.");
    gpt.score = Some(crate::domain::rating::Score {
        score: Some(4),
        ..Default::default()
    });
    let item = LoadedItem {
        prompt_id: 41,
        answers: vec![gpt, answer(8, "gemma3-base", "Lyon.")],
        // Stored with gemma3-base on the left, which won.
        vote: Some(crate::tui_state::event::LoadedVote::Pair {
            a: 8,
            b: 7,
            outcome: PairOutcome::A,
        }),
    };
    let effects = update(&mut s, loaded(0, Some(item)), Instant::now());
    assert!(
        effects
            .iter()
            .all(|e| !matches!(e, Effect::StartGeneration { .. })),
        "nothing is generated again"
    );
    let left = s.panes[0].model.clone();
    let expected = if left == "gemma3-base" {
        PairOutcome::A
    } else {
        PairOutcome::B
    };
    assert_eq!(
        s.rating.vote.as_ref().map(|v| v.value),
        Some(Vote::Pair(expected)),
        "the vote follows the answers to where they are shown"
    );
    let smollm2 = s.panes.iter().position(|p| p.model == "smollm2").unwrap();
    assert_eq!(
        s.rating.scores[smollm2]
            .as_ref()
            .map(|r| (r.value.score, r.seq)),
        Some((Some(4), 0))
    );
    assert_eq!(s.rating.save_state(0), SaveState::Saved);
    assert!(s.rating.revealed, "voted before: the names show");
    assert!(
        act(&mut s, Action::UndoRating).is_empty(),
        "undo is for this visit's ratings"
    );
}

#[test]
fn stored_items_load_as_finished_answers_bound_to_their_rows() {
    let mut s = live_session(vec![false, false]);
    if let Some(r) = s.rating.session.as_mut() {
        r.stored = true;
    }
    let effects = start_rating_session(&mut s);
    assert_eq!(
        effects,
        [Effect::LoadItem {
            index: 0,
            key: "p1".into()
        }]
    );
    let item = LoadedItem {
        prompt_id: 41,
        answers: vec![answer(7, "gpt-4", "Paris."), answer(8, "slm", "Lyon.")],
        vote: None,
    };
    // A late answer for an item the user has left is ignored.
    let stale = update(&mut s, loaded(1, Some(item.clone())), Instant::now());
    assert!(stale.is_empty() && s.panes.is_empty());
    let effects = update(&mut s, loaded(0, Some(item)), Instant::now());
    let runs: Vec<u64> = s.panes.iter().map(|p| p.run).collect();
    assert_eq!(
        effects,
        [Effect::Store(StoreOp::Bind {
            round: s.rating.round,
            prompt: 41,
            answers: vec![(runs[0], 7), (runs[1], 8)]
        })]
    );
    assert_eq!(s.panes[0].text.text(), "Paris.");
    assert!(s.panes.iter().all(|p| !p.status.is_active()));
    assert_eq!(
        rate_op(&act(&mut s, Action::VoteA)).1,
        RatingChange::Pair {
            a: runs[0],
            b: runs[1],
            outcome: PairOutcome::A
        }
    );
    // A stored session's item with no answers says so.
    act(&mut s, Action::NextItem);
    update(&mut s, loaded(1, None), Instant::now());
    assert!(s.notice_here().unwrap_or("").contains("no stored answers"));
}

#[test]
fn a_rerun_pane_starts_unrated() {
    let mut s = answered();
    act(&mut s, Action::Score1);
    act(&mut s, Action::VoteA);
    act(&mut s, Action::RerunFocused);
    assert!(s.rating.scores[0].is_none() && s.rating.vote.is_none());
}

#[test]
fn the_leaderboard_screen_asks_for_the_numbers_and_switches_scope() {
    let mut s = answered();
    assert_eq!(
        act(&mut s, Action::OpenLeaderboard),
        [Effect::LoadLeaderboard {
            request: 1,
            session_only: false
        }]
    );
    assert_eq!(s.mode(), Mode::Leaderboard);
    assert_eq!(
        act(&mut s, Action::LeaderboardScope),
        [Effect::LoadLeaderboard {
            request: 2,
            session_only: true
        }]
    );
    // The slow answer to the first request comes last: it is not shown as this session's.
    let board = |n| crate::analysis::leaderboard::Leaderboard {
        battles: n,
        ..Default::default()
    };
    let loaded = |request, n| Event::LeaderboardLoaded {
        request,
        result: Ok(board(n)),
    };
    update(&mut s, loaded(2, 2), Instant::now());
    update(&mut s, loaded(1, 1), Instant::now());
    assert_eq!(s.rating.leaderboard, Some(Ok(board(2))));
    act(&mut s, Action::Back);
    assert_eq!(s.mode(), Mode::Compare);
    let _ = stream;
}

#[test]
fn the_leaderboard_stays_shut_until_a_blind_vote_is_saved() {
    let mut s = blind_state(4);
    type_text(&mut s, "q");
    act(&mut s, Action::Confirm);
    finish(&mut s, 0, "x");
    finish(&mut s, 1, "y");
    assert!(act(&mut s, Action::OpenLeaderboard).is_empty());
    assert!(s.notice_here().unwrap_or("").contains("blind vote"));
    let (seq, _) = rate_op(&act(&mut s, Action::VoteTie));
    saved(&mut s, seq);
    assert_eq!(act(&mut s, Action::OpenLeaderboard).len(), 1);
}

#[test]
fn a_failed_vote_reveals_nothing_even_when_a_later_save_succeeds() {
    let mut s = blind_state(4);
    type_text(&mut s, "q");
    act(&mut s, Action::Confirm);
    finish(&mut s, 0, "x");
    finish(&mut s, 1, "y");
    let (vote, _) = rate_op(&act(&mut s, Action::VoteA));
    update(
        &mut s,
        Event::SaveFailed {
            seq: vote,
            message: "busy".into(),
        },
        Instant::now(),
    );
    let (score, _) = rate_op(&act(&mut s, Action::Score3));
    saved(&mut s, score);
    assert!(!s.rating.revealed);
}

#[test]
fn an_answer_cancelled_before_it_started_cannot_be_rated() {
    let mut s = submitted("q");
    act(&mut s, Action::CancelFocused);
    finish(&mut s, 1, "y");
    assert!(act(&mut s, Action::Score2).is_empty());
    assert!(act(&mut s, Action::VoteA).is_empty());
    assert!(s.notice_here().unwrap_or("").contains("cancelled"));
}

#[test]
fn revealing_a_blind_failure_ends_blindness_and_takes_no_vote() {
    let mut s = blind_state(7);
    type_text(&mut s, "hi");
    act(&mut s, Action::Confirm);
    finish(&mut s, 0, "An answer.");
    let run = s.panes[1].run;
    let at = Instant::now();
    update(
        &mut s,
        Event::Stream {
            pane: 1,
            run,
            event: StreamEvent::Failed {
                error: crate::domain::generation::Failure {
                    kind: "missing_api_key".into(),
                    message: "set OPENAI_API_KEY".into(),
                },
                at,
            },
        },
        at,
    );
    assert!(!s.rating.revealed);
    assert!(available(&s, Action::RevealFailure));
    act(&mut s, Action::RevealFailure);
    assert!(s.rating.revealed && s.rating.forfeited);
    assert!(
        !available(&s, Action::RevealFailure),
        "nothing left to reveal"
    );
    for vote in [Action::VoteA, Action::Score4] {
        let effects = act(&mut s, vote);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Store(_))),
            "{vote:?}: {effects:?}"
        );
    }
    assert!(
        s.notice_here()
            .unwrap_or("")
            .contains("nothing is recorded")
    );
    // The next prompt is a new item: blind again, and votes count.
    act(&mut s, Action::RerunAll);
    assert!(!s.rating.revealed && !s.rating.forfeited);
}
