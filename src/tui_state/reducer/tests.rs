//! Reducer tests: event sequences with synthetic time, no IO, no terminal.

use std::time::{Duration, Instant};

use super::*;
use crate::domain::{EngineTimings, Prompt, Usage};
use crate::tui_state::state::PickerItem;

pub(super) fn item(name: &str, selected: bool) -> PickerItem {
    PickerItem {
        name: name.into(),
        detail: String::new(),
        selected,
    }
}

pub(super) fn state() -> AppState {
    AppState::new(
        vec![
            item("smollm2", true),
            item("gemma3-base", true),
            item("gpt-4", false),
        ],
        80,
        24,
    )
}

struct Clock(Instant);

impl Clock {
    fn at(&self, ms: u64) -> Instant {
        self.0 + Duration::from_millis(ms)
    }
}

pub(super) fn act(s: &mut AppState, a: Action) -> Vec<Effect> {
    update(s, Event::Action(a), Instant::now())
}

pub(super) fn type_text(s: &mut AppState, text: &str) {
    for c in text.chars() {
        update(s, Event::Char(c), Instant::now());
    }
}

pub(super) fn stream(s: &mut AppState, pane: usize, event: StreamEvent) {
    let run = s.panes[pane].run;
    update(s, Event::Stream { pane, run, event }, Instant::now());
}

pub(super) fn submitted(text: &str) -> AppState {
    let mut s = state();
    type_text(&mut s, text);
    act(&mut s, Action::Confirm);
    s
}

#[test]
fn starts_in_the_editor_when_models_are_preselected() {
    assert_eq!(state().mode(), Mode::Editor);
    let none = AppState::new(vec![item("a", false)], 80, 24);
    assert_eq!(none.mode(), Mode::Picker);
}

#[test]
fn submit_starts_one_generation_per_selected_model() {
    let mut s = state();
    type_text(&mut s, "Why is the sky blue?");
    let effects = act(&mut s, Action::Confirm);
    assert_eq!(s.mode(), Mode::Compare);
    assert_eq!(s.panes.len(), 2);
    let started: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::StartGeneration {
                pane,
                model,
                prompt,
                ..
            } => Some((*pane, model.clone(), prompt.user_text().to_owned())),
            _ => None,
        })
        .collect();
    assert_eq!(
        started,
        [
            (0, "smollm2".to_string(), "Why is the sky blue?".to_string()),
            (
                1,
                "gemma3-base".to_string(),
                "Why is the sky blue?".to_string()
            )
        ]
    );
    assert_ne!(s.panes[0].run, s.panes[1].run);
}

#[test]
fn empty_prompt_does_not_submit() {
    let mut s = state();
    type_text(&mut s, "   ");
    assert!(act(&mut s, Action::Confirm).is_empty());
    assert_eq!(s.mode(), Mode::Editor);
}

#[test]
fn streaming_updates_status_text_and_metrics_with_synthetic_time() {
    let clock = Clock(Instant::now());
    let mut s = submitted("hi");
    stream(&mut s, 0, StreamEvent::Started { at: clock.at(0) });
    assert_eq!(s.panes[0].status, PaneStatus::Prefill);
    for (i, ms) in [100u64, 120, 150].iter().enumerate() {
        stream(
            &mut s,
            0,
            StreamEvent::Delta {
                text: format!("t{i} "),
                n_tokens: 1,
                at: clock.at(*ms),
            },
        );
    }
    assert_eq!(s.panes[0].status, PaneStatus::Streaming);
    assert_eq!(s.panes[0].text.text(), "t0 t1 t2 ");
    // Live metrics while running use `now` as the provisional end.
    let live = s.panes[0].metrics(clock.at(200));
    assert_eq!(live.ttft_ms, Some(100.0));
    stream(
        &mut s,
        0,
        StreamEvent::Finished {
            usage: Usage {
                prompt_tokens: Some(5),
                completion_tokens: 3,
                estimated: false,
                ..Default::default()
            },
            finish_reason: FinishReason::Stop,
            timings: Some(EngineTimings {
                prompt_tokens: 5,
                prompt_ms: 10.0,
                predicted_tokens: 3,
                predicted_ms: 50.0,
                ..Default::default()
            }),
            token_ids: None,
            at: clock.at(160),
        },
    );
    assert_eq!(s.panes[0].status, PaneStatus::Done(AnswerState::Complete));
    let m = s.panes[0].metrics(clock.at(10_000));
    assert_eq!(m.e2e_ms, 160.0);
    assert_eq!(m.itl_p50_ms, Some(25.0));
    assert_eq!(m.output_tokens, 3);
    assert!(!m.tokens_estimated);
    // The other pane is untouched.
    assert_eq!(s.panes[1].status, PaneStatus::Loading);
}

#[test]
fn cancel_one_pane_leaves_the_other_running() {
    let clock = Clock(Instant::now());
    let mut s = submitted("hi");
    stream(&mut s, 0, StreamEvent::Started { at: clock.at(0) });
    stream(&mut s, 1, StreamEvent::Started { at: clock.at(0) });
    act(&mut s, Action::FocusNext);
    let effects = act(&mut s, Action::CancelFocused);
    assert_eq!(
        effects,
        [Effect::Cancel {
            pane: 1,
            run: s.panes[1].run
        }]
    );
    assert_eq!(s.panes[1].status, PaneStatus::Cancelled);
    assert_eq!(s.panes[0].status, PaneStatus::Prefill);
    // Late deltas of the cancelled pane are dropped; its finish keeps the status.
    stream(
        &mut s,
        1,
        StreamEvent::Delta {
            text: "late".into(),
            n_tokens: 1,
            at: clock.at(5),
        },
    );
    assert_eq!(s.panes[1].text.text(), "");
    stream(
        &mut s,
        1,
        StreamEvent::Finished {
            usage: Usage::default(),
            finish_reason: FinishReason::Cancelled,
            timings: None,
            token_ids: None,
            at: clock.at(6),
        },
    );
    assert_eq!(s.panes[1].status, PaneStatus::Cancelled);
    // Cancelling again does nothing: nothing is active there.
    assert!(act(&mut s, Action::CancelFocused).is_empty());
}

#[test]
fn cancel_all_and_quit_cancel_every_active_pane() {
    let mut s = submitted("hi");
    let effects = act(&mut s, Action::Quit);
    assert_eq!(effects.len(), 3);
    assert!(matches!(effects[0], Effect::Cancel { pane: 0, .. }));
    assert!(matches!(effects[1], Effect::Cancel { pane: 1, .. }));
    assert_eq!(effects[2], Effect::Quit);
    let mut s = submitted("hi");
    assert_eq!(act(&mut s, Action::CancelAll).len(), 2);
}

#[test]
fn errors_show_their_full_text() {
    let clock = Clock(Instant::now());
    let mut s = submitted("hi");
    stream(
        &mut s,
        0,
        StreamEvent::Failed {
            error: Failure {
                kind: "connection_refused".into(),
                message: "http://127.0.0.1:9/v1/chat/completions: connection refused".into(),
            },
            at: clock.at(3),
        },
    );
    match &s.panes[0].status {
        PaneStatus::Error { kind, message } => {
            assert_eq!(kind, "connection_refused");
            assert!(message.contains("connection refused"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn events_of_an_earlier_run_are_ignored() {
    let clock = Clock(Instant::now());
    let mut s = submitted("first");
    let old_run = s.panes[0].run;
    act(&mut s, Action::RerunAll);
    assert_ne!(s.panes[0].run, old_run);
    update(
        &mut s,
        Event::Stream {
            pane: 0,
            run: old_run,
            event: StreamEvent::Delta {
                text: "stale".into(),
                n_tokens: 1,
                at: clock.at(1),
            },
        },
        clock.at(1),
    );
    assert_eq!(s.panes[0].text.text(), "");
}

#[test]
fn rerun_cancels_what_is_running_and_starts_again() {
    let mut s = submitted("again");
    let effects = act(&mut s, Action::RerunAll);
    let cancels = effects
        .iter()
        .filter(|e| matches!(e, Effect::Cancel { .. }))
        .count();
    let starts = effects
        .iter()
        .filter(|e| matches!(e, Effect::StartGeneration { .. }))
        .count();
    assert_eq!((cancels, starts), (2, 2));
    assert_eq!(s.history.len(), 1, "the same prompt is not stored twice");
}

fn long_pane(s: &mut AppState, lines: usize) {
    let clock = Clock(Instant::now());
    stream(s, 0, StreamEvent::Started { at: clock.at(0) });
    let text: String = (0..lines).map(|i| format!("line {i}\n")).collect();
    stream(
        s,
        0,
        StreamEvent::Delta {
            text,
            n_tokens: 1,
            at: clock.at(1),
        },
    );
}

#[test]
fn a_throttled_pane_pages_by_one_row_less_for_its_marks() {
    let mut s = submitted("hi");
    long_pane(&mut s, 100);
    let rows = pane_rows(&s);
    s.panes[0].mark_throttled(std::time::Duration::from_secs(1), "thermal".into());
    assert_eq!(pane_rows(&s), rows - 1);
    act(&mut s, Action::ScrollTop);
    act(&mut s, Action::PageDown);
    assert_eq!(s.panes[0].first_visible_row(rows - 1), rows - 1);
}

#[test]
fn panes_follow_the_tail_until_scrolled_and_reattach_at_the_bottom() {
    let mut s = submitted("hi");
    long_pane(&mut s, 100);
    let rows = pane_rows(&s);
    let rows_total = s.panes[0].text.row_count();
    assert!(s.panes[0].follow);
    assert_eq!(s.panes[0].first_visible_row(rows), rows_total - rows);
    act(&mut s, Action::PageUp);
    assert!(!s.panes[0].follow);
    assert_eq!(s.panes[0].first_visible_row(rows), rows_total - 2 * rows);
    act(&mut s, Action::ScrollTop);
    assert_eq!(s.panes[0].first_visible_row(rows), 0);
    // New text does not move a pane the user scrolled.
    stream(
        &mut s,
        0,
        StreamEvent::Delta {
            text: "more\n".into(),
            n_tokens: 1,
            at: Instant::now(),
        },
    );
    assert_eq!(s.panes[0].first_visible_row(rows), 0);
    act(&mut s, Action::FollowTail);
    assert!(s.panes[0].follow);
    act(&mut s, Action::MoveUp);
    for _ in 0..5 {
        act(&mut s, Action::MoveDown);
    }
    assert!(s.panes[0].follow, "scrolling to the bottom follows again");
}

#[test]
fn resize_rewraps_pane_text() {
    let mut s = submitted("hi");
    stream(&mut s, 0, StreamEvent::Started { at: Instant::now() });
    stream(
        &mut s,
        0,
        StreamEvent::Delta {
            text: "word ".repeat(40),
            n_tokens: 40,
            at: Instant::now(),
        },
    );
    let narrow = s.panes[0].text.row_count();
    update(
        &mut s,
        Event::Resize {
            width: 250,
            height: 70,
        },
        Instant::now(),
    );
    assert!(s.panes[0].text.row_count() < narrow);
    assert_eq!((s.width, s.height), (250, 70));
}

#[test]
fn picker_selects_at_most_four_models_and_confirms() {
    let mut s = AppState::new(
        (0..6).map(|i| item(&format!("m{i}"), false)).collect(),
        80,
        24,
    );
    assert!(act(&mut s, Action::Confirm).is_empty());
    assert_eq!(s.mode(), Mode::Picker, "nothing selected: stay");
    for _ in 0..6 {
        act(&mut s, Action::PickerToggle);
        act(&mut s, Action::MoveDown);
    }
    assert_eq!(s.selected_models(), ["m0", "m1", "m2", "m3"]);
    act(&mut s, Action::MoveUp);
    act(&mut s, Action::MoveUp);
    act(&mut s, Action::MoveUp);
    act(&mut s, Action::PickerToggle);
    assert_eq!(s.selected_models(), ["m0", "m1", "m3"]);
    act(&mut s, Action::Confirm);
    assert_eq!(s.mode(), Mode::Editor);
}

#[test]
fn history_browses_earlier_prompts() {
    let mut s = submitted("first");
    act(&mut s, Action::OpenEditor);
    s.prompt = Prompt::default();
    type_text(&mut s, "second");
    act(&mut s, Action::Confirm);
    act(&mut s, Action::OpenEditor);
    s.prompt = Prompt::default();
    act(&mut s, Action::HistoryPrev);
    assert_eq!(s.prompt.user_text(), "second");
    act(&mut s, Action::HistoryPrev);
    assert_eq!(s.prompt.user_text(), "first");
    act(&mut s, Action::HistoryNext);
    assert_eq!(s.prompt.user_text(), "second");
    act(&mut s, Action::HistoryNext);
    assert_eq!(s.prompt.user_text(), "", "past the newest: a fresh prompt");
}

#[test]
fn system_prompt_and_newlines_are_edited_separately() {
    let mut s = state();
    act(&mut s, Action::ToggleSystemPrompt);
    type_text(&mut s, "Be brief.");
    act(&mut s, Action::ToggleSystemPrompt);
    type_text(&mut s, "a");
    act(&mut s, Action::NewLine);
    type_text(&mut s, "bc");
    update(&mut s, Event::Backspace, Instant::now());
    assert_eq!(s.prompt.system.as_deref(), Some("Be brief."));
    assert_eq!(s.prompt.user_text(), "a\nb");
}

#[test]
fn copy_puts_the_focused_answer_on_the_clipboard() {
    let mut s = submitted("hi");
    stream(&mut s, 0, StreamEvent::Started { at: Instant::now() });
    stream(
        &mut s,
        0,
        StreamEvent::Delta {
            text: "Paris.".into(),
            n_tokens: 2,
            at: Instant::now(),
        },
    );
    assert_eq!(
        act(&mut s, Action::CopyFocused),
        [Effect::CopyToClipboard("Paris.".into())]
    );
}

#[test]
fn help_toggles_and_back_closes_it_first() {
    let mut s = submitted("hi");
    act(&mut s, Action::ToggleHelp);
    assert!(s.help);
    act(&mut s, Action::Back);
    assert!(!s.help);
    assert_eq!(s.mode(), Mode::Compare);
    act(&mut s, Action::Back);
    assert_eq!(s.mode(), Mode::Editor);
}

#[test]
fn ticks_mark_dirty_only_while_something_runs() {
    let mut s = submitted("hi");
    s.dirty = false;
    update(&mut s, Event::Tick, Instant::now());
    assert!(s.dirty);
    act(&mut s, Action::CancelAll);
    s.dirty = false;
    update(&mut s, Event::Tick, Instant::now());
    assert!(!s.dirty);
}

#[test]
fn confirming_a_replay_item_fills_panes_from_the_recording() {
    let mut s = AppState::new(vec![item("smollm2", false)], 80, 24);
    s.replays.push(crate::tui_state::state::ReplayItem {
        name: "sky".into(),
        prompt: Prompt::user("Why is the sky blue?"),
        models: vec!["smollm2".into(), "gemma3-base".into()],
    });
    act(&mut s, Action::MoveDown);
    assert_eq!(s.picker_cursor, 1, "the cursor moves onto the replay item");
    act(&mut s, Action::MoveDown);
    assert_eq!(s.picker_cursor, 1, "and no further");
    let effects = act(&mut s, Action::Confirm);
    assert_eq!(s.mode(), Mode::Compare);
    assert_eq!(s.prompt.user_text(), "Why is the sky blue?");
    let names: Vec<_> = s.panes.iter().map(|p| p.model.as_str()).collect();
    assert_eq!(names, ["smollm2", "gemma3-base"]);
    let runs: Vec<u64> = s.panes.iter().map(|p| p.run).collect();
    assert_eq!(effects.last(), Some(&Effect::Replay { replay: 0, runs }));
    assert!(
        matches!(&effects[0], Effect::Store(StoreOp::Prompt { pane_models, .. }) if pane_models == &names),
        "the replayed prompt is saved: {effects:?}"
    );
}

#[test]
fn parameters_popup_edits_apply_to_the_next_run() {
    let mut s = state();
    act(&mut s, Action::OpenParams);
    assert_eq!(s.mode(), Mode::Params);
    type_text(&mut s, "0"); // temperature
    act(&mut s, Action::MoveDown);
    type_text(&mut s, "6x4"); // max tokens: the letter is ignored
    act(&mut s, Action::Confirm);
    assert_eq!(s.mode(), Mode::Editor, "back where it was opened");
    type_text(&mut s, "hi");
    let effects = act(&mut s, Action::Confirm);
    let Some(Effect::StartGeneration { params, .. }) = effects
        .iter()
        .find(|e| matches!(e, Effect::StartGeneration { .. }))
    else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (params.temperature, params.max_tokens),
        (Some(0.0), Some(64))
    );
}

#[test]
fn an_invalid_parameter_keeps_the_popup_open_and_says_why() {
    let mut s = state();
    act(&mut s, Action::OpenParams);
    for _ in 0..3 {
        act(&mut s, Action::MoveDown);
    }
    type_text(&mut s, "2.5"); // top_p
    act(&mut s, Action::Back);
    assert_eq!(s.mode(), Mode::Params);
    assert!(s.params.error.as_deref().unwrap().starts_with("top_p"));
    update(&mut s, Event::Backspace, Instant::now());
    update(&mut s, Event::Backspace, Instant::now());
    update(&mut s, Event::Backspace, Instant::now());
    act(&mut s, Action::Back);
    assert_eq!(s.mode(), Mode::Editor);
}

#[test]
fn a_prompt_file_is_requested_and_loaded() {
    let mut s = state();
    act(&mut s, Action::OpenPromptFile);
    type_text(&mut s, "/tmp/p.txt");
    assert_eq!(
        act(&mut s, Action::Confirm),
        [Effect::LoadPromptFile("/tmp/p.txt".into())]
    );
    update(
        &mut s,
        Event::PromptLoaded(Ok("From a file".into())),
        Instant::now(),
    );
    assert_eq!(
        (s.mode(), s.prompt.user_text()),
        (Mode::Editor, "From a file")
    );
    update(
        &mut s,
        Event::PromptLoaded(Err("/nope: No such file".into())),
        Instant::now(),
    );
    assert_eq!(s.notice_here(), Some("/nope: No such file"));
    assert_eq!(
        s.prompt.user_text(),
        "From a file",
        "a failed load keeps the prompt"
    );
}

#[test]
fn rerun_one_pane_leaves_the_other_alone() {
    let mut s = submitted("hi");
    let other_run = s.panes[1].run;
    stream(
        &mut s,
        1,
        StreamEvent::Delta {
            text: "kept".into(),
            n_tokens: 1,
            at: Instant::now(),
        },
    );
    let old = s.panes[0].run;
    let effects = act(&mut s, Action::RerunFocused);
    assert_eq!(
        effects.len(),
        2,
        "cancel the running pane 0, start it again: {effects:?}"
    );
    assert!(matches!(effects[0], Effect::Cancel { pane: 0, run } if run == old));
    assert!(matches!(
        &effects[1],
        Effect::StartGeneration { pane: 0, .. }
    ));
    assert_ne!(s.panes[0].run, old);
    assert_eq!(s.panes[1].run, other_run);
    assert_eq!(s.panes[1].text.text(), "kept");
}

#[test]
fn typing_in_the_picker_filters_models_and_recordings() {
    let mut s = AppState::new(
        vec![
            item("smollm2", false),
            item("gemma3-base", false),
            item("gpt-4", false),
        ],
        80,
        24,
    );
    type_text(&mut s, "GEM");
    assert_eq!(
        s.picker_rows(),
        [crate::tui_state::state::PickerRow::Model(1)]
    );
    act(&mut s, Action::PickerToggle);
    assert_eq!(s.selected_models(), ["gemma3-base"]);
    update(&mut s, Event::Backspace, Instant::now());
    update(&mut s, Event::Backspace, Instant::now());
    update(&mut s, Event::Backspace, Instant::now());
    assert_eq!(s.picker_rows().len(), 3);
}

#[test]
fn a_message_expires_after_a_few_seconds_and_shows_only_where_it_was_said() {
    let mut s = submitted("hi");
    let t0 = Instant::now();
    act(&mut s, Action::ToggleBlind);
    let said = s.notice_here().map(str::to_owned);
    assert!(
        said.as_deref().is_some_and(|n| n.contains("Blind mode")),
        "{said:?}"
    );
    update(&mut s, Event::Tick, t0);
    update(
        &mut s,
        Event::Tick,
        t0 + Duration::from_secs(NOTICE_SECONDS - 1),
    );
    assert_eq!(s.notice_here().map(str::to_owned), said, "still there");
    // On another screen it is not shown; back on its own it is, until its time is up.
    act(&mut s, Action::OpenPicker);
    assert_eq!(
        s.notice_here(),
        None,
        "the picker does not show the comparison's message"
    );
    act(&mut s, Action::Back);
    assert!(s.notice_here().is_some());
    assert!(
        update(
            &mut s,
            Event::Tick,
            t0 + Duration::from_secs(NOTICE_SECONDS)
        )
        .is_empty()
    );
    assert_eq!(s.notice, None, "gone after {NOTICE_SECONDS} s");
    assert!(s.dirty, "its going is drawn");
    // A lasting condition stays.
    s.say_lasting("No local model found");
    update(&mut s, Event::Tick, t0);
    update(&mut s, Event::Tick, t0 + Duration::from_secs(60));
    assert_eq!(s.notice_here(), Some("No local model found"));
}

#[test]
fn enter_on_an_empty_prompt_says_why_nothing_ran() {
    let mut s = state();
    type_text(&mut s, "   ");
    let effects = act(&mut s, Action::Confirm);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(s.mode(), Mode::Editor);
    assert!(
        s.notice_here()
            .is_some_and(|n| n.contains("the prompt is empty")),
        "{:?}",
        s.notice
    );
    let mut none = AppState::new(vec![item("a", false)], 80, 24);
    act(&mut none, Action::OpenEditor);
    type_text(&mut none, "hi");
    act(&mut none, Action::Confirm);
    assert!(
        none.notice_here()
            .is_some_and(|n| n.contains("no model is selected")),
        "{:?}",
        none.notice
    );
}

#[test]
fn the_parameters_open_on_their_first_field_and_are_kept_when_closed() {
    let mut s = submitted("hi");
    act(&mut s, Action::OpenParams);
    act(&mut s, Action::MoveDown);
    type_text(&mut s, "300");
    let effects = act(&mut s, Action::Confirm);
    assert_eq!(s.params.values[1], "300", "max tokens");
    let kept = effects.iter().find_map(|e| match e {
        Effect::Remember(r) => Some(r.clone()),
        _ => None,
    });
    assert_eq!(kept.map(|r| r.params[1].clone()).as_deref(), Some("300"));
    act(&mut s, Action::OpenParams);
    assert_eq!(
        s.params.cursor, 0,
        "on temperature again, not on max tokens"
    );
    type_text(&mut s, "0");
    act(&mut s, Action::Confirm);
    assert_eq!(
        (s.params.values[0].as_str(), s.params.values[2].as_str()),
        ("0", ""),
        "the seed untouched"
    );
}
