//! An eval run over fixed-answer servers, for the commands that read one (judge, similarity,
//! cost): a sandbox with its own config and database, the servers kept alive beside it.

use std::path::PathBuf;
use std::process::Output;

use super::fake_server::FakeServer;
use super::{Sandbox, text};

/// A model served by a fake server: its name, the model id the server is asked for, the
/// server, and extra config lines.
pub struct Served<'a> {
    pub name: &'a str,
    pub model: &'a str,
    pub server: FakeServer,
    pub extra: &'a str,
}

pub struct EvalRun {
    pub sandbox: Sandbox,
    /// In the order given.
    pub servers: Vec<FakeServer>,
}

impl EvalRun {
    /// Write the models into config.toml and `spec` into spec.toml, and run `slam eval` on it
    /// (session 1).
    pub fn new(models: Vec<Served>, spec: &str) -> Self {
        let sandbox = Sandbox::new();
        let config: String = models
            .iter()
            .map(|m| {
                format!(
                    "[[models]]\nname = \"{}\"\nbackend = \"openai\"\nbase_url = \"{}\"\nmodel = \"{}\"\n{}\n",
                    m.name,
                    m.server.base_url(),
                    m.model,
                    m.extra
                )
            })
            .collect();
        std::fs::write(sandbox.dir.path().join("config.toml"), config).unwrap();
        std::fs::write(sandbox.dir.path().join("spec.toml"), spec).unwrap();
        let run = EvalRun {
            sandbox,
            servers: models.into_iter().map(|m| m.server).collect(),
        };
        let spec = run.path("spec.toml");
        let out = run.slam(&["eval", spec.to_str().unwrap(), "--no-tui"]);
        assert!(out.status.success(), "{}", text(&out).1);
        run
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.sandbox.dir.path().join(name)
    }

    /// slam with this run's config and database.
    pub fn slam(&self, args: &[&str]) -> Output {
        self.sandbox
            .slam()
            .arg("--config")
            .arg(self.path("config.toml"))
            .arg("--db")
            .arg(self.path("slam.db"))
            .args(args)
            .output()
            .unwrap()
    }

    /// slam's JSON output of a command that must succeed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.slam(args);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        serde_json::from_str(stdout.trim()).unwrap()
    }
}
