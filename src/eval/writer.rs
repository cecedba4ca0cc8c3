//! Finished cells go to the store on a thread of their own, committed as soon as they arrive
//! (those that arrived together in one transaction: one disk sync for many cells when hundreds
//! finish a second), so an interrupted run keeps every cell that finished.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread::JoinHandle;

use crate::domain::Prompt;
use crate::store::Store;
use crate::store::records::{GenerationRecord, PromptRecord};

pub struct StoredCell {
    pub item: String,
    pub prompt: Prompt,
    pub record: GenerationRecord,
}

/// What the writer stores: finished cells, and the machine's readings while they ran.
pub enum Stored {
    Cell(Box<StoredCell>),
    /// Stamped with the time it is stored (within milliseconds of the reading).
    Hardware {
        sample: Box<crate::domain::hardware::HardwareSnapshot>,
    },
}

pub struct CellWriter {
    tx: mpsc::Sender<Stored>,
    thread: JoinHandle<Vec<String>>,
}

impl CellWriter {
    pub fn spawn(store: Store, session: i64) -> anyhow::Result<Self> {
        let mut prompts = store.prompts_by_item(session)?;
        let (tx, rx) = mpsc::channel::<Stored>();
        let thread = std::thread::Builder::new()
            .name("eval store".into())
            .spawn(move || {
                let mut errors = Vec::new();
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let known = prompts.clone();
                    let together = store.in_batch(|s| {
                        batch
                            .iter()
                            .try_for_each(|item| save(s, session, &mut prompts, item))
                    });
                    if together.is_ok() {
                        continue;
                    }
                    // One bad cell must not cost the others: store them one by one.
                    prompts = known;
                    for item in &batch {
                        if let Err(e) = save(&store, session, &mut prompts, item) {
                            tracing::error!(error = %e, "cannot store an eval cell");
                            errors.push(e.to_string());
                        }
                    }
                }
                errors
            })?;
        Ok(Self { tx, thread })
    }

    pub fn sender(&self) -> mpsc::Sender<Stored> {
        self.tx.clone()
    }

    /// Wait for every cell sent so far to be stored; the store errors, if any.
    pub fn finish(self) -> Vec<String> {
        drop(self.tx);
        self.thread
            .join()
            .unwrap_or_else(|_| vec!["the store writer panicked".into()])
    }
}

fn save(
    store: &Store,
    session: i64,
    prompts: &mut HashMap<String, i64>,
    item: &Stored,
) -> crate::store::Result<()> {
    let cell = match item {
        Stored::Cell(cell) => cell,
        Stored::Hardware { sample } => {
            return store.insert_hardware_sample(session, sample);
        }
    };
    let prompt = match prompts.get(&cell.item) {
        Some(id) => *id,
        None => {
            let id = store.insert_prompt(
                session,
                &PromptRecord {
                    item: Some(cell.item.clone()),
                    ..PromptRecord::of(&cell.prompt)
                },
            )?;
            prompts.insert(cell.item.clone(), id);
            id
        }
    };
    store.insert_generation(prompt, &cell.record)?;
    Ok(())
}
