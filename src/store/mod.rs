//! The session store: SQLite (bundled) in WAL mode with versioned migrations. One process
//! writes at a time (an advisory lock beside the file says which); readers never block. The
//! store maps records and typed ratings to rows and back (`sql_types`), imports and exports;
//! when to save what is decided by its callers (the app layer, the CLI).

pub mod embeddings;
pub mod eval;
pub mod export;
pub mod export_slam;
pub mod hardware;
pub mod hashes;
pub mod import;
pub mod import_human_eval;
mod lock;
pub mod manifest;
mod read;
pub mod records;
mod schema;
mod sql_types;
mod write;
pub mod writer;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

pub use lock::WriteLock;
pub use read::{Filter, InForce, SessionSummary, StoredAnswer, StoredItem};
pub use write::{NewRating, RatingTarget};

/// `slam/slam.db` in the platform data dir.
pub fn default_path() -> PathBuf {
    crate::config::data_dir().join("slam.db")
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path}: the database has schema version {found}, this slam knows up to {known}: it was written by a newer slam. Upgrade slam, or use another file with --db"
    )]
    NewerSchema {
        path: String,
        found: i64,
        known: i64,
    },
    #[error(
        "{path} is in use by another slam{pid}: close it first, or use another database with --db PATH"
    )]
    Locked { path: String, pid: String },
    #[error(
        "{path}: no database yet: rate something (slam rate …) or import data (slam sessions import FILE) first"
    )]
    Missing { path: String },
    #[error("{path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// Held for as long as this store may write.
    _lock: Option<WriteLock>,
}

impl Store {
    /// Open for writing: creates the file (mode 0600) and applies migrations. Fails with
    /// `Locked` when another slam is writing to it.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|e| invalid(path, e))?;
        }
        let lock = WriteLock::acquire(path)?;
        create_private_file(path).map_err(|e| invalid(path, e))?;
        let conn = Connection::open(path).map_err(|e| sqlite(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            _lock: Some(lock),
        };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// A fresh, migrated database in memory (tests and fuzzing): no file, no lock.
    pub fn open_in_memory() -> Result<Store> {
        let path = Path::new(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| sqlite(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            _lock: None,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Open an existing database to read (list, show, export, leaderboard) while another slam
    /// may be writing to it.
    pub fn open_read(path: &Path) -> Result<Store> {
        let store = Self::open_read_as_is(path)?;
        if store.version()? < schema::MIGRATIONS.len() as i64 {
            // Written by an older slam: upgrade it once (briefly as the writer), then read.
            drop(store);
            drop(Store::open(path)?);
            return Self::open_read_as_is(path);
        }
        Ok(store)
    }

    fn open_read_as_is(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sqlite(path, e))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
            _lock: None,
        };
        store.configure_read()?;
        let found = store.version()?;
        if found > schema::MIGRATIONS.len() as i64 {
            return Err(store.newer(found));
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&self) -> Result<()> {
        // FULL: a rating shown as saved survives even a power cut, not only a killed process.
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            )
            .map_err(|e| self.error(e))?;
        self.configure_read()
    }

    fn configure_read(&self) -> Result<()> {
        self.conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| self.error(e))
    }

    fn version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.error(e))
    }

    fn newer(&self, found: i64) -> StoreError {
        StoreError::NewerSchema {
            path: self.path.display().to_string(),
            found,
            known: schema::MIGRATIONS.len() as i64,
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let found = self.version()?;
        let known = schema::MIGRATIONS.len() as i64;
        if found > known {
            return Err(self.newer(found));
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = self.conn.transaction().map_err(|e| sqlite(&self.path, e))?;
            tx.execute_batch(sql)
                .and_then(|_| tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)))
                .and_then(|_| tx.commit())
                .map_err(|e| sqlite(&self.path, e))?;
        }
        Ok(())
    }

    /// Run `f` in one write transaction: committed when it returns `Ok`, rolled back otherwise.
    pub(crate) fn in_transaction<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let tx = self.conn.transaction().map_err(|e| sqlite(&self.path, e))?;
        let value = f(&tx).map_err(|e| sqlite(&self.path, e))?;
        tx.commit().map_err(|e| sqlite(&self.path, e))?;
        Ok(value)
    }

    /// One consistent view for several reads while another slam may be writing; it ends when
    /// the returned transaction is dropped.
    pub(crate) fn snapshot(&self) -> Result<rusqlite::Transaction<'_>> {
        self.conn.unchecked_transaction().map_err(|e| self.error(e))
    }

    /// An SQLite error, named after this file; "busy" becomes the clear `Locked`.
    pub(crate) fn error(&self, e: rusqlite::Error) -> StoreError {
        sqlite(&self.path, e)
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.error(e))
    }
}

fn sqlite(path: &Path, e: rusqlite::Error) -> StoreError {
    let busy = matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    );
    if busy {
        return StoreError::Locked {
            path: path.display().to_string(),
            pid: String::new(),
        };
    }
    StoreError::Sqlite {
        path: path.display().to_string(),
        source: e,
    }
}

fn invalid(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Invalid(format!("{}: {e}", path.display()))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Ratings and prompts may be private: the file is readable by its owner only. SQLite gives
/// its -wal and -shm files the same mode.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A new random id for a row that may travel to another database (export/import).
pub fn new_uid() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// SQL for "now" in the format every `created_at` uses.
pub(crate) const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// A store in a temporary directory with one session and one prompt: (dir, store, prompt).
#[cfg(test)]
pub(crate) fn test_store() -> (tempfile::TempDir, Store, i64) {
    use records::{PromptRecord, SessionRecord};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    let session = store
        .insert_session(&SessionRecord::new("tui", "t".into()))
        .unwrap();
    let prompt = store
        .insert_prompt(session, &PromptRecord::new("q".into()))
        .unwrap();
    (dir, store, prompt)
}

#[cfg(test)]
mod upgrade_tests {
    use super::*;

    #[test]
    fn a_database_of_an_older_slam_is_upgraded_when_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        // The first schema only, as the slam before thinking models wrote it.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO sessions (uid, kind, name, created_at) VALUES ('s', 'tui', 'old', 'x');",
        )
        .unwrap();
        drop(conn);
        let store = Store::open_read(&path).unwrap();
        assert_eq!(store.version().unwrap(), schema::MIGRATIONS.len() as i64);
        let sessions = store.sessions().unwrap();
        assert_eq!(sessions[0].session.name, "old");
    }
}
