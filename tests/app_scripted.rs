//! The run pipeline with no model and no network: a scripted backend injected through the app
//! layer's factory drives the TUI's driver (through the real reducer, as the event loop does,
//! minus the terminal), `compare`, the eval runner and the judge. The clock is paused, so stamps are exact virtual times and
//! metrics can be compared with hand computations.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use slam::app::Limits;
use slam::app::persist::{PersistOptions, Persistence};
use slam::app::scripted::{Script, ScriptedFactory};
use slam::cli::compare::{Show, compare};
use slam::config::{Config, ResolvedModel};
use slam::domain::hardware::GpuSnapshot;
use slam::domain::memory::{Buffer, BufferKind, ModelMemory};
use slam::domain::{GenParamsPatch, Prompt};
use slam::engine::EngineError;
use slam::monitor::energy_meter::EnergyMeter;
use slam::monitor::{GpuProbe, Sysfs};
use slam::store::records::SessionRecord;
use slam::tui::driver::Driver;
use slam::tui_state::action::Action;
use slam::tui_state::event::Event;
use slam::tui_state::reducer;
use slam::tui_state::state::{AppState, PaneStatus, PickerItem};

const CONFIG: &str = "[[models]]\nname = \"alpha\"\nbackend = \"openai\"\nmodel = \"a\"\n\
                      [[models]]\nname = \"beta\"\nbackend = \"openai\"\nmodel = \"b\"\n\
                      [[models]]\nname = \"gamma\"\nbackend = \"openai\"\nmodel = \"c\"\n";

fn config() -> Config {
    Config {
        source: None,
        file: slam::config::parse(CONFIG, Path::new("test.toml")).unwrap(),
        discovered: Vec::new(),
    }
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// alpha: 4 pieces every 20 ms; beta: 3 pieces every 30 ms (so they interleave).
fn factory() -> ScriptedFactory {
    ScriptedFactory::default()
        .with(
            "alpha",
            Script::streaming(&["Paris", " is", " the", " capital."], ms(20)),
        )
        .with("beta", Script::streaming(&["Lyon", " is", " not."], ms(30)))
}

/// The TUI without a terminal: state, reducer, driver and the one event funnel.
struct Tui {
    state: AppState,
    driver: Driver,
    events: mpsc::UnboundedReceiver<Event>,
}

impl Tui {
    fn new(factory: ScriptedFactory, models: &[&str]) -> Self {
        Self::with_store(factory, models, Err("no store in this test".into()))
    }

    fn with_store(
        factory: ScriptedFactory,
        models: &[&str],
        store: Result<slam::store::Store, String>,
    ) -> Self {
        Self::with_limits(factory, models, store, Limits::default())
    }

    fn with_limits(
        factory: ScriptedFactory,
        models: &[&str],
        store: Result<slam::store::Store, String>,
        limits: Limits,
    ) -> Self {
        let (tx, events) = mpsc::unbounded_channel();
        let items = models
            .iter()
            .map(|m| PickerItem {
                name: (*m).into(),
                detail: String::new(),
                selected: true,
            })
            .collect();
        let store = Persistence::new(
            PersistOptions {
                store,
                session_id: None,
                session: SessionRecord::new("tui", "test".into()),
                rater: "test".into(),
                stored: Vec::new(),
            },
            tx.clone(),
        );
        let driver =
            Driver::new(config(), Arc::new(factory), Vec::new(), store, tx).with_limits(limits);
        Self {
            state: AppState::new(items, 120, 40),
            driver,
            events,
        }
    }

    fn apply(&mut self, event: Event) {
        let effects = reducer::update(&mut self.state, event, Instant::now());
        self.driver.run(effects);
    }

    fn submit(&mut self, prompt: &str) {
        for c in prompt.chars() {
            self.apply(Event::Char(c));
        }
        self.apply(Event::Action(Action::Confirm));
    }

    /// Feed events from the driver into the reducer until `done` holds.
    async fn until(&mut self, done: impl Fn(&AppState) -> bool) -> Vec<Event> {
        let mut seen = Vec::new();
        while !done(&self.state) {
            let event = tokio::time::timeout(Duration::from_secs(60), self.events.recv())
                .await
                .expect("the driver went quiet")
                .expect("the funnel closed");
            seen.push(event.clone());
            self.apply(event);
        }
        seen
    }
}

fn all_finished(s: &AppState) -> bool {
    !s.panes.is_empty() && s.panes.iter().all(|p| !p.status.is_active())
}

#[tokio::test(start_paused = true)]
async fn the_driver_streams_two_models_at_once_with_exact_metrics() {
    let mut tui = Tui::new(factory(), &["alpha", "beta"]);
    tui.submit("What is the capital of France?");
    let seen = tui.until(all_finished).await;

    let s = &tui.state;
    assert_eq!(s.panes[0].text.text(), "Paris is the capital.");
    assert_eq!(s.panes[1].text.text(), "Lyon is not.");
    assert!(
        s.panes
            .iter()
            .all(|p| matches!(p.status, PaneStatus::Done(_)))
    );
    // Both at once: each pane's first text arrives before the other pane finishes.
    let position = |pane: usize, pred: &dyn Fn(&Event) -> bool| {
        seen.iter()
            .position(|e| matches!(e, Event::Stream { pane: p, .. } if *p == pane) && pred(e))
            .unwrap()
    };
    let first_delta = |e: &Event| matches!(e, Event::Stream { event, .. } if matches!(event, slam::tui_state::event::StreamEvent::Delta { .. }));
    let finish = |e: &Event| matches!(e, Event::Stream { event, .. } if event.is_terminal());
    assert!(position(0, &first_delta) < position(1, &finish));
    assert!(position(1, &first_delta) < position(0, &finish));

    // By hand (virtual time): alpha's chunks at 20, 40, 60, 80 ms, the finish at 100 ms.
    // TTFT 20; e2e 100; decode (4 − 1) tokens / (100 − 20) ms = 37.5 tok/s; ITL all 20.
    let m = &s.panes[0].live;
    assert_eq!(m.ttft_ms, Some(20.0));
    assert_eq!(m.e2e_ms, 100.0);
    assert_eq!(m.decode_tokens_per_s, Some(37.5));
    assert_eq!((m.itl_p50_ms, m.itl_p95_ms), (Some(20.0), Some(20.0)));
    assert_eq!((m.output_tokens, m.tokens_estimated), (4, false));
    // beta: chunks at 30, 60, 90, finish at 120: (3 − 1) / 90 ms.
    let m = &s.panes[1].live;
    assert_eq!((m.ttft_ms, m.e2e_ms), (Some(30.0), 120.0));
    assert!((m.decode_tokens_per_s.unwrap() - 2000.0 / 90.0).abs() < 1e-9);
}

#[tokio::test(start_paused = true)]
async fn an_error_mid_stream_keeps_the_text_and_shows_the_failure() {
    let failing =
        Script::streaming(&["half", " an"], ms(10)).failing_with(EngineError::Truncated {
            url: "http://example/v1/chat/completions".into(),
        });
    let factory = factory().with("beta", failing);
    let mut tui = Tui::new(factory, &["alpha", "beta"]);
    tui.submit("hi");
    tui.until(all_finished).await;
    let beta = &tui.state.panes[1];
    assert_eq!(beta.text.text(), "half an");
    match &beta.status {
        PaneStatus::Error { kind, message } => {
            assert_eq!(kind, "truncated");
            assert!(message.contains("example"), "{message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    // The other model is not disturbed.
    assert_eq!(tui.state.panes[0].text.text(), "Paris is the capital.");
    assert!(matches!(tui.state.panes[0].status, PaneStatus::Done(_)));
}

#[tokio::test(start_paused = true)]
async fn cancelling_one_pane_stops_it_and_leaves_the_other_running() {
    let slow = Script::streaming(&["one", " two", " three", " four", " five"], ms(100));
    let mut tui = Tui::new(factory().with("beta", slow), &["alpha", "beta"]);
    tui.submit("count");
    // Wait for beta's second piece, then cancel beta (focus it first).
    tui.until(|s| s.panes.len() == 2 && s.panes[1].text.text() == "one two")
        .await;
    tui.apply(Event::Action(Action::FocusNext));
    tui.apply(Event::Action(Action::CancelFocused));
    tui.until(all_finished).await;
    let s = &tui.state;
    assert_eq!(s.panes[1].status, PaneStatus::Cancelled);
    assert_eq!(
        s.panes[1].text.text(),
        "one two",
        "nothing after the cancel"
    );
    assert_eq!(s.panes[0].text.text(), "Paris is the capital.");
}

#[tokio::test(start_paused = true)]
async fn a_model_that_cannot_be_opened_is_a_pane_error_not_a_crash() {
    // No script for beta: opening it fails as a missing model file would.
    let factory = ScriptedFactory::default().with("alpha", Script::streaming(&["ok"], ms(5)));
    let mut tui = Tui::new(factory, &["alpha", "beta"]);
    tui.submit("hi");
    tui.until(all_finished).await;
    assert!(matches!(
        &tui.state.panes[1].status,
        PaneStatus::Error { kind, .. } if kind == "config"
    ));
    assert_eq!(tui.state.panes[0].text.text(), "ok");
}

fn resolved(names: &[&str]) -> Vec<ResolvedModel> {
    let c = config();
    names
        .iter()
        .map(|n| c.resolve(n, &GenParamsPatch::default()).unwrap())
        .collect()
}

async fn compare_json(factory: ScriptedFactory, cancel: &CancellationToken) -> (bool, Vec<Value>) {
    compare_with(factory, &["alpha", "beta"], Limits::default(), cancel).await
}

async fn compare_with(
    factory: ScriptedFactory,
    models: &[&str],
    limits: Limits,
    cancel: &CancellationToken,
) -> (bool, Vec<Value>) {
    let mut out = Vec::new();
    let ok = compare(
        Arc::new(factory),
        resolved(models),
        &Prompt::user("hi"),
        Show {
            json: true,
            progress: false,
        },
        limits,
        cancel,
        &mut out,
    )
    .await
    .unwrap();
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (ok, lines)
}

fn of<'a>(lines: &'a [Value], model: &str, event: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["model"] == model && l["event"] == event)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn compare_streams_both_models_and_its_output_replays() {
    let (ok, lines) = compare_json(factory(), &CancellationToken::new()).await;
    assert!(ok);
    assert_eq!(lines[0]["event"], "prompt");
    let text = |model: &str| -> String {
        of(&lines, model, "delta")
            .iter()
            .map(|d| d["text"].as_str().unwrap())
            .collect()
    };
    assert_eq!(text("alpha"), "Paris is the capital.");
    assert_eq!(text("beta"), "Lyon is not.");
    let done = of(&lines, "alpha", "finished")[0];
    assert_eq!(done["metrics"]["ttft_ms"], 20.0);
    assert_eq!(done["metrics"]["decode_tokens_per_s"], 37.5);
    // Interleaved: beta's first delta comes before alpha's finish.
    let index = |l: &Value| lines.iter().position(|x| x == l).unwrap();
    assert!(index(of(&lines, "beta", "delta")[0]) < index(done));
    // What compare wrote is a recording: it parses, with both models' answers.
    let text_out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let rec = slam::domain::recording::Recording::parse(&text_out, "compare.jsonl").unwrap();
    assert_eq!(rec.models, ["alpha", "beta"]);
}

#[tokio::test(start_paused = true)]
async fn compare_reports_a_failure_mid_stream_and_a_cancel() {
    let failing = Script::streaming(&["half"], ms(10)).failing_with(EngineError::Truncated {
        url: "http://example/v1/chat/completions".into(),
    });
    let slow = Script::streaming(&["a", "b", "c", "d", "e", "f"], ms(100));
    let factory = ScriptedFactory::default()
        .with("alpha", slow)
        .with("beta", failing);
    let cancel = CancellationToken::new();
    let later = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(ms(250)).await;
        later.cancel();
    });
    let (ok, lines) = compare_json(factory, &cancel).await;
    assert!(!ok, "a model failed");
    let failed = of(&lines, "beta", "failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["error"]["kind"], "truncated");
    assert_eq!(
        of(&lines, "beta", "delta").len(),
        1,
        "the text before the fault"
    );
    let finished = of(&lines, "alpha", "finished");
    assert_eq!(finished[0]["finish_reason"], "cancelled");
    // Pieces at 100 and 200 ms came before the cancel at 250 ms; none after.
    assert_eq!(of(&lines, "alpha", "delta").len(), 2);
}

#[tokio::test(start_paused = true)]
async fn compare_goes_on_when_a_model_cannot_be_opened() {
    // beta has no script: it fails to open, and alpha must not wait for it forever.
    let factory = ScriptedFactory::default().with("alpha", Script::streaming(&["ok"], ms(5)));
    let (ok, lines) = compare_json(factory, &CancellationToken::new()).await;
    assert!(!ok);
    assert_eq!(of(&lines, "beta", "failed")[0]["error"]["kind"], "config");
    assert_eq!(of(&lines, "alpha", "delta")[0]["text"], "ok");
    assert_eq!(of(&lines, "alpha", "finished").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_cancel_while_models_load_ends_every_stream_at_once() {
    // Loading takes 2 s of real time; the cancel comes at once. Every model's stream still ends
    // with exactly one final event (cancelled), without waiting for the loads.
    let slow_load = |pieces: &[&str]| Script {
        load: Duration::from_secs(2),
        ..Script::streaming(pieces, ms(5))
    };
    let factory = ScriptedFactory::default()
        .with("alpha", slow_load(&["a"]))
        .with("beta", slow_load(&["b"]));
    let cancel = CancellationToken::new();
    cancel.cancel();
    let started = std::time::Instant::now();
    let (ok, lines) = compare_json(factory, &cancel).await;
    assert!(ok, "a cancel is no failure");
    for model in ["alpha", "beta"] {
        let finished = of(&lines, model, "finished");
        assert_eq!(finished.len(), 1, "{model}: {lines:?}");
        assert_eq!(finished[0]["finish_reason"], "cancelled");
        assert!(of(&lines, model, "delta").is_empty());
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "it did not wait for the loads"
    );
    // Still a recording that replays.
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert!(slam::domain::recording::Recording::parse(&text, "c.jsonl").is_ok());
}

/// A thinking model's answer is stored apart from its thinking, and a parameter the server
/// made slam change is in the answer's manifest.
#[tokio::test(start_paused = true)]
async fn thinking_and_adaptations_are_stored_apart_from_the_answer() {
    use slam::app::scripted::Step;
    use slam::domain::{FinishReason, ParamChange, Usage};

    let change = ParamChange {
        param: "temperature".into(),
        replaced_by: None,
        reason: "the server answered 400 unsupported_value".into(),
        learned: true,
        rejected_value: None,
    };
    let step = |after: u64, step: Step| (ms(after), step);
    let thinking = |t: &str| Step::Thinking {
        text: t.into(),
        n_tokens: 3,
    };
    let answer = |t: &str| Step::Delta {
        text: t.into(),
        n_tokens: 1,
    };
    let script = Script {
        load: Duration::ZERO,
        steps: vec![
            step(0, Step::Adapted(change.clone())),
            step(10, thinking("The user wants")),
            step(10, thinking(" a capital.")),
            step(50, answer("Paris.")),
            step(
                10,
                Step::Finish {
                    usage: Usage {
                        prompt_tokens: Some(5),
                        completion_tokens: 7,
                        estimated: false,
                        reasoning_tokens: Some(6),
                        ..Default::default()
                    },
                    finish_reason: FinishReason::Stop,
                },
            ),
        ],
        memory: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("slam.db");
    let store = slam::store::Store::open(&db).map_err(|e| e.to_string());
    let mut tui = Tui::with_store(
        ScriptedFactory::default().with("alpha", script),
        &["alpha"],
        store,
    );
    tui.submit("Capital of France?");
    tui.until(all_finished).await;
    assert_eq!(tui.state.panes[0].text.text(), "Paris.");
    assert_eq!(
        tui.state.panes[0].thinking.text(),
        "The user wants a capital."
    );
    let m = &tui.state.panes[0].live;
    // By hand: thinking at 10 ms, answer at 70 ms after the start.
    assert_eq!((m.first_token_ms, m.ttft_ms), (Some(10.0), Some(70.0)));
    assert_eq!((m.thinking_tokens, m.answer_tokens()), (Some(6), 1));

    // The store writer is a thread of its own: wait for the row.
    let reader = slam::store::Store::open_read(&db).unwrap();
    let mut lines = Vec::new();
    for _ in 0..500 {
        let sessions = reader.sessions().unwrap();
        if let Some(s) = sessions.first() {
            lines = reader.export_lines(s.id).unwrap();
            if !lines.is_empty() {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let g = &lines.first().expect("the answer was stored").generation;
    assert_eq!(g.text, "Paris.");
    assert_eq!(g.thinking.as_deref(), Some("The user wants a capital."));
    let manifest = g.manifest.as_ref().unwrap();
    assert_eq!(manifest["adaptations"][0]["param"], "temperature");
    assert_eq!(manifest["adaptations"][0]["learned"], true);
    assert_eq!(g.metrics.as_ref().unwrap()["thinking_tokens"], 6);
}

/// A GPU whose energy counter advances 5 J at each reading: a generation running alone is read
/// when it starts and when it ends, so it used exactly 5 J, all of it its own.
struct FiveJoulesAReading {
    mj: u64,
}

impl GpuProbe for FiveJoulesAReading {
    fn sample(&mut self) -> Result<Vec<GpuSnapshot>, String> {
        self.mj += 5_000;
        Ok(vec![GpuSnapshot {
            energy_mj: Some(self.mj),
            power_w: Some(100.0),
            ..Default::default()
        }])
    }
}

/// A meter on that GPU and no RAPL (an empty sysfs tree).
fn five_joule_meter(empty: &Path) -> Arc<EnergyMeter> {
    Arc::new(EnergyMeter::new(
        Box::new(FiveJoulesAReading { mj: 0 }),
        Sysfs::at(empty),
    ))
}

/// What the stalling model says it holds: 86.87 MiB of weights and 5.62 MiB of KV on the CPU.
fn held() -> ModelMemory {
    let buffer = |kind, mib| Buffer {
        device: "CPU".into(),
        kind,
        mib,
    };
    ModelMemory {
        buffers: vec![
            buffer(BufferKind::Weights, 86.87),
            buffer(BufferKind::Kv, 5.62),
        ],
    }
}

/// "Paris" at 10 ms, then nothing for a minute: a model that hangs mid-answer.
fn stalling() -> Script {
    Script {
        memory: Some(held()),
        ..Script::stalling("Paris", ms(10), Duration::from_secs(60))
    }
}

const TWO_SECONDS: Limits = Limits {
    timeout: Some(Duration::from_secs(2)),
};

/// The energy figure, memory and error of a stored or streamed generation's metrics JSON.
fn gpu_joules(metrics: &Value) -> (f64, bool) {
    let gpu = &metrics["energy"]["gpu"];
    (
        gpu["joules"].as_f64().unwrap(),
        gpu["shared"].as_bool().unwrap(),
    )
}

/// One run path: the same stalling model through the TUI's driver, `compare`, the eval runner
/// and the judge gets the same typed timeout at 2 s (virtual time), the text before it kept,
/// the whole 5 J of its interval and the memory it holds. By hand: the first piece at 10 ms,
/// the timeout at 2000 ms; one generation alone between two 5 J readings.
#[tokio::test(start_paused = true)]
async fn a_stalled_model_times_out_alike_in_every_front_end() {
    let empty = tempfile::tempdir().unwrap();
    let meter = five_joule_meter(empty.path());
    let factory = || {
        ScriptedFactory::default()
            .with("alpha", stalling())
            .with_meter(meter.clone())
    };

    // The TUI.
    let mut tui = Tui::with_limits(factory(), &["alpha"], Err("no store".into()), TWO_SECONDS);
    tui.submit("What is the capital of France?");
    tui.until(all_finished).await;
    let pane = &tui.state.panes[0];
    assert!(
        matches!(&pane.status, PaneStatus::Error { kind, .. } if kind == "timeout"),
        "{:?}",
        pane.status
    );
    assert_eq!(pane.text.text(), "Paris");
    assert_eq!((pane.live.ttft_ms, pane.live.e2e_ms), (Some(10.0), 2000.0));
    let energy = pane.live.energy.as_ref().unwrap();
    assert_eq!(energy.gpu.map(|g| (g.joules, g.shared)), Some((5.0, false)));
    assert_eq!(pane.live.memory, Some(held()));

    // `compare`.
    let cancel = CancellationToken::new();
    let (ok, lines) = compare_with(factory(), &["alpha"], TWO_SECONDS, &cancel).await;
    assert!(!ok, "a timeout is a failure");
    let failed = of(&lines, "alpha", "failed")[0];
    assert_eq!(
        failed["error"],
        serde_json::json!({"kind": "timeout", "seconds": 2.0})
    );
    assert_eq!(failed["metrics"]["e2e_ms"], 2000.0);
    assert_eq!(gpu_joules(&failed["metrics"]), (5.0, false));
    assert_eq!(failed["metrics"]["memory"], serde_json::json!(held()));

    // The eval runner: a cell's `timeout`.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("slam.db");
    let spec = "name = \"stall\"\ntemplate = \"Capital of France?\"\ntimeout = 2\nwarmup = false\nrepetitions = 1\n\
                [[input]]\nid = \"one\"\n[[models]]\nname = \"alpha\"\n";
    let session = eval(spec, &db, factory()).await;
    let lines = slam::store::Store::open(&db)
        .unwrap()
        .export_lines(session)
        .unwrap();
    let cell = &lines[0].generation;
    assert_eq!(cell.error_kind.as_deref(), Some("timeout"));
    assert_eq!(cell.text, "Paris");
    let metrics = cell.metrics.as_ref().unwrap();
    assert_eq!(metrics["e2e_ms"], 2000.0);
    assert_eq!(gpu_joules(metrics), (5.0, false));
    assert_eq!(metrics["memory"], serde_json::json!(held()));

    // The judge: two answers to judge (gamma against the baseline beta, in both orders), each
    // verdict one stalled reply of the judge alpha.
    let spec = "name = \"pair\"\ntemplate = \"Capital of France?\"\nwarmup = false\nrepetitions = 1\n\
                [[input]]\nid = \"one\"\n\
                [[models]]\nname = \"beta\"\nbaseline = true\n[[models]]\nname = \"gamma\"\n";
    let answering = ScriptedFactory::default()
        .with("beta", Script::streaming(&["Paris."], ms(5)))
        .with("gamma", Script::streaming(&["Lyon."], ms(5)));
    let session = eval(spec, &db, answering).await;
    let opts = slam::eval::judge::JudgeOptions {
        timeout: TWO_SECONDS.timeout,
        ..slam::eval::judge::JudgeOptions::pairwise("alpha")
    };
    let report = slam::eval::judge::run(
        &config(),
        &db,
        session,
        opts,
        Arc::new(factory()),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!((report.asked, report.invalid), (2, 2));
    let verdicts = slam::store::Store::open(&db)
        .unwrap()
        .verdicts(session)
        .unwrap();
    assert_eq!(verdicts.len(), 2);
    for v in verdicts.iter().map(|v| &v.verdict) {
        assert_eq!(v["status"], "invalid");
        assert_eq!(v["judge_errors"], serde_json::json!(["timeout"]));
        assert_eq!(v["judge_latency_ms"], 2000.0);
        assert_eq!(v["judge_joules"], 5.0);
        assert_eq!(v["judge_memory_mib"], 86.87 + 5.62);
    }
}

/// Run `spec` through the eval runner on `factory`'s models, into `db`; the session.
async fn eval(spec: &str, db: &Path, factory: ScriptedFactory) -> i64 {
    let spec = slam::eval::spec::EvalSpec::parse(spec, Path::new("spec.toml"), &config()).unwrap();
    let (tx, _progress) = mpsc::unbounded_channel();
    let opts = slam::eval::runner::RunOptions {
        db: db.to_path_buf(),
        fresh: true,
        sweep: Vec::new(),
        factory: Some(Arc::new(factory)),
    };
    let outcome = slam::eval::runner::run(spec, opts, CancellationToken::new(), tx)
        .await
        .unwrap();
    assert!(
        outcome.store_errors.is_empty(),
        "{:?}",
        outcome.store_errors
    );
    outcome.session
}

/// A session of the interactive TUI reads back in its session browser: Enter on it shows its
/// prompt and each model's answer, as they were stored.
#[tokio::test]
async fn a_tui_sessions_prompts_and_answers_open_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("slam.db");
    let store = slam::store::Store::open(&db).map_err(|e| e.to_string());
    let mut tui = Tui::with_store(factory(), &["alpha", "beta"], store);
    tui.submit("Capital of France?");
    tui.until(all_finished).await;
    // The store writer is a thread of its own: wait for both answers.
    let reader = slam::store::Store::open_read(&db).unwrap();
    for _ in 0..500 {
        let stored = reader
            .sessions()
            .unwrap()
            .first()
            .map_or(0, |s| s.generations);
        if stored == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    tui.apply(Event::Action(Action::OpenSessions));
    tui.until(|s| s.sessions.rows.is_some()).await;
    let row = tui
        .state
        .sessions
        .selected()
        .cloned()
        .expect("the session is listed");
    assert_eq!((row.kind.as_str(), row.answers), ("tui", 2));
    tui.apply(Event::Action(Action::Confirm));
    tui.until(|s| matches!(&s.sessions.figures, Some((_, Some(_)))))
        .await;
    let Some((_, Some(Ok(figures)))) = &tui.state.sessions.figures else {
        panic!("{:?}", tui.state.sessions.figures);
    };
    let lines: Vec<&str> = figures.lines().map(str::trim_end).collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| *l == needle)
            .unwrap_or_else(|| panic!("{needle:?} in\n{figures}"))
    };
    let prompt = at("prompt: Capital of France?");
    // Each answer under its model, whole.
    let (alpha, beta) = (at("  alpha"), at("  beta"));
    assert!(prompt < alpha && prompt < beta, "{figures}");
    assert_eq!(lines[alpha + 1], "    Paris is the capital.");
    assert_eq!(lines[beta + 1], "    Lyon is not.");
}
