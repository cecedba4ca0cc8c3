//! `slam generate` with the real SmolLM2 through llama.cpp, and its errors on bad model files.

mod common;

use common::{GEMMA3, SMOLLM2, Sandbox, model_path, text};

/// The answer a model streams in `slam compare --json`, concatenated.
fn compare_json_text(sandbox: &Sandbox, args: &[&str]) -> String {
    let out = sandbox
        .slam()
        .args(["compare", "--json"])
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "delta")
        .map(|e| e["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn generate_prints_the_answer_alone_with_metrics_on_stderr() {
    let sandbox = Sandbox::new();
    let args = ["-m", "smollm2", "--temperature", "0", "-n", "24"];
    let prompt = "What is the capital of France?";
    let out = sandbox
        .slam()
        .arg("generate")
        .args(args)
        .arg(prompt)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stderr: {stderr}");
    // The wording depends on the CPU; the same build's greedy answer through the other command
    // is the reference: stdout holds exactly the answer.
    let reference = compare_json_text(&sandbox, &[&args[..], &[prompt]].concat());
    assert!(!reference.trim().is_empty());
    assert_eq!(stdout.trim_end(), reference.trim_end());
    // The metrics line goes to stderr, not into the answer.
    assert!(
        stderr.contains("TTFT") && stderr.contains("tok/s"),
        "{stderr}"
    );
    assert!(!stdout.contains("TTFT"));
    // llama.cpp's log went to the log file, not the terminal.
    assert!(!stderr.contains("llama_model_loader"), "{stderr}");
    assert!(
        sandbox.log().contains("llama_model_loader"),
        "llama.cpp's log is in the log file"
    );
}

#[test]
fn zero_max_tokens_is_refused_from_flags_and_files() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .slam()
        .args(["generate", "-m", "smollm2", "-n", "0", "hi"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("'--max-tokens <MAX_TOKENS>'") && stderr.contains("at least 1"),
        "{stderr}"
    );

    let config = sandbox.dir.path().join("zero.toml");
    std::fs::write(&config, "[params]\ntemperature = 0\nmax_tokens = 0\n").unwrap();
    let out = sandbox
        .slam()
        .arg("--config")
        .arg(&config)
        .args(["generate", "-m", "smollm2", "hi"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(&format!("{}:3:", config.display())) && stderr.contains("at least 1"),
        "{stderr}"
    );
}

fn assert_clean_model_error(sandbox: &Sandbox, model: &str, expected_reason: &str) {
    let out = sandbox
        .slam()
        .args(["generate", "-m", model, "hi"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(model), "names the file: {stderr}");
    assert!(stderr.contains(expected_reason), "says why: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for llama_noise in ["llama_model_load", "gguf_init", "ggml", "llama_"] {
        assert!(
            !stderr.contains(llama_noise),
            "llama.cpp output leaked: {stderr}"
        );
    }
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
}

#[test]
fn a_non_gguf_file_is_a_clear_error() {
    let sandbox = Sandbox::new();
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    assert_clean_model_error(&sandbox, readme, "not a GGUF model file");
}

#[test]
fn a_truncated_gguf_is_a_clear_error() {
    let sandbox = Sandbox::new();
    for file in [SMOLLM2, GEMMA3] {
        let full = std::fs::read(model_path(file)).unwrap();
        let cut = sandbox.dir.path().join(format!("cut-{file}"));
        std::fs::write(&cut, &full[..1 << 20]).unwrap();
        assert_clean_model_error(&sandbox, cut.to_str().unwrap(), "truncated");
    }
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let sandbox = Sandbox::new();
    let missing = sandbox.dir.path().join("missing.gguf");
    assert_clean_model_error(&sandbox, missing.to_str().unwrap(), "no such file");
}

#[test]
fn a_gguf_cut_inside_its_tensor_data_is_a_clear_error() {
    // Header intact, weights cut: llama.cpp would read past the end.
    let sandbox = Sandbox::new();
    let full = std::fs::read(model_path(SMOLLM2)).unwrap();
    let cut = sandbox.dir.path().join("cut-weights.gguf");
    std::fs::write(&cut, &full[..full.len() - 4096]).unwrap();
    assert_clean_model_error(&sandbox, cut.to_str().unwrap(), "truncated");
}

#[test]
fn malformed_config_names_line_and_column() {
    let sandbox = Sandbox::new();
    let config = sandbox.dir.path().join("bad.toml");
    std::fs::write(&config, "# my models\n[[models]]\nname = 3\n").unwrap();
    let out = sandbox
        .slam()
        .arg("--config")
        .arg(&config)
        .arg("models")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("{}:3:8:", config.display())),
        "{stderr}"
    );
    assert!(stderr.contains("expected a string"), "{stderr}");
}

#[test]
fn models_lists_the_test_models_from_their_headers() {
    let sandbox = Sandbox::new();
    let out = sandbox.slam().arg("models").output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let smol = stdout
        .lines()
        .find(|l| l.starts_with("smollm2"))
        .expect(&stdout);
    assert!(
        smol.contains("Q4_1") && smol.contains("8192") && smol.contains("94 MiB"),
        "{smol}"
    );
    let gemma = stdout
        .lines()
        .find(|l| l.starts_with("gemma3-base"))
        .expect(&stdout);
    assert!(
        gemma.contains("Q4_K_M") && gemma.contains("32768"),
        "{gemma}"
    );
}

#[test]
fn models_in_a_models_dir_and_the_hf_cache_are_listed_and_runnable() {
    let sandbox = Sandbox::new();
    let mine = sandbox.dir.path().join("my-models");
    std::fs::create_dir_all(&mine).unwrap();
    std::os::unix::fs::symlink(model_path(SMOLLM2), mine.join("tiny-chat.gguf")).unwrap();
    let snapshot = sandbox
        .dir
        .path()
        .join("hf-hub/models--HuggingFaceTB--SmolLM2-135M-Instruct-GGUF/snapshots/0123");
    std::fs::create_dir_all(&snapshot).unwrap();
    std::os::unix::fs::symlink(model_path(GEMMA3), snapshot.join("gemma-copy.gguf")).unwrap();

    let out = sandbox
        .slam()
        .arg("--models-dir")
        .arg(&mine)
        .arg("models")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let tiny = stdout
        .lines()
        .find(|l| l.starts_with("tiny-chat"))
        .expect(&stdout);
    assert!(tiny.contains("Q4_1"), "{tiny}");
    let hf = stdout
        .lines()
        .find(|l| l.starts_with("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/gemma-copy"))
        .expect(&stdout);
    assert!(hf.contains("Q4_K_M"), "{hf}");

    let out = sandbox
        .slam()
        .arg("--models-dir")
        .arg(&mine)
        .args([
            "generate",
            "-m",
            "tiny-chat",
            "--temperature",
            "0",
            "-n",
            "8",
            "Hello",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
}
