//! `slam judge` end to end: an eval run of two server models with fixed answers, judged by the
//! local smollm2 under a grammar, by a server that only writes prose, and refused on bad input.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use common::eval_run::{EvalRun, Served};
use common::fake_server::{FakeServer, last_user_message, streamed_answer};
use common::text;
use serde_json::{Value, json};

type Run = EvalRun;

/// The judge that only writes prose (served third).
fn prose(run: &Run) -> &FakeServer {
    &run.servers[2]
}

fn stored(run: &Run) -> Vec<Value> {
    stored_verdicts(&run.path("slam.db"))
}

/// An eval session (id 1) of `cand` and `base` (the baseline), 2 inputs × 2 repetitions, with
/// fixed answers of different lengths; and a prose-only judge server.
fn evaluated() -> Run {
    let served = |name, server| Served {
        name,
        model: "m",
        server,
        extra: "",
    };
    let cand = FakeServer::answering(Arc::new(|b: &Value| {
        streamed_answer(&format!(
            "Good morning {}! Three small steps today.",
            last_user_message(b)
        ))
    }));
    let base = FakeServer::answering(Arc::new(|b: &Value| {
        streamed_answer(&format!("Go {}.", last_user_message(b)))
    }));
    let prose = FakeServer::answering(Arc::new(|_: &Value| {
        streamed_answer("Both answers are fine, but I think the first one is a little warmer.")
    }));
    EvalRun::new(
        vec![
            served("cand", cand),
            served("base", base),
            served("prose", prose),
        ],
        "name = \"j\"\ntemplate = \"{{ name }}\"\nrepetitions = 2\nwarmup = false\n\n\
         [[models]]\nname = \"base\"\nbaseline = true\n\n[[models]]\nname = \"cand\"\n\n\
         [[input]]\nname = \"Ana\"\n\n[[input]]\nname = \"Bo\"\n",
    )
}

#[test]
fn a_local_judge_under_a_grammar_always_parses_and_both_orders_are_stored() {
    let run = evaluated();
    let out = run.slam(&["judge", "1", "--judge", "smollm2", "--json"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        (report["asked"].clone(), report["invalid"].clone()),
        (json!(8), json!(0))
    );
    assert_eq!(report["baseline"], "base", "from the spec");
    let verdicts = stored(&run);
    assert_eq!(verdicts.len(), 8, "4 pairs × 2 orders");
    let mut pairs: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for v in &verdicts {
        assert_eq!(v["status"], "ok", "{v}");
        assert!(
            ["A", "B", "tie"].contains(&v["verdict"].as_str().unwrap()),
            "{v}"
        );
        assert!(
            v["reason"].is_string() && v["template_sha256"].is_string(),
            "{v}"
        );
        // The stored prompt shows the answers in the order the judge saw them.
        let prompt = v["prompt"].as_str().unwrap();
        let (cand_at, base_at) = (
            prompt.find("Good morning").unwrap(),
            prompt.find("\nGo ").unwrap(),
        );
        assert_eq!(
            v["candidate_first"].as_bool().unwrap(),
            cand_at < base_at,
            "{prompt}"
        );
        pairs
            .entry(v["candidate"].as_str().unwrap().to_owned())
            .or_default()
            .push(v);
    }
    assert_eq!(pairs.len(), 4);
    // Position consistency, counted here from the stored verdicts.
    let consistent = pairs
        .values()
        .filter(|both| {
            assert_eq!(both.len(), 2);
            assert_ne!(both[0]["candidate_first"], both[1]["candidate_first"]);
            both[0]["winner"] == both[1]["winner"]
        })
        .count();
    let summary = &report["models"]["cand"]["overall"];
    assert_eq!(summary["pairs"], 4);
    assert_eq!(summary["consistent"], consistent);
    assert_eq!(
        summary["position_consistency"],
        json!(consistent as f64 / 4.0)
    );
    // `slam eval show` carries the judge's figures from the stored verdicts.
    let shown = run.slam(&["eval", "show", "1", "--json"]);
    let shown: Value = serde_json::from_str(text(&shown).0.trim()).unwrap();
    assert_eq!(shown["judges"][0]["judge"], "smollm2");
    assert_eq!(shown["judges"][0]["models"]["cand"]["overall"], *summary);
    let shown = run.slam(&["eval", "show", "1"]);
    assert!(text(&shown).0.contains("judge smollm2 vs baseline base"));
    // Judged again: every verdict is there already.
    let again = run.slam(&["judge", "1", "--judge", "smollm2", "--json"]);
    let report: Value = serde_json::from_str(text(&again).0.trim()).unwrap();
    assert_eq!(report["asked"], 0);
    assert_eq!(stored(&run).len(), 8);
}

#[test]
fn a_judge_that_writes_prose_is_invalid_after_exactly_one_repair() {
    let run = evaluated();
    let out = run.slam(&["judge", "1", "--judge", "prose", "--json"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "the run completes: {stderr}");
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        (report["asked"].clone(), report["invalid"].clone()),
        (json!(8), json!(8))
    );
    assert_eq!(
        prose(&run).bodies().len(),
        16,
        "one request and one repair per verdict"
    );
    let repair = &prose(&run).bodies()[1];
    assert_eq!(repair["messages"].as_array().unwrap().len(), 3, "{repair}");
    assert!(repair["response_format"]["json_schema"]["schema"].is_object());
    for v in stored(&run) {
        assert_eq!(v["status"], "invalid");
        assert_eq!(v["raw"].as_array().unwrap().len(), 2);
        assert!(v["raw"][0].as_str().unwrap().starts_with("Both answers"));
    }
}

#[test]
fn bad_judge_input_is_refused_before_anything_runs() {
    let run = evaluated();
    let bad = run.path("bad.j2");
    std::fs::write(&bad, "Which is better? {{ answer_a }}").unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--template", bad.to_str().unwrap()], "{{ answer_b }}"),
        (
            &["--mode", "grade", "--template", bad.to_str().unwrap()],
            "{{ question }}",
        ),
        (&["--rubric", "kind"], "for grading (mode grade)"),
        (
            &[
                "--criterion",
                "clarity=easy",
                "--criterion",
                "Clarity=again",
            ],
            "given twice",
        ),
        (&["--judge", "gpt-9"], "unknown model \"gpt-9\""),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["judge", "1"];
        if !extra.contains(&"--judge") {
            args.extend(["--judge", "prose"]);
        }
        args.extend(extra);
        let out = run.slam(&args);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(prose(&run).bodies().is_empty(), "nothing was asked");
    assert!(stored(&run).is_empty());
}

/// The run's answers as exported lines.
fn exported(run: &Run) -> Vec<Value> {
    let out = run.slam(&["sessions", "export", "1", "--format", "jsonl"]);
    text(&out)
        .0
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn uid_of(lines: &[Value], model: &str, user: &str, rep: i64) -> String {
    lines
        .iter()
        .find(|l| l["model"] == model && l["prompt"]["user"] == user && l["repetition"] == rep)
        .unwrap()["uid"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A human rating as `slam sessions export` writes it.
fn rating(uid: &str, kind: &str) -> Value {
    json!({"uid": uid, "kind": kind, "generation": null,
        "score": null, "tags": [], "note": null, "gen_a": null, "gen_b": null,
        "outcome": null, "best": null, "worst": null, "ballot": [],
        "rater": "me", "blind": true, "status": "active", "replaces": null,
        "created_at": "2026-11-29T10:00:00.000Z"})
}

/// Import the lines into a new database (the run's session 1 again, with the ratings added).
fn imported(run: &Run, lines: &[Value]) -> PathBuf {
    let file = run.path("rated.jsonl");
    let text_out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&file, text_out).unwrap();
    let db2 = run.path("rated.db");
    let import = run
        .sandbox
        .slam()
        .arg("--db")
        .arg(&db2)
        .args(["sessions", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(import.status.success(), "{}", text(&import).1);
    db2
}

fn stored_verdicts(db: &std::path::Path) -> Vec<Value> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT verdict FROM judge_verdicts ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|t| serde_json::from_str(&t.unwrap()).unwrap())
        .collect()
}

/// Where the humans voted on the same pairs, the judge's agreement with them is reported: the
/// rate equals a count over the stored verdicts and the votes.
#[test]
fn the_judge_is_measured_against_the_human_votes() {
    let run = evaluated();
    // Export the run, add a human vote on each candidate/baseline pair, import it anew.
    let mut lines = exported(&run);
    let mut votes = Vec::new();
    for (i, (user, rep)) in [("Ana", 0), ("Ana", 1), ("Bo", 0), ("Bo", 1)]
        .into_iter()
        .enumerate()
    {
        let (c, b) = (
            uid_of(&lines, "cand", user, rep),
            uid_of(&lines, "base", user, rep),
        );
        // The candidate wins twice, the baseline once, one tie; shown in both orders.
        let (a_uid, b_uid, outcome) = match i {
            0 => (c.clone(), b.clone(), "a"),
            1 => (b.clone(), c.clone(), "b"),
            2 => (c.clone(), b.clone(), "b"),
            _ => (c.clone(), b.clone(), "tie"),
        };
        votes.push((c.clone(), b.clone(), i));
        let mut vote = rating(&format!("vote{i}"), "pair");
        vote["gen_a"] = json!(a_uid);
        vote["gen_b"] = json!(b_uid);
        vote["outcome"] = json!(outcome);
        vote["ballot"] = json!([a_uid, b_uid]);
        let owner = lines.iter_mut().find(|l| l["uid"] == json!(a_uid)).unwrap();
        owner["ratings"].as_array_mut().unwrap().push(vote);
    }
    let db2 = imported(&run, &lines);
    let out = run
        .sandbox
        .slam()
        .arg("--config")
        .arg(run.path("config.toml"))
        .arg("--db")
        .arg(&db2)
        .args([
            "judge",
            "1",
            "--judge",
            "smollm2",
            "--baseline",
            "base",
            "--json",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    // The judge's combined verdict per pair, from the stored rows.
    let stored = stored_verdicts(&db2);
    let combined = |c: &str| -> &str {
        let both: Vec<&Value> = stored.iter().filter(|v| v["candidate"] == c).collect();
        assert_eq!(both.len(), 2);
        if both[0]["winner"] == both[1]["winner"] {
            both[0]["winner"].as_str().unwrap()
        } else {
            "tie"
        }
    };
    let human = ["candidate", "candidate", "baseline", "tie"];
    let agreed = votes
        .iter()
        .filter(|(c, _, i)| combined(c) == human[*i])
        .count();
    let h = &report["humans"];
    assert_eq!(h["items"], 4);
    assert_eq!(h["rate"], json!(agreed as f64 / 4.0));
    // Length bias: every candidate answer is the longer one. Humans: of 3 decisive votes the
    // candidate won 2; the judge: its decisive combined verdicts, counted over the rows.
    assert_eq!(h["longer_won_humans"], json!(2.0 / 3.0));
    let decisive: Vec<&str> = votes
        .iter()
        .map(|(c, _, _)| combined(c))
        .filter(|w| *w != "tie")
        .collect();
    let judge_longer = if decisive.is_empty() {
        Value::Null
    } else {
        let won = decisive.iter().filter(|w| **w == "candidate").count();
        json!(won as f64 / decisive.len() as f64)
    };
    assert_eq!(h["longer_won_judge"], judge_longer);
    // The leaderboard shows the judge's battles beside the human votes, never as votes.
    let out = run
        .sandbox
        .slam()
        .arg("--db")
        .arg(&db2)
        .args(["leaderboard", "--session", "1"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("judge win rate"), "{stdout}");
    assert!(
        stdout.contains("0 scores · 4 battles"),
        "the humans' four votes: {stdout}"
    );
    assert!(stdout.contains("judges: 4 battles"), "{stdout}");
}

/// A `[judge]` table in the spec: `slam eval` judges per criterion once the cells are done.
#[test]
fn an_eval_spec_with_a_judge_judges_per_criterion_after_its_cells() {
    let run = evaluated();
    let spec = std::fs::read_to_string(run.path("spec.toml")).unwrap()
        + "\n[judge]\nmodel = \"smollm2\"\nmax_tokens = 96\ncriteria = [\n  \
           { name = \"clarity\", description = \"easy to read\" },\n  \
           { name = \"warmth\", description = \"kind and encouraging\" },\n]\n";
    std::fs::write(
        run.path("spec2.toml"),
        spec.replace("name = \"j\"", "name = \"j2\""),
    )
    .unwrap();
    let out = run.slam(&["eval", run.path("spec2.toml").to_str().unwrap(), "--no-tui"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("judge smollm2 vs baseline base"),
        "{stdout}"
    );
    let verdicts = stored(&run);
    assert_eq!(verdicts.len(), 16, "4 pairs × 2 criteria × 2 orders");
    for criterion in ["clarity", "warmth"] {
        let n = verdicts
            .iter()
            .filter(|v| v["criterion"] == criterion)
            .count();
        assert_eq!(n, 8, "{criterion}");
    }
    assert!(
        verdicts
            .iter()
            .all(|v| v["prompt"].as_str().unwrap().contains("criterion"))
    );
}

/// Grading: every answer graded 1–5 under the grade schema's grammar; with a reference, the
/// baseline's answer is shown and the baseline is not graded; the figures equal counts over
/// the stored rows, and the human scores on the same answers are compared.
#[test]
fn a_local_judge_grades_each_answer_and_is_compared_with_human_scores() {
    let run = evaluated();
    let mut lines = exported(&run);
    // Human scores on the four candidate answers: 5, 4, 2, 1.
    let mut human = BTreeMap::new();
    for (i, (user, rep, score)) in [("Ana", 0, 5), ("Ana", 1, 4), ("Bo", 0, 2), ("Bo", 1, 1)]
        .into_iter()
        .enumerate()
    {
        let uid = uid_of(&lines, "cand", user, rep);
        let mut r = rating(&format!("score{i}"), "score");
        r["generation"] = json!(uid);
        r["score"] = json!(score);
        human.insert(uid.clone(), score);
        let owner = lines.iter_mut().find(|l| l["uid"] == json!(uid)).unwrap();
        owner["ratings"].as_array_mut().unwrap().push(r);
    }
    let db2 = imported(&run, &lines);
    let judge = |extra: &[&str]| -> Value {
        let out = run
            .sandbox
            .slam()
            .arg("--config")
            .arg(run.path("config.toml"))
            .arg("--db")
            .arg(&db2)
            .args([
                "judge", "1", "--judge", "smollm2", "--mode", "grade", "--json",
            ])
            .args(extra)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{extra:?}: {stderr}");
        serde_json::from_str(stdout.trim()).unwrap()
    };
    let report = judge(&[]);
    assert_eq!(
        (report["asked"].clone(), report["invalid"].clone()),
        (json!(8), json!(0))
    );
    let stored = stored_verdicts(&db2);
    assert_eq!(stored.len(), 8, "2 models × 2 inputs × 2 repetitions");
    let mut by_model: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut judged = BTreeMap::new();
    for v in &stored {
        assert_eq!(
            (v["mode"].as_str(), v["status"].as_str()),
            (Some("grade"), Some("ok")),
            "{v}"
        );
        let score = v["score"].as_u64().unwrap();
        assert!((1..=5).contains(&score), "{v}");
        assert!(
            v["reason"].is_string()
                && !v["prompt"].as_str().unwrap().contains("[Reference answer]")
        );
        by_model
            .entry(v["candidate_model"].as_str().unwrap().to_owned())
            .or_default()
            .push(score as f64);
        judged.insert(v["candidate"].as_str().unwrap().to_owned(), score);
    }
    for (model, scores) in &by_model {
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        let got = report["grades"][model]["overall"]["mean"].as_f64().unwrap();
        assert!((got - mean).abs() < 1e-12, "{model}: {got} vs {mean}");
    }
    // Against the human scores: exact matches counted by hand over the stored grades.
    let exact = human
        .iter()
        .filter(|(uid, s)| judged[*uid] == **s as u64)
        .count();
    let h = &report["human_scores"];
    assert_eq!(h["items"], 4);
    assert_eq!(h["exact"], json!(exact as f64 / 4.0));

    // With the baseline's answer as the reference and a rubric: only the candidate is graded.
    let graded = [
        "--reference",
        "--baseline",
        "base",
        "--rubric",
        "warm and personal",
    ];
    let report = judge(&graded);
    assert_eq!(report["asked"], 4);
    let stored = stored_verdicts(&db2);
    for v in &stored[8..] {
        let prompt = v["prompt"].as_str().unwrap();
        assert_eq!(v["candidate_model"], "cand");
        assert!(
            prompt.contains("[Reference answer]") && prompt.contains("Go "),
            "{prompt}"
        );
        assert!(prompt.contains("warm and personal"), "{prompt}");
    }
    // Resumes: nothing is asked again.
    assert_eq!(judge(&graded)["asked"], 0);
    // Another rubric is another recipe: graded anew, its figures apart.
    let other = judge(&["--reference", "--baseline", "base", "--rubric", "short"]);
    assert_eq!(other["asked"], 4);
    assert_eq!(other["grades"]["cand"]["overall"]["graded"], 4);
}
