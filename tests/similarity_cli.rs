//! Similarity by sentence embedding: slam's all-MiniLM-L6-v2 against sentence-transformers'
//! own numbers (tests/data/similarity_reference.json, made by
//! scripts/similarity-reference.py), and `slam similarity` end to end over an eval run of
//! fixed-answer servers whose answers are in the same reference file.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use common::eval_run::{EvalRun, Served};
use common::fake_server::{FakeServer, last_user_message, streamed_answer};
use common::text;
use serde_json::Value;
use slam::engine::embed::Embedder;

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/similarity_reference.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn embedder_dir() -> PathBuf {
    let dir = common::model_path("all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").exists(),
        "{} is incomplete: run `scripts/fetch-test-models` (or `make test`)",
        dir.display()
    );
    dir
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(x * y)).sum()
}

/// sentence-transformers' cosine for a pair of texts, from the committed reference values.
fn reference_cosine(a: &str, b: &str) -> f64 {
    reference()["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["a"] == a && p["b"] == b)
        .unwrap_or_else(|| {
            panic!("no reference for {a:?} / {b:?}: rerun scripts/similarity-reference.py")
        })["cosine"]
        .as_f64()
        .unwrap()
}

#[test]
fn cosine_equals_sentence_transformers_within_1e_3() {
    let embedder = Embedder::load(&embedder_dir()).unwrap();
    let pairs = reference()["pairs"].as_array().unwrap().clone();
    assert!(pairs.len() >= 10);
    let texts: Vec<&str> = pairs
        .iter()
        .flat_map(|p| [p["a"].as_str().unwrap(), p["b"].as_str().unwrap()])
        .collect();
    // All texts in one call (batched, padded to the longest of each batch) …
    let together = embedder.embed(&texts).unwrap();
    let mut worst = 0f64;
    for (i, p) in pairs.iter().enumerate() {
        let (a, b) = (&together[2 * i], &together[2 * i + 1]);
        let want = p["cosine"].as_f64().unwrap();
        let got = cosine(a, b);
        worst = worst.max((got - want).abs());
        assert!((got - want).abs() < 1e-3, "{}: {got} vs {want}", p["a"]);
        // … each text alone: padding never changes an embedding.
        let alone = embedder.embed(&[texts[2 * i]]).unwrap();
        assert!(cosine(&alone[0], a) > 1.0 - 1e-5, "{}", p["a"]);
        for (got, want) in a.iter().zip(p["a_head"].as_array().unwrap()) {
            assert!((f64::from(*got) - want.as_f64().unwrap()).abs() < 1e-3);
        }
        // Token counts as sentence-transformers counts them: texts past 256 are cut.
        let tokens: Vec<usize> = [&p["a"], &p["b"]]
            .iter()
            .map(|t| embedder.token_count(t.as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(
            serde_json::to_value(&tokens).unwrap(),
            p["tokens"],
            "{}",
            p["a"]
        );
    }
    eprintln!("largest difference from sentence-transformers: {worst:.2e}");
}

type Run = EvalRun;

fn sql(run: &Run, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(run.path("slam.db")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

const BASE: &str = "Go {}, you can do it today.";
const NEAR: &str = "Good morning {}! Three small steps today.";
const FAR: &str = "The weather report says rain in {}'s town.";

/// An eval session (id 1) of three fixed-answer servers, 2 inputs × 2 repetitions.
fn evaluated() -> Run {
    let served = |name, shape: &'static str| Served {
        name,
        model: "m",
        server: FakeServer::answering(Arc::new(move |b: &Value| {
            streamed_answer(&shape.replace("{}", &last_user_message(b)))
        })),
        extra: "",
    };
    EvalRun::new(
        vec![
            served("base", BASE),
            served("near", NEAR),
            served("far", FAR),
        ],
        "name = \"s\"\ntemplate = \"{{ name }}\"\nrepetitions = 2\nwarmup = false\n\n\
         [[models]]\nname = \"base\"\nbaseline = true\n\n[[models]]\nname = \"near\"\n\n\
         [[models]]\nname = \"far\"\n\n[[input]]\nname = \"Ana\"\n\n[[input]]\nname = \"Bo\"\n",
    )
}

fn report(run: &Run, extra: &[&str]) -> Value {
    let mut args = vec!["similarity", "1", "--json"];
    args.extend_from_slice(extra);
    let out = run.slam(&args);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    serde_json::from_str(stdout.trim()).unwrap()
}

#[test]
fn similarity_to_the_baseline_is_stored_once_and_matches_the_reference() {
    let run = evaluated();
    let missing = run.path("no-such-embedder");
    let out = run.slam(&["similarity", "1", "--embedder", missing.to_str().unwrap()]);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("no-such-embedder") && stderr.contains("make models"),
        "{stderr}"
    );
    assert_eq!(sql(&run, "SELECT COUNT(*) FROM embeddings"), 0);

    let r = report(&run, &[]);
    assert_eq!(r["baseline"], "base", "from the spec");
    assert_eq!(
        sql(&run, "SELECT COUNT(*) FROM embeddings"),
        12,
        "3 models × 2 × 2"
    );
    // Every answer of a model is the same text per input, so its similarity is the mean of the
    // two inputs' reference cosines, and its repetitions are identical (stability 1).
    let mut want = BTreeMap::new();
    for (model, shape) in [("near", NEAR), ("far", FAR)] {
        let per_input: Vec<f64> = ["Ana", "Bo"]
            .iter()
            .map(|n| reference_cosine(&shape.replace("{}", n), &BASE.replace("{}", n)))
            .collect();
        want.insert(model, per_input);
    }
    for (model, per_input) in &want {
        let m = &r["models"][model];
        let mean = (per_input[0] + per_input[1]) / 2.0;
        assert!(
            (m["mean"].as_f64().unwrap() - mean).abs() < 1e-3,
            "{model}: {m}"
        );
        assert_eq!(m["answers"], 4);
        assert!((m["stability"].as_f64().unwrap() - 1.0).abs() < 1e-5, "{m}");
        // SLaM's reading: per input, the higher reference cosine wins it.
        let other = want.iter().find(|(o, _)| *o != model).unwrap().1;
        let wins = (0..2).filter(|&i| per_input[i] > other[i]).count() as f64 / 2.0;
        assert_eq!(m["slam_wins"].as_f64().unwrap(), wins, "{model}");
    }
    assert!(
        r["models"]["base"]["mean"].is_null(),
        "never compared with itself"
    );

    // Resumes: only what is missing is embedded again, and the figures are the same.
    let conn = rusqlite::Connection::open(run.path("slam.db")).unwrap();
    let deleted = conn
        .execute(
            "DELETE FROM embeddings WHERE generation_id IN (SELECT id FROM generations \
             WHERE text LIKE 'The weather%')",
            [],
        )
        .unwrap();
    assert_eq!(deleted, 4);
    let again = report(&run, &[]);
    assert_eq!(again, r);
    assert_eq!(sql(&run, "SELECT COUNT(*) FROM embeddings"), 12);

    let out = run.slam(&["eval", "show", "1"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("similarity to base's answers"), "{stdout}");
}
