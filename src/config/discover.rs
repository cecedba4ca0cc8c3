//! Finding GGUF models already on the machine: the Hugging Face hub cache, Ollama's model store,
//! LM Studio's models folder, slam's cache, and any `--models-dir`.

use std::path::{Path, PathBuf};

use super::models::{GEMMA3_FILE, SMOLLM2_FILE};

/// Where to look. `Roots::from_env` fills it the way each tool does.
#[derive(Debug, Clone, Default)]
pub struct Roots {
    pub hf_hub: Option<PathBuf>,
    pub ollama: Option<PathBuf>,
    pub lm_studio: Vec<PathBuf>,
    pub plain: Vec<PathBuf>,
}

/// One model file found, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub name: String,
    pub path: PathBuf,
    pub source: &'static str,
}

const MAX_DEPTH: usize = 6;

impl Roots {
    pub fn from_env(extra: &[PathBuf]) -> Self {
        let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
        let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
        let hf_hub = env("HF_HUB_CACHE")
            .or_else(|| env("HF_HOME").map(|h| h.join("hub")))
            .or_else(|| home.as_ref().map(|h| h.join(".cache/huggingface/hub")));
        let ollama =
            env("OLLAMA_MODELS").or_else(|| home.as_ref().map(|h| h.join(".ollama/models")));
        let lm_studio = home
            .iter()
            .flat_map(|h| {
                [
                    h.join(".lmstudio/models"),
                    h.join(".cache/lm-studio/models"),
                ]
            })
            .collect();
        let mut plain = vec![super::cache_dir().join("models")];
        plain.extend(extra.iter().cloned());
        Self {
            hf_hub,
            ollama,
            lm_studio,
            plain,
        }
    }

    pub fn discover(&self) -> Vec<Found> {
        let mut found = Vec::new();
        if let Some(hub) = &self.hf_hub {
            for file in gguf_files(hub) {
                // models--ORG--NAME/snapshots/REV/FILE.gguf → ORG/NAME/FILE
                let repo = file
                    .ancestors()
                    .filter_map(|a| a.file_name()?.to_str())
                    .find_map(|n| n.strip_prefix("models--"))
                    .map(|r| r.replace("--", "/"));
                let stem = stem(&file);
                let name = repo.map_or(stem.clone(), |r| format!("{r}/{stem}"));
                found.push(Found {
                    name,
                    path: file,
                    source: "hf-cache",
                });
            }
        }
        if let Some(root) = &self.ollama {
            found.extend(ollama_models(root));
        }
        for root in &self.lm_studio {
            for file in gguf_files(root) {
                let name = file
                    .strip_prefix(root)
                    .map(|p| p.with_extension("").display().to_string())
                    .unwrap_or_else(|_| stem(&file));
                found.push(Found {
                    name,
                    path: file,
                    source: "lm-studio",
                });
            }
        }
        for root in &self.plain {
            for file in gguf_files(root) {
                let file_name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if [SMOLLM2_FILE, GEMMA3_FILE].contains(&file_name) {
                    continue; // already the built-in smollm2 / gemma3-base
                }
                found.push(Found {
                    name: stem(&file),
                    path: file,
                    source: "dir",
                });
            }
        }
        found
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `*.gguf` files below `root` (following links, as the HF cache is made of them); of a split
/// model only the first part.
fn gguf_files(root: &Path) -> Vec<PathBuf> {
    let mut out = files_below(root, &|path: &Path| {
        let is_gguf = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gguf"));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let later_part = name.contains("-of-") && !name.contains("-00001-of-");
        is_gguf && !later_part
    });
    out.sort();
    out
}

/// Files below `root` (at most `MAX_DEPTH` folders down) that `keep` accepts.
fn files_below(root: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    fn walk(dir: &Path, depth: usize, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                if depth < MAX_DEPTH {
                    walk(&path, depth + 1, keep, out);
                }
            } else if keep(&path) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, 0, keep, &mut out);
    out
}

/// Ollama keeps a JSON manifest per model:tag whose "model" layer names a blob (a GGUF).
fn ollama_models(root: &Path) -> Vec<Found> {
    let manifests = root.join("manifests");
    let mut found = Vec::new();
    for manifest in files_below(&manifests, &|_| true) {
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let digest = json["layers"].as_array().and_then(|layers| {
            layers
                .iter()
                .find(|l| l["mediaType"] == "application/vnd.ollama.image.model")
                .and_then(|l| l["digest"].as_str())
        });
        let Some(digest) = digest else { continue };
        let blob = root.join("blobs").join(digest.replace(':', "-"));
        if !blob.exists() {
            continue;
        }
        // manifests/HOST/NAMESPACE/MODEL/TAG → MODEL:TAG (namespace kept unless "library")
        let parts: Vec<String> = manifest
            .strip_prefix(&manifests)
            .map(|p| p.iter().map(|s| s.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        let name = match parts.as_slice() {
            [_, ns, model, tag] if ns == "library" => format!("{model}:{tag}"),
            [_, ns, model, tag] => format!("{ns}/{model}:{tag}"),
            _ => stem(&manifest),
        };
        found.push(Found {
            name,
            path: blob,
            source: "ollama",
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"GGUF").unwrap();
    }

    #[test]
    fn finds_models_in_every_store() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let hub = root.join("hub");
        touch(&hub.join("models--Qwen--Qwen2.5-0.5B-GGUF/snapshots/abc/qwen2.5-0.5b-q4_k_m.gguf"));
        let ollama = root.join("ollama");
        touch(&ollama.join("blobs/sha256-1234"));
        std::fs::create_dir_all(ollama.join("manifests/registry.ollama.ai/library/llama3.2"))
            .unwrap();
        std::fs::write(
            ollama.join("manifests/registry.ollama.ai/library/llama3.2/1b"),
            r#"{"layers":[{"mediaType":"application/vnd.ollama.image.template","digest":"sha256:9"},{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:1234"}]}"#,
        )
        .unwrap();
        let lms = root.join("lms");
        touch(&lms.join("lmstudio-community/Phi-3-GGUF/phi-3-q4.gguf"));
        let plain = root.join("mine");
        touch(&plain.join("a/model-00001-of-00002.gguf"));
        touch(&plain.join("a/model-00002-of-00002.gguf"));
        touch(&plain.join("notes.txt"));
        let roots = Roots {
            hf_hub: Some(hub),
            ollama: Some(ollama.clone()),
            lm_studio: vec![lms],
            plain: vec![plain],
        };
        let found = roots.discover();
        let names: Vec<(&str, &str)> = found.iter().map(|f| (f.name.as_str(), f.source)).collect();
        assert_eq!(
            names,
            [
                ("Qwen/Qwen2.5-0.5B-GGUF/qwen2.5-0.5b-q4_k_m", "hf-cache"),
                ("llama3.2:1b", "ollama"),
                ("lmstudio-community/Phi-3-GGUF/phi-3-q4", "lm-studio"),
                ("model-00001-of-00002", "dir"),
            ]
        );
        assert_eq!(found[1].path, ollama.join("blobs/sha256-1234"));
    }

    #[test]
    fn missing_roots_find_nothing() {
        let roots = Roots {
            hf_hub: Some("/nonexistent/hub".into()),
            ollama: Some("/nonexistent/ollama".into()),
            lm_studio: vec!["/nonexistent/lms".into()],
            plain: vec![],
        };
        assert!(roots.discover().is_empty());
    }
}
