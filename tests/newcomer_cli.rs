//! A newcomer's first commands fail clearly: a mistyped model is named with what was meant, an
//! API model without its key says which variable it needs, the TUI without a terminal says
//! what to run instead, Ctrl-C exits 130, a closed pipe ends quietly, a run off a terminal
//! says how far it is before it ends, and an unreachable Hub is named once with its cause.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Sandbox, text};

#[test]
fn a_mistyped_model_is_an_error_that_names_the_model_meant() {
    let sandbox = Sandbox::new();
    for args in [
        &["tui", "-m", "smolm2"][..],
        &["generate", "-m", "smolm2", "hi"],
    ] {
        let out = sandbox
            .slam()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr.contains("unknown model \"smolm2\" (did you mean \"smollm2\"?)"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn an_api_model_without_its_key_is_marked_as_needing_it() {
    let sandbox = Sandbox::new();
    let listed = |key: Option<&str>| {
        let mut cmd = sandbox.slam();
        match key {
            Some(k) => cmd.env("OPENAI_API_KEY", k),
            None => cmd.env_remove("OPENAI_API_KEY"),
        };
        let out = cmd.arg("models").output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with("gpt-4 "))
            .unwrap_or_default();
        line.to_owned()
    };
    assert!(
        listed(None).contains("needs OPENAI_API_KEY"),
        "{}",
        listed(None)
    );
    assert!(
        !listed(Some("sk-test")).contains("needs"),
        "{}",
        listed(Some("sk-test"))
    );
}

#[test]
fn the_tui_without_a_terminal_says_what_to_run_instead() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .slam()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stdout.is_empty(), "{stdout}");
    for named in [
        "needs a terminal",
        "slam generate",
        "slam compare",
        "slam eval",
    ] {
        assert!(stderr.contains(named), "{named}: {stderr}");
    }
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn ctrl_c_during_compare_exits_130() {
    let sandbox = Sandbox::new();
    let mut child = sandbox
        .slam()
        .args(["compare", "--json", "-m", "smollm2", "-m", "gemma3-base"])
        .args([
            "--max-tokens",
            "2000",
            "--ignore-eos",
            "Count to one thousand.",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Once an answer streams, SIGINT as Ctrl-C sends it.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = lines
            .next()
            .expect("compare ended before streaming")
            .unwrap();
        if line.contains("\"delta\"") {
            break;
        }
        assert!(Instant::now() < deadline, "no answer streamed");
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest:?}");
}

/// `slam … | head -1`: slam's stdout closes after one line; slam ends with no panic and no
/// error text.
#[test]
fn a_closed_pipe_ends_quietly() {
    let sandbox = Sandbox::new();
    let recording = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-runs/daily-motivation/result.jsonl"
    );
    let out = sandbox
        .slam()
        .args(["sessions", "import", recording])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    for args in [
        &["sessions", "show", "1"][..],
        &["sessions", "export", "1"],
        &["models"],
    ] {
        let mut child = sandbox
            .slam()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The pipe's reader is gone (dropped above), as `head -1` leaves it.
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!first.is_empty(), "{args:?}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        assert_ne!(status.code(), Some(101), "{args:?}: a panic");
    }
}

/// Off a terminal (stderr to a file) an eval says how far it is while it runs.
#[test]
fn an_eval_with_stderr_to_a_file_writes_progress_before_it_ends() {
    let sandbox = Sandbox::new();
    let spec = sandbox.dir.path().join("spec.toml");
    let inputs: String = (0..8)
        .map(|i| format!("\n[[input]]\nword = \"w{i}\"\n"))
        .collect();
    std::fs::write(
        &spec,
        format!(
            "name = \"progress\"\ntemplate = \"Say {{{{ word }}}}\"\nrepetitions = 2\nwarmup = false\n\n\
             [params]\nmax_tokens = 24\ntemperature = 0.0\n\n[[models]]\nname = \"smollm2\"\n{inputs}"
        ),
    )
    .unwrap();
    let log = sandbox.dir.path().join("stderr.log");
    let mut child = sandbox
        .slam()
        .args(["eval", spec.to_str().unwrap(), "--no-tui"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut seen_while_running = None;
    while child.try_wait().unwrap().is_none() {
        let so_far = std::fs::read_to_string(&log).unwrap_or_default();
        if so_far.contains("progress: smollm2 ") {
            seen_while_running = Some(so_far);
            break;
        }
        assert!(Instant::now() < deadline, "no progress line:\n{so_far}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "{}",
        std::fs::read_to_string(&log).unwrap()
    );
    let seen = seen_while_running.expect("the run ended before any progress line");
    assert!(seen.contains("/16"), "{seen}");
}

#[test]
fn an_unreachable_hub_is_named_once_with_its_cause() {
    let sandbox = Sandbox::new();
    // A port nothing listens on: the connection is refused at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = sandbox
        .slam()
        .env("HF_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .args(["pull", "org/repo:Q4_K_M"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    let host = format!("127.0.0.1:{port}");
    assert_eq!(stderr.matches(&host).count(), 1, "{stderr}");
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
