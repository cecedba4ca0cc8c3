//! Downloading a file from the Hub into its cache layout, against a stand-in Hub (the real one
//! is not reachable offline): through the 302 to the file host, resumed with one Range request
//! after a dropped connection, started over when the file changed upstream (If-Range), a
//! corrupt byte caught by the sha256, and the errors of a missing and a gated repository.

mod common;

use common::hub_server::{HubFile, HubServer, sha256};
use slam::hub::cache::HubCache;
use slam::hub::download::{DownloadError, Fetch, Transfer, fetch};

const REPO: &str = "test-org/Tiny-GGUF";
const FILE: &str = "tiny-Q4_K_M.gguf";

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn file(bytes: Vec<u8>) -> HubFile {
    HubFile::new(bytes)
}

struct Setup {
    hub: HubServer,
    cache: HubCache,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    Setup {
        hub: HubServer::start(),
        cache: HubCache {
            root: dir.path().to_path_buf(),
        },
        _dir: dir,
    }
}

fn plan(s: &Setup, content: &[u8], token: Option<&str>) -> Fetch {
    let sha = sha256(content);
    Fetch {
        url: format!("{}/{REPO}/resolve/main/{FILE}", s.hub.endpoint()),
        token: token.map(str::to_owned),
        size: content.len() as u64,
        sha256: sha.clone(),
        partial: s.cache.incomplete(REPO, &sha),
        dest: s.cache.blob(REPO, &sha),
        lock: s.cache.lock(REPO, &sha),
    }
}

fn run(f: &Fetch) -> Result<Transfer, DownloadError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    rt.block_on(fetch(&client, f, |_, _| {}))
}

#[test]
fn a_file_arrives_through_the_redirect_with_its_hash_checked() {
    let s = setup();
    let content = bytes(300_000, 1);
    s.hub.put(REPO, FILE, file(content.clone()));
    let f = plan(&s, &content, None);
    let t = run(&f).unwrap();
    assert_eq!(
        t,
        Transfer {
            resumed_from: 0,
            fetched: 300_000,
            restarted: false
        }
    );
    assert_eq!(std::fs::read(&f.dest).unwrap(), content);
    assert!(!f.partial.exists());
    let requests = s.hub.cdn_requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].1, None, "no Range on a first download");
}

#[test]
fn a_dropped_download_resumes_with_one_range_request() {
    let s = setup();
    let content = bytes(400_000, 2);
    s.hub.put(
        REPO,
        FILE,
        HubFile {
            cut_at: Some(200_000),
            ..file(content.clone())
        },
    );
    let f = plan(&s, &content, None);
    let err = run(&f).unwrap_err();
    assert!(
        matches!(err, DownloadError::Short { got: 200_000, .. }),
        "{err}"
    );
    assert_eq!(
        std::fs::metadata(&f.partial).unwrap().len(),
        200_000,
        "the partial is kept"
    );
    assert!(!f.dest.exists());

    let t = run(&f).unwrap();
    assert_eq!(
        t,
        Transfer {
            resumed_from: 200_000,
            fetched: 200_000,
            restarted: false
        }
    );
    assert_eq!(
        std::fs::read(&f.dest).unwrap(),
        content,
        "identical to the source"
    );
    let requests = s.hub.cdn_requests();
    assert_eq!(requests.len(), 2);
    let etag = format!("\"{}\"", sha256(&content));
    assert_eq!(
        (requests[1].1.as_deref(), requests[1].2.as_deref()),
        (Some("bytes=200000-"), Some(etag.as_str())),
        "one Range request for the rest, guarded by If-Range"
    );
}

#[test]
fn a_file_changed_upstream_starts_over_instead_of_being_spliced() {
    let s = setup();
    let old = bytes(400_000, 3);
    s.hub.put(
        REPO,
        FILE,
        HubFile {
            cut_at: Some(150_000),
            ..file(old.clone())
        },
    );
    let first = plan(&s, &old, None);
    assert!(run(&first).is_err());
    // A new revision: other bytes. The partial of the old one is where the new one grows
    // when the listing still names the old hash, as a pull started before the change does.
    let new = bytes(400_000, 9);
    s.hub.put(REPO, FILE, file(new.clone()));
    let f = Fetch {
        sha256: sha256(&new),
        dest: s.cache.blob(REPO, &sha256(&new)),
        ..first.clone()
    };
    let t = run(&f).unwrap();
    assert!(
        t.restarted && t.resumed_from == 0 && t.fetched == 400_000,
        "{t:?}"
    );
    assert_eq!(
        std::fs::read(&f.dest).unwrap(),
        new,
        "no old bytes spliced in"
    );
}

#[test]
fn one_wrong_byte_is_a_hash_mismatch_and_nothing_is_left() {
    let s = setup();
    let content = bytes(100_000, 4);
    s.hub.put(
        REPO,
        FILE,
        HubFile {
            corrupt_at: Some(54_321),
            ..file(content.clone())
        },
    );
    let f = plan(&s, &content, None);
    let err = run(&f).unwrap_err();
    assert!(matches!(err, DownloadError::HashMismatch { .. }), "{err}");
    assert!(err.to_string().contains("deleted"), "{err}");
    assert!(!f.partial.exists() && !f.dest.exists());
}

#[test]
fn a_missing_or_gated_repository_is_a_clear_error() {
    let s = setup();
    let content = bytes(1_000, 5);
    let mut f = plan(&s, &content, None);
    f.url = format!("{}/nobody/nothing/resolve/main/{FILE}", s.hub.endpoint());
    let err = run(&f).unwrap_err().to_string();
    assert!(
        err.contains("404") && err.contains("no such repository"),
        "{err}"
    );

    s.hub.put("gated/Model-GGUF", FILE, file(content.clone()));
    s.hub.gate("gated/Model-GGUF");
    f.url = format!("{}/gated/Model-GGUF/resolve/main/{FILE}", s.hub.endpoint());
    let err = run(&f).unwrap_err().to_string();
    assert!(err.contains("401") && err.contains("HF_TOKEN"), "{err}");
    // With a token it comes (the stand-in accepts any).
    f.token = Some("hf_test".into());
    run(&f).unwrap();
    assert_eq!(std::fs::read(&f.dest).unwrap(), content);
}

#[test]
fn a_second_download_of_the_same_file_waits_for_the_first_to_let_go() {
    use std::os::fd::AsRawFd;
    let s = setup();
    let content = bytes(200_000, 4);
    s.hub.put(REPO, FILE, file(content.clone()));
    let f = plan(&s, &content, None);
    // Another download (a stopped one still ending, or huggingface_hub) holds the blob's lock:
    // the same flock huggingface_hub takes, `.locks/models--ORG--NAME/<sha256>.lock`.
    assert!(f.lock.ends_with(format!(
        ".locks/models--test-org--Tiny-GGUF/{}.lock",
        sha256(&content)
    )));
    std::fs::create_dir_all(f.lock.parent().unwrap()).unwrap();
    let held = std::fs::File::create(&f.lock).unwrap();
    // SAFETY: flock on a descriptor the test owns.
    assert_eq!(unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX) }, 0);
    let waiting = {
        let f = f.clone();
        std::thread::spawn(move || run(&f))
    };
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        s.hub.cdn_requests().is_empty(),
        "nothing fetched while another holds the file"
    );
    drop(held);
    let t = waiting.join().unwrap().unwrap();
    assert_eq!(t.fetched, 200_000);
    assert_eq!(std::fs::read(&f.dest).unwrap(), content);
}
