//! The TUI's memory file (`DATA/slam/tui.json`): the parameters and the prompt history, written
//! whole after each run and each change of the parameters, read at start.

use std::path::{Path, PathBuf};

use crate::app::files::{Access, write_atomically};
use crate::tui_state::state::remembered::Remembered;

/// Where the memory lives: beside the database, in slam's data folder.
pub fn path() -> PathBuf {
    crate::config::data_dir().join("tui.json")
}

/// What an earlier start kept, if anything; `Ok(None)` on a first start. A file that cannot be
/// read is moved aside (`tui.json.bad`, so nothing is lost) and named in the error.
pub fn load(path: &Path) -> Result<Option<Remembered>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        let aside = path.with_extension("json.bad");
        let moved = std::fs::rename(path, &aside).is_ok();
        format!(
            "{}:{}: {e}{}; starting with empty history and default parameters",
            path.display(),
            e.line(),
            if moved {
                format!(" (kept as {})", aside.display())
            } else {
                String::new()
            }
        )
    })
}

pub fn save(path: &Path, remembered: &Remembered) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(remembered)?;
    write_atomically(path, text.as_bytes(), Access::Private)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Prompt;

    #[test]
    fn kept_then_read_back_and_a_bad_file_is_moved_aside_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("slam").join("tui.json");
        assert_eq!(load(&path), Ok(None), "first start");
        let kept = Remembered {
            params: [
                "0.2".into(),
                "64".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            history: vec![Prompt::user("hi")],
        };
        save(&path, &kept).unwrap();
        assert_eq!(load(&path), Ok(Some(kept)));
        std::fs::write(&path, "{\"params\": 3}").unwrap();
        let e = load(&path).unwrap_err();
        assert!(
            e.contains("tui.json:1:") && e.contains("tui.json.bad"),
            "{e}"
        );
        assert_eq!(
            std::fs::read_to_string(path.with_extension("json.bad")).unwrap(),
            "{\"params\": 3}"
        );
        assert!(!path.exists());
    }
}
