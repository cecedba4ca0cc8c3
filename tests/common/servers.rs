//! The real Python test servers, started on free loopback ports and stopped by PID.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn venv_bin(name: &str) -> PathBuf {
    let bin = slam::config::cache_dir()
        .join("venv")
        .join("bin")
        .join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `scripts/setup-test-servers` (or `make test`)",
        bin.display()
    );
    bin
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct TestServer {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    fn start(mut cmd: Command, port: u16, dir: tempfile::TempDir, what: &str) -> Self {
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}"));
        let mut server = Self {
            port,
            child,
            _dir: dir,
        };
        server.wait_ready(what);
        server
    }

    fn wait_ready(&mut self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self._dir.path().join("server.log"))
                    .unwrap_or_default();
                panic!("{what} exited with {status}:\n{log}");
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{what} did not listen on port {} within 120 s", self.port);
    }

    /// llama-cpp-python's OpenAI-compatible server on the SmolLM2 GGUF.
    pub fn llama_cpp(n_ctx: u32) -> Self {
        let port = free_port();
        let mut cmd = Command::new(venv_bin("python"));
        cmd.args(["-m", "llama_cpp.server", "--host", "127.0.0.1"])
            .args(["--port", &port.to_string(), "--n_ctx", &n_ctx.to_string()])
            .args(["--n_threads", "2", "--model"])
            .arg(super::model_path(super::SMOLLM2));
        Self::start(
            cmd,
            port,
            tempfile::tempdir().unwrap(),
            "llama-cpp-python server",
        )
    }

    /// llm-katan's echo backend with extra flags (latency, faults).
    pub fn katan(extra: &[&str]) -> Self {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(venv_bin("llm-katan"));
        cmd.args([
            "--model",
            "echo",
            "--backend",
            "echo",
            "--host",
            "127.0.0.1",
        ])
        .args([
            "--port",
            &port.to_string(),
            "--disable-dashboard",
            "--stats-file",
        ])
        .arg(dir.path().join("stats.json"))
        .args(extra);
        Self::start(cmd, port, dir, "llm-katan")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
