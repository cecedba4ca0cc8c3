//! Choosing the file of a GGUF repository to pull: the quantization label in a file's name
//! (`model-Q4_K_M.gguf`, `model.q4_k_m.gguf`, `Qwen3-8B-UD-Q4_K_XL.gguf`), multi-part files
//! (`-00001-of-00003.gguf`) taken whole, and what to do with no match, one or several.

use serde::Serialize;

/// A file of a repository as its listing gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoFile {
    pub path: String,
    pub size: u64,
    /// The LFS sha256, where the listing gives it.
    pub sha256: Option<String>,
}

/// One model to pull: a file, or every part of a multi-part one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The quantization label, upper-case (`Q4_K_M`, `UD-Q4_K_XL`); `None` when the name has
    /// none.
    pub label: Option<String>,
    /// In part order.
    pub files: Vec<RepoFile>,
}

impl Candidate {
    pub fn size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// The first part's path (what llama.cpp opens).
    pub fn path(&self) -> &str {
        self.files.first().map_or("", |f| f.path.as_str())
    }

    /// As the CLI and the TUI list it.
    pub fn line(&self) -> crate::domain::hub_file::FileLine {
        crate::domain::hub_file::FileLine {
            label: self.label.clone().unwrap_or_else(|| "–".into()),
            path: self.path().to_owned(),
            size: self.size(),
            parts: self.files.len(),
        }
    }
}

/// What a pull request picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    One(Candidate),
    /// Several files carry the label (or no label was asked and there is no Q4_K_M): the user
    /// chooses.
    Several(Vec<Candidate>),
    /// Nothing matches: these are what the repository has.
    NoMatch(Vec<Candidate>),
    /// The repository has no GGUF file.
    NoGguf,
}

/// llama.cpp's default when no quantization is asked for (`-hf user/model`).
pub const DEFAULT_QUANT: &str = "Q4_K_M";

fn is_quant(token: &str) -> bool {
    let t = token.to_ascii_uppercase();
    if matches!(t.as_str(), "F16" | "BF16" | "F32" | "MXFP4" | "MXFP4_MOE") {
        return true;
    }
    // Q4_0, Q4_K_M, IQ2_XXS, TQ1_0, Q8_0 …: a Q-number, then `_`-separated parts.
    let rest = t
        .strip_prefix("IQ")
        .or_else(|| t.strip_prefix("TQ"))
        .or_else(|| t.strip_prefix('Q'));
    let Some(rest) = rest else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    digits > 0
        && rest[digits..]
            .split('_')
            .skip(1)
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && (rest.len() == digits || rest[digits..].starts_with('_'))
}

/// The multi-part suffix of a name: `x-00002-of-00003.gguf` → ("x", 2, 3).
pub fn part(path: &str) -> Option<(&str, u32, u32)> {
    let stem = path.strip_suffix(".gguf")?;
    let (head, total) = stem.rsplit_once("-of-")?;
    let (base, index) = head.rsplit_once('-')?;
    let (index, total) = (index.parse().ok()?, total.parse().ok()?);
    (index >= 1 && index <= total).then_some((base, index, total))
}

/// The quantization label of a GGUF file's name, upper-case; a `UD-` prefix (Unsloth's
/// dynamic quants) belongs to it.
pub fn label(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = match part(name) {
        Some((base, _, _)) => base,
        None => name.strip_suffix(".gguf").unwrap_or(name),
    };
    let tokens: Vec<&str> = stem.split(['-', '.']).collect();
    let at = tokens.iter().rposition(|t| is_quant(t))?;
    let quant = tokens[at].to_ascii_uppercase();
    Some(match at.checked_sub(1).map(|i| tokens[i]) {
        Some(prefix) if prefix.eq_ignore_ascii_case("UD") => format!("UD-{quant}"),
        _ => quant,
    })
}

/// The repository's models: single files and multi-part sets (complete ones only), in path
/// order.
pub fn candidates(files: &[RepoFile]) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut ggufs: Vec<&RepoFile> = files.iter().filter(|f| f.path.ends_with(".gguf")).collect();
    ggufs.sort_by(|a, b| a.path.cmp(&b.path));
    for f in ggufs {
        match part(&f.path) {
            Some((base, _, total)) => {
                let found = out
                    .iter_mut()
                    .find(|c| part(c.path()).is_some_and(|(b, _, t)| b == base && t == total));
                match found {
                    Some(c) => c.files.push(f.clone()),
                    None => out.push(Candidate {
                        label: label(&f.path),
                        files: vec![f.clone()],
                    }),
                }
            }
            None => out.push(Candidate {
                label: label(&f.path),
                files: vec![f.clone()],
            }),
        }
    }
    for c in &mut out {
        c.files
            .sort_by_key(|f| part(&f.path).map_or(0, |(_, i, _)| i));
    }
    out.retain(|c| match part(c.path()) {
        Some((_, _, total)) => c.files.len() == total as usize,
        None => true,
    });
    out
}

/// The model `quant` names (case-insensitively; none asked: Q4_K_M, as llama.cpp does).
pub fn choose(files: &[RepoFile], quant: Option<&str>) -> Choice {
    let all = candidates(files);
    if all.is_empty() {
        return Choice::NoGguf;
    }
    let wanted = quant.unwrap_or(DEFAULT_QUANT).to_ascii_uppercase();
    let mut matching: Vec<Candidate> = all
        .iter()
        .filter(|c| c.label.as_deref() == Some(wanted.as_str()))
        .cloned()
        .collect();
    match matching.len() {
        1 => Choice::One(matching.remove(0)),
        0 if quant.is_none() && all.len() == 1 => Choice::One(all[0].clone()),
        0 if quant.is_none() => Choice::Several(all),
        0 => Choice::NoMatch(all),
        _ => Choice::Several(matching),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, size: u64) -> RepoFile {
        RepoFile {
            path: path.into(),
            size,
            sha256: None,
        }
    }

    #[test]
    fn labels_are_read_from_names() {
        assert_eq!(label("model-Q4_K_M.gguf").as_deref(), Some("Q4_K_M"));
        assert_eq!(label("model.q4_k_m.gguf").as_deref(), Some("Q4_K_M"));
        assert_eq!(
            label("Qwen3-8B-UD-Q4_K_XL.gguf").as_deref(),
            Some("UD-Q4_K_XL")
        );
        assert_eq!(
            label("gemma-3-270m-it-IQ2_XXS.gguf").as_deref(),
            Some("IQ2_XXS")
        );
        assert_eq!(
            label("SmolLM2-135M-Instruct.Q4_1.gguf").as_deref(),
            Some("Q4_1")
        );
        assert_eq!(
            label("llama-3-8b-BF16-00002-of-00004.gguf").as_deref(),
            Some("BF16")
        );
        assert_eq!(
            label("sub/dir/phi-3-mini-4k-instruct-q8_0.gguf").as_deref(),
            Some("Q8_0")
        );
        assert_eq!(
            label("Qwen2.5-0.5B-Instruct.gguf"),
            None,
            "Qwen2 is not a quant"
        );
        assert_eq!(
            label("mistral-7b-v0.1.Q5_K_S.gguf").as_deref(),
            Some("Q5_K_S")
        );
    }

    #[test]
    fn multi_part_sets_are_one_candidate_in_part_order() {
        let files = [
            file("m-Q8_0-00002-of-00002.gguf", 20),
            file("m-Q8_0-00001-of-00002.gguf", 10),
            file("m-Q4_K_M.gguf", 7),
            file("README.md", 1),
            file("broken-F16-00001-of-00003.gguf", 5),
        ];
        let c = candidates(&files);
        assert_eq!(c.len(), 2, "the incomplete F16 set is left out: {c:?}");
        let q8 = c
            .iter()
            .find(|c| c.label.as_deref() == Some("Q8_0"))
            .unwrap();
        assert_eq!(q8.path(), "m-Q8_0-00001-of-00002.gguf");
        assert_eq!(q8.size(), 30);
        assert_eq!(part("m-Q8_0-00002-of-00002.gguf"), Some(("m-Q8_0", 2, 2)));
        assert_eq!(part("m-00000-of-00002.gguf"), None);
    }

    #[test]
    fn choosing_by_quant_default_and_ambiguity() {
        let files = [
            file("m-Q4_K_M.gguf", 7),
            file("m-q8_0.gguf", 9),
            file("m-UD-Q4_K_XL.gguf", 8),
        ];
        let one = |c: Choice| match c {
            Choice::One(c) => c.path().to_owned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(one(choose(&files, Some("q8_0"))), "m-q8_0.gguf");
        assert_eq!(
            one(choose(&files, None)),
            "m-Q4_K_M.gguf",
            "llama.cpp's default"
        );
        assert_eq!(one(choose(&files, Some("ud-q4_k_xl"))), "m-UD-Q4_K_XL.gguf");
        assert!(matches!(choose(&files, Some("Q2_K")), Choice::NoMatch(all) if all.len() == 3));
        let twice = [file("a-Q4_K_M.gguf", 1), file("b/a-Q4_K_M.gguf", 2)];
        assert!(matches!(choose(&twice, Some("Q4_K_M")), Choice::Several(c) if c.len() == 2));
        // No quant asked and no Q4_K_M: the list (with sizes) to choose from.
        let other = [file("m-Q8_0.gguf", 9), file("m-F16.gguf", 16)];
        assert!(matches!(choose(&other, None), Choice::Several(c) if c.len() == 2));
        assert_eq!(choose(&[file("README.md", 1)], None), Choice::NoGguf);
    }
}
