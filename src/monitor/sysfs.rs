//! Reading sysfs files: one number or word per file. A tree is given by its root (`/sys`, or a
//! fake one in tests), so every probe that reads sysfs is tested on files made to its layout.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// What a sysfs read gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read<T> {
    Value(T),
    Missing,
    /// The file is there but this user may not read it (RAPL on current kernels: root only).
    Denied,
    /// The file is there but is not what was expected.
    Bad(String),
}

impl<T> Read<T> {
    pub fn ok(self) -> Option<T> {
        match self {
            Read::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// A sysfs tree.
#[derive(Debug, Clone)]
pub struct Sysfs {
    pub root: PathBuf,
    /// Files to answer "permission denied" for: tests run as root, who reads anything.
    #[cfg(test)]
    pub denied: Vec<PathBuf>,
}

impl Default for Sysfs {
    fn default() -> Self {
        Self::at("/sys")
    }
}

/// An I/O result as a sysfs read.
pub fn classify(read: std::io::Result<String>) -> Read<String> {
    match read {
        Ok(s) => Read::Value(s.trim().to_owned()),
        Err(e) if e.kind() == ErrorKind::NotFound => Read::Missing,
        Err(e) if e.kind() == ErrorKind::PermissionDenied => Read::Denied,
        Err(e) => Read::Bad(e.to_string()),
    }
}

impl Sysfs {
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            #[cfg(test)]
            denied: Vec::new(),
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    pub fn text(&self, path: &Path) -> Read<String> {
        #[cfg(test)]
        if self.denied.iter().any(|d| d == path) {
            return Read::Denied;
        }
        classify(std::fs::read_to_string(path))
    }

    pub fn number(&self, path: &Path) -> Read<u64> {
        match self.text(path) {
            Read::Value(s) => match s.parse() {
                Ok(n) => Read::Value(n),
                Err(_) => Read::Bad(format!("{}: {s:?} is not a number", path.display())),
            },
            Read::Missing => Read::Missing,
            Read::Denied => Read::Denied,
            Read::Bad(e) => Read::Bad(e),
        }
    }
}

/// Entries of `dir` whose names start with `prefix`, sorted naturally (`cpu2` before `cpu10`).
pub fn entries(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| name(p).starts_with(prefix))
        .collect();
    out.sort_by_key(|p| {
        let n = name(p);
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        (digits.parse::<u64>().unwrap_or(0), n.to_owned())
    });
    out
}

pub fn name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_become_reads() {
        let err = |k| Err(std::io::Error::from(k));
        assert_eq!(classify(err(ErrorKind::PermissionDenied)), Read::Denied);
        assert_eq!(classify(err(ErrorKind::NotFound)), Read::Missing);
        assert_eq!(classify(Ok(" 42\n".into())), Read::Value("42".into()));
    }

    #[test]
    fn entries_sort_by_number() {
        let dir = tempfile::tempdir().unwrap();
        for n in ["cpu10", "cpu2", "cpu1", "cpufreq", "other"] {
            std::fs::create_dir(dir.path().join(n)).unwrap();
        }
        let names: Vec<String> = entries(dir.path(), "cpu")
            .iter()
            .map(|p| name(p).to_owned())
            .collect();
        assert_eq!(names, ["cpufreq", "cpu1", "cpu2", "cpu10"]);
    }
}
