//! The one way slam writes a whole file (exports, reports, the TUI's memory): beside the
//! target, synced, then renamed, so a reader never sees half a file and a failed write leaves
//! none.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::bail;

/// Who may read what is written: `Private` (0600) for exports of the database, `Shared` (0666
/// less the umask, as `File::create` makes) for reports meant to be passed around.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    Private,
    Shared,
}

/// Write `bytes` to `path` whole: a temporary file beside it, synced, renamed over it, and the
/// folder synced so the rename survives a crash.
pub fn write_atomically(path: &Path, bytes: &[u8], access: Access) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mode = match access {
        Access::Private => 0o600,
        Access::Shared => 0o666,
    };
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        std::fs::File::open(dir.unwrap_or(Path::new(".")))?.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        bail!("{}: {e}", path.display());
    }
    Ok(())
}
