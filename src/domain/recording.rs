//! Recorded sessions: the event lines of `slam compare --json` (the first line holds the
//! prompt), replayed by the TUI at the recorded pace with no model at all.

use std::time::Duration;

use serde::Deserialize;

use super::generation::{Failure, GenEvent};
use crate::domain::{EngineTimings, FinishReason, ParamChange, Prompt, Usage};

/// More models than any comparison runs: a larger index is corruption, not a recording.
pub const MAX_PANES: usize = 64;

/// An event as recorded: the one event type, stamped with its offset from the recording's start.
pub type Recorded = GenEvent<Failure, Duration>;

#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    pub pane: usize,
    pub event: Recorded,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recording {
    pub prompt: Prompt,
    pub models: Vec<String>,
    pub events: Vec<RecordedEvent>,
}

#[derive(Deserialize)]
struct Line {
    event: String,
    model: Option<String>,
    index: Option<usize>,
    t_ms: Option<f64>,
    text: Option<String>,
    n_tokens: Option<u32>,
    usage: Option<Usage>,
    finish_reason: Option<FinishReason>,
    engine_timings: Option<EngineTimings>,
    message: Option<String>,
    error: Option<serde_json::Value>,
    system: Option<String>,
    user: Option<String>,
    /// A prompt line's whole conversation, when it is more than `system` and `user`.
    conversation: Option<Prompt>,
    change: Option<ParamChange>,
    energy: Option<crate::domain::energy::GenerationEnergy>,
    memory: Option<crate::domain::memory::ModelMemory>,
}

impl Recording {
    /// Parse a recording; errors name `origin`, the line and what was expected.
    pub fn parse(text: &str, origin: &str) -> Result<Recording, String> {
        let mut rec = Recording::default();
        let mut saw_prompt = false;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let fail = |what: &str| format!("{origin}:{n}: {what}");
            let line: Line =
                serde_json::from_str(raw).map_err(|e| fail(&format!("not an event line: {e}")))?;
            if line.event == "prompt" {
                rec.prompt = match line.conversation {
                    Some(conversation) => conversation,
                    None => Prompt::new(
                        line.system,
                        line.user
                            .ok_or_else(|| fail("a prompt line needs \"user\""))?,
                    ),
                };
                saw_prompt = true;
                continue;
            }
            if line.event == "loaded" {
                continue;
            }
            let pane = line
                .index
                .filter(|i| *i < MAX_PANES)
                .ok_or_else(|| fail(&format!("expected \"index\" from 0 to {}", MAX_PANES - 1)))?;
            let model = line
                .model
                .clone()
                .ok_or_else(|| fail("expected \"model\""))?;
            if rec.models.len() <= pane {
                rec.models.resize(pane + 1, String::new());
            }
            rec.models[pane] = model;
            let at = line
                .t_ms
                .and_then(|t| Duration::try_from_secs_f64(t / 1000.0).ok())
                .ok_or_else(|| fail("expected \"t_ms\" ≥ 0"))?;
            let event = match line.event.as_str() {
                "started" => Recorded::Started { at },
                "delta" => Recorded::Delta {
                    text: line.text.ok_or_else(|| fail("a delta needs \"text\""))?,
                    n_tokens: line.n_tokens.unwrap_or(1),
                    at,
                },
                "thinking" => Recorded::Thinking {
                    text: line
                        .text
                        .ok_or_else(|| fail("a thinking event needs \"text\""))?,
                    n_tokens: line.n_tokens.unwrap_or(1),
                    at,
                },
                "adapted" => Recorded::Adapted {
                    change: line
                        .change
                        .ok_or_else(|| fail("an adapted event needs \"change\""))?,
                    at,
                },
                "measured" => Recorded::Measured {
                    energy: line.energy,
                    memory: line.memory,
                    at,
                },
                "finished" => Recorded::Finished {
                    usage: line.usage.unwrap_or_default(),
                    finish_reason: line.finish_reason.unwrap_or(FinishReason::Stop),
                    timings: line.engine_timings,
                    token_ids: None,
                    at,
                },
                "failed" => Recorded::Failed {
                    error: Failure {
                        kind: line
                            .error
                            .as_ref()
                            .and_then(|e| e["kind"].as_str())
                            .unwrap_or("error")
                            .to_owned(),
                        message: line.message.unwrap_or_default(),
                    },
                    at,
                },
                other => {
                    return Err(fail(&format!(
                        "unknown event {other:?} (expected prompt, started, delta, thinking, adapted, finished or failed)"
                    )));
                }
            };
            rec.events.push(RecordedEvent { pane, event });
        }
        if !saw_prompt {
            return Err(format!(
                "{origin}: no prompt line (the first line is {{\"event\":\"prompt\",\"user\":…}})"
            ));
        }
        if rec.models.is_empty() || rec.models.iter().any(String::is_empty) {
            return Err(format!("{origin}: no events for some models"));
        }
        rec.events.sort_by_key(|e| e.event.at());
        Ok(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"event":"prompt","user":"Hi"}
{"event":"loaded","model":"a","index":0,"t_ms":5.0}
{"event":"started","model":"a","index":0,"t_ms":10.0}
{"event":"delta","model":"a","index":0,"t_ms":30.5,"text":"Hel","n_tokens":1}
{"event":"started","model":"b","index":1,"t_ms":11.0}
{"event":"finished","model":"a","index":0,"t_ms":40.0,"usage":{"prompt_tokens":3,"completion_tokens":1,"estimated":false},"finish_reason":"stop","engine_timings":null}
{"event":"failed","model":"b","index":1,"t_ms":50.0,"error":{"kind":"auth"},"message":"nope"}
"#;

    #[test]
    fn parses_compare_json_lines_in_time_order() {
        let r = Recording::parse(SAMPLE, "s.jsonl").unwrap();
        assert_eq!(r.prompt.user_text(), "Hi");
        assert_eq!(r.models, ["a", "b"]);
        assert_eq!(r.events.len(), 5);
        assert_eq!(
            r.events[1].event,
            Recorded::Started {
                at: Duration::from_millis(11)
            }
        );
        assert_eq!(r.events[1].pane, 1);
        assert!(
            matches!(&r.events[4].event, Recorded::Failed { error, .. } if error.kind == "auth")
        );
    }

    #[test]
    fn a_prompt_lines_conversation_is_the_prompt() {
        let line = r#"{"event":"prompt","system":null,"user":"And Germany?","conversation":{"system":null,"turns":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris."},{"role":"user","content":"And Germany?"}]}}"#;
        let text = SAMPLE.replacen(r#"{"event":"prompt","user":"Hi"}"#, line, 1);
        let r = Recording::parse(&text, "s.jsonl").unwrap();
        let turns: Vec<(&str, &str)> = r
            .prompt
            .turns
            .iter()
            .map(|t| (t.role.as_str(), t.content.as_str()))
            .collect();
        assert_eq!(
            turns,
            [
                ("user", "Capital of France?"),
                ("assistant", "Paris."),
                ("user", "And Germany?")
            ]
        );
    }

    #[test]
    fn out_of_range_numbers_are_errors_not_panics() {
        // Found by `make fuzz`: a time past what a Duration holds, and a huge pane index.
        for (line, expected) in [
            (
                r#"{"event":"started","model":"a","index":0,"t_ms":4.7e98}"#,
                "t_ms",
            ),
            (
                r#"{"event":"started","model":"a","index":0,"t_ms":-1}"#,
                "t_ms",
            ),
            (
                r#"{"event":"started","model":"a","index":99999999999,"t_ms":1}"#,
                "index",
            ),
        ] {
            let text = format!("{{\"event\":\"prompt\",\"user\":\"Hi\"}}\n{line}\n");
            let err = Recording::parse(&text, "r.jsonl").unwrap_err();
            assert!(
                err.starts_with("r.jsonl:2: expected") && err.contains(expected),
                "{err}"
            );
        }
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let bad = SAMPLE.replace(r#""event":"delta""#, r#""event":"explode""#);
        assert!(
            Recording::parse(&bad, "s.jsonl")
                .unwrap_err()
                .starts_with("s.jsonl:4: unknown event")
        );
        let bad = SAMPLE.replace(r#","t_ms":30.5"#, "");
        assert_eq!(
            Recording::parse(&bad, "s.jsonl").unwrap_err(),
            "s.jsonl:4: expected \"t_ms\" ≥ 0"
        );
        assert!(
            Recording::parse("{\"event\":\"started\"", "s.jsonl")
                .unwrap_err()
                .starts_with("s.jsonl:1:")
        );
        assert!(
            Recording::parse("", "s.jsonl")
                .unwrap_err()
                .contains("no prompt line")
        );
    }
}
