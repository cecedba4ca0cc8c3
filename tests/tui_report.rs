//! The TUI's report screen, opened from the session browser, as insta snapshots at 80×24 and
//! 200×50: the example evaluation's recording priced as its README says.

mod common;

use std::path::Path;
use std::time::Instant;

use common::render::{draw, text};
use slam::eval::cost::CostOptions;
use slam::tui_state::action::Action;
use slam::tui_state::effect::Effect;
use slam::tui_state::event::Event;
use slam::tui_state::reducer::update;
use slam::tui_state::state::{AppState, Mode, PickerItem, ReportView, SessionLine};

/// Relative paths: the snapshot shows the price file's name as given.
fn example_view() -> ReportView {
    let mut config = slam::config::Config::default();
    config
        .file
        .cost_per_hour
        .insert("gemma3-base".into(), 0.0832);
    let opts = CostOptions {
        prices: Some("sample-runs/daily-motivation/prices.json".into()),
        p95_target_ms: Some(2000.0),
        ..CostOptions::default()
    };
    let d = slam::eval::decision::from_file(
        &config,
        Path::new("sample-runs/daily-motivation/result.jsonl"),
        Some("smollm2"),
        &opts,
    )
    .unwrap();
    slam::report::view::view(&d)
}

/// The browser on an eval run, `r` pressed and the report loaded.
fn reporting(width: u16, height: u16) -> AppState {
    let now = Instant::now();
    let item = PickerItem {
        name: "smollm2".into(),
        detail: String::new(),
        selected: true,
    };
    let mut s = AppState::new(vec![item], width, height);
    update(&mut s, Event::Action(Action::OpenSessions), now);
    let line = SessionLine {
        id: 1,
        kind: "eval".into(),
        name: "daily-motivation".into(),
        created: "2026-11-29T17:04:05.000Z".into(),
        models: "smollm2, gemma3-base".into(),
        prompts: 16,
        answers: 288,
        ratings: 0,
    };
    update(
        &mut s,
        Event::SessionsLoaded {
            request: 1,
            result: Ok(vec![line]),
        },
        now,
    );
    let effects = update(&mut s, Event::Action(Action::OpenReport), now);
    assert_eq!(
        effects,
        [Effect::LoadReport {
            request: 2,
            session: 1
        }]
    );
    assert!(text(&draw(&s)).contains("computing the report"));
    update(
        &mut s,
        Event::ReportLoaded {
            request: 2,
            result: Ok(example_view()),
        },
        now,
    );
    assert_eq!(s.mode(), Mode::Sessions);
    s
}

#[test]
fn report_screen_80x24() {
    insta::assert_snapshot!(text(&draw(&reporting(80, 24))));
}

#[test]
fn report_screen_200x50() {
    insta::assert_snapshot!(text(&draw(&reporting(200, 50))));
}

#[test]
fn the_report_scrolls_and_closes_back_to_the_browser() {
    let now = Instant::now();
    let mut s = reporting(200, 50);
    let first = text(&draw(&s));
    update(&mut s, Event::Action(Action::PageDown), now);
    let scrolled = text(&draw(&s));
    assert_ne!(first, scrolled);
    assert!(s.sessions.scroll > 0);
    update(&mut s, Event::Action(Action::Back), now);
    assert_eq!(s.sessions.report, None);
    assert!(
        text(&draw(&s)).contains("daily-motivation"),
        "the list again"
    );
}

#[test]
fn a_session_that_is_no_eval_run_has_no_report() {
    let now = Instant::now();
    let mut s = AppState::new(Vec::new(), 80, 24);
    update(&mut s, Event::Action(Action::OpenSessions), now);
    let line = SessionLine {
        id: 4,
        kind: "rate".into(),
        name: "votes".into(),
        created: String::new(),
        models: String::new(),
        prompts: 1,
        answers: 2,
        ratings: 1,
    };
    update(
        &mut s,
        Event::SessionsLoaded {
            request: 1,
            result: Ok(vec![line]),
        },
        now,
    );
    let effects = update(&mut s, Event::Action(Action::OpenReport), now);
    assert!(effects.is_empty());
    assert!(text(&draw(&s)).contains("reports are of eval runs"));
}
