//! GGUF sha256s for model manifests, computed off the writer thread: hashing a multi-GB file
//! takes seconds, and no rating may wait behind it. An answer saved before its file's hash is
//! known gets a manifest without one; `remember_sha256` fills it in when the hash is done.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use super::manifest::hash_file;
use super::writer::{StoreWriter, WriterState};

#[derive(Default)]
pub struct FileHashes {
    known: HashMap<PathBuf, Arc<OnceLock<String>>>,
    /// Raised on close: a hash in progress stops, so quitting never waits for one.
    stop: Arc<AtomicBool>,
}

impl FileHashes {
    /// Start finding `path`'s sha256 (from the cache, else by hashing it) unless already
    /// started.
    pub fn ensure(&mut self, path: &Path, writer: &StoreWriter) {
        if self.known.contains_key(path) {
            return;
        }
        let cell = Arc::new(OnceLock::new());
        self.known.insert(path.to_owned(), cell.clone());
        let (Some(handle), path, stop) = (writer.handle(), path.to_owned(), self.stop.clone())
        else {
            return;
        };
        writer.send(move |w: &mut WriterState| {
            if let Ok(Some(sha)) = w.store.cached_sha256(&path) {
                let _ = cell.set(sha);
                return;
            }
            let spawned = std::thread::Builder::new()
                .name("gguf sha256".into())
                .spawn(move || {
                    let Some(sha) = hash_file(&path, &stop) else {
                        return;
                    };
                    let _ = cell.set(sha.clone());
                    handle.send(move |w: &mut WriterState| {
                        if let Err(e) = w.store.remember_sha256(&path, &sha) {
                            tracing::error!(error = %e, "cannot record a GGUF's sha256");
                        }
                    });
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start hashing a GGUF");
            }
        });
    }

    /// The sha256, if known by now.
    pub fn get(&self, path: &Path) -> Option<String> {
        self.known.get(path).and_then(|c| c.get().cloned())
    }

    /// Stop any hash in progress.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
