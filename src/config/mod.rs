//! Configuration: `slam/config.toml` in the platform config dir (or `--config` / `SLAM_CONFIG`).
//! Errors name the file, the line and column, and what was expected. Config knows which models
//! exist and how to reach them (built-ins, the user's entries, discovered files) and resolves a
//! name to a `ResolvedModel`; opening it is the app layer's job.

pub mod discover;
mod identity;
pub mod model_table;
mod models;

use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use serde::Deserialize;

pub use identity::{ModelIdentity, strip_credentials};
pub use models::{BackendKind, ModelEntry, ResolvedModel, builtin_models};

use crate::domain::GenParamsPatch;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigFile {
    /// Sampling defaults for every model.
    pub params: GenParamsPatch,
    /// TUI colour theme (see `--theme`).
    pub theme: Option<String>,
    pub models: Vec<ModelEntry>,
    /// Hourly prices by model name for models configured elsewhere (built-in, discovered):
    /// `[cost_per_hour]` `smollm2 = 0.0832`. A model entry's own `cost_per_hour` wins.
    #[serde(deserialize_with = "models::dollars_by_name")]
    pub cost_per_hour: std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from; `None` when no config file exists.
    pub source: Option<PathBuf>,
    pub file: ConfigFile,
    /// GGUF files found on the machine (see `discover`), listed after the configured models.
    pub discovered: Vec<discover::Found>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read the config file: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{}:{line}:{column}: {message}\n{snippet}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        snippet: String,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

pub fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "slam")
}

/// `$XDG_CACHE_HOME/slam` on Linux; the test models live in its `models/`.
pub fn cache_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.cache_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("slam-cache"))
}

pub fn data_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("slam-data"))
}

pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

impl Config {
    /// Load `explicit` (which must exist) or the default path (which may be absent).
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match default_config_path() {
                Some(p) if p.exists() => p,
                _ => return Ok(Config::default()),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Read {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let file = parse(&text, &path)?;
        Ok(Config {
            source: Some(path),
            file,
            discovered: Vec::new(),
        })
    }

    /// The directory relative model paths are resolved against.
    pub fn base_dir(&self) -> PathBuf {
        self.source
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let (line, column) = crate::domain::source_pos::line_column(text, offset);
        let source_line = text.lines().nth(line - 1).unwrap_or("");
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_owned(),
            snippet: format!(
                "{line:>5} | {source_line}\n      | {}^",
                " ".repeat(column.saturating_sub(1))
            ),
        }
    })?;
    let mut seen = std::collections::HashSet::new();
    for m in &file.models {
        if !seen.insert(m.name.as_str()) {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!("model name {:?} is defined twice", m.name),
            });
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_type_names_line_and_column() {
        let text = "# models\n[[models]]\nname = 3\n";
        let err = parse(text, Path::new("c.toml")).unwrap_err();
        let ConfigError::Parse {
            line,
            column,
            message,
            ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!((*line, *column), (3, 8));
        assert!(message.contains("string"), "{message}");
        assert!(err.to_string().starts_with("c.toml:3:8:"), "{err}");
    }

    #[test]
    fn unknown_key_is_rejected() {
        let err = parse(
            "[[models]]\nname = \"a\"\nbackend = \"llama\"\npaht = \"x\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("c.toml:4:1"), "{err}");
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let text = "[[models]]\nname = \"a\"\nbackend = \"llama\"\npath = \"x\"\n[[models]]\nname = \"a\"\nbackend = \"llama\"\npath = \"y\"\n";
        assert!(
            parse(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }
}
