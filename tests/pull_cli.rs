//! `slam pull` against a stand-in Hub (`HF_ENDPOINT`) serving the real test models: by quant,
//! the default quant, several matches, a missing repository, a repository with no GGUF, a gated
//! one without a token, a model that does not fit, one bigger than the disk; cut at half and
//! Ctrl-C at half, each resumed with one Range request; one wrong byte; a multi-part model split
//! by llama.cpp's gguf-split; the pulled model listed by `slam models`, loaded, and removed.

mod common;

use std::path::Path;

use common::hub_server::{HubFile, HubServer, sha256};
use common::{GEMMA3, SMOLLM2, Sandbox, model_path, text};

const REPO: &str = "test-org/Tiny-GGUF";
const SMOL: &str = "SmolLM2-135M-Instruct-Q4_1.gguf";
const GEMMA: &str = "gemma-3-270m-Q4_K_M.gguf";

fn file(bytes: Vec<u8>) -> HubFile {
    HubFile::new(bytes)
}

struct Pull {
    sandbox: Sandbox,
    hub: HubServer,
    cache: std::path::PathBuf,
}

impl Pull {
    fn new() -> Self {
        let sandbox = Sandbox::new();
        let cache = sandbox.dir.path().join("hf-hub");
        Self {
            hub: HubServer::start(),
            cache,
            sandbox,
        }
    }

    /// Where a file of `REPO` lands in the hub cache.
    fn snapshot(&self, file: &str) -> std::path::PathBuf {
        self.cache
            .join("models--test-org--Tiny-GGUF/snapshots")
            .join(common::hub_server::COMMIT)
            .join(file)
    }

    /// The smollm2 file served as `SMOL` of `REPO`, as `serve` changes it (given the offset of
    /// its half); its bytes and that half.
    fn serve_smol(&self, serve: impl FnOnce(HubFile, usize) -> HubFile) -> (Vec<u8>, usize) {
        let smol = read(&model_path(SMOLLM2));
        let half = smol.len() / 2;
        self.hub.put(REPO, SMOL, serve(file(smol.clone()), half));
        (smol, half)
    }

    /// Where the download of `bytes` grows in `REPO`'s blobs.
    fn partial(&self, bytes: &[u8]) -> std::path::PathBuf {
        self.cache
            .join("models--test-org--Tiny-GGUF/blobs")
            .join(format!("{}.incomplete", sha256(bytes)))
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = self.sandbox.slam();
        command
            .env("HF_ENDPOINT", self.hub.endpoint())
            .env("HF_HUB_CACHE", &self.cache)
            .env("HF_TOKEN", "hf_secret_test_token")
            .args(args);
        command
    }

    fn slam(&self, args: &[&str]) -> (bool, String, String) {
        let out = self.command(args).output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(
            !stdout.contains("hf_secret_test_token") && !stderr.contains("hf_secret_test_token"),
            "the token was printed"
        );
        (out.status.success(), stdout, stderr)
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn pull_by_quant_lists_and_runs_the_model() {
    let p = Pull::new();
    let smol = read(&model_path(SMOLLM2));
    p.hub.put(REPO, SMOL, file(smol.clone()));
    p.hub.put(REPO, GEMMA, file(read(&model_path(GEMMA3))));
    let (ok, stdout, stderr) = p.slam(&["pull", &format!("{REPO}:q4_1")]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stderr.contains("fits in"), "the fit check ran: {stderr}");
    let link = p.snapshot(SMOL);
    assert_eq!(
        sha256(&read(&link)),
        sha256(&smol),
        "identical to the source"
    );
    assert!(stdout.contains(&link.display().to_string()), "{stdout}");

    let name = format!("{REPO}/SmolLM2-135M-Instruct-Q4_1");
    let (ok, listed, _) = p.slam(&["models", "--json"]);
    assert!(ok && listed.contains(&name), "{listed}");
    let (ok, answer, stderr) = p.slam(&["generate", "-m", &name, "-n", "3", "Hi"]);
    assert!(ok && !answer.trim().is_empty(), "{stderr}");

    // Removed from the cache layout cleanly: nothing left of the repository.
    let (ok, stdout, stderr) = p.slam(&["models", "rm", &name]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        !p.cache.join("models--test-org--Tiny-GGUF").exists()
            && !p.cache.join(".locks/models--test-org--Tiny-GGUF").exists(),
        "{stdout}"
    );
    let (_, listed, _) = p.slam(&["models", "--json"]);
    assert!(!listed.contains(&name), "{listed}");
    let (ok, _, stderr) = p.slam(&["models", "rm", "smollm2"]);
    assert!(
        !ok && stderr.contains("not in the Hugging Face cache"),
        "{stderr}"
    );
}

#[test]
fn no_quant_takes_q4_k_m_and_several_matches_are_listed() {
    let p = Pull::new();
    p.hub.put(REPO, SMOL, file(read(&model_path(SMOLLM2))));
    p.hub.put(REPO, GEMMA, file(read(&model_path(GEMMA3))));
    let (ok, stdout, stderr) = p.slam(&["pull", REPO]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Q4_K_M") && stdout.contains(GEMMA),
        "{stdout}"
    );

    let twice = "test-org/Twice-GGUF";
    p.hub.put(twice, "a-Q4_1.gguf", file(vec![1; 10]));
    p.hub.put(twice, "sub/a-Q4_1.gguf", file(vec![2; 20]));
    let (ok, _, stderr) = p.slam(&["pull", &format!("{twice}:Q4_1")]);
    assert!(!ok);
    assert!(
        stderr.contains("several files match")
            && stderr.contains("a-Q4_1.gguf")
            && stderr.contains("sub/a-Q4_1.gguf"),
        "{stderr}"
    );
}

#[test]
fn bad_repositories_quants_and_a_model_that_does_not_fit_are_clear_errors() {
    let p = Pull::new();
    let (ok, _, stderr) = p.slam(&["pull", "nobody/Nothing-GGUF"]);
    assert!(!ok && stderr.contains("no such repository"), "{stderr}");
    p.hub
        .put("test-org/Docs", "README.md", file(b"# docs".to_vec()));
    let (ok, _, stderr) = p.slam(&["pull", "test-org/Docs"]);
    assert!(!ok && stderr.contains("no GGUF file"), "{stderr}");
    p.hub.put(REPO, SMOL, file(read(&model_path(SMOLLM2))));
    let (ok, _, stderr) = p.slam(&["pull", &format!("{REPO}:Q8_0")]);
    assert!(
        !ok && stderr.contains("no file is Q8_0") && stderr.contains(SMOL),
        "{stderr}"
    );
    // 50 million tokens of KV cache (23,040 bytes each: ~1 TiB) fit nowhere.
    let (ok, _, stderr) = p.slam(&["pull", &format!("{REPO}:Q4_1"), "--ctx-size", "50000000"]);
    assert!(
        !ok && stderr.contains("does NOT fit") && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(
        !p.cache
            .join("models--test-org--Tiny-GGUF/snapshots")
            .exists(),
        "nothing pulled"
    );
    // A gated repository: its listing is public, its files need a token that was accepted.
    let gated = "test-org/Gated-GGUF";
    p.hub.put(gated, SMOL, file(read(&model_path(SMOLLM2))));
    p.hub.gate(gated);
    let out = p
        .command(&["pull", &format!("{gated}:Q4_1")])
        .env_remove("HF_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("gated") && stderr.contains("set HF_TOKEN"),
        "{stderr}"
    );
    // A model the Hub lists at 1 PiB: more than any disk here (after --force past the fit).
    let huge = "test-org/Huge-GGUF";
    p.hub.put(
        huge,
        SMOL,
        HubFile {
            listed_size: Some(1 << 50),
            ..file(read(&model_path(SMOLLM2)))
        },
    );
    let (ok, _, stderr) = p.slam(&["pull", &format!("{huge}:Q4_1"), "--force"]);
    assert!(
        !ok && stderr.contains("free, the download needs 1048576.0 GiB more")
            && stderr.contains("free some space"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: needs ~1048576") && stderr.contains("--force"),
        "the fit warned first: {stderr}"
    );
    assert!(
        p.hub
            .cdn_requests()
            .iter()
            .all(|r| r.1.as_deref().is_some_and(|r| r.starts_with("bytes=0-"))),
        "only header reads, no download: {:?}",
        p.hub.cdn_requests()
    );
    let (ok, stdout, stderr) = p.slam(&["pull", "--search", "tiny"]);
    assert!(
        ok && stdout.contains(REPO) && stdout.contains("1 file, 94 MiB"),
        "{stdout}{stderr}"
    );
}

#[test]
fn a_pull_cut_at_half_resumes_with_one_range_request_and_a_wrong_byte_is_caught() {
    let p = Pull::new();
    let (smol, half) = p.serve_smol(|f, half| HubFile {
        cut_at: Some(half),
        ..f
    });
    let (ok, _, stderr) = p.slam(&["pull", &format!("{REPO}:Q4_1")]);
    assert!(
        !ok && stderr.contains("run the pull again to resume"),
        "{stderr}"
    );
    let partial = p.partial(&smol);
    assert_eq!(std::fs::metadata(&partial).unwrap().len(), half as u64);

    let (ok, stdout, stderr) = p.slam(&["pull", &format!("{REPO}:Q4_1")]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stderr.contains("resumed at"), "{stderr}");
    // Besides the fit check's header reads and the cut download: one request for the rest.
    let resumed = format!("bytes={half}-");
    assert_eq!(
        p.hub.range_requests(&resumed),
        1,
        "{:?}",
        p.hub.cdn_requests()
    );
    let link = p.snapshot(SMOL);
    assert_eq!(
        sha256(&read(&link)),
        sha256(&smol),
        "identical to the source"
    );

    // Another repository whose file has one wrong byte: reported, nothing in the snapshot.
    let bad = "test-org/Bad-GGUF";
    p.hub.put(
        bad,
        SMOL,
        HubFile {
            corrupt_at: Some(50_000_000),
            ..file(smol.clone())
        },
    );
    let (ok, _, stderr) = p.slam(&["pull", &format!("{bad}:Q4_1")]);
    assert!(
        !ok && stderr.contains("sha256") && stderr.contains("deleted"),
        "{stderr}"
    );
    assert!(
        !p.cache
            .join("models--test-org--Bad-GGUF/snapshots")
            .exists()
    );
    let blobs = p.cache.join("models--test-org--Bad-GGUF/blobs");
    assert_eq!(
        std::fs::read_dir(&blobs).map_or(0, |d| d.count()),
        0,
        "no partial left"
    );
}

#[test]
fn ctrl_c_at_half_keeps_the_partial_and_the_same_pull_resumes_it() {
    let p = Pull::new();
    let (smol, half) = p.serve_smol(|f, half| HubFile {
        stall_at: Some(half),
        ..f
    });
    let child = p
        .command(&["pull", &format!("{REPO}:Q4_1")])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let partial = p.partial(&smol);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) < half as u64 {
        assert!(
            std::time::Instant::now() < deadline,
            "the pull never got to half"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted") && stderr.contains("run the same pull again to resume"),
        "{stderr}"
    );
    assert_eq!(std::fs::metadata(&partial).unwrap().len(), half as u64);
    assert!(!p.snapshot(SMOL).exists());

    p.hub.release();
    let (ok, stdout, stderr) = p.slam(&["pull", &format!("{REPO}:Q4_1")]);
    assert!(ok && stderr.contains("resumed at"), "{stdout}{stderr}");
    let resumed = format!("bytes={half}-");
    assert_eq!(
        p.hub.range_requests(&resumed),
        1,
        "{:?}",
        p.hub.cdn_requests()
    );
    assert_eq!(sha256(&read(&p.snapshot(SMOL))), sha256(&smol));
}

/// llama.cpp's own `llama-gguf-split`, built from slam's llama.cpp tree (cached after once).
fn gguf_split() -> std::path::PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-llama-tools");
    let out = std::process::Command::new(&script).output().unwrap();
    assert!(
        out.status.success(),
        "{} failed (run it by hand to see why): {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Path::new(String::from_utf8_lossy(&out.stdout).trim()).join("llama-gguf-split")
}

#[test]
fn a_multi_part_model_split_by_gguf_split_is_pulled_whole_and_loads() {
    let p = Pull::new();
    let split_dir = p.sandbox.dir.path().join("split");
    std::fs::create_dir_all(&split_dir).unwrap();
    let prefix = split_dir.join("SmolLM2-135M-Instruct-Q4_1");
    let out = std::process::Command::new(gguf_split())
        .args(["--split", "--split-max-size", "40M"])
        .arg(model_path(SMOLLM2))
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut parts: Vec<String> = std::fs::read_dir(&split_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    parts.sort();
    // 94 MiB in parts of at most 40 MB: three.
    assert_eq!(
        parts,
        (1..=3)
            .map(|i| format!("SmolLM2-135M-Instruct-Q4_1-0000{i}-of-00003.gguf"))
            .collect::<Vec<_>>()
    );
    let split = "test-org/Split-GGUF";
    for part in &parts {
        p.hub.put(split, part, file(read(&split_dir.join(part))));
    }
    let (ok, stdout, stderr) = p.slam(&["pull", &format!("{split}:Q4_1")]);
    assert!(ok, "{stdout}{stderr}");
    let snapshots = p
        .cache
        .join("models--test-org--Split-GGUF/snapshots")
        .join(common::hub_server::COMMIT);
    for part in &parts {
        assert_eq!(
            sha256(&read(&snapshots.join(part))),
            sha256(&read(&split_dir.join(part))),
            "{part}"
        );
    }
    let name = format!("{split}/SmolLM2-135M-Instruct-Q4_1-00001-of-00003");
    let (ok, listed, _) = p.slam(&["models", "--json"]);
    assert!(ok && listed.contains(&name), "{listed}");
    assert!(
        !listed.contains("00002-of-00003"),
        "one model, not three: {listed}"
    );
    // llama.cpp loads the other parts beside the first; greedy, so the same words as the
    // whole file gives.
    let args = |m: &str| {
        vec![
            "generate".to_string(),
            "-m".into(),
            m.into(),
            "-n".into(),
            "8".into(),
            "--temperature".into(),
            "0".into(),
            "Hi".into(),
        ]
    };
    let whole_path = model_path(SMOLLM2).display().to_string();
    let (ok, from_parts, stderr) =
        p.slam(&args(&name).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok && !from_parts.trim().is_empty(), "{stderr}");
    let (ok, from_whole, stderr) = p.slam(
        &args(&whole_path)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(ok, "{stderr}");
    assert_eq!(from_parts, from_whole);
    let (ok, stdout, stderr) = p.slam(&["models", "rm", &name]);
    assert!(ok, "{stdout}{stderr}");
    assert!(!p.cache.join("models--test-org--Split-GGUF").exists());
}
