//! A SLaM human evaluation folder (`.human_eval_config/`, `results/`) made to SLaM's shapes:
//! two workers' A/B votes, a tie, feedback, a question whose first key sorts second, an unknown
//! response; the votes become pairwise ratings whose battles and leaderboard equal a hand count.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Sandbox, text};
use serde_json::{Value, json};

fn slam(sandbox: &Sandbox, db: &Path, args: &[&str]) -> Output {
    sandbox.with_db(db, args)
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

    // Bradley–Terry from the exported battles, fitted by scipy (scripts/stats-reference.py):
    // the leaderboard's strengths are the same. (By hand: 5·σ(2t) − 3.5 + 0.01·t = 0 gives
    // t = 0.4221, 1000 ± 400·t/ln 10 = 1073 and 927.)
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(common::servers::venv_bin("python"))
        .arg(root.join("scripts/stats-reference.py"))
        .arg("--battles")
        .arg(&battles)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let reference: Value = serde_json::from_str(&stdout).unwrap();
    for m in ["x", "y"] {
        let elo = reference[m].as_f64().unwrap();
        assert!(
            row(m).contains(&format!(" {elo:.0} [")),
            "{m}: Bradley–Terry {elo:.3} by scipy:\n{board}"
        );
    }
    assert!((reference["x"].as_f64().unwrap() - 1073.2468).abs() < 1e-3);
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

#[test]
fn criterion_votes_are_kept_apart_from_the_overall_ones() {
    let sandbox = Sandbox::new();
    let dir = sandbox.dir.path().join("criteria");
    evaluation(&dir, None);
    let config_path = dir.join(".human_eval_config/config.json");
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config["hv_method"] = json!("A/B Testing with Criterions");
    config["criterias"] = json!([
        {"Criteria": "clarity", "Description": "Which is clearer?"},
        {"Criteria": "overall", "Description": "Which is better overall?"}
    ]);
    write(&config_path, &config);
    let both = |clarity: &str, overall: &str, time: f64| {
        json!({"result": {"clarity": clarity, "overall": overall, "feedback": "f"},
            "time": time, "question": ["p1", {"x": "r1", "y": "r3"}]})
    };
    // Overall x wins twice; on clarity y wins twice and one tie.
    results(
        &dir,
        "ann",
        json!([
            both("Response B", "Response A", 1710945835.0),
            both("Response B", "Response A", 1710945836.0),
            both("About the Same", "About the Same", 1710945837.0),
        ]),
    );
    let db = sandbox.dir.path().join("slam.db");
    let out = slam(
        &sandbox,
        &db,
        &["sessions", "import", dir.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("6 ratings"),
        "3 overall + 3 clarity: {stdout}"
    );
    assert!(stderr.contains("clarity"), "{stderr}");
    let row = |board: &str, m: &str| {
        board
            .lines()
            .find(|l| l.starts_with(&format!("{m} ")))
            .unwrap_or_default()
            .to_owned()
    };
    let overall = text(&slam(&sandbox, &db, &["leaderboard", "--session", "1"])).0;
    assert!(row(&overall, "x").contains("2/1/0"), "{overall}");
    assert!(
        overall.contains("votes per criterion: clarity"),
        "{overall}"
    );
    let clarity = text(&slam(
        &sandbox,
        &db,
        &["leaderboard", "--session", "1", "--criterion", "clarity"],
    ))
    .0;
    assert!(row(&clarity, "y").contains("2/1/0"), "{clarity}");
    assert!(row(&clarity, "x").contains("0/1/2"), "{clarity}");
}

#[test]
fn slams_own_set_ups_import_their_answers() {
    let sandbox = Sandbox::new();
    let db = sandbox.dir.path().join("slam.db");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/slam");
    for (n, name) in ["human-eval-ab", "human-eval-criteria"].iter().enumerate() {
        let out = slam(
            &sandbox,
            &db,
            &["sessions", "import", data.join(name).to_str().unwrap()],
        );
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(stdout.contains("10 answers, 0 ratings"), "{name}: {stdout}");
        let lines: Vec<Value> = text(&slam(
            &sandbox,
            &db,
            &["sessions", "export", &(n + 1).to_string()],
        ))
        .0
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
        assert_eq!(
            lines[0]["prompt"]["user"],
            "Tell me about the Ann Arbor city"
        );
        let disc = lines[0]["prompt"]["extra"]["prompt_disc"]
            .as_str()
            .unwrap_or_default();
        assert!(disc.contains("class='prompt_disc'"), "{disc}");
    }
}
