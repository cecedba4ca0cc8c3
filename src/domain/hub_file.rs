//! What the Hugging Face Hub offers, as slam names it: a repository id, and one quantization's
//! file of a repository (all its parts). The hub reads them, the pull popup shows them.

/// One choice of a repository: a quantization's file (all its parts).
#[derive(Debug, Clone, PartialEq)]
pub struct FileLine {
    pub label: String,
    /// The first part's path in the repository.
    pub path: String,
    /// All parts together.
    pub size: u64,
    pub parts: usize,
}

impl FileLine {
    /// "Q4_K_M         241 MiB  model-Q4_K_M.gguf (2 parts)": the CLI's list and the popup's.
    pub fn describe(&self) -> String {
        let parts = if self.parts > 1 {
            format!(" ({} parts)", self.parts)
        } else {
            String::new()
        };
        format!(
            "{:<12} {:>9}  {}{parts}",
            self.label,
            crate::domain::memory::human_size(self.size),
            self.path
        )
    }
}

/// `ORG/REPO`: two non-empty names (what the Hub's repository ids look like).
pub fn is_repo_id(text: &str) -> bool {
    text.split('/').count() == 2 && !text.split('/').any(str::is_empty)
}
