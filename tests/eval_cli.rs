//! `slam eval` end to end: the real binary, real local models, llama-cpp-python's server as the
//! baseline stand-in, and a real TCP server for what must be counted or broken on purpose
//! (requests seen, faults, rate limits, fixed answers).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::fake_server::{
    FakeServer, Step, last_user_message, response, sse_head, streamed_answer,
};
use common::servers::{TestServer, venv_bin};
use common::{Sandbox, text};
use serde_json::{Value, json};

/// A sandbox with a config and a spec file in it, and its own database.
struct Eval {
    sandbox: Sandbox,
}

impl Eval {
    fn new(config: &str) -> Self {
        let sandbox = Sandbox::new();
        std::fs::write(sandbox.dir.path().join("config.toml"), config).unwrap();
        Self { sandbox }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.sandbox.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn slam(&self) -> Command {
        let mut cmd = self.sandbox.slam();
        cmd.arg("--config")
            .arg(self.path("config.toml"))
            .arg("--db")
            .arg(self.path("slam.db"));
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.slam().args(args).output().unwrap()
    }

    fn export(&self, session: i64) -> Vec<Value> {
        let out = self.run(&[
            "sessions",
            "export",
            &session.to_string(),
            "--format",
            "jsonl",
        ]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn show(&self, session: i64) -> Value {
        let out = self.run(&["eval", "show", &session.to_string(), "--json"]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        serde_json::from_str(stdout.trim()).unwrap()
    }
}

/// (input id, model, repetition) of every exported cell; panics on a duplicate.
fn coordinates(lines: &[Value]) -> BTreeSet<(String, String, i64)> {
    let mut seen = BTreeSet::new();
    for l in lines {
        let c = (
            l["prompt"]["item"].as_str().unwrap().to_owned(),
            l["model"].as_str().unwrap().to_owned(),
            l["repetition"].as_i64().unwrap(),
        );
        assert!(seen.insert(c.clone()), "duplicate cell {c:?}");
    }
    seen
}

fn remote_config(name: &str, fake: &FakeServer) -> String {
    format!(
        "[[models]]\nname = \"{name}\"\nbackend = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\n\
         max_retries = 2\n",
        fake.base_url()
    )
}

fn inline_inputs(ids: &[&str]) -> String {
    ids.iter()
        .map(|id| format!("[[input]]\nid = \"{id}\"\nword = \"{id}\"\n"))
        .collect()
}

#[test]
fn every_cell_is_stored_and_the_figures_match_an_independent_script() {
    let server = TestServer::llama_cpp(2048);
    let eval = Eval::new(&format!(
        "[[models]]\nname = \"smol-server\"\nbackend = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\n\
         system = \"You are a helpful assistant.\"\n",
        server.base_url()
    ));
    let spec = eval.write(
        "spec.toml",
        &format!(
            "name = \"e2e\"\ntemplate = \"Write one sentence about {{{{ word }}}}.\"\n\
             repetitions = 2\nseed = 3\n\n[params]\ntemperature = 0.8\nmax_tokens = 12\n\n\
             [[models]]\nname = \"smol-server\"\nbaseline = true\n\n[[models]]\nname = \"smollm2\"\n\n\
             [[models]]\nname = \"gemma3-base\"\n\n[[checks]]\ntype = \"words\"\nmax = 12\n\n{}",
            inline_inputs(&["rain", "bread", "chess"])
        ),
    );
    let out = eval.run(&["eval", spec.to_str().unwrap(), "--json"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let cells: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "cell")
        .collect();
    assert_eq!(cells.len(), 18, "3 inputs × 3 models × 2 repetitions");

    let lines = eval.export(1);
    let stored = coordinates(&lines);
    assert_eq!(stored.len(), 18);
    for l in &lines {
        assert!(
            l["cell"]["key"].is_string() && l["metrics"]["e2e_ms"].is_number(),
            "{l}"
        );
        assert_eq!(l["session"]["kind"], "eval");
    }
    // The consistency figures, recomputed from the export by a separate Python script.
    let export = eval.write(
        "export.jsonl",
        &text(
            &eval
                .slam()
                .args(["sessions", "export", "1", "--format", "jsonl"])
                .output()
                .unwrap(),
        )
        .0,
    );
    let reference = Command::new(venv_bin("python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/eval-reference.py"))
        .arg(&export)
        .output()
        .unwrap();
    let (ref_out, ref_err) = text(&reference);
    assert!(reference.status.success(), "{ref_err}");
    let expected: Value = serde_json::from_str(&ref_out).unwrap();
    let shown = eval.show(1);
    assert_same(
        &expected["models"],
        &shown["consistency"]["models"],
        "models",
    );
    for model in ["smol-server", "smollm2", "gemma3-base"] {
        assert_eq!(shown["consistency"]["models"][model]["cells"], 6, "{model}");
    }
    assert_eq!(shown["checks"]["smollm2"][0]["total"], 6);

    // Energy is measured for local models only (a remote server's is not this machine's): a
    // figure where the machine lets it be read, else the reason, never a made-up number.
    for l in &lines {
        let energy = &l["metrics"]["energy"];
        if l["model"] == "smol-server" {
            assert!(energy.is_null(), "{l}");
            continue;
        }
        let cpu_measured = energy["cpu"]["joules"].as_f64().is_some_and(|j| j > 0.0);
        let notes = energy["notes"].to_string();
        assert!(
            cpu_measured || notes.contains("intel-rapl"),
            "a CPU figure or why not: {energy}"
        );
        assert!(
            energy["gpu"].is_object() || notes.contains("GPU"),
            "a GPU figure or why not: {energy}"
        );
    }
    for model in ["smollm2", "gemma3-base"] {
        assert_eq!(shown["energy"][model]["answers"], 6, "{model}: {shown}");
    }
    assert!(shown["energy"]["smol-server"].is_null());
    // The run's hardware timeline, one sample a second while it ran.
    assert!(
        shown["hardware"]["samples"]
            .as_u64()
            .is_some_and(|n| n >= 1),
        "{}",
        shown["hardware"]
    );
    let text_show = text(&eval.slam().args(["eval", "show", "1"]).output().unwrap()).0;
    assert!(
        text_show.contains("hardware over the run (")
            && text_show.contains("energy (local models)"),
        "{text_show}"
    );
}

/// Every figure the reference computed equals slam's (floats to 1e-9, relative).
fn assert_same(expected: &Value, got: &Value, path: &str) {
    match (expected, got) {
        (Value::Object(e), Value::Object(g)) => {
            for (k, v) in e {
                let sub = format!("{path}.{k}");
                assert_same(v, g.get(k).unwrap_or(&Value::Null), &sub);
            }
        }
        (Value::Array(e), Value::Array(g)) => {
            assert_eq!(e.len(), g.len(), "{path}: {e:?} vs {g:?}");
            for (i, (a, b)) in e.iter().zip(g).enumerate() {
                assert_same(a, b, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!(
                (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
                "{path}: reference {a}, slam {b}"
            );
        }
        (e, g) => assert_eq!(e, g, "{path}"),
    }
}

fn slow_server(delay: Duration) -> FakeServer {
    FakeServer::answering(Arc::new(move |body: &Value| {
        let mut steps = vec![Step::Sleep(delay)];
        steps.extend(streamed_answer(&format!(
            "About {}.",
            last_user_message(body)
        )));
        steps
    }))
}

fn cell_of(body: &Value) -> (String, i64) {
    (last_user_message(body), body["seed"].as_i64().unwrap())
}

#[test]
fn a_killed_run_resumes_with_only_the_missing_cells_and_a_changed_template_is_refused() {
    let fake = slow_server(Duration::from_millis(150));
    let eval = Eval::new(&remote_config("remote", &fake));
    let spec_text = |template: &str| {
        format!(
            "name = \"resume\"\ntemplate = \"{template}\"\nrepetitions = 2\nwarmup = false\n\n\
             [[models]]\nname = \"remote\"\n\n{}",
            inline_inputs(&["a", "b", "c", "d", "e", "f"])
        )
    };
    let spec = eval.write("spec.toml", &spec_text("{{ word }}"));
    let spec_arg = spec.to_str().unwrap();
    let mut child = eval
        .slam()
        .args(["eval", spec_arg, "--no-tui"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.bodies().len() < 5 {
        assert!(Instant::now() < deadline, "the run did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The fifth request waits 150 ms at the server: in the next 75 ms nothing more finishes,
    // and the four answers already received have time to commit (on a loaded machine the
    // writer can be a few ms behind the answer it stores).
    std::thread::sleep(Duration::from_millis(75));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let first_bodies = fake.bodies();
    // The killed run is recorded as not finished, with all 12 cells it planned then.
    let killed = eval.export(1);
    assert_eq!(
        killed[0]["session"]["stopped"],
        serde_json::json!({"why": "unfinished", "cells_left": 12})
    );
    let stored = coordinates(&killed);
    assert!(
        (4..=first_bodies.len()).contains(&stored.len()),
        "{} stored of {} sent",
        stored.len(),
        first_bodies.len()
    );

    let out = eval.run(&["eval", spec_arg, "--no-tui"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let finished = eval.export(1);
    assert!(
        finished[0]["session"].get("stopped").is_none(),
        "ran to the end"
    );
    let all = coordinates(&finished);
    assert_eq!(all.len(), 12, "no cell missing, none twice");
    // The server saw requests only for the cells the first run had not stored.
    let second: BTreeSet<(String, i64)> = fake.bodies()[first_bodies.len()..]
        .iter()
        .map(cell_of)
        .collect();
    let missing: BTreeSet<(String, i64)> = all
        .difference(&stored)
        .map(|(id, _, rep)| (id.clone(), *rep))
        .collect();
    assert_eq!(fake.bodies().len() - first_bodies.len(), 12 - stored.len());
    assert_eq!(second, missing);

    // A changed template no longer matches the stored cells: refused, nothing sent.
    let before = fake.bodies().len();
    eval.write("spec.toml", &spec_text("Tell me about {{ word }}"));
    let out = eval.run(&["eval", spec_arg, "--no-tui"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("the prompt (template"), "{stderr}");
    assert!(
        stderr.contains("12 stored cell(s)") && stderr.contains("--fresh"),
        "{stderr}"
    );
    assert_eq!(fake.bodies().len(), before);
    // --fresh starts a new run beside the old one.
    let out = eval.run(&["eval", spec_arg, "--no-tui", "--fresh"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(coordinates(&eval.export(2)).len(), 12);
    assert_eq!(
        coordinates(&eval.export(1)).len(),
        12,
        "the old run is kept"
    );
}

#[test]
fn faults_are_retried_or_recorded_per_cell_and_the_run_completes() {
    let throttled = Arc::new(AtomicBool::new(false));
    let fake = FakeServer::answering(Arc::new(move |body: &Value| {
        match last_user_message(body).as_str() {
            "fail" => response(
                500,
                &[("Content-Type", "application/json")],
                r#"{"error":{"message":"The server had an error while processing your request."}}"#,
            ),
            "stall" => vec![sse_head(), Step::Sleep(Duration::from_secs(8))],
            "busy" if !throttled.swap(true, Ordering::SeqCst) => response(
                429,
                &[("Retry-After", "1"), ("Content-Type", "application/json")],
                r#"{"error":{"message":"Rate limit reached for requests"}}"#,
            ),
            other => streamed_answer(&format!("Fine: {other}.")),
        }
    }));
    let eval = Eval::new(&remote_config("remote", &fake));
    let spec = eval.write(
        "spec.toml",
        &format!(
            "name = \"faults\"\ntemplate = \"{{{{ word }}}}\"\nrepetitions = 1\nwarmup = false\n\
             timeout = 2\n\n[[models]]\nname = \"remote\"\nconcurrency = 2\n\n{}",
            inline_inputs(&["fail", "stall", "busy", "fine"])
        ),
    );
    let out = eval.run(&["eval", spec.to_str().unwrap(), "--no-tui"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let shown = eval.show(1);
    let m = &shown["consistency"]["models"]["remote"];
    assert_eq!(m["cells"], 4);
    assert_eq!(m["ok"], 2);
    assert_eq!(m["errors"], json!({"server_error": 1, "timeout": 1}));
    assert_eq!(m["error_rate"], 0.5);
    assert!(stdout.contains("server_error 1, timeout 1"), "{stdout}");
    let busy: Vec<Instant> = fake
        .bodies()
        .iter()
        .zip(fake.request_times())
        .filter(|(b, _)| last_user_message(b) == "busy")
        .map(|(_, t)| t)
        .collect();
    assert_eq!(busy.len(), 2, "the 429 was retried once");
    assert!(
        busy[1] - busy[0] >= Duration::from_secs(1),
        "after Retry-After"
    );
    let lines = eval.export(1);
    let stored: BTreeMap<String, Value> = lines
        .iter()
        .map(|l| (l["prompt"]["item"].as_str().unwrap().to_owned(), l.clone()))
        .collect();
    assert_eq!(stored["busy"]["text"], "Fine: busy.");
    assert_eq!(stored["stall"]["error_kind"], "timeout");
}

#[test]
fn requests_per_minute_is_never_exceeded_in_any_sixty_seconds() {
    let fake = FakeServer::answering(Arc::new(|body: &Value| {
        streamed_answer(&last_user_message(body))
    }));
    let eval = Eval::new(&remote_config("remote", &fake));
    let ids: Vec<String> = (0..13).map(|i| format!("i{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let spec = eval.write(
        "spec.toml",
        &format!(
            "name = \"rpm\"\ntemplate = \"{{{{ word }}}}\"\nrepetitions = 10\nwarmup = false\n\n\
             [[models]]\nname = \"remote\"\nconcurrency = 16\nrequests_per_minute = 120\n\n{}",
            inline_inputs(&ids)
        ),
    );
    let out = eval.run(&["eval", spec.to_str().unwrap(), "--no-tui"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let mut times = fake.request_times();
    times.sort();
    assert_eq!(times.len(), 130);
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|u| **u - *t < Duration::from_secs(60))
            .count();
        assert!(
            in_window <= 120,
            "{in_window} requests within 60 s of request {i}"
        );
    }
    assert!(times[129] - times[0] >= Duration::from_secs(60));
}

#[test]
fn checks_give_each_answer_its_verdict_and_each_model_its_pass_rates() {
    let answers = [
        ("ok", r#"{"message": "Go Ana"}"#),
        ("schema", r#"{"message": 5}"#),
        ("broken", r#"Sure! {"message""#),
    ];
    let fake = FakeServer::answering(Arc::new(move |body: &Value| {
        let id = last_user_message(body);
        let text = answers
            .iter()
            .find(|(k, _)| *k == id)
            .map_or("?", |(_, t)| *t);
        streamed_answer(text)
    }));
    let eval = Eval::new(&remote_config("remote", &fake));
    let spec = eval.write(
        "spec.toml",
        &format!(
            "name = \"checks\"\ntemplate = \"{{{{ word }}}}\"\nrepetitions = 1\nwarmup = false\n\n\
             [[models]]\nname = \"remote\"\n\n\
             [[checks]]\ntype = \"json\"\nname = \"json\"\n\
             schema = {{ type = \"object\", required = [\"message\"], properties = {{ message = {{ type = \"string\" }} }} }}\n\n\
             [[checks]]\ntype = \"contains\"\nvalue = \"Go\"\nname = \"go\"\n\n\
             [[checks]]\ntype = \"words\"\nmax = 3\nname = \"short\"\n\n{}",
            inline_inputs(&["ok", "schema", "broken"])
        ),
    );
    let out = eval.run(&["eval", spec.to_str().unwrap(), "--no-tui"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let rates: BTreeMap<String, (u64, u64)> = eval.show(1)["checks"]["remote"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_u64().unwrap();
            (
                r["check"].as_str().unwrap().to_owned(),
                (n("passed"), n("total")),
            )
        })
        .collect();
    assert_eq!(rates["json"], (1, 3));
    assert_eq!(rates["go"], (1, 3));
    assert_eq!(rates["short"], (3, 3));
    let why = |item: &str| -> String {
        let lines = eval.export(1);
        let l = lines.iter().find(|l| l["prompt"]["item"] == item).unwrap();
        l["checks"][0]["why"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        why("schema").contains("does not match the schema"),
        "{}",
        why("schema")
    );
    assert!(
        why("broken").starts_with("not valid JSON"),
        "{}",
        why("broken")
    );
    assert_eq!(why("ok"), "");
}

/// On a terminal `slam eval` shows a live screen; `q` stops it cleanly: the finished cells are
/// kept, the terminal is given back, and running again goes on where it stopped.
#[test]
fn the_live_screen_shows_progress_and_q_stops_cleanly() {
    use common::tmux::{Tmux, slam_env};
    let fake = slow_server(Duration::from_millis(300));
    let eval = Eval::new(&remote_config("remote", &fake));
    let spec = eval.write(
        "spec.toml",
        &format!(
            "name = \"live\"\ntemplate = \"{{{{ word }}}}\"\nrepetitions = 4\nwarmup = false\n\n\
             [[models]]\nname = \"remote\"\n\n{}",
            inline_inputs(&["a", "b", "c", "d", "e"])
        ),
    );
    let tmux = Tmux::new("eval");
    let cache_home = slam::config::cache_dir().parent().unwrap().to_path_buf();
    let command = format!(
        "{} {} --config {} --db {} eval {}; echo SLAM_EXIT=$?; sleep 600",
        slam_env(&eval.sandbox, &cache_home),
        env!("CARGO_BIN_EXE_slam"),
        eval.path("config.toml").display(),
        eval.path("slam.db").display(),
        spec.display()
    );
    // The live screen takes the TUI's keymap: a key the user bound to stopping stops it.
    let keymap = eval.sandbox.dir.path().join("config").join("slam");
    std::fs::create_dir_all(&keymap).unwrap();
    std::fs::write(keymap.join("keymap.toml"), "[eval]\n\"s\" = \"quit\"\n").unwrap();
    tmux.session(120, 20, &command);
    let screen = tmux.wait_for(
        "cells finishing on the live screen",
        |s| s.contains("eval live") && (3..20).any(|n| s.contains(&format!(" {n}/20 "))),
        Duration::from_secs(30),
    );
    assert!(
        screen.contains("TTFT p50/p95") && screen.contains("q s <Ctrl-c> stop"),
        "{screen}"
    );
    tmux.keys(&["s"]);
    let after = tmux.wait_for(
        "slam to stop",
        |s| s.contains("SLAM_EXIT="),
        Duration::from_secs(20),
    );
    // Stopped by the user: 130, as a cancelled command exits.
    assert!(after.contains("SLAM_EXIT=130"), "{after}");
    assert!(
        after.contains("stopped:") && after.contains("run the same command again"),
        "{after}"
    );
    let kept = coordinates(&eval.export(1)).len();
    assert!((3..20).contains(&kept), "{kept} cells kept");
    let out = eval.run(&["eval", spec.to_str().unwrap(), "--no-tui"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(coordinates(&eval.export(1)).len(), 20);
}

/// The TUI's session browser lists sessions of every kind, newest first, and opens an eval on
/// its figures.
#[test]
fn the_tui_session_browser_opens_an_eval_on_its_figures() {
    use common::tmux::{Tmux, slam_env};
    let fake = FakeServer::answering(Arc::new(|body: &Value| {
        streamed_answer(&format!("Go {}!", last_user_message(body)))
    }));
    let eval = Eval::new(&remote_config("remote", &fake));
    let spec = eval.write(
        "spec.toml",
        &format!(
            "name = \"browse-me\"\ntemplate = \"{{{{ word }}}}\"\nrepetitions = 2\nwarmup = false\n\n\
             [[models]]\nname = \"remote\"\n\n[[checks]]\ntype = \"contains\"\nvalue = \"Go\"\n\n{}",
            inline_inputs(&["a", "b"])
        ),
    );
    let out = eval.run(&["eval", spec.to_str().unwrap(), "--no-tui"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let tmux = Tmux::new("browse");
    let cache_home = slam::config::cache_dir().parent().unwrap().to_path_buf();
    tmux.session(
        140,
        30,
        &format!(
            "{} {} --config {} --db {}; echo SLAM_EXIT=$?; sleep 600",
            slam_env(&eval.sandbox, &cache_home),
            env!("CARGO_BIN_EXE_slam"),
            eval.path("config.toml").display(),
            eval.path("slam.db").display(),
        ),
    );
    tmux.wait_for("the TUI", |s| s.contains("help"), Duration::from_secs(20));
    tmux.keys(&["C-e"]);
    let list = tmux.wait_for(
        "the session list",
        |s| s.contains("sessions, newest first") && s.contains("browse-me"),
        Duration::from_secs(10),
    );
    assert!(list.contains("eval") && list.contains("remote"), "{list}");
    tmux.keys(&["Enter"]);
    let figures = tmux.wait_for(
        "the eval's figures",
        |s| s.contains("session 1 · r report · Esc back") && s.contains("cells ok"),
        Duration::from_secs(10),
    );
    assert!(
        figures.contains("4/4") && figures.contains("contains \"Go\""),
        "{figures}"
    );
    // The report screen of the same run: one model, so no verdict, but its figures.
    tmux.keys(&["r"]);
    let report = tmux.wait_for(
        "the report",
        |s| s.contains("report of eval run 1") && s.contains("LATENCY"),
        Duration::from_secs(10),
    );
    assert!(report.contains("no candidate"), "{report}");
    // One key at a time: a terminal reads Esc followed at once by a key as Alt+key.
    tmux.keys(&["Escape"]);
    tmux.wait_for(
        "the figures again",
        |s| s.contains("session 1 · r report") && s.contains("cells ok"),
        Duration::from_secs(10),
    );
    tmux.keys(&["Escape", "Escape", "C-c"]);
    tmux.wait_for(
        "slam to quit",
        |s| s.contains("SLAM_EXIT=0"),
        Duration::from_secs(10),
    );
}

/// The example ships with a recorded run: its figures show with no model and no database.
#[test]
fn the_recorded_example_shows_with_no_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-runs/daily-motivation");
    let eval = Eval::new("");
    let out = eval.run(&[
        "eval",
        "show",
        root.join("result.jsonl").to_str().unwrap(),
        "--json",
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    for model in ["smollm2", "gemma3-base"] {
        assert_eq!(
            report["consistency"]["models"][model]["cells"], 48,
            "{model}"
        );
        let levels: Vec<u64> = report["sweep"][model]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["concurrency"].as_u64().unwrap())
            .collect();
        assert_eq!(levels, [1, 4], "{model}");
        assert_eq!(report["checks"][model].as_array().unwrap().len(), 4);
    }
    // The spec beside it is valid as it stands.
    let out = eval.run(&["eval", "show", "not-a-file.jsonl"]);
    assert!(text(&out).1.contains("not a session id"));
}
