//! End to end: the real binary in a real terminal (tmux), driven by keys, with the real
//! models. Choose the two test models, submit a prompt, wait for both answers and their
//! metrics, quit, and check the terminal was given back.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::{Tmux, ended, ended_count, slam_env};
use common::{Sandbox, first_words, squeeze};

/// The sandbox's environment for slam, its config asking for greedy answers of `max_tokens`.
fn greedy_env(sandbox: &Sandbox, max_tokens: u32) -> String {
    let config = sandbox.dir.path().join("config").join("slam");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!("[params]\ntemperature = 0\nmax_tokens = {max_tokens}\n"),
    )
    .unwrap();
    let cache_home = slam::config::cache_dir().parent().unwrap().to_path_buf();
    slam_env(sandbox, &cache_home)
}

#[test]
fn choose_models_submit_stream_quit() {
    let sandbox = Sandbox::new();
    let tmux = Tmux::new("loop");
    let slam = env!("CARGO_BIN_EXE_slam");
    // Greedy decoding so the answer is known; short answers keep the test quick.
    let env = greedy_env(&sandbox, 48);
    tmux.session(
        160,
        40,
        &format!("{env} {slam}; echo SLAM_EXIT=$?; sleep 600"),
    );
    tmux.wait_for(
        "the editor",
        |s| s.contains("prompt → smollm2, gemma3-base"),
        Duration::from_secs(20),
    );

    // Choose the models with keys: open the picker, unselect gemma3-base, select it again.
    tmux.keys(&["C-p"]);
    tmux.wait_for(
        "the picker",
        |s| s.contains("[x] smollm2") && s.contains("[x] gemma3-base"),
        Duration::from_secs(10),
    );
    tmux.keys(&["Down", "Space"]);
    tmux.wait_for(
        "gemma3-base unselected",
        |s| s.contains("[ ] gemma3-base"),
        Duration::from_secs(10),
    );
    tmux.keys(&["Space", "Enter"]);
    tmux.wait_for(
        "the editor again",
        |s| s.contains("prompt → smollm2, gemma3-base"),
        Duration::from_secs(10),
    );

    // The answer's wording depends on the CPU: the same build's `slam generate` with the same
    // config is the reference for what the pane must show.
    let question = "What is the capital of France?";
    let reference = sandbox
        .slam()
        .args(["generate", "-m", "smollm2", question])
        .output()
        .unwrap();
    let expected = first_words(&String::from_utf8_lossy(&reference.stdout), 30);
    assert!(!expected.is_empty(), "{reference:?}");
    tmux.keys(&["-l", question]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        "both panes to finish",
        |s| ended(s, "smollm2") && ended(s, "gemma3-base"),
        Duration::from_secs(180),
    );
    assert!(
        squeeze(&screen).contains(&expected),
        "{expected:?} in\n{screen}"
    );
    assert_eq!(
        screen.matches("TTFT").count(),
        2,
        "metrics of both panes:\n{screen}"
    );
    // Each local model's footer: its decode rate and its memory (llama.cpp's buffers).
    for footer in screen.split('│').filter(|part| part.contains("TTFT")) {
        assert!(
            footer.contains("t/s") && footer.contains("MiB"),
            "{footer:?} in\n{screen}"
        );
    }
    assert!(
        screen.contains("CPU") && screen.contains("RAM"),
        "hardware bar:\n{screen}"
    );

    // Help lists the keys, then quit.
    tmux.keys(&["?"]);
    tmux.wait_for(
        "help",
        |s| s.contains("cancel this pane"),
        Duration::from_secs(10),
    );
    tmux.keys(&["Escape"]);
    let after = tmux.quit_and_wait();
    // The terminal is back: primary screen, cursor visible, no TUI left on it.
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "slam", "#{alternate_on}"])
            .trim(),
        "0"
    );
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "slam", "#{cursor_flag}"])
            .trim(),
        "1"
    );
    assert!(!after.contains("TTFT"), "{after}");
}

#[test]
fn terminal_is_restored_on_sigterm_and_across_ctrl_z() {
    let sandbox = Sandbox::new();
    let tmux = Tmux::new("sig");
    let slam = env!("CARGO_BIN_EXE_slam");
    // An interactive shell, so Ctrl-Z stops slam and `fg` brings it back.
    tmux.session(120, 30, "bash --norc --noprofile -i");
    tmux.wait_for(
        "the shell",
        |s| s.contains('$') || s.contains('#'),
        Duration::from_secs(10),
    );
    let cache_home = slam::config::cache_dir().parent().unwrap().to_path_buf();
    let cmd = format!("{} {slam}", slam_env(&sandbox, &cache_home));
    tmux.keys(&["-l", &cmd]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the editor",
        |s| s.contains("prompt → smollm2"),
        Duration::from_secs(20),
    );
    let alternate = || {
        tmux.run(&["display", "-p", "-t", "slam", "#{alternate_on}"])
            .trim()
            .to_string()
    };
    assert_eq!(alternate(), "1");

    tmux.keys(&["C-z"]);
    tmux.wait_for(
        "the job to stop",
        |s| s.contains("Stopped"),
        Duration::from_secs(10),
    );
    assert_eq!(alternate(), "0", "suspended: the shell has its screen back");
    tmux.keys(&["-l", "fg"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the TUI again",
        |s| s.contains("prompt → smollm2"),
        Duration::from_secs(10),
    );
    assert_eq!(alternate(), "1");

    let pid = tmux.run(&["display", "-p", "-t", "slam", "#{pane_pid}"]);
    let children = Command::new("pgrep")
        .args(["-P", pid.trim()])
        .output()
        .unwrap();
    let slam_pid = String::from_utf8_lossy(&children.stdout).trim().to_string();
    assert!(!slam_pid.is_empty(), "slam runs under the shell");
    Command::new("kill")
        .args(["-TERM", &slam_pid])
        .status()
        .unwrap();
    // Type only once slam is gone: until then its input thread would read the keys.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::path::Path::new(&format!("/proc/{slam_pid}")).exists() {
        assert!(Instant::now() < deadline, "slam did not exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.keys(&["-l", "echo SLAM_EXIT=$?"]);
    tmux.keys(&["Enter"]);
    let after = tmux.wait_for(
        "exit",
        |s| s.lines().any(|l| l.starts_with("SLAM_EXIT=")),
        Duration::from_secs(20),
    );
    assert!(after.contains("SLAM_EXIT=0"), "{after}");
    assert_eq!(alternate(), "0");
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "slam", "#{cursor_flag}"])
            .trim(),
        "1"
    );
}

#[test]
fn with_no_model_at_all_a_recorded_session_replays() {
    let sandbox = Sandbox::new();
    let tmux = Tmux::new("replay");
    let slam = env!("CARGO_BIN_EXE_slam");
    let empty_cache = sandbox.dir.path().join("empty-cache");
    let env = slam_env(&sandbox, &empty_cache);
    tmux.session(
        160,
        40,
        &format!("{env} {slam}; echo SLAM_EXIT=$?; sleep 600"),
    );
    // The whole offer, not the first line of a frame still being drawn.
    let picker = tmux.wait_for(
        "the offer with its recordings",
        |s| s.contains("No local model found") && s.contains("▶ replay capital"),
        Duration::from_secs(20),
    );
    assert!(picker.contains("▶ replay sky-blue"), "{picker}");
    // The cursor starts on the first recording: Down to the second one, "capital".
    tmux.keys(&["Down", "Enter"]);
    let screen = tmux.wait_for(
        "the replay to finish",
        |s| ended(s, "smollm2") && ended(s, "gemma3-base"),
        Duration::from_secs(30),
    );
    assert!(screen.contains("Paris"), "{screen}");
    assert_eq!(screen.matches("TTFT").count(), 2, "{screen}");
    tmux.quit_and_wait();
}

/// Bracketed paste, editing in the middle, `$EDITOR`, undo, and what is submitted: three lines
/// pasted at once (tmux sends them bracketed, so their newlines are not Enter), the middle one
/// edited at both ends, then changed by an "editor" (a script, as `$EDITOR` is any command),
/// undone and redone, and submitted: the prompt above the answers is the edited one.
#[test]
fn paste_three_lines_edit_the_middle_one_and_use_the_external_editor() {
    let sandbox = Sandbox::new();
    let tmux = Tmux::new("edit");
    let slam = env!("CARGO_BIN_EXE_slam");
    let config = sandbox.dir.path().join("config");
    std::fs::create_dir_all(config.join("slam")).unwrap();
    std::fs::write(
        config.join("slam").join("config.toml"),
        "[params]\ntemperature = 0\nmax_tokens = 4\n",
    )
    .unwrap();
    let editor = sandbox.dir.path().join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/two/TWO/' \"$1\"\n").unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cache_home = slam::config::cache_dir().parent().unwrap().to_path_buf();
    let env = slam_env(&sandbox, &cache_home);
    tmux.session(
        120,
        30,
        &format!(
            "{env} VISUAL= EDITOR={} {slam} tui -m smollm2; echo SLAM_EXIT=$?; sleep 600",
            editor.display()
        ),
    );
    tmux.wait_for(
        "the editor",
        |s| s.contains("prompt → smollm2"),
        Duration::from_secs(20),
    );
    tmux.run(&[
        "set-buffer",
        "-b",
        "three",
        "line one\nline two\nline three",
    ]);
    tmux.run(&["paste-buffer", "-p", "-b", "three", "-t", "slam"]);
    let rows = |s: &str| -> Vec<String> {
        s.lines()
            .filter_map(|l| l.strip_prefix('│'))
            .map(|l| l.trim_end_matches(['│', ' ']).to_owned())
            .filter(|l| l.starts_with("line") || l.contains(" line "))
            .collect()
    };
    let screen = tmux.wait_for(
        "the three lines in the editor",
        |s| rows(s).len() == 3,
        Duration::from_secs(10),
    );
    assert_eq!(rows(&screen), ["line one", "line two", "line three"]);
    assert!(
        !screen.contains("TTFT"),
        "the newlines did not submit:\n{screen}"
    );

    tmux.keys(&["Up", "End"]);
    tmux.keys(&["-l", " (edited)"]);
    tmux.keys(&["Home"]);
    tmux.keys(&["-l", "the "]);
    tmux.wait_for(
        "the middle line edited",
        |s| rows(s) == ["line one", "the line two (edited)", "line three"],
        Duration::from_secs(10),
    );

    tmux.keys(&["C-x"]);
    tmux.wait_for(
        "the editor's change read back",
        |s| rows(s) == ["line one", "the line TWO (edited)", "line three"],
        Duration::from_secs(20),
    );
    tmux.keys(&["C-u"]);
    tmux.wait_for(
        "undo",
        |s| rows(s) == ["line one", "the line two (edited)", "line three"],
        Duration::from_secs(10),
    );
    tmux.keys(&["C-y"]);
    tmux.wait_for(
        "redo",
        |s| rows(s) == ["line one", "the line TWO (edited)", "line three"],
        Duration::from_secs(10),
    );

    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        "the answer",
        |s| ended(s, "smollm2"),
        Duration::from_secs(120),
    );
    let strip: Vec<&str> = screen.lines().skip(2).take(3).map(str::trim_end).collect();
    assert_eq!(
        strip,
        ["line one", "the line TWO (edited)", "line three"],
        "the prompt above the answer:\n{screen}"
    );
    tmux.quit_and_wait();
}

/// What the user set and asked is there at the next start: the parameters typed in the popup
/// and the prompt history. The first start greets a new user; the second does not.
#[test]
fn parameters_and_history_are_kept_across_two_starts() {
    let sandbox = Sandbox::new();
    let slam = env!("CARGO_BIN_EXE_slam");
    let env = greedy_env(&sandbox, 8);
    let editor = |s: &str| s.contains("prompt → smollm2, gemma3-base");
    let popup = |s: &str| s.contains("parameters (empty: the model's own)");
    let max_tokens_row = |s: &str| {
        s.lines()
            .find(|l| l.contains("max tokens"))
            .unwrap_or_default()
            .to_owned()
    };

    let tmux = Tmux::new("keep1");
    tmux.session(
        140,
        40,
        &format!("{env} {slam}; echo SLAM_EXIT=$?; sleep 600"),
    );
    let first = tmux.wait_for("the editor", editor, Duration::from_secs(20));
    assert!(first.contains("Welcome to slam"), "a first start:\n{first}");
    tmux.keys(&["C-t"]);
    let shown = tmux.wait_for("the parameters", popup, Duration::from_secs(10));
    assert!(max_tokens_row(&shown).contains("8 (default)"), "{shown}");
    tmux.keys(&["Down", "1", "2", "Enter"]);
    tmux.wait_for(
        "the editor again",
        |s| editor(s) && !popup(s),
        Duration::from_secs(10),
    );
    tmux.keys(&["-l", "Name a colour."]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "both answers",
        |s| ended(s, "smollm2") && ended(s, "gemma3-base"),
        Duration::from_secs(120),
    );
    tmux.quit_and_wait();
    drop(tmux);

    let tmux = Tmux::new("keep2");
    tmux.session(
        140,
        40,
        &format!("{env} {slam}; echo SLAM_EXIT=$?; sleep 600"),
    );
    let second = tmux.wait_for("the editor", editor, Duration::from_secs(20));
    assert!(
        !second.contains("Welcome to slam"),
        "not a first start:\n{second}"
    );
    tmux.keys(&["C-t"]);
    let shown = tmux.wait_for("the parameters", popup, Duration::from_secs(10));
    let row = max_tokens_row(&shown);
    assert!(row.contains("12") && !row.contains("(default)"), "{shown}");
    tmux.keys(&["Escape"]);
    tmux.wait_for(
        "the editor again",
        |s| editor(s) && !popup(s),
        Duration::from_secs(10),
    );
    // Up on the prompt's first row recalls the earlier prompt, as shells do.
    tmux.keys(&["Up"]);
    tmux.wait_for(
        "the prompt of the first start",
        |s| s.contains("Name a colour."),
        Duration::from_secs(10),
    );
    tmux.keys(&["C-c"]);
    tmux.wait_for(
        "exit",
        |s| s.contains("SLAM_EXIT="),
        Duration::from_secs(30),
    );
}

/// Blind, before the vote, no pane tells which model it is: two local models and an API model
/// with no key. Then `!` shows why the failed one failed (the missing key) — and that item
/// takes no vote.
#[test]
fn blind_panes_show_nothing_model_specific_before_the_vote() {
    let sandbox = Sandbox::new();
    let slam = env!("CARGO_BIN_EXE_slam");
    let env = greedy_env(&sandbox, 16);
    let tmux = Tmux::new("blind3");
    tmux.session(
        180,
        40,
        &format!(
            "env -u OPENAI_API_KEY {env} {slam} tui --blind -m smollm2 -m gemma3-base -m gpt-4; \
             echo SLAM_EXIT=$?; sleep 600"
        ),
    );
    tmux.wait_for(
        "the editor",
        |s| s.contains("prompt →"),
        Duration::from_secs(20),
    );
    tmux.keys(&["-l", "Name a colour."]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        "three blind answers",
        |s| ended_count(s) + s.matches(" failed ─").count() == 3,
        Duration::from_secs(120),
    );
    assert!(
        screen.contains("Model A") && screen.contains("BLIND"),
        "{screen}"
    );
    let forbidden = [
        "smollm2",
        "gemma3",
        "gpt-4",
        "MiB",
        "tok/s",
        "t/s",
        "TTFT",
        "cached",
        "missing_api_key",
        "api_key",
        "Q4_",
    ];
    for word in forbidden {
        assert!(
            !screen.contains(word),
            "{word:?} shows before the vote:\n{screen}"
        );
    }
    // A decode thread count ("2 thr", "2thr"): digits before "thr".
    let threads = screen.match_indices("thr").any(|(i, _)| {
        screen[..i]
            .trim_end()
            .ends_with(|c: char| c.is_ascii_digit())
    });
    assert!(!threads, "a thread count shows:\n{screen}");

    tmux.keys(&["!"]);
    let why = tmux.wait_for(
        "the failure explained",
        |s| s.contains("OPENAI_API_KEY"),
        Duration::from_secs(10),
    );
    assert!(why.contains("gpt-4"), "revealed:\n{why}");
    tmux.keys(&["+"]);
    tmux.wait_for(
        "no vote taken",
        |s| s.contains("no vote is taken") || s.contains("nothing is recorded"),
        Duration::from_secs(10),
    );
    tmux.keys(&["q"]);
    tmux.wait_for(
        "exit",
        |s| s.contains("SLAM_EXIT="),
        Duration::from_secs(30),
    );
    let out = sandbox
        .slam()
        .args(["sessions", "export", "1"])
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && lines.lines().count() == 3,
        "{lines}"
    );
    assert!(
        lines.lines().all(|l| l.contains("\"ratings\":[]")),
        "no vote is stored:\n{lines}"
    );
}
