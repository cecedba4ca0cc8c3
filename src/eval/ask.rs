//! Putting one question to the judge: through the one run path (`app::run_one`), under the
//! verdict's JSON schema and the judge's timeout, repaired once when the reply does not parse,
//! and every reply's text, tokens, latency, failures, energy and memory kept for the verdict.

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::app::{Limits, Opened, run_one};
use crate::domain::generation::Failure;
use crate::domain::{ChatMessage, GenParams, Prompt, ResponseFormat, Role};
use crate::engine::GenRequest;
use crate::store::manifest::sha256_hex;

/// A verdict asked, repaired once if need be: what parsed (or why not) and every reply.
pub(super) struct Asked<T> {
    pub parsed: Result<T, String>,
    replies: Vec<Reply>,
}

/// One reply of the judge: its text (or why none) and its metrics.
#[derive(Clone)]
struct Reply {
    text: Result<String, Failure>,
    metrics: crate::domain::metrics::GenerationMetrics,
}

impl<T> Asked<T> {
    /// The prompt, the raw replies, tokens and latency into a stored verdict; with them, when
    /// there were any, the kinds of the replies' failures, the energy a local judge used and
    /// the memory it held.
    pub fn record(&self, v: &mut Value, prompt: &str) {
        let tokens: u32 = self.replies.iter().map(|r| r.metrics.output_tokens).sum();
        let prompt_tokens: Option<u32> = self.replies.iter().map(|r| r.metrics.prompt_tokens).sum();
        let latency_ms: f64 = self.replies.iter().map(|r| r.metrics.e2e_ms).sum();
        let raw: Vec<String> = self
            .replies
            .iter()
            .map(|r| match &r.text {
                Ok(text) => text.clone(),
                Err(e) => format!("error: {}", e.message),
            })
            .collect();
        v["prompt"] = json!(prompt);
        v["prompt_sha256"] = json!(sha256_hex(prompt.as_bytes()));
        v["raw"] = json!(raw);
        v["repaired"] = json!(self.replies.len() > 1);
        v["judge_tokens"] = json!(tokens);
        v["judge_prompt_tokens"] = json!(prompt_tokens);
        v["judge_latency_ms"] = json!(latency_ms);
        let errors: Vec<&str> = self
            .replies
            .iter()
            .filter_map(|r| r.text.as_ref().err().map(|e| e.kind.as_str()))
            .collect();
        if !errors.is_empty() {
            v["judge_errors"] = json!(errors);
        }
        let energy = self
            .replies
            .iter()
            .filter_map(|r| r.metrics.energy.as_ref());
        if let Some(joules) = energy.map(|e| e.joules()).sum::<Option<f64>>() {
            v["judge_joules"] = json!(joules);
        }
        if let Some(memory) = self.replies.iter().find_map(|r| r.metrics.memory.as_ref()) {
            v["judge_memory_mib"] = json!(memory.total_mib(None));
        }
    }
}

/// The judge as every question is put to it: the open model, its parameters, the JSON schema
/// its reply must follow and how long a reply may take.
pub(super) struct Asker {
    pub model: Opened,
    pub params: GenParams,
    pub format: ResponseFormat,
    pub limits: Limits,
}

/// Ask; a reply that does not parse gets one repair request showing the shape expected.
pub(super) async fn ask_with_repair<T>(
    asker: &Asker,
    prompt: &str,
    parse: fn(&str) -> Result<T, String>,
    shape: &str,
) -> Asked<T> {
    let mut conversation = Prompt::user(prompt);
    conversation.response_format = Some(asker.format.clone());
    let first = generate(asker, &conversation).await;
    let mut parsed = reading_of(&first, parse);
    let mut replies = vec![first.clone()];
    if let (Err(why), Ok(text)) = (&parsed, &first.text) {
        conversation
            .turns
            .push(ChatMessage::new(Role::Assistant, text.clone()));
        conversation.turns.push(ChatMessage::new(
            Role::User,
            format!(
                "That reply could not be read ({why}). Reply with only the JSON object: {shape}"
            ),
        ));
        let second = generate(asker, &conversation).await;
        parsed = reading_of(&second, parse);
        replies.push(second);
    }
    Asked { parsed, replies }
}

/// What a reply says: parsed, or why not (its failure's message).
fn reading_of<T>(reply: &Reply, parse: fn(&str) -> Result<T, String>) -> Result<T, String> {
    match &reply.text {
        Ok(text) => parse(text),
        Err(e) => Err(e.message.clone()),
    }
}

/// One generation, through the one run path: the text (or why none) and its metrics.
async fn generate(asker: &Asker, conversation: &Prompt) -> Reply {
    let request = GenRequest::of(conversation.clone(), asker.params.clone());
    // Nothing cancels a reply in flight: one cut on Ctrl-C would be stored as invalid (the
    // judge's loop stops before the next question instead).
    let never = CancellationToken::new();
    let rec = run_one(&asker.model, request, asker.limits, &never, None).await;
    let metrics = rec.metrics();
    Reply {
        text: match &rec.error {
            Some(e) => Err(Failure::from(e)),
            None => Ok(rec.text),
        },
        metrics,
    }
}
