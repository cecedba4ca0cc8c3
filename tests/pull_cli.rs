//! `slam pull` against a stand-in Hub (`HF_ENDPOINT`) serving the real test models: by quant,
//! the default quant, several matches, a missing repository, a repository with no GGUF, a model
//! that does not fit, and the pulled model listed by `slam models` and loaded.

mod common;

use std::path::Path;

use common::hub_server::{HubFile, HubServer, sha256};
use common::{GEMMA3, SMOLLM2, Sandbox, model_path, text};

const REPO: &str = "test-org/Tiny-GGUF";
const SMOL: &str = "SmolLM2-135M-Instruct-Q4_1.gguf";
const GEMMA: &str = "gemma-3-270m-Q4_K_M.gguf";

fn file(bytes: Vec<u8>) -> HubFile {
    HubFile {
        bytes,
        cut_at: None,
        corrupt_at: None,
    }
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

    fn slam(&self, args: &[&str]) -> (bool, String, String) {
        let out = self
            .sandbox
            .slam()
            .env("HF_ENDPOINT", self.hub.endpoint())
            .env("HF_HUB_CACHE", &self.cache)
            .env("HF_TOKEN", "hf_secret_test_token")
            .args(args)
            .output()
            .unwrap();
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
        !p.cache.join("models--test-org--Tiny-GGUF").exists(),
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
    let (ok, stdout, stderr) = p.slam(&["pull", "--search", "tiny"]);
    assert!(
        ok && stdout.contains(REPO) && stdout.contains("1 file, 94 MiB"),
        "{stdout}{stderr}"
    );
}

#[test]
fn a_pull_cut_at_half_resumes_with_one_range_request_and_a_wrong_byte_is_caught() {
    let p = Pull::new();
    let smol = read(&model_path(SMOLLM2));
    let half = smol.len() / 2;
    p.hub.put(
        REPO,
        SMOL,
        HubFile {
            cut_at: Some(half),
            ..file(smol.clone())
        },
    );
    let (ok, _, stderr) = p.slam(&["pull", &format!("{REPO}:Q4_1")]);
    assert!(
        !ok && stderr.contains("run the pull again to resume"),
        "{stderr}"
    );
    let partial = p
        .cache
        .join("models--test-org--Tiny-GGUF/blobs")
        .join(format!("{}.incomplete", sha256(&smol)));
    assert_eq!(std::fs::metadata(&partial).unwrap().len(), half as u64);

    let (ok, stdout, stderr) = p.slam(&["pull", &format!("{REPO}:Q4_1")]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stderr.contains("resumed at"), "{stderr}");
    let requests = p.hub.cdn_requests();
    // The fit check's header read, the cut download, the header read again, the rest.
    let ranges: Vec<Option<String>> = requests.iter().map(|r| r.1.clone()).collect();
    let resumed = format!("bytes={half}-");
    assert_eq!(
        ranges
            .iter()
            .filter(|r| r.as_deref() == Some(resumed.as_str()))
            .count(),
        1,
        "{requests:?}"
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
