//! Shared helpers of the integration tests: the real test models and the real binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub const SMOLLM2: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
pub const GEMMA3: &str = "gemma-3-270m-q4_k_m.gguf";

pub mod eval_run;
pub mod fake_server;
pub mod hub_server;
pub mod render;
pub mod servers;
pub mod tmux;

/// A test model from the cache; a missing model fails the test with the command that fixes it.
pub fn model_path(file: &str) -> PathBuf {
    let path = slam::config::cache_dir().join("models").join(file);
    assert!(
        path.exists(),
        "{} is missing: run `scripts/fetch-test-models` (or `make test`)",
        path.display()
    );
    path
}

/// An isolated home for one test: its own config and data (log) dirs, the shared model cache.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        // Resolve the model cache before XDG dirs change for the child.
        model_path(SMOLLM2);
        model_path(GEMMA3);
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn slam(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_slam"));
        cmd.env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.data_dir())
            .env(
                "XDG_CACHE_HOME",
                slam::config::cache_dir().parent().expect("cache parent"),
            )
            .env("HF_HUB_CACHE", self.dir.path().join("hf-hub"))
            .env("OLLAMA_MODELS", self.dir.path().join("ollama"))
            .env_remove("SLAM_CONFIG")
            .env_remove("SLAM_DB")
            .env_remove("SLAM_RATER")
            .env_remove("SLAM_LOG");
        cmd
    }

    /// `slam --db DB ARGS…`, run to the end.
    pub fn with_db(&self, db: &std::path::Path, args: &[&str]) -> Output {
        self.slam()
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .expect("slam runs")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("slam").join("logs").join("slam.log"))
            .unwrap_or_default()
    }
}

/// The first words of the answer's first line, at most `max_chars` of them: what a pane's
/// first row shows. Compare with `squeeze(screen)`.
pub fn first_words(answer: &str, max_chars: usize) -> String {
    let line = answer.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut out = String::new();
    for word in line.split_whitespace() {
        if !out.is_empty() && out.chars().count() + 1 + word.chars().count() > max_chars {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Runs of whitespace as one space, so a comparison does not depend on spacing.
pub fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
