//! OpenAI-compatible chat completions over SSE: GPT-4 on the OpenAI API, and any server that
//! speaks the same protocol (vLLM, llama-server, llama-cpp-python, Ollama, TGI…).

mod chunk;
mod http_error;
pub mod params;
pub mod retry;
pub(crate) mod stream;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::EngineError;
use super::backend::{Backend, GenEvent, GenRequest, GenStream};
use crate::domain::{FinishReason, ParamChange, Usage};

pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_KEY_ENV: &str = "OPENAI_API_KEY";

/// Connection settings of an OpenAI-compatible model (config keys of a `backend = "openai"`).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiOptions {
    pub base_url: String,
    pub model: String,
    /// Environment variable holding the key. `None`: `OPENAI_API_KEY`, required only for the
    /// OpenAI API itself; other servers get no key unless one is named.
    pub api_key_env: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub connect_timeout: Duration,
    /// Until the response headers arrive.
    pub timeout: Duration,
    /// Between two chunks of a stream.
    pub idle_timeout: Duration,
    pub max_retries: u32,
    pub retry_base: Duration,
    pub caps: Capabilities,
}

/// What a model accepts, from the model table and the config (see `config::model_table`).
#[derive(Debug, Clone, PartialEq)]
pub struct Capabilities {
    /// A reasoning model (it thinks before answering).
    pub reasoning: bool,
    /// The field the token limit is sent in: `max_tokens` (open servers) or
    /// `max_completion_tokens` (the OpenAI API).
    pub token_limit_field: String,
    /// The server is OpenAI's API (or a proxy in front of it): only OpenAI's parameters are
    /// sent, and a reasoning model gets no sampling parameters.
    pub strict_openai: bool,
    /// With `reasoning_effort = "none"` the model samples like a chat model (gpt-5.1 and later).
    pub samples_without_effort: bool,
    /// The model's reasoning effort when none is asked for.
    pub default_effort: Option<String>,
    /// Parameters never sent (config `unsupported_params`).
    pub unsupported: Vec<String>,
    /// Where the capabilities came from, for the reason shown with a parameter left out.
    pub source: String,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self {
            reasoning: false,
            token_limit_field: "max_tokens".into(),
            strict_openai: false,
            samples_without_effort: false,
            default_effort: None,
            unsupported: Vec::new(),
            source: "defaults".into(),
        }
    }
}

impl Default for OpenAiOptions {
    fn default() -> Self {
        Self {
            base_url: OPENAI_BASE_URL.into(),
            model: String::new(),
            api_key_env: None,
            headers: BTreeMap::new(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(60),
            max_retries: 3,
            retry_base: Duration::from_millis(500),
            caps: Capabilities::default(),
        }
    }
}

impl OpenAiOptions {
    pub fn is_openai_api(&self) -> bool {
        self.base_url.trim_end_matches('/') == OPENAI_BASE_URL
    }

    /// The environment variable holding the key, and the key if it is set (not blank).
    fn key(&self) -> (String, Option<String>) {
        let env = (self.api_key_env.clone()).unwrap_or_else(|| DEFAULT_KEY_ENV.into());
        let key = std::env::var(&env).ok().filter(|k| !k.trim().is_empty());
        (env, key)
    }

    /// The variable a key must be set in before this model can answer, when it is not set:
    /// one named in the config, or `OPENAI_API_KEY` for OpenAI's API itself.
    pub fn missing_key(&self) -> Option<String> {
        let required = self.api_key_env.is_some() || self.is_openai_api();
        match self.key() {
            (env, None) if required => Some(env),
            _ => None,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.base_url.trim_end_matches('/'))
    }
}

/// An API key: kept out of `Debug` output and redacted from every message.
#[derive(Clone)]
pub struct ApiKey(String);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl ApiKey {
    /// Replace the key wherever it appears in `text` (a server may echo a request back).
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_owned();
        }
        text.replace(&self.0, "***")
    }
}

pub struct OpenAiBackend {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    opts: OpenAiOptions,
    key: Option<ApiKey>,
    /// Changes learned from this model's 400s, applied to every later request of the run.
    learned: Mutex<Vec<ParamChange>>,
    /// After a 429/503, no request of this model is sent before this moment: concurrent
    /// requests share the back-off instead of each hammering the server.
    hold_until: Mutex<Option<tokio::time::Instant>>,
}

impl OpenAiBackend {
    pub fn new(opts: OpenAiOptions) -> Result<Self, EngineError> {
        if let Some(env) = opts.missing_key() {
            return Err(EngineError::MissingApiKey { env });
        }
        let (_, key) = opts.key();
        let client = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .build()
            .map_err(|e| EngineError::Http {
                url: opts.base_url.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                key: key.map(ApiKey),
                opts,
                learned: Mutex::new(Vec::new()),
                hold_until: Mutex::new(None),
            }),
        })
    }
}

impl Backend for OpenAiBackend {
    fn generate(&self, request: GenRequest, cancel: CancellationToken) -> GenStream {
        let (tx, rx) = mpsc::unbounded_channel();
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let _ = tx.send(GenEvent::Started { at: Instant::now() });
            let terminal = match inner.run(&request, &cancel, &tx).await {
                Ok(finish) => finish,
                Err(error) => GenEvent::Failed {
                    error: inner.redact_error(error),
                    at: Instant::now(),
                },
            };
            let _ = tx.send(terminal);
        });
        rx
    }
}

impl Inner {
    /// The body to send: the capabilities' changes, then those learned in this run, each
    /// announced as an `Adapted` event.
    fn body(&self, request: &GenRequest, tx: &mpsc::UnboundedSender<GenEvent>) -> Value {
        let (mut body, mut changes) = params::request_body(&self.opts, request);
        let learned = self.learned.lock().map(|l| l.clone()).unwrap_or_default();
        for change in learned {
            if params::apply(&mut body, &change) {
                changes.push(change);
            }
        }
        for change in changes {
            let _ = tx.send(GenEvent::Adapted {
                change,
                at: Instant::now(),
            });
        }
        body
    }

    /// Send (retrying 429/503 before any token), then stream. Returns the terminal event.
    async fn run(
        &self,
        request: &GenRequest,
        cancel: &CancellationToken,
        tx: &mpsc::UnboundedSender<GenEvent>,
    ) -> Result<GenEvent, EngineError> {
        let url = self.opts.endpoint();
        let mut body = self.body(request, tx);
        let mut attempt = 0;
        let mut adapted: Vec<String> = Vec::new();
        let response = loop {
            let hold = self.hold_until.lock().ok().and_then(|h| *h);
            if let Some(until) = hold.filter(|u| *u > tokio::time::Instant::now()) {
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => return Ok(cancelled_before_start()),
                    _ = tokio::time::sleep_until(until) => {}
                }
            }
            let mut req = self.client.post(&url).json(&body);
            if let Some(key) = &self.key {
                req = req.bearer_auth(&key.0);
            }
            for (name, value) in &self.opts.headers {
                req = req.header(name, value);
            }
            let sent = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Ok(cancelled_before_start()),
                r = tokio::time::timeout(self.opts.timeout, req.send()) => r,
            };
            let response = match sent {
                Err(_) => {
                    return Err(EngineError::ResponseTimeout {
                        url,
                        after_ms: self.opts.timeout.as_millis() as u64,
                    });
                }
                Ok(Err(e)) => return Err(http_error::from_reqwest(&e, &url, &self.opts)),
                Ok(Ok(r)) => r,
            };
            let status = response.status().as_u16();
            if response.status().is_success() {
                break response;
            }
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry::parse_retry_after);
            if retry::is_retryable(status) && attempt < self.opts.max_retries {
                let wait =
                    retry::backoff(attempt, self.opts.retry_base, retry_after, fastrand::f64());
                tracing::info!(status, attempt, ?wait, url, "retrying");
                attempt += 1;
                if let Ok(mut hold) = self.hold_until.lock() {
                    let until = tokio::time::Instant::now() + wait;
                    *hold = Some(hold.map_or(until, |h| h.max(until)));
                }
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => return Ok(cancelled_before_start()),
                    _ = tokio::time::sleep(wait) => continue,
                }
            }
            let text = response.text().await.unwrap_or_default();
            if status == 400
                && let Some(mut change) = params::change_from_rejection(&text, &body, &adapted)
                && params::apply(&mut body, &change)
            {
                // Sent again once without the rejected parameter, and remembered.
                if let Some(key) = &self.key {
                    change.reason = key.redact(&change.reason);
                }
                tracing::info!(%change, url, "adapting the request");
                adapted.push(change.param.clone());
                if let Ok(mut learned) = self.learned.lock()
                    && !learned.contains(&change)
                {
                    learned.push(change.clone());
                }
                let _ = tx.send(GenEvent::Adapted {
                    change,
                    at: Instant::now(),
                });
                continue;
            }
            let message = http_error::message_from_body(&text);
            return Err(http_error::from_status(status, &url, message, attempt));
        };
        stream::consume(response, &url, self.opts.idle_timeout, cancel, tx).await
    }

    /// A server may echo the request (and so the key) in an error: scrub every string field.
    fn redact_error(&self, error: EngineError) -> EngineError {
        let Some(key) = &self.key else { return error };
        let Ok(mut value) = serde_json::to_value(&error) else {
            return error;
        };
        if !value.to_string().contains(&key.0) {
            return error;
        }
        redact_strings(&mut value, key);
        serde_json::from_value(value).unwrap_or(EngineError::Http {
            url: self.opts.base_url.clone(),
            reason: "error details withheld: they contained the API key".into(),
        })
    }
}

fn redact_strings(value: &mut Value, key: &ApiKey) {
    match value {
        Value::String(s) => *s = key.redact(s),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_strings(v, key)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_strings(v, key)),
        _ => {}
    }
}

fn cancelled_before_start() -> GenEvent {
    GenEvent::Finished {
        usage: Usage {
            prompt_tokens: None,
            completion_tokens: 0,
            estimated: true,
            ..Default::default()
        },
        finish_reason: FinishReason::Cancelled,
        timings: None,
        token_ids: None,
        at: Instant::now(),
    }
}
