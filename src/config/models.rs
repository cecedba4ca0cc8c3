//! Model entries: the built-in test models, the user's `[[models]]`, and ad-hoc GGUF paths.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Config, cache_dir, model_table};
use crate::domain::{GenParams, GenParamsPatch, Prompt};
use crate::engine::chat_template::TemplateChoice;
use crate::engine::llama::{LlamaOptions, LlamaSpec};
use crate::engine::openai::{Capabilities, OPENAI_BASE_URL, OpenAiOptions};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// A local GGUF file, run in-process by llama.cpp.
    Llama,
    /// An OpenAI-compatible chat-completions server.
    Openai,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub name: String,
    pub backend: BackendKind,
    /// GGUF file (llama backend); relative paths are relative to the config file.
    pub path: Option<PathBuf>,
    /// Server root (openai backend), e.g. `https://api.openai.com/v1`.
    pub base_url: Option<String>,
    /// Model id sent to the server (openai backend).
    pub model: Option<String>,
    /// Environment variable with the API key (openai backend). Default `OPENAI_API_KEY`,
    /// required for the OpenAI API only.
    pub api_key_env: Option<String>,
    /// Extra HTTP headers (openai backend).
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Seconds to wait for a connection (default 10).
    pub connect_timeout: Option<f64>,
    /// Seconds to wait for the response to start (default 120).
    pub timeout: Option<f64>,
    /// Seconds allowed between two chunks of a stream (default 60).
    pub idle_timeout: Option<f64>,
    /// Retries of 429/503 before the first token (default 3).
    pub max_retries: Option<u32>,
    /// A reasoning model (openai backend; default: the model table's `supports_reasoning`).
    pub reasoning: Option<bool>,
    /// The request field of the token limit (openai backend): `max_tokens` (default for open
    /// servers) or `max_completion_tokens` (the OpenAI API's).
    pub token_limit_field: Option<String>,
    /// Parameters never sent to this model (openai backend), e.g. `["seed", "stop"]`.
    #[serde(default)]
    pub unsupported_params: Vec<String>,
    /// Send only what OpenAI's API accepts (default: true for api.openai.com; set it for a
    /// proxy in front of OpenAI).
    pub strict_openai: Option<bool>,
    #[serde(default)]
    pub template: TemplateChoice,
    /// Default system prompt for this model (like an Ollama Modelfile's SYSTEM); `--system`
    /// replaces it.
    pub system: Option<String>,
    pub n_ctx: Option<u32>,
    pub n_threads: Option<u32>,
    pub n_batch: Option<u32>,
    pub n_gpu_layers: Option<u32>,
    /// Generations served at once (llama backend; default 1).
    pub parallel: Option<u32>,
    /// Reuse the previous prompt's cached prefix (llama backend; default true).
    pub prompt_cache: Option<bool>,
    /// Sampling overrides for this model.
    #[serde(default)]
    pub params: GenParamsPatch,
    /// Self-hosted: what one instance serving it costs an hour, in dollars (a local GGUF or
    /// your own server). slam turns it into a price per request at the throughput it measured.
    #[serde(default, deserialize_with = "dollars")]
    pub cost_per_hour: Option<f64>,
}

/// `[cost_per_hour]`: model name → dollars an hour, each a price like an entry's own.
pub(super) fn dollars_by_name<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, f64>, D::Error> {
    let map = std::collections::BTreeMap::<String, f64>::deserialize(d)?;
    if let Some((name, v)) = map.iter().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
        return Err(serde::de::Error::custom(format!(
            "cost_per_hour.{name} is {v}: a price is a number of dollars, 0 or more"
        )));
    }
    Ok(map)
}

/// A price: a finite number of dollars, 0 or more.
fn dollars<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() && v >= 0.0 {
        Ok(Some(v))
    } else {
        Err(serde::de::Error::custom(format!(
            "cost_per_hour is {v}: a price is a number of dollars, 0 or more"
        )))
    }
}

impl ModelEntry {
    fn local(name: &str, path: PathBuf, template: TemplateChoice) -> Self {
        Self {
            path: Some(path),
            template,
            ..Self::empty(name, BackendKind::Llama)
        }
    }

    fn openai(name: &str, model: &str) -> Self {
        Self {
            base_url: Some(OPENAI_BASE_URL.into()),
            model: Some(model.into()),
            ..Self::empty(name, BackendKind::Openai)
        }
    }

    fn empty(name: &str, backend: BackendKind) -> Self {
        Self {
            name: name.into(),
            backend,
            path: None,
            base_url: None,
            model: None,
            api_key_env: None,
            headers: Default::default(),
            connect_timeout: None,
            timeout: None,
            idle_timeout: None,
            max_retries: None,
            reasoning: None,
            token_limit_field: None,
            unsupported_params: Vec::new(),
            strict_openai: None,
            template: TemplateChoice::Auto,
            system: None,
            n_ctx: None,
            n_threads: None,
            n_batch: None,
            n_gpu_layers: None,
            parallel: None,
            prompt_cache: None,
            params: GenParamsPatch::default(),
            cost_per_hour: None,
        }
    }
}

pub const SMOLLM2_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
pub const GEMMA3_FILE: &str = "gemma-3-270m-q4_k_m.gguf";

/// The test models fetched by `scripts/fetch-test-models`, available without any config.
pub fn builtin_models() -> Vec<ModelEntry> {
    let dir = cache_dir().join("models");
    let mut smollm2 = ModelEntry::local("smollm2", dir.join(SMOLLM2_FILE), TemplateChoice::Auto);
    // Without a system prompt the GGUF template inserts "You are a helpful AI assistant named
    // SmolLM…", under which the 135M Q4_1 model answers factual questions badly at temperature
    // 0; llama.cpp's llama-cli uses this one by default.
    smollm2.system = Some("You are a helpful assistant.".into());
    vec![
        smollm2,
        // A base model: no chat template, plain completion.
        ModelEntry::local("gemma3-base", dir.join(GEMMA3_FILE), TemplateChoice::Raw),
    ]
    .into_iter()
    // The OpenAI chat models of the bundled model table (gpt-4 … gpt-5.x, o-series).
    .chain(
        model_table::bundled()
            .openai_chat_models()
            .map(|name| ModelEntry::openai(name, name)),
    )
    .collect()
}

/// A model ready to be started: how to reach it and its effective parameters.
#[derive(Debug, Clone)]
pub struct ResolvedModel {
    pub entry: ModelEntry,
    pub params: GenParams,
}

impl ModelEntry {
    /// The environment variable an API model's key must be set in, when it is not set (such a
    /// model cannot answer yet); None for local models and servers that need no key.
    pub fn missing_key(&self) -> Option<String> {
        let resolved = ResolvedModel {
            entry: self.clone(),
            params: GenParams::default(),
        };
        resolved.openai_options()?.missing_key()
    }
}

impl ResolvedModel {
    /// The model's name: the config entry's (what panes, records and reports show).
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    pub fn openai_options(&self) -> Option<OpenAiOptions> {
        let e = &self.entry;
        let d = OpenAiOptions::default();
        let secs = |v: Option<f64>, default: Duration| {
            v.filter(|s| s.is_finite() && *s > 0.0)
                .map(Duration::from_secs_f64)
                .unwrap_or(default)
        };
        let base_url = e.base_url.clone().unwrap_or(d.base_url);
        let model = e.server_id()?.to_owned();
        let caps = self.capabilities(&base_url, &model);
        Some(OpenAiOptions {
            base_url,
            model,
            caps,
            api_key_env: e.api_key_env.clone(),
            headers: e.headers.clone(),
            connect_timeout: secs(e.connect_timeout, d.connect_timeout),
            timeout: secs(e.timeout, d.timeout),
            idle_timeout: secs(e.idle_timeout, d.idle_timeout),
            max_retries: e.max_retries.unwrap_or(d.max_retries),
            retry_base: d.retry_base,
        })
    }

    /// What the model accepts: the model table's entry for its id, under the config's fields.
    fn capabilities(&self, base_url: &str, model: &str) -> Capabilities {
        let e = &self.entry;
        let table = model_table::bundled();
        let row = table.get(model);
        let strict = e
            .strict_openai
            .unwrap_or(base_url.trim_end_matches('/') == OPENAI_BASE_URL);
        let default_field = if strict {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        let source = match (row, e.reasoning) {
            (_, Some(_)) => "config".to_owned(),
            (Some(_), None) => format!("{} model table", table.source),
            (None, None) => "defaults".to_owned(),
        };
        Capabilities {
            reasoning: e
                .reasoning
                .unwrap_or_else(|| row.is_some_and(|r| r.supports_reasoning)),
            token_limit_field: e
                .token_limit_field
                .clone()
                .unwrap_or_else(|| default_field.into()),
            strict_openai: strict,
            samples_without_effort: row.is_some_and(|r| r.supports_none_reasoning_effort),
            default_effort: row.and_then(|r| r.default_reasoning_effort.clone()),
            unsupported: e.unsupported_params.clone(),
            source,
        }
    }

    /// The prompt this model is sent: the command line's system prompt, else the model's own.
    /// The conversation this model is sent for `prompt`: its own system prompt unless the
    /// prompt has one.
    pub fn conversation(&self, prompt: &Prompt) -> Prompt {
        prompt
            .clone()
            .with_default_system(self.entry.system.as_ref())
    }

    pub fn llama_spec(&self) -> Option<LlamaSpec> {
        let e = &self.entry;
        Some(LlamaSpec {
            path: e.path.clone()?,
            options: LlamaOptions {
                n_ctx: e.n_ctx,
                n_threads: e.n_threads,
                n_batch: e.n_batch,
                n_gpu_layers: e.n_gpu_layers,
                template: e.template.clone(),
                parallel: e.parallel,
                prompt_cache: e.prompt_cache,
            },
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown model {name:?}{}: known models are {known}; or give the path of a .gguf file", .suggestion.as_ref().map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
pub struct UnknownModel {
    pub name: String,
    pub known: String,
    /// The known name closest to the one given, when one is close.
    pub suggestion: Option<String>,
}

/// The name in `known` closest to `typed`, if a couple of edits away (a typo, not a guess).
pub fn did_you_mean<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (typed.chars().count() / 3).clamp(1, 3);
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(typed, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_owned())
}

impl Config {
    /// Every model this config knows: built-ins first, replaced by user entries of the same name.
    pub fn models(&self) -> Vec<ModelEntry> {
        let base = self.base_dir();
        let mut all = builtin_models();
        for user in &self.file.models {
            let mut entry = user.clone();
            if let Some(p) = &entry.path {
                entry.path = Some(resolve_path(&base, p));
            }
            match all.iter_mut().find(|m| m.name == entry.name) {
                Some(slot) => *slot = entry,
                None => all.push(entry),
            }
        }
        for found in &self.discovered {
            let known = all
                .iter()
                .any(|m| m.name == found.name || m.path.as_ref() == Some(&found.path));
            if !known {
                all.push(ModelEntry::local(
                    &found.name,
                    found.path.clone(),
                    TemplateChoice::Auto,
                ));
            }
        }
        for entry in &mut all {
            if entry.cost_per_hour.is_none() {
                entry.cost_per_hour = self.file.cost_per_hour.get(&entry.name).copied();
            }
        }
        all
    }

    /// A configured model by name, or a GGUF file given by path.
    pub fn resolve(
        &self,
        name_or_path: &str,
        overrides: &GenParamsPatch,
    ) -> Result<ResolvedModel, UnknownModel> {
        let models = self.models();
        let entry = match models.iter().find(|m| m.name == name_or_path) {
            Some(m) => m.clone(),
            None if looks_like_path(name_or_path) => ModelEntry::local(
                name_or_path,
                PathBuf::from(name_or_path),
                TemplateChoice::Auto,
            ),
            None => {
                return Err(UnknownModel {
                    name: name_or_path.into(),
                    suggestion: did_you_mean(name_or_path, models.iter().map(|m| m.name.as_str())),
                    known: models
                        .iter()
                        .map(|m| m.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        };
        let mut params = GenParams::default();
        params.apply(&self.file.params);
        params.apply(&entry.params);
        params.apply(overrides);
        Ok(ResolvedModel { entry, params })
    }
}

fn looks_like_path(s: &str) -> bool {
    s.contains('/') || s.ends_with(".gguf") || Path::new(s).exists()
}

fn resolve_path(base: &Path, p: &Path) -> PathBuf {
    let expanded = match p.strip_prefix("~") {
        Ok(rest) => directories::BaseDirs::new()
            .map(|d| d.home_dir().join(rest))
            .unwrap_or_else(|| p.to_path_buf()),
        Err(_) => p.to_path_buf(),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        base.join(expanded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    fn config(text: &str) -> Config {
        Config {
            source: Some(PathBuf::from("/etc/slam/config.toml")),
            file: parse(text, Path::new("c.toml")).unwrap(),
            discovered: Vec::new(),
        }
    }

    #[test]
    fn builtins_are_there_without_config() {
        let c = Config::default();
        let names: Vec<_> = c.models().into_iter().map(|m| m.name).collect();
        assert_eq!(names[..2], ["smollm2", "gemma3-base"]);
        for want in [
            "gpt-4",
            "gpt-4o",
            "gpt-4o-mini",
            "gpt-4.1",
            "gpt-5.2",
            "o3",
            "o4-mini",
        ] {
            assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
        }
        let gpt4 = c.resolve("gpt-4", &GenParamsPatch::default()).unwrap();
        let o = gpt4.openai_options().unwrap();
        assert_eq!(
            (o.base_url.as_str(), o.model.as_str()),
            (OPENAI_BASE_URL, "gpt-4")
        );
        let gemma = c
            .resolve("gemma3-base", &GenParamsPatch::default())
            .unwrap();
        assert_eq!(gemma.entry.template, TemplateChoice::Raw);
    }

    #[test]
    fn capabilities_come_from_the_model_table_under_the_config() {
        let c = config(
            "[[models]]\nname = \"proxy\"\nbackend = \"openai\"\n\
             base_url = \"http://127.0.0.1:9/v1\"\nmodel = \"gpt-5.2\"\n\
             [[models]]\nname = \"qwen3\"\nbackend = \"openai\"\n\
             base_url = \"http://127.0.0.1:9/v1\"\nmodel = \"qwen3\"\nreasoning = true\n\
             token_limit_field = \"max_completion_tokens\"\nunsupported_params = [\"seed\"]\n",
        );
        let caps = |name: &str| {
            c.resolve(name, &GenParamsPatch::default())
                .unwrap()
                .openai_options()
                .unwrap()
                .caps
        };
        let gpt5 = caps("gpt-5.2");
        assert!(gpt5.reasoning && gpt5.strict_openai);
        assert_eq!(gpt5.token_limit_field, "max_completion_tokens");
        assert_eq!(gpt5.source, "litellm 1.110.2 model table");
        let gpt4 = caps("gpt-4");
        assert!(!gpt4.reasoning && gpt4.strict_openai);
        assert_eq!(gpt4.token_limit_field, "max_completion_tokens");
        // The same model id behind another server: the table's reasoning, the open field.
        let proxy = caps("proxy");
        assert!(proxy.reasoning && !proxy.strict_openai);
        assert_eq!(proxy.token_limit_field, "max_tokens");
        let qwen = caps("qwen3");
        assert!(qwen.reasoning && !qwen.strict_openai);
        assert_eq!(qwen.token_limit_field, "max_completion_tokens");
        assert_eq!(
            (qwen.unsupported, qwen.source.as_str()),
            (vec!["seed".to_owned()], "config")
        );
    }

    #[test]
    fn user_entries_resolve_relative_paths_and_layer_params() {
        let c = config(
            "[params]\ntemperature = 0.5\nmax_tokens = 9\n\
             [[models]]\nname = \"mine\"\nbackend = \"llama\"\npath = \"m/x.gguf\"\n\
             [models.params]\nmax_tokens = 3\n",
        );
        let cli = GenParamsPatch {
            temperature: Some(0.0),
            ..Default::default()
        };
        let m = c.resolve("mine", &cli).unwrap();
        assert_eq!(
            m.entry.path.as_deref(),
            Some(Path::new("/etc/slam/m/x.gguf"))
        );
        assert_eq!(m.params.max_tokens, 3);
        assert_eq!(m.params.temperature, 0.0);
    }

    #[test]
    fn unknown_name_lists_known_models() {
        let c = config("");
        let err = c.resolve("nope", &GenParamsPatch::default()).unwrap_err();
        assert!(err.to_string().contains("smollm2"));
        assert!(!err.to_string().contains("did you mean"), "{err}");
        // One letter dropped, two swapped: a typo, named.
        for (typo, meant) in [
            ("smolm2", "smollm2"),
            ("gemma3-bsae", "gemma3-base"),
            ("gtp-4", "gpt-4"),
        ] {
            let err = c.resolve(typo, &GenParamsPatch::default()).unwrap_err();
            let said = format!("(did you mean \"{meant}\"?)");
            assert!(err.to_string().contains(&said), "{err}");
        }
    }

    #[test]
    fn a_path_is_an_ad_hoc_local_model() {
        let c = config("");
        let m = c
            .resolve("./x/model.gguf", &GenParamsPatch::default())
            .unwrap();
        assert_eq!(m.entry.backend, BackendKind::Llama);
    }
}
