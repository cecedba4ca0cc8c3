//! Every key a footer lists does what it says: on each screen, each key of the footer (the
//! default keymap's, filtered to what applies there) is pressed on a copy of the screen's
//! state, and the screen it leads to or the effect it asks for is checked against what the
//! action means — written here by hand, not read from the keymap.

use std::time::{Duration, Instant};

use slam::domain::{FinishReason, Prompt, Usage};
use slam::tui_state::action::Action;
use slam::tui_state::effect::{Effect, StoreOp};
use slam::tui_state::event::{Event, StreamEvent};
use slam::tui_state::keymap::Keymap;
use slam::tui_state::reducer::{available, update};
use slam::tui_state::state::{AppState, Mode, PickerItem, SessionLine};

fn items() -> Vec<PickerItem> {
    ["smollm2", "gemma3-base", "gpt-4"]
        .iter()
        .enumerate()
        .map(|(i, name)| PickerItem {
            name: name.to_string(),
            detail: String::new(),
            selected: i < 2,
        })
        .collect()
}

fn act(s: &mut AppState, action: Action) -> Vec<Effect> {
    update(s, Event::Action(action), Instant::now())
}

fn type_text(s: &mut AppState, text: &str) {
    for c in text.chars() {
        update(s, Event::Char(c), Instant::now());
    }
}

fn editor() -> AppState {
    let mut s = AppState::new(items(), 100, 30);
    s.history = vec![
        Prompt::user("first question"),
        Prompt::user("second question"),
    ];
    update(
        &mut s,
        Event::Paste("hello wide world\nsecond line".into()),
        Instant::now(),
    );
    // An edit undone: both undo and redo have a step.
    act(&mut s, Action::DeleteWordBack);
    act(&mut s, Action::Undo);
    // The cursor inside the first row: every way to move has somewhere to go.
    act(&mut s, Action::MoveUp);
    act(&mut s, Action::CursorLeft);
    act(&mut s, Action::CursorLeft);
    s
}

/// Two finished answers, long enough to scroll, under a prompt taller than its strip.
fn compared(finish: bool) -> AppState {
    let mut s = AppState::new(items(), 100, 30);
    let prompt: Vec<String> = (1..=20)
        .map(|i| format!("line {i} of the prompt"))
        .collect();
    update(&mut s, Event::Paste(prompt.join("\n")), Instant::now());
    act(&mut s, Action::Confirm);
    let t0 = Instant::now();
    let runs: Vec<u64> = s.panes.iter().map(|p| p.run).collect();
    for (pane, run) in runs.into_iter().enumerate() {
        let mut send = |event| {
            update(&mut s, Event::Stream { pane, run, event }, t0);
        };
        send(StreamEvent::Started { at: t0 });
        for i in 0..80 {
            send(StreamEvent::Delta {
                text: format!("answer line {i}\n"),
                n_tokens: 3,
                at: t0 + Duration::from_millis(10 * i),
            });
        }
        if finish {
            send(StreamEvent::Finished {
                usage: Usage {
                    completion_tokens: 240,
                    ..Default::default()
                },
                finish_reason: FinishReason::Stop,
                timings: None,
                token_ids: None,
                at: t0 + Duration::from_secs(1),
            });
        }
    }
    act(&mut s, Action::ScrollTop);
    act(&mut s, Action::PageDown);
    act(&mut s, Action::PromptScrollDown);
    s
}

fn sessions() -> AppState {
    let mut s = editor();
    act(&mut s, Action::OpenSessions);
    let line = |id: i64, kind: &str| SessionLine {
        id,
        kind: kind.into(),
        name: format!("s{id}"),
        created: String::new(),
        models: "smollm2".into(),
        prompts: 1,
        answers: 2,
        ratings: 0,
    };
    let request = s.sessions.request;
    update(
        &mut s,
        Event::SessionsLoaded {
            request,
            result: Ok(vec![line(3, "tui"), line(2, "eval"), line(1, "rate")]),
        },
        Instant::now(),
    );
    act(&mut s, Action::MoveDown);
    s
}

/// Each screen as a user meets it.
fn screens() -> Vec<(&'static str, AppState)> {
    let mut picker = AppState::new(items(), 100, 30);
    act(&mut picker, Action::OpenPicker);
    act(&mut picker, Action::MoveDown);
    let with = |mut s: AppState, steps: &[Action], typed: &str| {
        for a in steps {
            act(&mut s, *a);
        }
        type_text(&mut s, typed);
        s
    };
    vec![
        ("picker", picker.clone()),
        ("pull", with(picker, &[Action::OpenPull], "qwen")),
        ("editor", editor()),
        ("compare, streaming", compared(false)),
        ("compare", compared(true)),
        (
            "params",
            with(compared(true), &[Action::OpenParams, Action::MoveDown], ""),
        ),
        ("note", with(compared(true), &[Action::OpenNote], "fine")),
        (
            "leaderboard",
            with(compared(true), &[Action::OpenLeaderboard], ""),
        ),
        (
            "prompt file",
            with(editor(), &[Action::OpenPromptFile], "/tmp/prompt.txt"),
        ),
        ("hardware", with(editor(), &[Action::OpenHardware], "")),
        ("sessions", sessions()),
    ]
}

fn has(effects: &[Effect], wanted: fn(&Effect) -> bool) -> bool {
    effects.iter().any(wanted)
}

/// What pressing `action` on `before` must lead to, by the action's meaning.
fn check(before: &AppState, action: Action, after: &AppState, fx: &[Effect]) -> Result<(), String> {
    let mode = before.mode();
    let stack = before.screens.stack();
    let below = stack.get(stack.len().wrapping_sub(2)).copied();
    let shows = |m: Mode| after.mode() == m;
    let changed = {
        let (mut a, mut b) = (before.clone(), after.clone());
        a.dirty = false;
        b.dirty = false;
        a != b
    };
    let stored = |fx: &[Effect]| has(fx, |e| matches!(e, Effect::Store(StoreOp::Rate { .. })));
    let ok = match (mode, action) {
        (_, Action::Quit) => has(fx, |e| matches!(e, Effect::Quit)),
        (_, Action::ToggleHelp) => after.help,
        (_, Action::Back) => match below {
            Some(m) => shows(m),
            None => shows(mode),
        },
        (_, Action::OpenSessions) => {
            shows(Mode::Sessions) && has(fx, |e| matches!(e, Effect::LoadSessions { .. }))
        }
        // Pressed again, it goes back.
        (Mode::Hardware, Action::OpenHardware) => below.is_some_and(shows),
        (_, Action::OpenHardware) => shows(Mode::Hardware),
        (_, Action::OpenPicker) => shows(Mode::Picker),
        (_, Action::OpenEditor) => shows(Mode::Editor),
        (_, Action::OpenParams) => shows(Mode::Params) && after.params.cursor == 0,
        (_, Action::OpenPromptFile) => shows(Mode::PromptFile),
        (_, Action::OpenPull) => shows(Mode::Pull),
        (_, Action::OpenNote) => shows(Mode::Note),
        (_, Action::OpenLeaderboard) => {
            shows(Mode::Leaderboard) && has(fx, |e| matches!(e, Effect::LoadLeaderboard { .. }))
        }
        (_, Action::LeaderboardScope) => has(fx, |e| matches!(e, Effect::LoadLeaderboard { .. })),
        (Mode::Editor, Action::Confirm) => {
            shows(Mode::Compare) && has(fx, |e| matches!(e, Effect::StartGeneration { .. }))
        }
        (Mode::Picker, Action::Confirm) => shows(Mode::Editor),
        (Mode::Params, Action::Confirm) => {
            below.is_some_and(shows) && has(fx, |e| matches!(e, Effect::Remember(_)))
        }
        (Mode::PromptFile, Action::Confirm) => has(
            fx,
            |e| matches!(e, Effect::LoadPromptFile(p) if p == "/tmp/prompt.txt"),
        ),
        (Mode::Note, Action::Confirm) => shows(Mode::Compare) && stored(fx),
        (Mode::Sessions, Action::Confirm) => {
            has(fx, |e| matches!(e, Effect::LoadFigures { session: 2, .. }))
        }
        (Mode::Sessions, Action::OpenReport) => {
            has(fx, |e| matches!(e, Effect::LoadReport { session: 2, .. }))
        }
        (Mode::Pull, Action::Confirm) => has(fx, |e| matches!(e, Effect::Hub(_))),
        (_, Action::CancelFocused | Action::CancelAll) => {
            has(fx, |e| matches!(e, Effect::Cancel { .. }))
        }
        (_, Action::RerunAll | Action::RerunFocused) => {
            has(fx, |e| matches!(e, Effect::StartGeneration { .. }))
        }
        (_, Action::CopyFocused) => has(fx, |e| matches!(e, Effect::CopyToClipboard(_))),
        (_, Action::EditExternally) => has(fx, |e| matches!(e, Effect::EditExternally { .. })),
        (
            _,
            Action::Score1
            | Action::Score2
            | Action::Score3
            | Action::Score4
            | Action::Score5
            | Action::TagHallucination
            | Action::TagRefusal
            | Action::TagWrongFormat
            | Action::VoteA
            | Action::VoteB
            | Action::VoteTie
            | Action::VoteBothBad,
        ) => stored(fx),
        (_, Action::ToggleBlind) => after.rating.blind != before.rating.blind,
        (_, Action::ToggleSystemPrompt) => after.editing_system != before.editing_system,
        (_, Action::NewLine) => after.prompt.user_text().contains('\n'),
        (Mode::Editor, Action::HistoryPrev | Action::HistoryNext) => after.prompt != before.prompt,
        // Moving, scrolling, folding, editing: the state shown changes.
        (
            _,
            Action::MoveUp
            | Action::MoveDown
            | Action::PageUp
            | Action::PageDown
            | Action::ScrollTop
            | Action::FollowTail
            | Action::FocusNext
            | Action::FocusPrev
            | Action::ToggleThinking
            | Action::TogglePrompt
            | Action::PromptScrollUp
            | Action::PromptScrollDown
            | Action::PickerToggle
            | Action::CursorLeft
            | Action::CursorRight
            | Action::WordLeft
            | Action::WordRight
            | Action::LineStart
            | Action::LineEnd
            | Action::DeleteForward
            | Action::DeleteWordBack
            | Action::DeleteToLineEnd
            | Action::Undo
            | Action::Redo,
        ) => changed,
        (m, a) => return Err(format!("no expectation written for {a:?} on {m:?}")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{action:?} on {mode:?} led to {:?} with {fx:?}",
            after.mode()
        ))
    }
}

#[test]
fn every_key_a_footer_lists_does_what_it_says() {
    let keymap = Keymap::defaults();
    let mut failures = Vec::new();
    let mut pressed = 0;
    for (name, state) in screens() {
        let mode = state.mode();
        let footer: Vec<_> = keymap
            .footer(mode)
            .into_iter()
            .filter(|(_, a)| available(&state, *a))
            .collect();
        assert!(footer.len() >= 4, "{name}: a footer of {footer:?}");
        for (key, listed) in footer {
            let mut after = state.clone();
            let Some(action) = keymap.lookup(mode, &key) else {
                failures.push(format!("{name}: {key} is listed but bound to nothing"));
                continue;
            };
            assert_eq!(action, listed, "{name}: {key}");
            let effects = act(&mut after, action);
            pressed += 1;
            if let Err(e) = check(&state, action, &after, &effects) {
                failures.push(format!("{name}: {key}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(pressed > 80, "{pressed} keys pressed");
}

/// What the footer leaves out never does anything there: the filter is not hiding live keys.
#[test]
fn keys_left_out_of_a_footer_would_do_nothing_there() {
    let keymap = Keymap::defaults();
    let (_, streaming) = screens()
        .into_iter()
        .find(|(n, _)| *n == "compare, streaming")
        .unwrap();
    for action in [
        Action::NextItem,
        Action::PrevItem,
        Action::VoteA,
        Action::Score1,
    ] {
        assert!(!available(&streaming, action), "{action:?}");
        let mut after = streaming.clone();
        let effects = act(&mut after, action);
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::Store(_) | Effect::LoadItem { .. })),
            "{action:?}: {effects:?}"
        );
    }
    assert!(keymap.bindings(Mode::Compare).len() > keymap.footer(Mode::Compare).len());
}
