//! How a model is named and identified. Its *name* is the config entry's (what panes, records
//! and reports show); its *server id* is what an OpenAI-compatible server is sent as `model`;
//! it is priced under the server id, else its name; and its *identity* is what produces its
//! answers (a GGUF's content, or a server and model id), which keys an eval's cells.

use serde::Serialize;

use super::{BackendKind, ModelEntry, ResolvedModel};
use crate::engine::chat_template::TemplateChoice;

impl ModelEntry {
    /// The model id an OpenAI-compatible server is sent (none for a local GGUF).
    pub fn server_id(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// The id a model is recorded and priced under: the server's id, else its name.
    pub fn server_id_or_name(&self) -> &str {
        self.server_id().unwrap_or(&self.name)
    }
}

/// What identifies a model's answers: the file's content or the server's model, and what
/// shapes the prompt it sees — never the machine or slam's version. Its JSON (keys in this
/// order, `backend` first) is hashed into cell keys, so stored cells stay matched: change a
/// field and every stored cell of that backend is run again.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "backend")]
pub enum ModelIdentity {
    #[serde(rename = "llama.cpp")]
    Llama {
        gguf_sha256: Option<String>,
        template: TemplateChoice,
        n_ctx: Option<u32>,
        prompt_cache: Option<bool>,
    },
    #[serde(rename = "openai")]
    Openai {
        base_url: Option<String>,
        model_id: Option<String>,
    },
}

impl ResolvedModel {
    /// This model's identity; `gguf_sha256` is the file's hash once known.
    pub fn identity(&self, gguf_sha256: Option<&str>) -> ModelIdentity {
        let e = &self.entry;
        match e.backend {
            BackendKind::Llama => ModelIdentity::Llama {
                gguf_sha256: gguf_sha256.map(str::to_owned),
                template: e.template.clone(),
                n_ctx: e.n_ctx,
                prompt_cache: e.prompt_cache,
            },
            BackendKind::Openai => ModelIdentity::Openai {
                base_url: e.base_url.as_deref().and_then(strip_credentials),
                model_id: e.server_id().map(str::to_owned),
            },
        }
    }
}

/// A base URL without user, password, query or fragment (where keys sometimes travel); `None`
/// when it does not parse, so nothing unparsed is ever stored.
pub fn strip_credentials(url: &str) -> Option<String> {
    let mut url = reqwest::Url::parse(url).ok()?;
    url.set_username("").ok()?;
    url.set_password(None).ok()?;
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(toml: &str, name: &str) -> ResolvedModel {
        let file = crate::config::parse(toml, std::path::Path::new("c.toml")).unwrap();
        let config = crate::config::Config {
            file,
            ..Default::default()
        };
        config.resolve(name, &Default::default()).unwrap()
    }

    /// The JSON hashed into cell keys, written by hand as releases before the typed identity
    /// wrote it: a change here would orphan every stored cell.
    #[test]
    fn the_identity_json_is_the_one_stored_cells_were_keyed_by() {
        let remote = resolved(
            "[[models]]\nname = \"r\"\nbackend = \"openai\"\n\
             base_url = \"https://u:sk-1@llm.example.com/v1?k=2\"\nmodel = \"gpt-4o\"\n",
            "r",
        );
        assert_eq!(
            serde_json::to_string(&remote.identity(None)).unwrap(),
            r#"{"backend":"openai","base_url":"https://llm.example.com/v1","model_id":"gpt-4o"}"#
        );
        let local = resolved(
            "[[models]]\nname = \"l\"\nbackend = \"llama\"\npath = \"/m.gguf\"\n\
             template = \"chatml\"\nn_ctx = 2048\n",
            "l",
        );
        assert_eq!(
            serde_json::to_string(&local.identity(Some("ab12"))).unwrap(),
            r#"{"backend":"llama.cpp","gguf_sha256":"ab12","template":"chatml","n_ctx":2048,"prompt_cache":null}"#
        );
        assert_eq!(local.entry.server_id(), None);
        assert_eq!(local.entry.server_id_or_name(), "l");
        assert_eq!(remote.entry.server_id_or_name(), "gpt-4o");
    }

    #[test]
    fn base_urls_lose_credentials_and_queries() {
        let strip = |u| strip_credentials(u).unwrap_or_default();
        assert_eq!(
            strip("https://user:sk-secret@api.example.com/v1?key=sk-2#sk-3"),
            "https://api.example.com/v1"
        );
        // A password with a slash makes no valid URL: nothing is stored rather than it.
        assert_eq!(strip_credentials("https://u:pa/ss@host/v1"), None);
        assert_eq!(
            strip("http://127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(strip_credentials("not a url sk-4"), None);
    }
}
