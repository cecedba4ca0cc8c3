//! A SLaM human evaluation folder (`.human_eval_config/`, `results/`) made to SLaM's shapes:
//! two workers' A/B votes, a tie, feedback, a question whose first key sorts second, an unknown
//! response; the votes become pairwise ratings whose battles and leaderboard equal a hand count.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Sandbox, text};
use serde_json::{Value, json};

fn slam(sandbox: &Sandbox, db: &Path, args: &[&str]) -> Output {
    sandbox
        .slam()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn write(path: &Path, v: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// Responses r1–r6: prompt p1 has x:[r1, r2] and y:[r3, r4], p2 has x:[r5] and y:[r6].
fn evaluation(dir: &Path, n_options: Option<u32>) {
    let cfg = dir.join(".human_eval_config");
    let mut config = json!({"hv_method": "A/B Testing", "config": {"n_workers": 2,
        "n_questions_per_worker": 3, "ability_to_tie": "Allow",
        "data_sources": ["a_responses.json"]}, "criterias": null,
        "time_created": "20/03/2024 07:14:39"});
    if let Some(n) = n_options {
        config["config"]["n_options"] = json!(n);
    }
    write(&cfg.join("config.json"), &config);
    let responses: serde_json::Map<String, Value> = (1..=6)
        .map(|i| (format!("r{i}"), json!(format!("answer {i}"))))
        .collect();
    write(&cfg.join("responses.json"), &Value::Object(responses));
    write(
        &cfg.join("models_responses.json"),
        &json!({"p1": {"x": ["r1", "r2"], "y": ["r3", "r4"]}, "p2": {"x": ["r5"], "y": ["r6"]}}),
    );
    write(
        &cfg.join("prompt_info.json"),
        &json!([{"prompt": "First?", "prompt_disc": "<p>one</p>", "prompt_id": "p1"},
                {"prompt": "Second?", "prompt_disc": null, "prompt_id": "p2"}]),
    );
}

fn results(dir: &Path, worker: &str, evals: Value) {
    write(
        &dir.join("results")
            .join(format!("{worker}_set-{worker}.json")),
        &json!({"worker_id": worker, "question_set_id": format!("set-{worker}"),
            "evals": evals, "start_time": 1710945829.8, "end_time": 1710945900.0,
            "question_index": 3}),
    );
}

fn eval(prompt: &str, pair: Value, overall: &str, feedback: &str, time: f64) -> Value {
    json!({"result": {"overall": overall, "feedback": feedback}, "time": time,
        "question": [prompt, pair]})
}

/// x wins 3 (one as Response B of a question that lists y first), y wins 1, one tie.
fn votes(dir: &Path) {
    results(
        dir,
        "ann",
        json!([
            eval(
                "p1",
                json!({"x": "r1", "y": "r3"}),
                "Response A",
                "clearer",
                1710945835.5
            ),
            eval(
                "p1",
                json!({"y": "r4", "x": "r2"}),
                "Response B",
                "x is warmer",
                1710945840.0
            ),
            eval(
                "p2",
                json!({"x": "r5", "y": "r6"}),
                "About the Same",
                "same",
                1710945845.0
            ),
        ]),
    );
    results(
        dir,
        "bob",
        json!([
            eval(
                "p1",
                json!({"x": "r2", "y": "r4"}),
                "Response B",
                "y",
                1710945850.0
            ),
            eval(
                "p2",
                json!({"y": "r6", "x": "r5"}),
                "Response B",
                "x",
                1710945855.0
            ),
        ]),
    );
}

#[test]
fn a_human_evaluation_imports_every_vote_once() {
    let sandbox = Sandbox::new();
    let dir = sandbox.dir.path().join("city-eval");
    evaluation(&dir, None);
    votes(&dir);
    let db = sandbox.dir.path().join("slam.db");
    let folder = dir.to_str().unwrap();
    let out = slam(&sandbox, &db, &["sessions", "import", folder]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("6 answers, 5 ratings"), "{stdout}");
    // Again: nothing new.
    let out = slam(&sandbox, &db, &["sessions", "import", folder]);
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("0 answers, 0 ratings") && stdout.contains("11 already present"),
        "{stdout}"
    );

    // Battles by hand: x beat y 3 times, y beat x once, one tie.
    let battles = sandbox.dir.path().join("battles.json");
    let out = slam(
        &sandbox,
        &db,
        &[
            "sessions",
            "export",
            "1",
            "--format",
            "battles",
            "-o",
            battles.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{:?}", text(&out));
    let rows: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&battles).unwrap()).unwrap();
    let won = |m: &str| {
        rows.iter()
            .filter(|r| {
                r["winner"] == "model_a" && r["model_a"] == m
                    || r["winner"] == "model_b" && r["model_b"] == m
            })
            .count()
    };
    let ties = rows.iter().filter(|r| r["winner"] == "tie").count();
    assert_eq!(
        (rows.len(), won("x"), won("y"), ties),
        (5, 3, 1, 1),
        "{rows:?}"
    );

    // The worker is the rater, the feedback the note, the time kept; prompt_disc kept.
    let lines: Vec<Value> = text(&slam(&sandbox, &db, &["sessions", "export", "1"]))
        .0
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ratings: Vec<&Value> = lines
        .iter()
        .flat_map(|l| l["ratings"].as_array().unwrap())
        .collect();
    let clearer = ratings.iter().find(|r| r["note"] == "clearer").unwrap();
    assert_eq!(clearer["rater"], "ann");
    // date -u -d @1710945835 → 2024-03-20T14:43:55, plus the half second.
    assert_eq!(clearer["created_at"], "2024-03-20T14:43:55.500Z");
    let p1 = lines
        .iter()
        .find(|l| l["prompt"]["user"] == "First?")
        .unwrap();
    assert_eq!(p1["prompt"]["extra"]["prompt_disc"], "<p>one</p>");

    // The leaderboard: x 3 won, 1 tied, 1 lost — a win rate of (3 + 1/2) / 5 = 0.70, Wilson
    // by hand: centre (0.7 + 1.96²/10) / (1 + 1.96²/5) = 0.613, half-width
    // 1.96 / 1.768 × √(0.21/5 + 1.96²/100) = 0.314 → [0.30, 0.93]; y the mirror image.
    let board = text(&slam(&sandbox, &db, &["leaderboard", "--session", "1"])).0;
    let row = |m: &str| {
        board
            .lines()
            .find(|l| l.starts_with(&format!("{m} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        row("x").contains("3/1/1") && row("x").contains("0.70 [0.30, 0.93]"),
        "{board}"
    );
    assert!(
        row("y").contains("1/1/3") && row("y").contains("0.30 [0.07, 0.70]"),
        "{board}"
    );
}

#[test]
fn a_vote_naming_an_unknown_response_is_a_bad_entry() {
    let sandbox = Sandbox::new();
    let dir = sandbox.dir.path().join("eval");
    evaluation(&dir, None);
    votes(&dir);
    results(
        &dir,
        "cid",
        json!([
            eval(
                "p1",
                json!({"x": "r1", "y": "r3"}),
                "Response A",
                "ok",
                1710945860.0
            ),
            eval(
                "p1",
                json!({"x": "r1", "y": "r99"}),
                "Response A",
                "?",
                1710945861.0
            ),
        ]),
    );
    let db = sandbox.dir.path().join("slam.db");
    let folder = dir.to_str().unwrap();
    let out = slam(&sandbox, &db, &["sessions", "import", folder]);
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("cid_set-cid.json: evals[1]") && err.contains("r99"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    let out = slam(&sandbox, &db, &["sessions", "import", "--skip-bad", folder]);
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(stdout.contains("6 answers, 6 ratings"), "{stdout}");
    assert!(err.contains("skipped") && err.contains("evals[1]"), "{err}");

    // Options other than two are said, not guessed.
    let three = sandbox.dir.path().join("three");
    evaluation(&three, Some(3));
    let out = slam(
        &sandbox,
        &db,
        &["sessions", "import", three.to_str().unwrap()],
    );
    let (_, err) = text(&out);
    assert!(
        !out.status.success() && err.contains("n_options is 3"),
        "{err}"
    );
}
