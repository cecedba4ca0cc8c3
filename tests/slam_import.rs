//! SLaM data files as SLaM writes them: its own fixture (one object indented by four spaces),
//! arrays, JSON lines and folders; fields slam does not use are kept and written back by
//! `slam sessions export --format slam`, which `slam sessions import` reads back unchanged.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Sandbox, text};
use serde_json::{Value, json};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/slam/city_name_responses.json")
}

fn slam(sandbox: &Sandbox, db: &Path, args: &[&str]) -> Output {
    sandbox.with_db(db, args)
}

fn ok(out: Output) -> String {
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    stdout
}

/// The session's export lines.
fn exported(sandbox: &Sandbox, db: &Path, id: &str) -> Vec<Value> {
    ok(slam(sandbox, db, &["sessions", "export", id]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Two prompts with SLaM's fields and some no version of slam knows.
fn objects() -> Vec<Value> {
    vec![
        json!({"run": "greet", "prompt_disc": "<div class='prompt_disc'><p>Say hi</p></div>",
            "outputs": {"m:1b": ["Hi!", "Hello!"], "other": ["Hey."]},
            "prompt": "Say hi", "rating_hint": {"scale": [1, 5]}, "tags": ["a", "b"]}),
        json!({"run": "greet", "prompt_disc": null,
            "outputs": {"m:1b": ["Bye!"], "other": ["See you.", "Later."]},
            "prompt": "Say bye"}),
    ]
}

#[test]
fn slams_own_data_file_imports_as_it_is_written() {
    let sandbox = Sandbox::new();
    let db = sandbox.dir.path().join("slam.db");
    let out = ok(slam(
        &sandbox,
        &db,
        &["sessions", "import", fixture().to_str().unwrap()],
    ));
    assert!(out.contains("10 answers"), "{out}");
    let lines = exported(&sandbox, &db, "1");
    let count = |model: &str| lines.iter().filter(|l| l["model"] == model).count();
    assert_eq!(
        (count("llama2:7b-chat"), count("mistral:7b-instruct")),
        (5, 5)
    );
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    let first = &lines[0];
    assert_eq!(first["prompt"]["user"], original["prompt"]);
    assert_eq!(
        first["prompt"]["extra"],
        json!({"run": "city_name", "prompt_disc": null})
    );
    // Repetitions in file order, texts as written (the leading newline kept).
    let llama: Vec<&Value> = lines
        .iter()
        .filter(|l| l["model"] == "llama2:7b-chat")
        .map(|l| &l["text"])
        .collect();
    let want: Vec<&Value> = original["outputs"]["llama2:7b-chat"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(llama, want);
    // Written back for SLaM: the same object.
    let out_dir = sandbox.dir.path().join("out");
    ok(slam(
        &sandbox,
        &db,
        &[
            "sessions",
            "export",
            "1",
            "--format",
            "slam",
            "-o",
            out_dir.to_str().unwrap(),
        ],
    ));
    let back = out_dir.join("1_city_name_responses.json");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(back).unwrap()).unwrap();
    assert_eq!(written, original);
}

#[test]
fn arrays_json_lines_and_folders_import_and_round_trip_through_slam_files() {
    let sandbox = Sandbox::new();
    let dir = sandbox.dir.path().to_path_buf();
    let db = dir.join("slam.db");
    let objects = objects();
    let array = dir.join("array.json");
    std::fs::write(&array, serde_json::to_string_pretty(&objects).unwrap()).unwrap();
    let jsonl = dir.join("lines.jsonl");
    let lines: String = objects.iter().map(|o| format!("{o}\n")).collect();
    std::fs::write(&jsonl, lines).unwrap();
    let folder = dir.join("folder");
    std::fs::create_dir(&folder).unwrap();
    for (i, o) in objects.iter().enumerate() {
        let pretty = serde_json::to_string_pretty(o).unwrap();
        std::fs::write(folder.join(format!("{i}_responses.json")), pretty).unwrap();
    }
    for (n, path) in [&array, &jsonl, &folder].iter().enumerate() {
        let out = ok(slam(
            &sandbox,
            &db,
            &["sessions", "import", path.to_str().unwrap()],
        ));
        assert!(out.contains("6 answers"), "{out}");
        let lines = exported(&sandbox, &db, &(n + 1).to_string());
        assert_eq!(lines.len(), 6, "{}", path.display());
        assert_eq!(
            lines[0]["prompt"]["extra"],
            json!({"run": "greet", "prompt_disc": objects[0]["prompt_disc"],
                "rating_hint": {"scale": [1, 5]}, "tags": ["a", "b"]})
        );
    }

    // Back out as SLaM files: the same objects, keys in SLaM's order, unknown fields kept.
    let out_dir = dir.join("out");
    ok(slam(
        &sandbox,
        &db,
        &[
            "sessions",
            "export",
            "1",
            "--format",
            "slam",
            "-o",
            out_dir.to_str().unwrap(),
        ],
    ));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2);
    for (file, original) in files.iter().zip(&objects) {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.starts_with("{\n    \"run\": "),
            "indented by four: {text}"
        );
        let written: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(&written, original, "{}", file.display());
        let keys: Vec<&String> = written.as_object().unwrap().keys().collect();
        assert_eq!(keys[..4], ["run", "prompt_disc", "outputs", "prompt"]);
    }
    // … and in again: the same answers and fields.
    let db2 = dir.join("again.db");
    ok(slam(
        &sandbox,
        &db2,
        &["sessions", "import", out_dir.to_str().unwrap()],
    ));
    let key = |l: &Value| {
        (
            l["prompt"]["user"].clone(),
            l["prompt"]["extra"].clone(),
            l["model"].clone(),
            l["repetition"].clone(),
            l["text"].clone(),
        )
    };
    let first: Vec<_> = exported(&sandbox, &db, "1").iter().map(key).collect();
    let again: Vec<_> = exported(&sandbox, &db2, "1").iter().map(key).collect();
    assert_eq!(first, again);
}

#[test]
fn bad_shapes_name_their_place_and_import_nothing() {
    let sandbox = Sandbox::new();
    let dir = sandbox.dir.path().to_path_buf();
    let db = dir.join("slam.db");
    let cases = [
        (
            "item.json",
            "[{\"prompt\": \"p\", \"outputs\": {\"m\": [\"a\"]}}, 7]",
            "item 2",
        ),
        (
            "pretty.json",
            "{\n    \"prompt\": \"p\",\n    \"outputs\": {\"m\": 5}\n}",
            "pretty.json:1: outputs.m",
        ),
        (
            "broken.json",
            "{\n    \"prompt\": \"p\",\n    \"outputs\": {\n",
            "broken.json:4:",
        ),
    ];
    for (name, body, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let out = slam(
            &sandbox,
            &db,
            &["sessions", "import", path.to_str().unwrap()],
        );
        let (_, err) = text(&out);
        assert!(!out.status.success(), "{name}");
        assert!(
            err.contains(expected) && err.contains("nothing was imported"),
            "{name}: {err}"
        );
    }
    let list = slam(&sandbox, &db, &["sessions", "list"]);
    let (stdout, _) = text(&list);
    assert!(
        !stdout.contains("greet") && !stdout.contains("item"),
        "{stdout}"
    );
}
