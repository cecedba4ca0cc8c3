//! A session as SLaM data files, one per prompt, as SLaM writes them (`json.dump(…, indent=4)`:
//! keys `run`, `prompt_disc`, `outputs`, `prompt`, then any other field the prompt was imported
//! with), so slam's answers open in SLaM's own dashboard and re-import unchanged.

use serde::Serialize;
use serde_json::{Map, Value};

use super::records::ExportLine;

/// (file name, contents) per prompt, in the session's order. Each model's successful answers
/// are its outputs, by repetition; errors and concurrency-sweep cells are left out.
pub fn slam_files(lines: &[ExportLine]) -> Vec<(String, String)> {
    let mut prompts: Vec<(&ExportLine, Map<String, Value>)> = Vec::new();
    for l in lines {
        if l.generation.error_kind.is_some() || l.generation.is_sweep() {
            continue;
        }
        let at = match prompts
            .iter()
            .position(|(p, _)| p.prompt.uid == l.prompt.uid)
        {
            Some(at) => at,
            None => {
                prompts.push((l, Map::new()));
                prompts.len() - 1
            }
        };
        let outputs = &mut prompts[at].1;
        let texts = outputs
            .entry(l.generation.model.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(texts) = texts {
            texts.push(Value::String(l.generation.text.clone()));
        }
    }
    // Numbered so that a folder read in name order gives the prompts in their order.
    let width = prompts.len().to_string().len();
    prompts
        .into_iter()
        .enumerate()
        .map(|(i, (line, outputs))| {
            let extra = line
                .prompt
                .extra
                .as_ref()
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let run = extra
                .get("run")
                .cloned()
                .unwrap_or_else(|| Value::String(line.session.name.clone()));
            let mut object = Map::new();
            object.insert("run".into(), run.clone());
            object.insert(
                "prompt_disc".into(),
                extra.get("prompt_disc").cloned().unwrap_or(Value::Null),
            );
            object.insert("outputs".into(), Value::Object(outputs));
            object.insert("prompt".into(), Value::String(line.prompt.user.clone()));
            if let Some(system) = &line.prompt.system {
                object.insert("system".into(), Value::String(system.clone()));
            }
            for (k, v) in extra {
                object.entry(k).or_insert(v);
            }
            let stem = match (&line.prompt.item, &run) {
                (Some(item), _) if !item.is_empty() => item.clone(),
                (_, Value::String(run)) => run.clone(),
                _ => String::new(),
            };
            let name = format!("{:0width$}_{}_responses.json", i + 1, file_safe(&stem));
            (name, pretty(&Value::Object(object)))
        })
        .collect()
}

/// Letters, digits, `-`, `_` and `.` kept; anything else (a path separator…) becomes `_`.
fn file_safe(s: &str) -> String {
    let safe: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe.trim_start_matches('.').chars().take(80).collect()
}

/// JSON indented by four spaces, as Python's `json.dump(indent=4)`.
fn pretty(v: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    match v.serialize(&mut ser) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(_) => v.to_string(),
    }
}
