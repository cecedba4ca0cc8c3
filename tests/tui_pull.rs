//! The picker's "get a model" flow in a real terminal (tmux), against the stand-in Hub serving
//! the real test models: search, choose a repository and a quantization, watch the progress,
//! stop half-way (Esc), resume (Enter: one Range request), and run the pulled model, which the
//! picker shows selected.

mod common;

use std::time::Duration;

use common::hub_server::{COMMIT, HubFile, HubServer, sha256};
use common::tmux::{Tmux, ended_count, slam_env};
use common::{GEMMA3, SMOLLM2, Sandbox, model_path};

const REPO: &str = "test-org/Tiny-GGUF";
const SMOL: &str = "SmolLM2-135M-Instruct-Q4_1.gguf";
const GEMMA: &str = "gemma-3-270m-Q4_K_M.gguf";

#[test]
fn search_choose_stop_resume_and_run_a_model_from_the_hub() {
    let sandbox = Sandbox::new();
    let hub = HubServer::start();
    let smol = std::fs::read(model_path(SMOLLM2)).unwrap();
    let half = smol.len() / 2;
    hub.put(
        REPO,
        SMOL,
        HubFile {
            stall_at: Some(half),
            ..HubFile::new(smol.clone())
        },
    );
    hub.put(
        REPO,
        GEMMA,
        HubFile::new(std::fs::read(model_path(GEMMA3)).unwrap()),
    );
    hub.put(
        "other-org/Unrelated-GGUF",
        "x-Q8_0.gguf",
        HubFile::new(vec![0; 10]),
    );

    let config = sandbox.dir.path().join("config");
    std::fs::create_dir_all(config.join("slam")).unwrap();
    std::fs::write(
        config.join("slam").join("config.toml"),
        "[params]\ntemperature = 0\nmax_tokens = 8\n",
    )
    .unwrap();
    let cache = sandbox.dir.path().join("hf-hub");
    let cache_home = slam::config::cache_dir().parent().unwrap().to_path_buf();
    // The later HF_HUB_CACHE wins over slam_env's empty one.
    let env = format!(
        "{} HF_HUB_CACHE={} HF_ENDPOINT={} HF_TOKEN=hf_secret_test_token",
        slam_env(&sandbox, &cache_home),
        cache.display(),
        hub.endpoint()
    );
    let tmux = Tmux::new("pull");
    let slam = env!("CARGO_BIN_EXE_slam");
    tmux.session(
        200,
        40,
        &format!("{env} {slam}; echo SLAM_EXIT=$?; sleep 600"),
    );
    tmux.wait_for(
        "the editor",
        |s| s.contains("prompt → smollm2, gemma3-base"),
        Duration::from_secs(20),
    );
    tmux.keys(&["C-p"]);
    tmux.wait_for(
        "the picker",
        |s| s.contains("[x] smollm2"),
        Duration::from_secs(10),
    );
    tmux.keys(&["C-d"]);
    tmux.wait_for(
        "the popup",
        |s| s.contains("get a model from the Hugging Face Hub"),
        Duration::from_secs(10),
    );
    tmux.keys(&["-l", "tiny"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        "the search's answer",
        |s| s.contains(REPO),
        Duration::from_secs(10),
    );
    assert!(!screen.contains("Unrelated"), "{screen}");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        "the repository's files",
        |s| s.contains(SMOL) && s.contains(GEMMA),
        Duration::from_secs(10),
    );
    assert!(
        screen.contains("Q4_1") && screen.contains("94 MiB"),
        "{screen}"
    );
    // The cursor starts on Q4_K_M (the default); Up is the Q4_1 file.
    tmux.keys(&["Up", "Enter"]);
    let screen = tmux.wait_for(
        "the download caught half-way",
        |s| s.contains("47 MiB of 94 MiB"),
        Duration::from_secs(30),
    );
    assert!(
        screen.contains("fits in"),
        "the fit check is shown:\n{screen}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for(
        "the download stopped",
        |s| s.contains("stopped at 47 MiB of 94 MiB"),
        Duration::from_secs(10),
    );
    let partial = cache
        .join("models--test-org--Tiny-GGUF/blobs")
        .join(format!("{}.incomplete", sha256(&smol)));
    assert_eq!(std::fs::metadata(&partial).unwrap().len(), half as u64);

    hub.release();
    tmux.keys(&["Enter"]);
    let name = format!("{REPO}/SmolLM2-135M-Instruct-Q4_1");
    let screen = tmux.wait_for(
        "the pulled model in the picker",
        |s| s.contains(&format!("[x] {name}")),
        Duration::from_secs(60),
    );
    assert!(screen.contains("is here and selected"), "{screen}");
    let resumed = format!("bytes={half}-");
    assert_eq!(hub.range_requests(&resumed), 1, "{:?}", hub.cdn_requests());
    let link = cache
        .join("models--test-org--Tiny-GGUF/snapshots")
        .join(COMMIT)
        .join(SMOL);
    assert_eq!(sha256(&std::fs::read(&link).unwrap()), sha256(&smol));

    // It runs beside the others.
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the editor with three models",
        // A model found on disk is listed before the built-in ones.
        |s| s.contains(&format!("prompt → {name}, smollm2, gemma3-base")),
        Duration::from_secs(10),
    );
    tmux.keys(&["-l", "Hi"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        "three answers",
        |s| ended_count(s) >= 3,
        Duration::from_secs(120),
    );
    assert!(screen.contains("SmolLM2-135M-Instruct-Q4_1"), "{screen}");
    assert!(!screen.contains("hf_secret_test_token"));
    tmux.quit_and_wait();
}
