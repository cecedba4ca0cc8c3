//! One writer per database file: an advisory `flock` on `<db>.lock`, which holds the writer's
//! pid so a second slam can say who has it. The kernel drops the lock when a process dies,
//! even by `kill -9`, so a crash never leaves the database locked.

use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

use super::{Result, StoreError};

pub struct WriteLock {
    _file: std::fs::File,
}

impl WriteLock {
    pub fn acquire(db: &Path) -> Result<WriteLock> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut name = db.as_os_str().to_owned();
        name.push(".lock");
        let path = std::path::PathBuf::from(name);
        let io = |e: std::io::Error| StoreError::Invalid(format!("{}: {e}", path.display()));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io)?;
        // SAFETY: flock on a file descriptor we own; no memory is involved.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        if !locked {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let pid = holder
                .trim()
                .parse::<u32>()
                .map(|p| format!(" (pid {p})"))
                .unwrap_or_default();
            return Err(StoreError::Locked {
                path: db.display().to_string(),
                pid,
            });
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        Ok(WriteLock { _file: file })
    }
}
