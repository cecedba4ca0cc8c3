//! One file from the Hub into the cache: plain HTTP over `resolve/`, following the redirect to
//! the file host; a partial file is resumed with one Range request guarded by If-Range on the
//! ETag it was started with (so a file changed upstream starts over instead of being spliced —
//! llama.cpp #12207); the sha256 is checked before the file moves into place, and a mismatch
//! deletes the partial.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("{url}: {status}{hint}")]
    Status {
        url: String,
        status: reqwest::StatusCode,
        hint: &'static str,
    },
    /// The download got no answer or was cut: the host once and the cause.
    #[error("{0}")]
    Http(super::api::HubError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: sha256 {got} is not the {expected} the Hub lists: the download is corrupt and was deleted"
    )]
    HashMismatch {
        path: String,
        expected: String,
        got: String,
    },
    #[error(
        "{path}: another download of this file is running (slam or huggingface_hub): let it finish or stop it"
    )]
    Busy { path: String },
    #[error(
        "{url}: the connection ended after {got} of {expected} bytes (run the pull again to resume)"
    )]
    Short {
        url: String,
        got: u64,
        expected: u64,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What to fetch and where.
#[derive(Debug, Clone)]
pub struct Fetch {
    pub url: String,
    pub token: Option<String>,
    /// The file's size and LFS sha256 as the Hub lists them.
    pub size: u64,
    pub sha256: String,
    /// Grows here (`blobs/<etag>.incomplete`); its ETag is kept beside it (`….etag`).
    pub partial: PathBuf,
    /// Moved here once checked (`blobs/<etag>`).
    pub dest: PathBuf,
    /// Held (flock) while the file is fetched, so one writer grows the partial; the lock file
    /// huggingface_hub takes for the same blob (`.locks/models--ORG--NAME/<sha256>.lock`).
    pub lock: PathBuf,
}

/// How long a pull waits for another download of the same file to let go.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// An exclusive flock, released when dropped (the descriptor closes).
struct FileLock(#[allow(dead_code)] std::fs::File);

async fn lock(path: &Path) -> Result<FileLock, DownloadError> {
    use std::os::fd::AsRawFd;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io(path))?;
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        // SAFETY: flock on a descriptor this function owns and keeps open in the guard.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(FileLock(file));
        }
        if std::time::Instant::now() >= deadline {
            return Err(DownloadError::Busy {
                path: path.display().to_string(),
            });
        }
        // A stopped download lets go once its task ends; wait for that.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// How the transfer went: bytes that were already there (resumed), bytes fetched now, and
/// whether an upstream change made it start over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transfer {
    pub resumed_from: u64,
    pub fetched: u64,
    pub restarted: bool,
}

fn etag_file(partial: &Path) -> PathBuf {
    let mut name = partial.as_os_str().to_owned();
    name.push(".etag");
    PathBuf::from(name)
}

/// The sha256 of what is already in `path` (a resumed download hashes its first part again).
fn hash_existing(path: &Path, hasher: &mut Sha256) -> Result<u64, DownloadError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0;
    loop {
        let n = file.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            return Ok(total);
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
}

/// Fetch `f`, resuming a partial, calling `progress(done, total)` as bytes arrive.
pub async fn fetch(
    client: &reqwest::Client,
    f: &Fetch,
    mut progress: impl FnMut(u64, u64),
) -> Result<Transfer, DownloadError> {
    if let Some(dir) = f.partial.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let _held = lock(&f.lock).await?;
    let have = std::fs::metadata(&f.partial).map_or(0, |m| m.len());
    // A host that sent no ETag leaves an empty one: nothing to guard a resume with.
    let etag = std::fs::read_to_string(etag_file(&f.partial))
        .ok()
        .filter(|e| !e.trim().is_empty());
    let mut request = client.get(&f.url);
    if let Some(token) = &f.token {
        request = request.bearer_auth(token);
    }
    let resuming = have > 0 && have < f.size && etag.is_some();
    if let (true, Some(etag)) = (resuming, &etag) {
        request = request
            .header(reqwest::header::RANGE, format!("bytes={have}-"))
            .header(reqwest::header::IF_RANGE, etag.trim());
    }
    let http = |source| DownloadError::Http(super::api::HubError::http(&f.url, &source));
    let response = request.send().await.map_err(http)?;
    let status = response.status();
    if !status.is_success() {
        let hint = match status.as_u16() {
            401 | 403 => {
                " (a gated or private repository: accept its terms on the Hub and set HF_TOKEN)"
            }
            404 => " (no such repository or file)",
            _ => "",
        };
        return Err(DownloadError::Status {
            url: f.url.clone(),
            status,
            hint,
        });
    }
    let partial_content = status == reqwest::StatusCode::PARTIAL_CONTENT;
    let mut hasher = Sha256::new();
    let mut transfer = Transfer::default();
    let mut file = if resuming && partial_content {
        transfer.resumed_from = hash_existing(&f.partial, &mut hasher)?;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&f.partial)
            .map_err(io(&f.partial))?
    } else {
        // A whole file: the first download, or If-Range saw the file changed upstream.
        transfer.restarted = resuming;
        let new_etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        std::fs::write(etag_file(&f.partial), &new_etag).map_err(io(&f.partial))?;
        std::fs::File::create(&f.partial).map_err(io(&f.partial))?
    };
    let mut done = transfer.resumed_from;
    progress(done, f.size);
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            // What arrived stays for the next pull to resume.
            Err(_) => break,
        };
        file.write_all(&chunk).map_err(io(&f.partial))?;
        hasher.update(&chunk);
        done += chunk.len() as u64;
        transfer.fetched += chunk.len() as u64;
        progress(done, f.size);
    }
    file.flush().map_err(io(&f.partial))?;
    drop(file);
    if done < f.size {
        return Err(DownloadError::Short {
            url: f.url.clone(),
            got: done,
            expected: f.size,
        });
    }
    let got = crate::store::manifest::hex(&hasher.finalize());
    if !got.eq_ignore_ascii_case(&f.sha256) || done != f.size {
        let _ = std::fs::remove_file(&f.partial);
        let _ = std::fs::remove_file(etag_file(&f.partial));
        return Err(DownloadError::HashMismatch {
            path: f.dest.display().to_string(),
            expected: f.sha256.clone(),
            got,
        });
    }
    std::fs::rename(&f.partial, &f.dest).map_err(io(&f.dest))?;
    let _ = std::fs::remove_file(etag_file(&f.partial));
    Ok(transfer)
}
