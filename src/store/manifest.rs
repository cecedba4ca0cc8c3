//! What exactly produced an answer: backend, model id, the GGUF's sha256, quantization and
//! size, crate versions, the server's base URL (never a key) and the machine.

use std::path::Path;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Store;
use crate::config::{BackendKind, ResolvedModel, strip_credentials};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What produced a generation, as stored in its model's row (`models.manifest`). Its JSON is
/// also the row's identity (`manifest_sha`): the keys keep this order so that a model already
/// stored gets the same row.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest<'a> {
    pub name: &'a str,
    pub backend: &'static str,
    pub slam_version: &'static str,
    pub hardware: &'a Value,
    #[serde(flatten)]
    pub served_by: ServedBy,
    /// What the engine chose for this answer (a local model's decode threads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_threads: Option<u32>,
    /// What was adapted to the server's limits for this answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adaptations: Option<Value>,
}

/// The backend's part of a manifest.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ServedBy {
    Llama {
        gguf_path: Option<String>,
        /// Null until the file has been hashed (`Store::remember_sha256` fills it in).
        gguf_sha256: Option<String>,
        quantization: Option<&'static str>,
        size_bytes: Option<u64>,
        llama_cpp_2_version: &'static str,
        n_gpu_layers: Option<u32>,
    },
    Openai {
        base_url: Option<String>,
        model_id: String,
    },
}

impl<'a> Manifest<'a> {
    /// The manifest of a resolved model; `gguf_sha256` is none until the file has been hashed.
    pub fn of(model: &'a ResolvedModel, gguf_sha256: Option<String>, hardware: &'a Value) -> Self {
        let e = &model.entry;
        let (backend, served_by) = match e.backend {
            BackendKind::Llama => {
                let path = e.path.as_deref();
                let header = path.and_then(|p| crate::engine::gguf::read_header(p).ok());
                let served_by = ServedBy::Llama {
                    gguf_path: path.map(|p| p.display().to_string()),
                    gguf_sha256,
                    quantization: header.as_ref().and_then(|h| h.quantization()),
                    size_bytes: header.as_ref().map(|h| h.file_size),
                    llama_cpp_2_version: LLAMA_CPP_2_VERSION,
                    n_gpu_layers: e.n_gpu_layers,
                };
                ("llama.cpp", served_by)
            }
            BackendKind::Openai => {
                let served_by = ServedBy::Openai {
                    base_url: e.base_url.as_deref().and_then(strip_credentials),
                    model_id: e.server_id_or_name().to_owned(),
                };
                ("openai", served_by)
            }
        };
        Self {
            name: model.name(),
            backend,
            slam_version: env!("CARGO_PKG_VERSION"),
            hardware,
            served_by,
            n_threads: None,
            adaptations: None,
        }
    }

    /// The JSON stored (a manifest has no value serde cannot write).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The llama-cpp-2 crate slam is built with (pinned in Cargo.toml, which also pins llama.cpp).
pub const LLAMA_CPP_2_VERSION: &str = "0.1.160";

/// What identifies a file's content cheaply: path, size, modification time.
fn file_key(path: &Path) -> Option<(String, i64, i64)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64);
    Some((path.display().to_string(), meta.len() as i64, mtime))
}

impl Store {
    /// The file's sha256 if it was hashed before and has not changed since.
    pub fn cached_sha256(&self, path: &Path) -> super::Result<Option<String>> {
        let Some((key, size, mtime)) = file_key(path) else {
            return Ok(None);
        };
        self.conn
            .query_row(
                "SELECT sha256 FROM file_hashes WHERE path = ?1 AND size = ?2 AND mtime_ns = ?3",
                params![key, size, mtime],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Remember a file's sha256, and fill it into the manifests stored while it was being
    /// computed (answers are never held back waiting for a hash).
    pub fn remember_sha256(&mut self, path: &Path, sha: &str) -> super::Result<()> {
        let Some((key, size, mtime)) = file_key(path) else {
            return Ok(());
        };
        self.in_transaction(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO file_hashes (path, size, mtime_ns, sha256) VALUES (?1, ?2, ?3, ?4)",
                params![key, size, mtime, sha],
            )?;
            let mut stmt = tx.prepare(
                "SELECT id, name, manifest FROM models WHERE json_extract(manifest, '$.gguf_path') = ?1
                 AND json_extract(manifest, '$.gguf_sha256') IS NULL",
            )?;
            let pending = stmt
                .query_map([&key], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            drop(stmt);
            for (old, name, text) in pending {
                let Ok(mut manifest) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                manifest["gguf_sha256"] = json!(sha);
                let new = super::write::upsert_model(tx, &name, &manifest)?;
                tx.execute(
                    "UPDATE generations SET model_id = ?1 WHERE model_id = ?2",
                    [new, old],
                )?;
                tx.execute("DELETE FROM models WHERE id = ?1", [old])?;
            }
            Ok(())
        })
    }
}

/// The sha256 of a file; `None` when it cannot be read or `stop` is raised meanwhile.
pub fn hash_file(path: &Path, stop: &std::sync::atomic::AtomicBool) -> Option<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Some(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_never_carries_a_key() {
        let text = "[[models]]\nname = \"remote\"\nbackend = \"openai\"\n\
                    base_url = \"https://me:sk-in-url@llm.example.com/v1?api_key=sk-in-query\"\n\
                    model = \"gpt-4o\"\napi_key_env = \"MY_KEY\"\n\
                    [models.headers]\nAuthorization = \"Bearer sk-in-header\"\n";
        let file = crate::config::parse(text, Path::new("c.toml")).unwrap();
        let config = crate::config::Config {
            file,
            ..Default::default()
        };
        let model = config.resolve("remote", &Default::default()).unwrap();
        let m = Manifest::of(&model, None, &json!({}))
            .to_value()
            .to_string();
        assert!(!m.contains("sk-"), "{m}");
        assert!(
            m.contains("https://llm.example.com/v1") && m.contains("gpt-4o"),
            "{m}"
        );
    }

    /// The stored text, written by hand as releases before the typed manifest wrote it: its
    /// sha256 is the model row's identity, so the same model must keep the same text.
    #[test]
    fn a_manifest_keeps_the_text_stored_models_were_keyed_by() {
        let text = "[[models]]\nname = \"l\"\nbackend = \"llama\"\npath = \"/nowhere.gguf\"\n\
                    [[models]]\nname = \"r\"\nbackend = \"openai\"\nbase_url = \"http://h/v1\"\n";
        let file = crate::config::parse(text, Path::new("c.toml")).unwrap();
        let config = crate::config::Config {
            file,
            ..Default::default()
        };
        let v = env!("CARGO_PKG_VERSION");
        let hw = json!({"cpu": "x"});
        let local = config.resolve("l", &Default::default()).unwrap();
        let threaded = Manifest {
            n_threads: Some(2),
            ..Manifest::of(&local, Some("ab".into()), &hw)
        };
        assert_eq!(
            threaded.to_value().to_string(),
            format!(
                r#"{{"name":"l","backend":"llama.cpp","slam_version":"{v}","hardware":{{"cpu":"x"}},"gguf_path":"/nowhere.gguf","gguf_sha256":"ab","quantization":null,"size_bytes":null,"llama_cpp_2_version":"0.1.160","n_gpu_layers":null,"n_threads":2}}"#
            )
        );
        let remote = config.resolve("r", &Default::default()).unwrap();
        assert_eq!(
            Manifest::of(&remote, None, &hw).to_value().to_string(),
            format!(
                r#"{{"name":"r","backend":"openai","slam_version":"{v}","hardware":{{"cpu":"x"}},"base_url":"http://h/v1","model_id":"r"}}"#
            )
        );
    }

    #[test]
    fn a_hash_that_comes_late_fills_in_the_manifests_saved_without_it() {
        use crate::store::records::GenerationRecord;
        let (dir, mut store, prompt) = crate::store::test_store();
        let gguf = dir.path().join("m.gguf");
        std::fs::write(&gguf, b"GGUF bytes").unwrap();
        let manifest = json!({"backend": "llama.cpp", "gguf_path": gguf.display().to_string(), "gguf_sha256": null});
        for _ in 0..2 {
            let g = GenerationRecord {
                manifest: Some(manifest.clone()),
                ..GenerationRecord::new("m", "a".into())
            };
            store.insert_generation(prompt, &g).unwrap();
        }
        assert_eq!(store.cached_sha256(&gguf).unwrap(), None);
        let sha = hash_file(&gguf, &std::sync::atomic::AtomicBool::new(false)).unwrap();
        assert_eq!(sha, sha256_hex(b"GGUF bytes"));
        store.remember_sha256(&gguf, &sha).unwrap();
        assert_eq!(
            store.cached_sha256(&gguf).unwrap().as_deref(),
            Some(sha.as_str())
        );
        let lines = store.export_lines(1).unwrap();
        assert_eq!(lines.len(), 2);
        for line in lines {
            assert_eq!(line.generation.manifest.unwrap()["gguf_sha256"], json!(sha));
        }
        let models: i64 = store
            .conn
            .query_row("SELECT count(*) FROM models", [], |r| r.get(0))
            .unwrap();
        assert_eq!(models, 1, "the manifest without the hash is gone");
        let stop = std::sync::atomic::AtomicBool::new(true);
        assert_eq!(hash_file(&gguf, &stop), None, "a raised stop ends hashing");
    }
}
