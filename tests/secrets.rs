//! The API key never reaches stdout, stderr, the log file or anything slam writes — on success,
//! on server errors that echo it back, and with the most verbose logging.

mod common;

use common::fake_server::{FakeServer, response};
use common::servers::TestServer;
use common::{Sandbox, text};

const KEY: &str = "sk-slam-fake-7c1d2e3f4a5b6c7d8e9f-RECOGNISABLE";

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn the_key_appears_nowhere() {
    let katan = TestServer::katan(&[]);
    // A server that echoes the Authorization header back in its error.
    let echo = FakeServer::start(vec![response(
        401,
        &[("Content-Type", "application/json")],
        &format!(r#"{{"error":{{"message":"invalid key Bearer {KEY}"}}}}"#),
    )]);
    let sandbox = Sandbox::new();
    let config = sandbox.dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[models]]\nname = \"katan\"\nbackend = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\napi_key_env = \"OPENAI_API_KEY\"\n\
             [[models]]\nname = \"echoer\"\nbackend = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\napi_key_env = \"OPENAI_API_KEY\"\n\
             [[models]]\nname = \"gpt-4\"\nbackend = \"openai\"\nbase_url = \"{}\"\nmodel = \"gpt-4\"\napi_key_env = \"OPENAI_API_KEY\"\n",
            katan.base_url(),
            echo.base_url(),
            katan.base_url()
        ),
    )
    .unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["models"],
        vec!["models", "--json"],
        vec!["--help"],
        vec!["generate", "--help"],
        vec!["compare", "--help"],
        vec!["generate", "-m", "katan", "hello there"],
        vec!["generate", "--json", "-m", "gpt-4", "hello there"],
        vec!["generate", "-m", "echoer", "hello"],
        vec!["generate", "--json", "-m", "echoer", "hello"],
        vec![
            "compare", "--json", "-m", "katan", "-m", "echoer", "-m", "smollm2", "-n", "4", "hi",
        ],
        vec!["compare", "-m", "katan", "-m", "echoer", "-n", "4", "hi"],
    ];
    let mut outputs = Vec::new();
    for args in &runs {
        let out = sandbox
            .slam()
            .env("OPENAI_API_KEY", KEY)
            .env("SLAM_LOG", "trace")
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        outputs.push((args.clone(), stdout, stderr));
    }
    // The runs did reach the servers (so the key was really used).
    let (_, ok_out, _) = &outputs[5];
    assert!(
        ok_out.contains("hello there"),
        "katan echoes the prompt: {ok_out}"
    );
    let (_, _, echo_err) = &outputs[7];
    assert!(
        echo_err.contains("invalid key Bearer ***"),
        "redacted server message: {echo_err}"
    );

    for (args, stdout, stderr) in &outputs {
        assert!(!stdout.contains(KEY), "{args:?} stdout leaks the key");
        assert!(!stderr.contains(KEY), "{args:?} stderr leaks the key");
    }
    let written = files_under(sandbox.dir.path());
    assert!(
        written.iter().any(|p| p.ends_with("slam.log")),
        "the log file exists: {written:?}"
    );
    for file in written {
        let bytes = std::fs::read(&file).unwrap();
        let content = String::from_utf8_lossy(&bytes);
        assert!(!content.contains(KEY), "{} leaks the key", file.display());
    }
}
