//! `slam sessions` and `slam leaderboard` with the real binary on real SQLite files: imports
//! of every sample run, field-for-field round trips, Arena battle rows, bad input.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{Sandbox, text};
use serde_json::json;
use slam::domain::rating::{PairOutcome, Score, Tag};
use slam::store::records::{GenerationRecord, PromptRecord, SessionRecord};
use slam::store::{NewRating, Store};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-runs");

fn sample(name: &str) -> PathBuf {
    Path::new(SAMPLES).join(name)
}

fn slam(sandbox: &Sandbox, db: &Path, args: &[&str]) -> (bool, String, String) {
    let out = sandbox
        .slam()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    (out.status.success(), stdout, stderr)
}

fn ok(sandbox: &Sandbox, db: &Path, args: &[&str]) -> String {
    let (success, stdout, stderr) = slam(sandbox, db, args);
    assert!(success, "slam {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

fn import_sample(sandbox: &Sandbox, db: &Path, name: &str) -> String {
    ok(
        sandbox,
        db,
        &["sessions", "import", &sample(name).display().to_string()],
    )
}

fn setup() -> (Sandbox, PathBuf) {
    let sandbox = Sandbox::new();
    let db = sandbox.dir.path().join("slam.db");
    (sandbox, db)
}

#[test]
fn every_sample_run_imports_cleanly() {
    let (sandbox, db) = setup();
    let mut files: Vec<PathBuf> = std::fs::read_dir(SAMPLES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    for file in &files {
        let out = ok(
            &sandbox,
            &db,
            &["sessions", "import", &file.display().to_string()],
        );
        assert!(out.contains(" answers"), "{out}");
    }
    let list = ok(&sandbox, &db, &["sessions", "list"]);
    assert_eq!(
        list.lines().count(),
        files.len() + 1,
        "one session per file:\n{list}"
    );
}

#[test]
fn the_rated_sample_round_trips_byte_for_byte() {
    let (sandbox, db) = setup();
    let original = std::fs::read_to_string(sample("slam-study-rated.jsonl")).unwrap();
    let out = import_sample(&sandbox, &db, "slam-study-rated.jsonl");
    assert!(out.contains("24 answers, 46 ratings"), "{out}");
    let exported = ok(&sandbox, &db, &["sessions", "export", "1"]);
    assert_eq!(
        exported, original,
        "uids, times, statuses, history and ballots survive"
    );
    // Importing again adds nothing.
    let again = import_sample(&sandbox, &db, "slam-study-rated.jsonl");
    assert!(
        again.contains("0 answers, 0 ratings") && again.contains("70 already present"),
        "{again}"
    );
}

/// A session with every field filled in, written through the store as the TUI writes it.
fn full_session(db: &Path) {
    let mut store = Store::open(db).unwrap();
    let session = store
        .insert_session(&SessionRecord {
            uid: "s1".into(),
            kind: "tui".into(),
            name: "tui: a vs b vs c".into(),
            prompt_set: Some("set".into()),
            prompt_set_hash: Some("abc".into()),
            models: vec!["a".into(), "b".into(), "c".into()],
            rater: Some("ann".into()),
            blind: true,
            created_at: "2026-01-02T03:04:05.678Z".into(),
            stopped: Some(slam::domain::run_stop::RunStop::Cancelled { cells_left: 3 }),
        })
        .unwrap();
    let prompt = store
        .insert_prompt(
            session,
            &PromptRecord {
                uid: "p1".into(),
                item: Some("7".into()),
                system: Some("Be brief.".into()),
                user: "Capital of France?".into(),
                pane_order: Some(vec!["b".into(), "a".into(), "c".into()]),
                created_at: "2026-01-02T03:04:06.000Z".into(),
                extra: None,
                conversation: None,
                previous: None,
            },
        )
        .unwrap();
    let mut ids = Vec::new();
    for (i, model) in ["b", "a", "c"].iter().enumerate() {
        let g = GenerationRecord {
            uid: format!("g{i}"),
            model: model.to_string(),
            manifest: Some(
                json!({"backend": "llama.cpp", "gguf_sha256": format!("{i:064}"), "hardware": {"cpu": "x"}}),
            ),
            position: i as i64,
            repetition: 0,
            text: format!("answer «{model}» 日本"),
            params: Some(json!({"temperature": 0.0, "max_tokens": 48})),
            metrics: Some(json!({"ttft_ms": 12.5, "e2e_ms": 99.0, "output_tokens": 9})),
            timings: Some(json!({"prompt_ms": 1.5})),
            finish_reason: if i == 2 { None } else { Some("stop".into()) },
            error_kind: (i == 2).then(|| "timeout".into()),
            error_message: (i == 2).then(|| "no first token in 120 s".into()),
            created_at: format!("2026-01-02T03:04:0{}.000Z", 7 + i),
            thinking: (i == 0).then(|| "first, the capital… «think»".into()),
            cell: (i == 1).then(|| json!({"key": "k", "prompt": "p"})),
            checks: (i == 1).then(|| json!([{"check": "c", "passed": true}])),
            concurrency: (i == 1).then_some(4),
        };
        ids.push(store.insert_generation(prompt, &g).unwrap());
    }
    let score = |s: u8, tags: &[&str], note: Option<&str>| NewRating::Score {
        answer: ids[0],
        score: Score {
            score: Some(s),
            tags: tags.iter().filter_map(|t| Tag::parse(t)).collect(),
            note: note.map(str::to_owned),
        },
        position: Some(1),
    };
    store
        .rate(prompt, "ann", true, &score(2, &[], None))
        .unwrap();
    store
        .rate(
            prompt,
            "ann",
            true,
            &score(2, &["hallucination"], Some("wrong city")),
        )
        .unwrap();
    let five = store
        .rate(prompt, "ann", true, &score(5, &[], None))
        .unwrap();
    assert!(store.undo_rating(five).unwrap());
    let best = NewRating::Best {
        best: Some(ids[1]),
        worst: Some(ids[2]),
        ballot: ids.clone(),
    };
    store.rate(prompt, "ann", true, &best).unwrap();
    store
        .rate(
            prompt,
            "bob",
            false,
            &NewRating::Pair {
                a: ids[0],
                b: ids[1],
                outcome: PairOutcome::Tie,
            },
        )
        .unwrap();
}

#[test]
fn export_then_import_round_trips_every_field() {
    let (sandbox, db) = setup();
    full_session(&db);
    let first = ok(&sandbox, &db, &["sessions", "export", "1"]);
    let lines: Vec<serde_json::Value> = first
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let g0 = &lines[0];
    assert_eq!(g0["manifest"]["gguf_sha256"], json!(format!("{:064}", 0)));
    assert_eq!(g0["params"]["max_tokens"], json!(48));
    assert_eq!(g0["prompt"]["pane_order"], json!(["b", "a", "c"]));
    let statuses: Vec<&str> = g0["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    // Ann's score history, then Bob's tie (owned by the left answer).
    assert_eq!(statuses, ["replaced", "active", "undone", "active"]);
    assert_eq!(g0["ratings"][1]["note"], json!("wrong city"));
    assert_eq!(g0["ratings"][2]["replaces"], g0["ratings"][1]["uid"]);
    assert_eq!(lines[1]["ratings"][0]["ballot"], json!(["g0", "g1", "g2"]));
    assert_eq!(lines[2]["error_message"], json!("no first token in 120 s"));

    let file = sandbox.dir.path().join("export.jsonl");
    std::fs::write(&file, &first).unwrap();
    let other = sandbox.dir.path().join("other.db");
    ok(
        &sandbox,
        &other,
        &["sessions", "import", &file.display().to_string()],
    );
    let second = ok(&sandbox, &other, &["sessions", "export", "1"]);
    assert_eq!(second, first);
    // The re-imported ratings are live: the leaderboard counts them the same way.
    let a = ok(&sandbox, &db, &["leaderboard"]);
    let b = ok(&sandbox, &other, &["leaderboard"]);
    assert_eq!(a, b);
    assert!(a.contains("hallucination 1"), "{a}");
}

#[test]
fn battle_export_has_exactly_the_arena_columns() {
    let (sandbox, db) = setup();
    import_sample(&sandbox, &db, "slam-study-rated.jsonl");
    let csv = ok(
        &sandbox,
        &db,
        &["sessions", "export", "1", "--format", "battles"],
    );
    let mut rows = csv.lines();
    assert_eq!(rows.next(), Some("model_a,model_b,winner"));
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), 12, "one battle per item");
    for row in &rows {
        let winner = row.rsplit(',').next().unwrap();
        assert!(
            ["model_a", "model_b", "tie", "tie (bothbad)"].contains(&winner),
            "{row}"
        );
    }
    let json_file = sandbox.dir.path().join("battles.json");
    ok(
        &sandbox,
        &db,
        &[
            "sessions",
            "export",
            "1",
            "--format",
            "battles",
            "-o",
            &json_file.display().to_string(),
        ],
    );
    let battles: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    assert_eq!(battles.len(), 12);
    for b in &battles {
        let keys: Vec<&String> = b.keys().collect();
        assert_eq!(keys, ["model_a", "model_b", "winner"]);
    }
}

#[test]
fn leaderboard_over_an_imported_sample_prints_the_table() {
    let (sandbox, db) = setup();
    import_sample(&sandbox, &db, "slam-study-rated.jsonl");
    let out = ok(&sandbox, &db, &["leaderboard"]);
    let header = out.lines().next().unwrap();
    for column in [
        "model",
        "mean [95% t]",
        "W/T/L",
        "win rate [Wilson]",
        "Bradley–Terry [bootstrap]",
        "Elo",
        "tags",
    ] {
        assert!(header.contains(column), "{column}: {out}");
    }
    for model in ["smollm2", "gemma3-base"] {
        assert!(out.lines().any(|l| l.starts_with(model)), "{model}: {out}");
    }
    assert!(
        out.contains("24 scores · 12 battles · 1000 bootstrap resamples"),
        "{out}"
    );
    assert!(
        out.contains("Bradley–Terry strength") && out.contains('█'),
        "a bar chart: {out}"
    );
    // Filters.
    assert_eq!(ok(&sandbox, &db, &["leaderboard", "--session", "1"]), out);
    assert_eq!(
        ok(
            &sandbox,
            &db,
            &["leaderboard", "--prompt-set", "slam-study"]
        ),
        out
    );
    assert_eq!(
        ok(
            &sandbox,
            &db,
            &["leaderboard", "--rater", "reference-check"]
        ),
        out
    );
    let none = ok(&sandbox, &db, &["leaderboard", "--rater", "nobody"]);
    assert!(none.contains("no ratings match"), "{none}");
}

#[test]
fn csv_export_has_a_row_per_answer_with_its_score() {
    let (sandbox, db) = setup();
    import_sample(&sandbox, &db, "slam-study-rated.jsonl");
    let path = sandbox.dir.path().join("out.csv");
    ok(
        &sandbox,
        &db,
        &["sessions", "export", "1", "-o", &path.display().to_string()],
    );
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let score = headers.iter().position(|h| h == "score").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 24);
    assert!(
        rows.iter().all(|r| ["1", "4"].contains(&&r[score])),
        "every answer is scored"
    );
}

#[test]
fn a_malformed_import_line_names_file_and_line_and_imports_nothing() {
    let (sandbox, db) = setup();
    let file = sandbox.dir.path().join("study.jsonl");
    std::fs::write(
        &file,
        "{\"run\": 1, \"prompt\": \"a?\", \"outputs\": {\"m1\": [\"x\"], \"m2\": [\"y\"]}}\n\
         {\"run\": 2, \"prompt\": \"b?\", \"outputs\": {\"m1\": \"x\", \"m2\": 7}}\n\
         {\"run\": 3, \"prompt\": \"c?\", \"outputs\": {\"m1\": [\"x\"], \"m2\": [\"y\"]}}\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let (success, _, stderr) = slam(&sandbox, &db, &["sessions", "import", &path]);
    assert!(!success);
    assert!(
        stderr.contains(&format!("{path}:2: outputs.m2: expected a list of texts")),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    let list = ok(&sandbox, &db, &["sessions", "list"]);
    assert!(list.contains("no sessions"), "{list}");
    let out = ok(&sandbox, &db, &["sessions", "import", "--skip-bad", &path]);
    assert!(out.contains("4 answers"), "{out}");
    let (_, _, stderr) = slam(&sandbox, &db, &["sessions", "import", "--skip-bad", &path]);
    assert!(stderr.contains(&format!("skipped {path}:2:")), "{stderr}");
    let (success, _, stderr) = slam(
        &sandbox,
        &db,
        &[
            "sessions",
            "import",
            &file.with_extension("nope").display().to_string(),
        ],
    );
    assert!(!success && stderr.contains("study.nope"), "{stderr}");
}

#[test]
fn a_database_from_a_newer_slam_is_refused() {
    let (sandbox, db) = setup();
    import_sample(&sandbox, &db, "capital.jsonl");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    for args in [
        &["sessions", "list"][..],
        &[
            "sessions",
            "import",
            &sample("capital.jsonl").display().to_string(),
        ],
    ] {
        let (success, _, stderr) = slam(&sandbox, &db, args);
        assert!(!success);
        assert!(
            stderr.contains("schema version 99") && stderr.contains("newer slam"),
            "{stderr}"
        );
    }
}

#[test]
fn a_database_another_slam_writes_to_is_a_clear_message() {
    let (sandbox, db) = setup();
    import_sample(&sandbox, &db, "capital.jsonl");
    let holder = Store::open(&db).unwrap();
    let (success, _, stderr) = slam(
        &sandbox,
        &db,
        &[
            "sessions",
            "import",
            &sample("sky-blue.jsonl").display().to_string(),
        ],
    );
    assert!(!success);
    let pid = std::process::id();
    assert!(
        stderr.contains(&format!("is in use by another slam (pid {pid})")),
        "{stderr}"
    );
    // Reading goes on while it is held.
    assert!(ok(&sandbox, &db, &["sessions", "list"]).contains("capital.jsonl"));
    drop(holder);
    import_sample(&sandbox, &db, "sky-blue.jsonl");
}

#[test]
fn database_files_are_private_and_delete_asks_first() {
    let (sandbox, db) = setup();
    import_sample(&sandbox, &db, "slam-study-rated.jsonl");
    let _reader = Store::open_read(&db).unwrap(); // keeps -wal and -shm around
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        if path.exists() {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
    let export = sandbox.dir.path().join("private.jsonl");
    ok(
        &sandbox,
        &db,
        &[
            "sessions",
            "export",
            "1",
            "-o",
            &export.display().to_string(),
        ],
    );
    let mode = std::fs::metadata(&export).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "an export is as private as the database");
    let (success, _, stderr) = slam(&sandbox, &db, &["sessions", "delete", "1"]);
    assert!(!success && stderr.contains("pass --yes"), "{stderr}");
    assert!(ok(&sandbox, &db, &["sessions", "list"]).contains("slam-study"));
    ok(&sandbox, &db, &["sessions", "delete", "1", "--yes"]);
    assert!(ok(&sandbox, &db, &["sessions", "list"]).contains("no sessions"));
    let out = ok(&sandbox, &db, &["leaderboard"]);
    assert!(
        out.contains("no ratings match"),
        "ratings went with the session: {out}"
    );
}

#[test]
fn a_bad_rating_in_an_export_names_file_and_line() {
    let (sandbox, db) = setup();
    let original = std::fs::read_to_string(sample("slam-study-rated.jsonl")).unwrap();
    let mut lines: Vec<serde_json::Value> = original
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let write = |name: &str, lines: &[serde_json::Value]| {
        let path = sandbox.dir.path().join(name);
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        std::fs::write(&path, text.join("\n") + "\n").unwrap();
        path.display().to_string()
    };
    lines[2]["ratings"][0]["score"] = json!(9);
    let path = write("score9.jsonl", &lines);
    let (success, _, stderr) = slam(&sandbox, &db, &["sessions", "import", &path]);
    assert!(!success);
    assert!(
        stderr.contains(&format!("{path}:3: ratings[0]"))
            && stderr.contains("score 9: expected 1 to 5"),
        "{stderr}"
    );

    lines[2]["ratings"][0]["score"] = json!(4);
    // A word outside its set is named with its rating and the words it could be.
    for (field, word, expected) in [
        (
            "status",
            "actve",
            "status \"actve\": expected active, replaced, undone",
        ),
        ("kind", "scor", "kind \"scor\": expected score, pair, best"),
    ] {
        let good = lines[2]["ratings"][0][field].clone();
        lines[2]["ratings"][0][field] = json!(word);
        let path = write("word.jsonl", &lines);
        let (success, _, stderr) = slam(&sandbox, &db, &["sessions", "import", &path]);
        assert!(!success);
        assert!(
            stderr.contains(&format!("{path}:3: ratings[0] (")) && stderr.contains(expected),
            "{stderr}"
        );
        lines[2]["ratings"][0][field] = good;
    }
    lines[2]["ratings"][0]["generation"] = json!("no-such-answer");
    let path = write("dangling.jsonl", &lines);
    let (success, _, stderr) = slam(&sandbox, &db, &["sessions", "import", &path]);
    assert!(!success);
    assert!(
        stderr.contains(&format!("{path}:3: rating")) && stderr.contains("no-such-answer"),
        "{stderr}"
    );
    assert!(
        ok(&sandbox, &db, &["sessions", "list"]).contains("no sessions"),
        "nothing imported"
    );
    let out = ok(&sandbox, &db, &["sessions", "import", "--skip-bad", &path]);
    assert!(
        out.contains("24 answers, 45 ratings"),
        "all but the bad rating: {out}"
    );
}

#[test]
fn a_bad_prompt_file_names_file_and_line_before_anything_opens() {
    let (sandbox, db) = setup();
    let prompts = sandbox.dir.path().join("prompts.jsonl");
    std::fs::write(&prompts, "{\"prompt\": \"ok?\"}\n{\"question\": \"no\"}\n").unwrap();
    let path = prompts.display().to_string();
    let args = [
        "rate",
        "--prompts",
        &path,
        "-m",
        "smollm2",
        "-m",
        "gemma3-base",
    ];
    let (success, _, stderr) = slam(&sandbox, &db, &args);
    assert!(!success);
    assert!(
        stderr.contains(&format!("{path}:2: expected {{\"prompt\": \"…\"}}")),
        "{stderr}"
    );
}

/// A stored run whose answers ended every way: each says how in the CSV export and in the
/// report's side-by-side table. The expected states are written by hand from the fixture
/// (`tests/data/answer-states.jsonl`: finish reasons length, stop, cancelled, and a timeout).
#[test]
fn truncated_cancelled_and_timed_out_answers_say_so_in_the_export_and_the_report() {
    let (sandbox, db) = setup();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/answer-states.jsonl");
    ok(
        &sandbox,
        &db,
        &["sessions", "import", fixture.to_str().unwrap()],
    );
    let expected = [
        ("smollm2", "0", "truncated"),
        ("smollm2", "1", "complete"),
        ("smollm2", "2", "cancelled"),
        ("gemma3-base", "0", "truncated"),
        ("gemma3-base", "1", "truncated"),
        ("gemma3-base", "2", "timed_out"),
    ];
    let csv_path = sandbox.dir.path().join("states.csv");
    ok(
        &sandbox,
        &db,
        &["sessions", "export", "1", "-o", csv_path.to_str().unwrap()],
    );
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (model, rep, state) = (col("model"), col("repetition"), col("state"));
    let mut found: Vec<(String, String, String)> = reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[model].to_owned(), r[rep].to_owned(), r[state].to_owned()))
        .collect();
    found.sort();
    let mut wanted: Vec<(String, String, String)> = expected
        .iter()
        .map(|(m, r, s)| (m.to_string(), r.to_string(), s.to_string()))
        .collect();
    wanted.sort();
    assert_eq!(found, wanted);

    let report = sandbox.dir.path().join("report.md");
    ok(
        &sandbox,
        &db,
        &["report", "1", "-o", report.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&report).unwrap();
    let labels = [
        ("truncated", "truncated"),
        ("complete", "complete"),
        ("cancelled", "cancelled"),
        ("timed_out", "timed out"),
    ];
    for (m, r, key) in expected {
        let label = labels.iter().find(|(k, _)| *k == key).unwrap().1;
        let row = format!("| {m} | {r} | {label} |");
        assert!(text.contains(&row), "{row} in\n{text}");
    }
}
