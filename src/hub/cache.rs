//! The Hugging Face hub cache as huggingface_hub lays it out, so a model slam pulls is one
//! huggingface_hub and other tools see, and slam's discovery lists:
//!
//! ```text
//! $HF_HUB_CACHE/models--ORG--NAME/
//!   blobs/<etag>                 the file's bytes (`<etag>.incomplete` while downloading)
//!   snapshots/<commit>/<path>    a relative symlink to ../../blobs/<etag>
//!   refs/main                    the commit `main` pointed at
//! ```

use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubCache {
    pub root: PathBuf,
}

impl HubCache {
    /// `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`, as
    /// huggingface_hub resolves it.
    pub fn from_env() -> Option<Self> {
        crate::config::discover::Roots::from_env(&[])
            .hf_hub
            .map(|root| Self { root })
    }

    /// `ORG/NAME` → `models--ORG--NAME`.
    pub fn repo_dir(&self, repo: &str) -> PathBuf {
        self.root
            .join(format!("models--{}", repo.replace('/', "--")))
    }

    pub fn blob(&self, repo: &str, etag: &str) -> PathBuf {
        self.repo_dir(repo).join("blobs").join(etag)
    }

    /// Where a download grows until its hash is checked.
    pub fn incomplete(&self, repo: &str, etag: &str) -> PathBuf {
        self.repo_dir(repo)
            .join("blobs")
            .join(format!("{etag}.incomplete"))
    }

    /// The lock huggingface_hub takes while it downloads a blob (slam takes the same).
    pub fn lock(&self, repo: &str, etag: &str) -> PathBuf {
        self.root
            .join(".locks")
            .join(format!("models--{}", repo.replace('/', "--")))
            .join(format!("{etag}.lock"))
    }

    pub fn snapshot(&self, repo: &str, commit: &str, path: &str) -> PathBuf {
        self.repo_dir(repo)
            .join("snapshots")
            .join(commit)
            .join(path)
    }

    /// Point `snapshots/<commit>/<path>` at the finished blob (a relative link, as
    /// huggingface_hub makes it) and `refs/main` at the commit.
    pub fn link(&self, repo: &str, commit: &str, path: &str, etag: &str) -> io::Result<PathBuf> {
        let link = self.snapshot(repo, commit, path);
        if let Some(dir) = link.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // snapshots/<commit>/a/b.gguf → ../../../blobs/<etag>
        let depth = path.matches('/').count() + 2;
        let target = PathBuf::from("../".repeat(depth)).join("blobs").join(etag);
        match std::fs::remove_file(&link) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        std::os::unix::fs::symlink(&target, &link)?;
        let refs = self.repo_dir(repo).join("refs");
        std::fs::create_dir_all(&refs)?;
        std::fs::write(refs.join("main"), commit)?;
        Ok(link)
    }

    /// The repository (`ORG/NAME`) and the file's path in it, for a path inside this cache's
    /// snapshots.
    pub fn locate(&self, path: &Path) -> Option<(String, String)> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let mut parts = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let repo = parts
            .next()?
            .strip_prefix("models--")?
            .replacen("--", "/", 1);
        (parts.next()? == "snapshots").then_some(())?;
        let _commit = parts.next()?;
        let file: Vec<String> = parts.collect();
        (!file.is_empty()).then(|| (repo, file.join("/")))
    }

    /// Remove a pulled file: its snapshot links (every commit), each blob no other link uses,
    /// and the folders left empty — the repository's folder too when nothing is left in it.
    pub fn remove(&self, repo: &str, path: &str) -> io::Result<usize> {
        let dir = self.repo_dir(repo);
        let snapshots = dir.join("snapshots");
        let mut removed = 0;
        let mut blobs = Vec::new();
        for commit in read_dir(&snapshots) {
            let link = commit.join(path);
            if link.symlink_metadata().is_ok() {
                if let Ok(target) = std::fs::canonicalize(&link)
                    && !blobs.contains(&target)
                {
                    blobs.push(target);
                }
                std::fs::remove_file(&link)?;
                removed += 1;
                remove_empty_dirs(link.parent(), &commit);
                remove_empty_dirs(Some(&commit), &snapshots);
            }
        }
        let still_used: Vec<PathBuf> = all_links(&snapshots)
            .iter()
            .filter_map(|l| std::fs::canonicalize(l).ok())
            .collect();
        for blob in blobs {
            if !still_used.contains(&blob) {
                std::fs::remove_file(&blob)?;
            }
        }
        if all_links(&snapshots).is_empty() && removed > 0 {
            std::fs::remove_dir_all(&dir)?;
            // Its download locks too (a lock someone holds stays valid: flock is on the open
            // file, not the name).
            let locks = self.lock(repo, "x");
            if let Some(locks) = locks.parent() {
                let _ = std::fs::remove_dir_all(locks);
            }
        }
        Ok(removed)
    }
}

/// Free bytes for this user on the filesystem holding `path` (or its nearest existing parent).
pub fn free_disk(path: &Path) -> Option<u64> {
    let existing = path.ancestors().find(|p| p.exists())?;
    let c_path = std::ffi::CString::new(existing.as_os_str().as_encoded_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: a NUL-terminated path and a buffer statvfs fills; read only when it succeeds.
    let stat = unsafe {
        if libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// Every file or link below `dir`.
fn all_links(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in read_dir(dir) {
        match entry.symlink_metadata() {
            Ok(m) if m.is_dir() => out.extend(all_links(&entry)),
            Ok(_) => out.push(entry),
            Err(_) => {}
        }
    }
    out
}

/// Remove `from` and its parents while they are empty, up to (not including) `stop`.
fn remove_empty_dirs(from: Option<&Path>, stop: &Path) {
    let mut at = from.map(Path::to_path_buf);
    while let Some(dir) = at {
        if dir == stop || !dir.starts_with(stop) || std::fs::remove_dir(&dir).is_err() {
            break;
        }
        at = dir.parent().map(Path::to_path_buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (tempfile::TempDir, HubCache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = HubCache {
            root: dir.path().to_path_buf(),
        };
        (dir, cache)
    }

    fn blob(cache: &HubCache, repo: &str, etag: &str, bytes: &[u8]) {
        let path = cache.blob(repo, etag);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn a_linked_file_reads_through_the_snapshot_as_huggingface_hub_lays_it_out() {
        let (_d, cache) = cache();
        let repo = "bartowski/SmolLM2-135M-Instruct-GGUF";
        blob(&cache, repo, "abc123", b"GGUF...");
        let link = cache
            .link(repo, "c0ffee", "sub/m-Q4_K_M.gguf", "abc123")
            .unwrap();
        assert_eq!(
            link,
            cache.root.join(
                "models--bartowski--SmolLM2-135M-Instruct-GGUF/snapshots/c0ffee/sub/m-Q4_K_M.gguf"
            )
        );
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            PathBuf::from("../../../blobs/abc123")
        );
        assert_eq!(std::fs::read(&link).unwrap(), b"GGUF...");
        let refs = cache.repo_dir(repo).join("refs/main");
        assert_eq!(std::fs::read_to_string(refs).unwrap(), "c0ffee");
        // Discovery lists it under the repository's name.
        let found = crate::config::discover::Roots {
            hf_hub: Some(cache.root.clone()),
            ..Default::default()
        }
        .discover();
        assert!(
            found.iter().any(|f| f.name == format!("{repo}/m-Q4_K_M")),
            "{found:?}"
        );
    }

    #[test]
    fn removing_keeps_blobs_other_links_use_and_clears_the_rest() {
        let (_d, cache) = cache();
        let repo = "org/models";
        blob(&cache, repo, "e1", b"one");
        blob(&cache, repo, "e2", b"two");
        cache.link(repo, "c1", "a.gguf", "e1").unwrap();
        cache.link(repo, "c1", "b.gguf", "e2").unwrap();
        cache.link(repo, "c2", "b.gguf", "e2").unwrap();
        assert_eq!(cache.remove(repo, "a.gguf").unwrap(), 1);
        assert!(!cache.blob(repo, "e1").exists(), "nothing else used it");
        assert!(cache.blob(repo, "e2").exists());
        assert_eq!(
            cache.remove(repo, "b.gguf").unwrap(),
            2,
            "both commits' links"
        );
        assert!(
            !cache.repo_dir(repo).exists(),
            "nothing left: the repository's folder goes"
        );
        assert_eq!(cache.remove(repo, "b.gguf").unwrap(), 0);
    }
}
