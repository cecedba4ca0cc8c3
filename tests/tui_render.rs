//! Render tests: the whole screen and its widgets on ratatui's TestBackend, as insta snapshots,
//! with explicit style checks where colour carries meaning (focus, gauges).

mod common;

use std::time::{Duration, Instant};

use common::render::{draw, text};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use slam::domain::generation::Failure;
use slam::domain::hardware::{GpuSnapshot, HardwareSnapshot};
use slam::domain::{FinishReason, Usage};
use slam::tui::theme::Theme;
use slam::tui_state::action::Action;
use slam::tui_state::event::{Event, StreamEvent};
use slam::tui_state::keymap::Keymap;
use slam::tui_state::reducer::update;
use slam::tui_state::state::{AppState, Mode, PickerItem};

fn items() -> Vec<PickerItem> {
    vec![
        PickerItem {
            name: "smollm2".into(),
            detail: "llama · Q4_1 · 93 MiB · ctx 8192".into(),
            selected: true,
        },
        PickerItem {
            name: "gemma3-base".into(),
            detail: "llama · Q4_K_M · 241 MiB · ctx 32768".into(),
            selected: true,
        },
        PickerItem {
            name: "gpt-4".into(),
            detail: "openai · https://api.openai.com/v1".into(),
            selected: false,
        },
    ]
}

fn hardware() -> HardwareSnapshot {
    HardwareSnapshot {
        cpu_percent: 42.0,
        ram_used: 23 << 30,
        ram_total: 24 << 30,
        self_rss: 300 << 20,
        gpus: vec![GpuSnapshot {
            name: "NVIDIA H200".into(),
            memory_used: 10 << 30,
            memory_total: 140 << 30,
            utilization_percent: 35,
            ..Default::default()
        }],
        gpu_note: None,
        ..Default::default()
    }
}

/// Two panes mid-comparison: one done, one still streaming; synthetic time.
fn comparing(width: u16, height: u16) -> AppState {
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let mut s = AppState::new(items(), width, height);
    update(&mut s, Event::Hardware(hardware()), t0);
    for c in "What is the capital of France?".chars() {
        update(&mut s, Event::Char(c), t0);
    }
    update(&mut s, Event::Action(Action::Confirm), t0);
    let runs: Vec<u64> = s.panes.iter().map(|p| p.run).collect();
    let send = |s: &mut AppState, pane: usize, event: StreamEvent| {
        update(
            s,
            Event::Stream {
                pane,
                run: runs[pane],
                event,
            },
            t0,
        );
    };
    for pane in 0..2 {
        send(&mut s, pane, StreamEvent::Started { at: at(0) });
    }
    let words = ["The", " capital", " of", " France", " is", " Paris", "."];
    for (i, w) in words.iter().enumerate() {
        send(
            &mut s,
            0,
            StreamEvent::Delta {
                text: w.to_string(),
                n_tokens: 1,
                at: at(100 + 20 * i as u64),
            },
        );
    }
    send(
        &mut s,
        0,
        StreamEvent::Finished {
            usage: Usage {
                prompt_tokens: Some(27),
                completion_tokens: 7,
                estimated: false,
                ..Default::default()
            },
            finish_reason: FinishReason::Stop,
            timings: None,
            token_ids: None,
            at: at(240),
        },
    );
    for (i, w) in [" the", " capital", " of", " the", " country"]
        .iter()
        .enumerate()
    {
        send(
            &mut s,
            1,
            StreamEvent::Delta {
                text: w.to_string(),
                n_tokens: 1,
                at: at(150 + 30 * i as u64),
            },
        );
    }
    update(&mut s, Event::Tick, at(400));
    s
}

#[test]
fn comparison_80x24() {
    let s = comparing(80, 24);
    insta::assert_snapshot!(text(&draw(&s)));
}

#[test]
fn comparison_200x50() {
    let s = comparing(200, 50);
    insta::assert_snapshot!(text(&draw(&s)));
}

#[test]
fn comparison_250x70_and_narrow_stacked_lay_out_without_overlap() {
    for (w, h) in [(250, 70), (80, 24), (60, 30)] {
        let s = comparing(w, h);
        let screen = text(&draw(&s));
        // Both titles and both metric lines appear exactly once: nothing drawn over them.
        for needle in [" smollm2 ", " gemma3-base ", "TTFT"] {
            let n = screen.matches(needle).count();
            let expected = if needle == "TTFT" { 2 } else { 1 };
            assert_eq!(n, expected, "{needle:?} at {w}x{h}:\n{screen}");
        }
    }
}

#[test]
fn picker_editor_and_help() {
    let mut s = AppState::new(items(), 80, 24);
    update(&mut s, Event::Action(Action::OpenPicker), Instant::now());
    assert_eq!(s.mode(), Mode::Picker);
    insta::assert_snapshot!("picker", text(&draw(&s)));
    update(&mut s, Event::Action(Action::Confirm), Instant::now());
    for c in "Hello".chars() {
        update(&mut s, Event::Char(c), Instant::now());
    }
    insta::assert_snapshot!("editor", text(&draw(&s)));
    update(&mut s, Event::Action(Action::ToggleHelp), Instant::now());
    insta::assert_snapshot!("editor_help_80x24", text(&draw(&s)));
    update(
        &mut s,
        Event::Resize {
            width: 120,
            height: 40,
        },
        Instant::now(),
    );
    let help = text(&draw(&s));
    for (_, action) in Keymap::defaults().bindings(Mode::Editor) {
        let description = action.description_on(Mode::Editor);
        assert!(
            help.contains(description),
            "{description} missing from help at 120×40:\n{help}"
        );
    }
}

/// Every page of the help overlay, scrolled with Down until its last row shows.
fn help_pages(s: &mut AppState) -> Vec<String> {
    let mut pages = vec![text(&draw(s))];
    for _ in 0..100 {
        let page = pages.last().unwrap();
        let Some(at) = page.find(" keys ").filter(|_| page.contains(" of ")) else {
            break; // everything fits: no scrolling
        };
        let title: String = page[at..].chars().take_while(|c| *c != '\n').collect();
        let (shown, total) = title
            .split_once(" of ")
            .map(|(a, b)| {
                let last = a.rsplit('–').next().unwrap_or("").trim().to_owned();
                let total: String = b.chars().take_while(char::is_ascii_digit).collect();
                (last, total)
            })
            .unwrap();
        if shown == total {
            break;
        }
        update(s, Event::Action(Action::MoveDown), Instant::now());
        pages.push(text(&draw(s)));
    }
    pages
}

#[test]
fn help_at_80x24_shows_every_description_whole() {
    let mut s = comparing(80, 24);
    update(&mut s, Event::Action(Action::ToggleHelp), Instant::now());
    let pages = help_pages(&mut s);
    assert!(
        pages.len() > 1,
        "the comparison's keys need scrolling at 80×24"
    );
    let all = pages.join("\n");
    assert!(!all.contains('…'), "a description was cut:\n{all}");
    for (key, action) in Keymap::defaults().bindings(Mode::Compare) {
        let description = action.description_on(Mode::Compare);
        assert!(
            all.lines()
                .any(|l| l.contains(&key.to_string()) && l.contains(description)),
            "{key} {description:?} is not shown whole:\n{all}"
        );
    }
}

#[test]
fn focused_pane_border_and_gauges_use_their_theme_colours() {
    let theme = Theme::default();
    let s = comparing(80, 24);
    let buf = draw(&s);
    // Below the hardware bar and the prompt strip, the panes' top border: the focused (first)
    // pane in the focus colour.
    let top = 1 + slam::tui_state::state::prompt_view::prompt_strip_height(&s);
    assert_eq!(top, 3, "the prompt's title row and its one row");
    assert_eq!(buf[(0, top)].fg, theme.focused_border);
    assert_eq!(buf[(40, top)].fg, theme.border);
    // RAM at 23/24 GiB is in the "high" gauge colour; CPU at 42% in the "low" one.
    let line: String = (0..80).map(|x| buf[(x, 0)].symbol()).collect();
    let ram_x = line.find("23.0/24.0").unwrap() as u16;
    assert_eq!(buf[(ram_x, 0)].fg, theme.gauge_high);
    let cpu_x = line.find("42%").unwrap() as u16;
    assert_eq!(buf[(cpu_x, 0)].fg, theme.gauge_low);
}

#[test]
fn popups_and_an_error_pane() {
    let t0 = Instant::now();
    let mut s = comparing(80, 24);
    // An error shows its full text in the pane.
    let run = s.panes[1].run;
    update(
        &mut s,
        Event::Stream {
            pane: 1,
            run,
            event: StreamEvent::Failed {
                error: Failure {
                    kind: "connection_refused".into(),
                    message: "http://127.0.0.1:9/v1/chat/completions: connection refused (is the server running?)".into(),
                },
                at: t0,
            },
        },
        t0,
    );
    let screen = text(&draw(&s));
    assert!(
        screen.contains("gemma3-base failed: connection_ref"),
        "{screen}"
    );
    assert!(
        screen.contains("(is the server"),
        "the whole message, wrapped:\n{screen}"
    );
    insta::assert_snapshot!("error_pane", screen);

    update(&mut s, Event::Action(Action::ToggleHelp), t0);
    insta::assert_snapshot!("help_overlay", text(&draw(&s)));
    update(&mut s, Event::Action(Action::ToggleHelp), t0);

    update(&mut s, Event::Action(Action::OpenParams), t0);
    update(&mut s, Event::Char('0'), t0);
    insta::assert_snapshot!("params_popup", text(&draw(&s)));
    update(&mut s, Event::Action(Action::Confirm), t0);

    update(&mut s, Event::Action(Action::OpenEditor), t0);
    update(&mut s, Event::Action(Action::OpenPromptFile), t0);
    for c in "prompts/q1.txt".chars() {
        update(&mut s, Event::Char(c), t0);
    }
    insta::assert_snapshot!("prompt_file_line", text(&draw(&s)));
}

/// Both answers in, then `keys` pressed; every save acknowledged up to `acked`.
fn rated(blind: bool, keys: &[Action], acked: u64) -> AppState {
    let t0 = Instant::now();
    let mut s = AppState::new(items(), 100, 16);
    s.rating = slam::tui_state::state::RatingState::new("ann".into(), blind, 5);
    for c in "Capital of France?".chars() {
        update(&mut s, Event::Char(c), t0);
    }
    update(&mut s, Event::Action(Action::Confirm), t0);
    for (pane, answer) in ["Paris.", "Lyon, of course."].iter().enumerate() {
        let run = s.panes[pane].run;
        let events = [
            StreamEvent::Started { at: t0 },
            StreamEvent::Delta {
                text: answer.to_string(),
                n_tokens: 3,
                at: t0 + Duration::from_millis(100),
            },
            StreamEvent::Finished {
                usage: Usage::default(),
                finish_reason: FinishReason::Stop,
                timings: None,
                token_ids: None,
                at: t0 + Duration::from_millis(200),
            },
        ];
        for event in events {
            update(&mut s, Event::Stream { pane, run, event }, t0);
        }
    }
    for key in keys {
        update(&mut s, Event::Action(*key), t0);
    }
    update(&mut s, Event::Saved { seq: acked }, t0);
    s
}

#[test]
fn ratings_show_saving_then_saved_and_blind_names_until_revealed() {
    let keys = [Action::Score4, Action::TagHallucination, Action::VoteA];
    // The vote (save 3) is not acknowledged: the names stay hidden.
    let hidden = text(&draw(&rated(true, &keys, 2)));
    assert!(
        hidden.contains("Model A") && hidden.contains("BLIND"),
        "{hidden}"
    );
    assert!(
        !hidden.contains("smollm2") && !hidden.contains("gemma3-base"),
        "{hidden}"
    );
    assert!(hidden.contains("★ 4 · hallucination · ✓ saved"), "{hidden}");
    assert!(hidden.contains("vote: A is better saving…"), "{hidden}");
    insta::assert_snapshot!("rating_blind_saving", hidden);
    let revealed = text(&draw(&rated(true, &keys, 3)));
    assert!(revealed.contains("vote: A is better ✓ saved"), "{revealed}");
    assert!(
        revealed.contains("Model A = ") && revealed.contains("blind (revealed)"),
        "{revealed}"
    );
    insta::assert_snapshot!("rating_blind_revealed", revealed);
}

#[test]
fn the_leaderboard_screen() {
    use slam::analysis::leaderboard::{LeaderboardInput, ScoredAnswer, compute};
    use slam::domain::rating::PairOutcome;
    let t0 = Instant::now();
    let mut s = rated(false, &[], 0);
    update(&mut s, Event::Action(Action::OpenLeaderboard), t0);
    assert!(text(&draw(&s)).contains("computing…"));
    let answer = |model: &str, score: f64| ScoredAnswer {
        model: model.into(),
        score: Some(score),
        tags: vec!["refusal".into()],
    };
    let battle = |a: &str, b: &str, o| (a.to_string(), b.to_string(), o);
    let input = LeaderboardInput {
        answers: vec![
            answer("gpt-4", 5.0),
            answer("gpt-4", 4.0),
            answer("smollm2", 3.0),
        ],
        battles: vec![
            battle("gpt-4", "smollm2", PairOutcome::A),
            battle("smollm2", "gpt-4", PairOutcome::Tie),
            battle("smollm2", "gpt-4", PairOutcome::A),
            battle("gpt-4", "smollm2", PairOutcome::A),
        ],
        votes: Vec::new(),
    };
    update(
        &mut s,
        Event::LeaderboardLoaded {
            request: 1,
            result: Ok(compute(&input, 1000, 3)),
        },
        t0,
    );
    let screen = text(&draw(&s));
    assert!(
        screen.contains("Bradley–Terry strength") && screen.contains('█'),
        "{screen}"
    );
    insta::assert_snapshot!("leaderboard", screen);
}

/// A thinking model (left: its thinking streamed) and a reasoning model whose thinking the
/// server hides (right: only counted), both finished.
fn thinking(width: u16, height: u16) -> AppState {
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let mut s = AppState::new(items(), width, height);
    for c in "Capital of France?".chars() {
        update(&mut s, Event::Char(c), t0);
    }
    update(&mut s, Event::Action(Action::Confirm), t0);
    let runs: Vec<u64> = s.panes.iter().map(|p| p.run).collect();
    let send = |s: &mut AppState, pane: usize, event: StreamEvent| {
        let run = runs[pane];
        update(s, Event::Stream { pane, run, event }, t0);
    };
    let finished = |completion: u32, reasoning: u32, ms: u64| StreamEvent::Finished {
        usage: Usage {
            prompt_tokens: Some(12),
            completion_tokens: completion,
            estimated: false,
            reasoning_tokens: Some(reasoning),
            ..Default::default()
        },
        finish_reason: FinishReason::Stop,
        timings: None,
        token_ids: None,
        at: at(ms),
    };
    for pane in 0..2 {
        send(&mut s, pane, StreamEvent::Started { at: at(0) });
    }
    // The reasoning model on OpenAI's API: temperature left out, and why.
    let change = slam::domain::ParamChange {
        param: "temperature".into(),
        replaced_by: None,
        reason: "gpt-5.2 is a reasoning model (litellm 1.110.2 model table)".into(),
        learned: false,
        rejected_value: None,
    };
    send(&mut s, 1, StreamEvent::Adapted { change, at: at(0) });
    let thought = [
        "Okay,",
        " the user",
        " asks for",
        " the capital",
        " of France:",
        " Paris.",
    ];
    for (i, t) in thought.iter().enumerate() {
        let event = StreamEvent::Thinking {
            text: t.to_string(),
            n_tokens: 2,
            at: at(50 + 10 * i as u64),
        };
        send(&mut s, 0, event);
    }
    for (i, w) in ["Paris", " is", " the", " capital."].iter().enumerate() {
        let text = w.to_string();
        send(
            &mut s,
            0,
            StreamEvent::Delta {
                text: text.clone(),
                n_tokens: 1,
                at: at(200 + 10 * i as u64),
            },
        );
        send(
            &mut s,
            1,
            StreamEvent::Delta {
                text,
                n_tokens: 1,
                at: at(900 + 10 * i as u64),
            },
        );
    }
    send(&mut s, 0, finished(16, 12, 260));
    send(&mut s, 1, finished(28, 24, 960));
    update(&mut s, Event::Tick, at(1000));
    s
}

#[test]
fn thinking_expanded_collapsed_and_hidden() {
    let mut s = thinking(100, 16);
    let buf = draw(&s);
    insta::assert_snapshot!("thinking_expanded", text(&buf));
    // The thinking is dimmed; the answer is not.
    let screen = text(&buf);
    let row_of = |needle: &str| screen.lines().position(|l| l.contains(needle)).unwrap() as u16;
    let x_of = |needle: &str| {
        let line = screen.lines().nth(row_of(needle) as usize).unwrap();
        line[..line.find(needle).unwrap()].chars().count() as u16
    };
    let thinking_cell = &buf[(x_of("Okay,"), row_of("Okay,"))];
    assert!(
        thinking_cell
            .modifier
            .contains(ratatui::style::Modifier::DIM)
    );
    let answer_cell = &buf[(x_of("Paris is"), row_of("Paris is"))];
    assert!(!answer_cell.modifier.contains(ratatui::style::Modifier::DIM));

    update(
        &mut s,
        Event::Action(Action::ToggleThinking),
        Instant::now(),
    );
    insta::assert_snapshot!("thinking_collapsed", text(&draw(&s)));
    let folded = text(&draw(&s));
    assert!(!folded.contains("Okay,"), "{folded}");
    assert!(folded.contains("thinking (hidden), 24 tokens"), "{folded}");
}

#[test]
fn the_eval_live_screen() {
    use slam::domain::metrics::GenerationMetrics;
    use slam::eval::progress::LiveRun;
    use slam::eval::runner::{CellEvent, Progress, RunStart};
    use slam::tui::widgets::eval_live::EvalLive;

    let t0 = Instant::now();
    let mut run = LiveRun::new(t0);
    run.on(&Progress::Start(RunStart {
        session: 7,
        resumed: false,
        models: vec![("gpt-4".into(), 48, 0), ("smollm2".into(), 40, 8)],
        estimated_cost: Some(0.4224),
        max_cost: Some(1.0),
        unpriced: Vec::new(),
    }));
    let cell = |model: &str, e2e: f64, error: Option<&str>| {
        Progress::Cell(Box::new(CellEvent {
            model: model.into(),
            input: "ana".into(),
            repetition: 0,
            concurrency: None,
            error: error.map(|k| Failure {
                kind: k.into(),
                message: String::new(),
            }),
            metrics: GenerationMetrics {
                ttft_ms: Some(e2e / 5.0),
                e2e_ms: e2e,
                decode_tokens_per_s: Some(4000.0 / e2e),
                ..GenerationMetrics::default()
            },
            checks: Vec::new(),
        }))
    };
    for e2e in [900.0, 1100.0, 1500.0] {
        run.on(&cell("gpt-4", e2e, None));
    }
    run.on(&cell("gpt-4", 0.0, Some("rate_limited")));
    for e2e in [300.0, 320.0] {
        run.on(&cell("smollm2", e2e, None));
    }
    let theme = Theme::default();
    let backend = TestBackend::new(110, 10);
    let mut terminal = Terminal::new(backend).unwrap();
    terminal
        .draw(|f| {
            f.render_widget(
                EvalLive {
                    run: &run,
                    name: "daily-motivation",
                    theme: &theme,
                    now: t0 + Duration::from_secs(4),
                    stop_keys: "q <Ctrl-c>",
                },
                f.area(),
            )
        })
        .unwrap();
    insta::assert_snapshot!(text(terminal.backend().buffer()));
}

/// Every cell drawn in reverse video: where the editor's cursor is.
fn reversed_cells(buf: &ratatui::buffer::Buffer) -> Vec<(u16, u16)> {
    let area = buf.area;
    (0..area.height)
        .flat_map(|y| (0..area.width).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            buf[(x, y)]
                .modifier
                .contains(ratatui::style::Modifier::REVERSED)
        })
        .collect()
}

#[test]
fn the_editor_draws_its_cursor_where_it_edits_and_scrolls_a_long_prompt() {
    let mut s = AppState::new(items(), 80, 24);
    let now = Instant::now();
    update(
        &mut s,
        Event::Paste("first line\nsecond line\nthird line".into()),
        now,
    );
    update(&mut s, Event::Action(Action::MoveUp), now);
    update(&mut s, Event::Action(Action::LineStart), now);
    let buf = draw(&s);
    // Hardware bar, the system prompt's four rows, the prompt's top border: its text from row 6.
    let screen = text(&buf);
    assert!(
        screen
            .lines()
            .nth(7)
            .is_some_and(|l| l.starts_with("│second line "))
    );
    assert_eq!(reversed_cells(&buf), [(1, 7)], "on the s of \"second\"");
    update(&mut s, Event::Action(Action::LineEnd), now);
    assert_eq!(
        reversed_cells(&draw(&s)),
        [(12, 7)],
        "after the line's end: a cell of its own"
    );

    // Forty lines in a 16-row box: the cursor's row stays in view and the border says where.
    update(&mut s, Event::Action(Action::MoveDown), now);
    let lines: Vec<String> = (1..=40).map(|i| format!("\nline {i}")).collect();
    update(&mut s, Event::Paste(lines.concat()), now);
    let buf = draw(&s);
    let screen = text(&buf);
    insta::assert_snapshot!("editor_scrolled", screen);
    assert!(screen.contains("rows 28–43 of 43"), "{screen}");
    let (_, y) = reversed_cells(&buf)[0];
    assert_eq!(y, 21, "the last text row of the box");
}

/// The comparison screen says which parameters its answers were asked with: the config's own
/// values (none typed), then a value typed in the popup over them. The popup shows the same
/// values, marked as defaults, rather than "model default".
#[test]
fn the_parameters_in_force_are_shown_with_their_real_values() {
    let text_config = "[params]\ntemperature = 0.3\nmax_tokens = 64\nseed = 7\n";
    let config = slam::config::Config {
        file: slam::config::parse(text_config, std::path::Path::new("config.toml")).unwrap(),
        ..Default::default()
    };
    let mut s = AppState::new(items(), 120, 30);
    s.model_params = slam::tui::model_params(&config);
    update(&mut s, Event::Action(Action::OpenParams), Instant::now());
    let popup = text(&draw(&s));
    assert!(
        popup.contains("0.3 (default)") && popup.contains("64 (default)"),
        "{popup}"
    );
    assert!(!popup.contains("model default"), "{popup}");
    update(&mut s, Event::Action(Action::Back), Instant::now());
    for c in "Hi".chars() {
        update(&mut s, Event::Char(c), Instant::now());
    }
    update(&mut s, Event::Action(Action::Confirm), Instant::now());
    let screen = text(&draw(&s));
    assert!(
        screen.contains("temp 0.3 · max 64 · seed 7 · top_p 0.95"),
        "{screen}"
    );
    update(&mut s, Event::Action(Action::OpenParams), Instant::now());
    update(&mut s, Event::Action(Action::MoveDown), Instant::now());
    for c in "300".chars() {
        update(&mut s, Event::Char(c), Instant::now());
    }
    update(&mut s, Event::Action(Action::Confirm), Instant::now());
    update(&mut s, Event::Action(Action::RerunAll), Instant::now());
    let screen = text(&draw(&s));
    assert!(screen.contains("temp 0.3 · max 300 · seed 7"), "{screen}");
}

/// `--blind-together`: a blind answer that finished first shows nothing (not even that it
/// finished) until every answer has; then both show.
#[test]
fn blind_answers_together_appear_only_once_all_have_finished() {
    let t0 = Instant::now();
    let mut s = AppState::new(items(), 100, 16);
    s.rating = slam::tui_state::state::RatingState::new("ann".into(), true, 5);
    s.rating.blind_together = true;
    for c in "Capital of France?".chars() {
        update(&mut s, Event::Char(c), t0);
    }
    update(&mut s, Event::Action(Action::Confirm), t0);
    let stream = |s: &mut AppState, pane: usize, event: StreamEvent| {
        let run = s.panes[pane].run;
        update(s, Event::Stream { pane, run, event }, t0);
    };
    let delta = |text: &str| StreamEvent::Delta {
        text: text.into(),
        n_tokens: 2,
        at: t0 + Duration::from_millis(100),
    };
    let finished = StreamEvent::Finished {
        usage: Usage::default(),
        finish_reason: FinishReason::Stop,
        timings: None,
        token_ids: None,
        at: t0 + Duration::from_millis(200),
    };
    for pane in 0..2 {
        stream(&mut s, pane, StreamEvent::Started { at: t0 });
    }
    stream(&mut s, 0, delta("Paris."));
    stream(&mut s, 0, finished.clone());
    stream(&mut s, 1, delta("Lyon, of"));
    let waiting = text(&draw(&s));
    assert!(
        !waiting.contains("Paris") && !waiting.contains("Lyon"),
        "{waiting}"
    );
    assert_eq!(waiting.matches("answering").count(), 2, "{waiting}");
    assert!(!waiting.contains("complete"), "{waiting}");
    stream(&mut s, 1, delta(" course."));
    stream(&mut s, 1, finished);
    let shown = text(&draw(&s));
    assert!(
        shown.contains("Paris.") && shown.contains("Lyon, of course."),
        "{shown}"
    );
    assert!(!shown.contains("answering"), "{shown}");
}
