//! The real binary in a real terminal: a tmux server per test, driven by keys.

use std::process::Command;
use std::time::{Duration, Instant};

use super::Sandbox;

pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (apt-get install tmux)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "slam"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "slam"])
    }

    pub fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `q`, then the screen once slam has exited, which it must have done cleanly (the
    /// session's shell prints `SLAM_EXIT=<status>`).
    pub fn quit_and_wait(&self) -> String {
        self.keys(&["q"]);
        let after = self.wait_for(
            "exit",
            |s| s.contains("SLAM_EXIT="),
            Duration::from_secs(30),
        );
        assert!(after.contains("SLAM_EXIT=0"), "{after}");
        after
    }
}

impl Tmux {
    pub fn new(tag: &str) -> Self {
        Self {
            socket: format!("slam-test-{tag}-{}", std::process::id()),
        }
    }

    /// A detached session `slam` of `width`×`height` running `command`.
    pub fn session(&self, width: u16, height: u16, command: &str) {
        let (w, h) = (width.to_string(), height.to_string());
        self.run(&[
            "new-session",
            "-d",
            "-s",
            "slam",
            "-x",
            &w,
            "-y",
            &h,
            command,
        ]);
    }
}

/// slam's environment in a test: the sandbox's config and data dirs, `cache_home` as the XDG
/// cache home, and no Hugging Face or Ollama store from the machine.
pub fn slam_env(sandbox: &Sandbox, cache_home: &std::path::Path) -> String {
    let none = sandbox.dir.path().join("none");
    format!(
        "XDG_DATA_HOME={} XDG_CONFIG_HOME={} XDG_CACHE_HOME={} HF_HUB_CACHE={} OLLAMA_MODELS={}",
        sandbox.data_dir().display(),
        sandbox.dir.path().join("config").display(),
        cache_home.display(),
        none.display(),
        none.display()
    )
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// A pane's title once the model ended its answer: complete, at a stop string, or truncated at
/// the token limit.
pub const ENDED: [&str; 3] = ["complete", "truncated", "stopped (stop string)"];

/// The pane of `model` shows an answer the model ended.
pub fn ended(screen: &str, model: &str) -> bool {
    ENDED
        .iter()
        .any(|state| screen.contains(&format!("{model} {state}")))
}

/// How many panes show an answer their model ended (the state in a pane's title, before its
/// border: an answer's own words do not count).
pub fn ended_count(screen: &str) -> usize {
    ENDED
        .iter()
        .map(|state| screen.matches(&format!(" {state} ─")).count())
        .sum()
}
