//! Ratings are the user's labour: the real binary in tmux, rated by keys and killed with
//! SIGKILL right after a rating is shown as saved. Reopened, every rating shown as saved is
//! in the database and the file passes `PRAGMA integrity_check`. Also: blind mode hides the
//! names until the vote is saved, and Esc walks back the screens the way they were opened.

mod common;

use std::path::Path;
use std::time::Duration;

use common::tmux::{Tmux, ended_count, slam_env};
use common::{Sandbox, first_words, squeeze, text};
use slam::store::records::ExportLine;

const STUDY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-runs/slam-study.jsonl");

fn import_study(sandbox: &Sandbox, db: &Path) {
    let out = sandbox
        .slam()
        .arg("--db")
        .arg(db)
        .args(["sessions", "import", STUDY])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
}

fn export(sandbox: &Sandbox, db: &Path) -> Vec<ExportLine> {
    let out = sandbox
        .slam()
        .arg("--db")
        .arg(db)
        .args(["sessions", "export", "1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The rating items of the study in the order `slam rate` walks them: prompt, repetition.
fn items(lines: &[ExportLine]) -> Vec<(String, i64)> {
    let mut keys: Vec<(usize, String, i64)> = Vec::new();
    let mut prompts: Vec<String> = Vec::new();
    for l in lines {
        if !prompts.contains(&l.prompt.uid) {
            prompts.push(l.prompt.uid.clone());
        }
        let p = prompts.iter().position(|u| *u == l.prompt.uid).unwrap();
        let key = (p, l.prompt.uid.clone(), l.generation.repetition);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.sort();
    keys.into_iter().map(|(_, u, r)| (u, r)).collect()
}

/// Start `slam --db DB rate ARGS` in tmux; returns the pid of slam itself (exec'd by the
/// shell).
fn start_rating(tmux: &Tmux, sandbox: &Sandbox, db: &Path, args: &str) -> u32 {
    let cache_home = slam::config::cache_dir().parent().unwrap().to_path_buf();
    let env = slam_env(sandbox, &cache_home);
    let pid_file = sandbox.dir.path().join("slam.pid");
    let _ = std::fs::remove_file(&pid_file);
    let slam = env!("CARGO_BIN_EXE_slam");
    tmux.session(
        200,
        40,
        &format!(
            "sh -c 'echo $$ > {}; exec env {env} {slam} --db {} rate {args}'",
            pid_file.display(),
            db.display()
        ),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            return pid;
        }
        assert!(std::time::Instant::now() < deadline, "slam did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill9(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The item number `slam rate` shows ("item 3/12").
fn item_shown(screen: &str) -> usize {
    let at = screen.find("item ").expect("progress shown");
    let digits: String = screen[at + 5..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().unwrap()
}

/// What was on screen as saved when slam was killed.
struct Shown {
    item: usize,
    /// ("pair", outcome) or ("score", n).
    kind: &'static str,
    value: String,
    /// Another key was pressed after it showed as saved (it may then be replaced).
    later_key: bool,
}

#[test]
fn every_rating_shown_as_saved_survives_kill_9() {
    let sandbox = Sandbox::new();
    let db = sandbox.dir.path().join("ratings.db");
    import_study(&sandbox, &db);
    let order = items(&export(&sandbox, &db));
    assert!(order.len() >= 12, "the study has at least 12 items");
    let tmux = Tmux::new("crash");
    let votes = [("a", "a"), ("b", "b"), ("t", "tie"), ("z", "bothbad")];
    let mut shown: Vec<Shown> = Vec::new();
    for round in 0..12 {
        let pid = start_rating(&tmux, &sandbox, &db, "--session 1 --rater crash");
        let screen = tmux.wait_for(
            "an item to rate",
            |s| s.contains("item ") && s.contains("rate: 1–5"),
            Duration::from_secs(20),
        );
        let item = item_shown(&screen);
        assert_eq!(
            item,
            round + 1,
            "resumes at the first unrated item:\n{screen}"
        );
        // Kill at different moments: right after a vote or a score shows as saved, after a
        // second key that may not have reached the disk yet, or in the middle of a note.
        let (key, value) = votes[round % votes.len()];
        let moment = round % 4;
        if moment == 1 {
            let score = (round % 5 + 1).to_string();
            tmux.keys(&[&score]);
            tmux.wait_for(
                "the score saved",
                |s| s.contains("✓ saved"),
                Duration::from_secs(10),
            );
            shown.push(Shown {
                item,
                kind: "score",
                value: score,
                later_key: false,
            });
        } else {
            tmux.keys(&[key]);
            tmux.wait_for(
                "the vote saved",
                |s| s.contains("✓ saved"),
                Duration::from_secs(10),
            );
            shown.push(Shown {
                item,
                kind: "pair",
                value: value.into(),
                later_key: moment >= 2,
            });
            if moment == 2 {
                tmux.keys(&["t"]); // a second vote, killed before it can show as saved
            } else if moment == 3 {
                tmux.keys(&["c", "half a note"]); // killed while typing a note
            }
        }
        kill9(pid);
        std::thread::sleep(Duration::from_millis(100));
        tmux.run(&["kill-server"]);
    }
    assert!(shown.len() >= 10, "at least 10 kills");

    let store = slam::store::Store::open_read(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let lines = export(&sandbox, &db);
    for s in &shown {
        let (prompt, repetition) = &order[s.item - 1];
        let ratings: Vec<_> = lines
            .iter()
            .filter(|l| &l.prompt.uid == prompt && l.generation.repetition == *repetition)
            .flat_map(|l| l.ratings.iter())
            .filter(|r| r.rater == "crash" && r.kind.as_str() == s.kind)
            .collect();
        let found = ratings.iter().find(|r| match s.kind {
            "score" => r.score.map(|n| n.to_string()).as_deref() == Some(s.value.as_str()),
            _ => r.outcome.map(|o| o.as_str()) == Some(s.value.as_str()),
        });
        let Some(found) = found else {
            panic!(
                "item {}: the {} {} shown as saved is missing: {ratings:?}",
                s.item, s.kind, s.value
            )
        };
        if !s.later_key {
            assert_eq!(found.status.as_str(), "active", "item {}", s.item);
        }
    }
}

#[test]
fn blind_mode_hides_names_until_the_vote_is_saved() {
    let sandbox = Sandbox::new();
    let db = sandbox.dir.path().join("ratings.db");
    import_study(&sandbox, &db);
    let tmux = Tmux::new("blind");
    start_rating(&tmux, &sandbox, &db, "--session 1 --blind --rater blinded");
    let screen = tmux.wait_for(
        "blind panes",
        |s| s.contains("Model A") && s.contains("Model B") && s.contains("item 1/"),
        Duration::from_secs(20),
    );
    assert!(screen.contains("BLIND"), "{screen}");
    for name in ["smollm2", "gemma3-base"] {
        assert!(!screen.contains(name), "{name} is hidden:\n{screen}");
    }
    tmux.keys(&["a"]);
    let screen = tmux.wait_for(
        "the names revealed",
        |s| s.contains("Model A = "),
        Duration::from_secs(10),
    );
    assert!(screen.contains("✓ saved"), "{screen}");
    let left = if screen.contains("Model A = smollm2") {
        "smollm2"
    } else {
        "gemma3-base"
    };
    tmux.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(500));
    let lines = export(&sandbox, &db);
    let vote = lines
        .iter()
        .flat_map(|l| l.ratings.iter())
        .find(|r| r.rater == "blinded")
        .expect("the vote is stored");
    assert!(vote.blind && vote.outcome.map(|o| o.as_str()) == Some("a"));
    // The vote records the left answer as gen_a: the position as shown.
    let gen_a = lines
        .iter()
        .find(|l| Some(&l.generation.uid) == vote.gen_a.as_ref())
        .unwrap();
    assert_eq!(gen_a.generation.model, left);
}

#[test]
fn rating_a_prompt_file_with_live_models_resumes_where_it_stopped() {
    let sandbox = Sandbox::new();
    let db = sandbox.dir.path().join("ratings.db");
    let config = sandbox.dir.path().join("config").join("slam");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[params]\ntemperature = 0\nmax_tokens = 16\n",
    )
    .unwrap();
    let prompts = sandbox.dir.path().join("prompts.jsonl");
    std::fs::write(
        &prompts,
        "{\"id\": \"q1\", \"prompt\": \"What is the capital of France?\"}\n\
         {\"id\": \"q2\", \"prompt\": \"Name a colour.\"}\n",
    )
    .unwrap();
    let args = format!(
        "--prompts {} -m smollm2 -m gemma3-base --rater live",
        prompts.display()
    );
    let tmux = Tmux::new("live");
    let both_done = |s: &str| s.contains("rate: 1–5") && ended_count(s) == 2;
    start_rating(&tmux, &sandbox, &db, &args);
    let screen = tmux.wait_for("two answers", both_done, Duration::from_secs(60));
    assert!(screen.contains("item 1/2 · 0 rated"), "{screen}");
    tmux.keys(&["a"]);
    tmux.wait_for(
        "the vote saved",
        |s| s.contains("✓ saved"),
        Duration::from_secs(10),
    );
    tmux.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(500));
    tmux.run(&["kill-server"]);

    start_rating(&tmux, &sandbox, &db, &args);
    let screen = tmux.wait_for("the next item", both_done, Duration::from_secs(60));
    assert!(screen.contains("item 2/2 · 1 rated"), "resumed:\n{screen}");
    // Back to the first item: its stored answers and the vote in force, nothing run again.
    tmux.keys(&["N"]);
    let screen = tmux.wait_for(
        "item 1 as stored",
        |s| s.contains("item 1/2") && s.contains("vote: A is better ✓ saved"),
        Duration::from_secs(20),
    );
    let revisited = screen;
    tmux.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(500));

    let lines = export(&sandbox, &db);
    let q1: Vec<&ExportLine> = lines
        .iter()
        .filter(|l| l.prompt.item.as_deref() == Some("q1"))
        .collect();
    assert_eq!(q1.len(), 2, "both answers to q1 are stored");
    let smollm2 = q1.iter().find(|l| l.generation.model == "smollm2").unwrap();
    let manifest = smollm2.generation.manifest.as_ref().expect("a manifest");
    assert_eq!(
        manifest["gguf_sha256"],
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    );
    assert_eq!(manifest["quantization"], "Q4_1");
    assert_eq!(manifest["backend"], "llama.cpp");
    assert_eq!(
        smollm2.generation.params.as_ref().unwrap()["temperature"],
        0.0
    );
    let metrics = smollm2.generation.metrics.as_ref().unwrap();
    assert!(metrics["output_tokens"].as_u64().unwrap() > 0, "{metrics}");
    // Revisiting showed the stored answer (its words depend on the CPU, so they come from the
    // store, not from the test).
    let shown = first_words(&smollm2.generation.text, 30);
    assert!(!shown.is_empty());
    assert!(
        squeeze(&revisited).contains(&shown),
        "{shown:?} in\n{revisited}"
    );
    let vote = q1
        .iter()
        .flat_map(|l| l.ratings.iter())
        .find(|r| r.kind.as_str() == "pair")
        .unwrap();
    assert_eq!(vote.outcome.map(|o| o.as_str()), Some("a"));
    assert_eq!(
        vote.gen_a.as_ref(),
        Some(&smollm2.generation.uid),
        "left is the first -m model"
    );
    assert!(!vote.blind);
}

/// Every screen is left by Esc to the one it was opened from: in `slam rate`, the editor and
/// the picker go back to the same item, and a walk through four screens comes back the way it
/// went.
#[test]
fn esc_goes_back_to_where_each_screen_was_opened() {
    let sandbox = Sandbox::new();
    let db = sandbox.dir.path().join("ratings.db");
    import_study(&sandbox, &db);
    let tmux = Tmux::new("stack");
    start_rating(&tmux, &sandbox, &db, "--session 1 --rater walker");
    let on_item = |n: usize| move |s: &str| s.contains(&format!("item {n}/"));
    tmux.wait_for("item 1", on_item(1), Duration::from_secs(20));
    tmux.keys(&["n"]);
    tmux.wait_for("item 2", on_item(2), Duration::from_secs(20));
    let editor = |s: &str| s.contains("prompt →");
    let picker = |s: &str| s.contains("of at most 4 chosen");
    for (key, name, shown) in [
        ("e", "the editor", &editor as &dyn Fn(&str) -> bool),
        ("m", "the picker", &picker),
    ] {
        tmux.keys(&[key]);
        tmux.wait_for(name, shown, Duration::from_secs(10));
        tmux.keys(&["Escape"]);
        let back = tmux.wait_for("item 2 again", on_item(2), Duration::from_secs(10));
        assert!(!shown(&back), "{name} is gone:\n{back}");
    }
    // Compare → leaderboard → hardware → sessions, then back down the same way.
    let leaderboard = |s: &str| s.contains(" leaderboard · ");
    let hardware = |s: &str| s.contains(" hardware · last ");
    let sessions = |s: &str| s.contains(" sessions, newest first");
    tmux.keys(&["L"]);
    tmux.wait_for("the leaderboard", leaderboard, Duration::from_secs(10));
    tmux.keys(&["C-g"]);
    tmux.wait_for("the hardware screen", hardware, Duration::from_secs(10));
    tmux.keys(&["C-e"]);
    tmux.wait_for("the sessions", sessions, Duration::from_secs(10));
    tmux.keys(&["Escape"]);
    tmux.wait_for(
        "the hardware screen again",
        hardware,
        Duration::from_secs(10),
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for(
        "the leaderboard again",
        leaderboard,
        Duration::from_secs(10),
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("item 2 at the bottom", on_item(2), Duration::from_secs(10));
    // The first screen stays: Esc there leaves the rating where it is.
    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    let still = tmux.wait_for("still item 2", on_item(2), Duration::from_secs(10));
    assert!(!leaderboard(&still) && !editor(&still), "{still}");
    tmux.keys(&["q"]);
}

/// A stored run's answers show how they ended, and which repetition is on screen: truncated at
/// the token limit, complete, timed out (expected by hand from the fixture's finish reasons).
#[test]
fn stored_answers_show_how_they_ended_and_their_repetition() {
    let sandbox = Sandbox::new();
    let db = sandbox.dir.path().join("ratings.db");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/answer-states.jsonl");
    let out = sandbox
        .slam()
        .arg("--db")
        .arg(&db)
        .args(["sessions", "import"])
        .arg(&fixture)
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let tmux = Tmux::new("states");
    start_rating(&tmux, &sandbox, &db, "--session 1 --rater states");
    // Each item as it must look, by hand: its repetition and each pane's ending.
    let shows = |n: usize, titles: &'static [&'static str]| {
        move |s: &str| {
            s.contains(&format!("item {n}/3 · repetition {n}"))
                && titles.iter().all(|t| s.contains(t))
        }
    };
    const FIRST: [&str; 2] = ["smollm2 truncated", "gemma3-base truncated"];
    tmux.wait_for("repetition 1", shows(1, &FIRST), Duration::from_secs(20));
    tmux.keys(&["n"]);
    const SECOND: [&str; 2] = ["smollm2 complete", "gemma3-base truncated"];
    tmux.wait_for("repetition 2", shows(2, &SECOND), Duration::from_secs(10));
    tmux.keys(&["n"]);
    const THIRD: [&str; 2] = ["smollm2 cancelled", "gemma3-base timed out"];
    tmux.wait_for("repetition 3", shows(3, &THIRD), Duration::from_secs(10));
    tmux.keys(&["q"]);
}
