//! The one writer: a thread that owns the connection and runs jobs in the order they were
//! sent, so a rating is always written after the answer it rates. Each job reports back
//! (to the TUI as an event) only after its transaction has committed.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread::JoinHandle;

use super::Store;

/// What a job sees: the store and the TUI's numbering of prompts (rounds) and answers (runs)
/// mapped to row ids.
pub struct WriterState {
    pub store: Store,
    pub session: Option<i64>,
    pub prompts: HashMap<u64, i64>,
    pub generations: HashMap<u64, i64>,
    /// Rating saves that committed: the TUI's save number → the rating's row.
    pub saves: HashMap<u64, i64>,
}

type Job = Box<dyn FnOnce(&mut WriterState) + Send>;

pub struct StoreWriter {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl StoreWriter {
    pub fn spawn(store: Store, session: Option<i64>) -> std::io::Result<StoreWriter> {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("store writer".into())
            .spawn(move || {
                let mut state = WriterState {
                    store,
                    session,
                    prompts: HashMap::new(),
                    generations: HashMap::new(),
                    saves: HashMap::new(),
                };
                while let Ok(job) = rx.recv() {
                    job(&mut state);
                }
            })?;
        Ok(StoreWriter {
            jobs: Some(tx),
            thread: Some(thread),
        })
    }

    /// Something to queue jobs with from another thread; it must be dropped for `close` to
    /// finish.
    pub fn handle(&self) -> Option<WriterHandle> {
        self.jobs.clone().map(|jobs| WriterHandle { jobs })
    }

    /// Queue a job; false when the writer has stopped.
    pub fn send(&self, job: impl FnOnce(&mut WriterState) + Send + 'static) -> bool {
        self.jobs
            .as_ref()
            .is_some_and(|tx| tx.send(Box::new(job)).is_ok())
    }

    /// Run every queued job, then stop.
    pub fn close(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub struct WriterHandle {
    jobs: mpsc::Sender<Job>,
}

impl WriterHandle {
    pub fn send(&self, job: impl FnOnce(&mut WriterState) + Send + 'static) -> bool {
        self.jobs.send(Box::new(job)).is_ok()
    }
}

impl Drop for StoreWriter {
    fn drop(&mut self) {
        self.close();
    }
}
