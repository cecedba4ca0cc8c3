//! The one reader of prompt files: JSON lines (one object per line) or CSV (a header row, then one
//! input per row), each input an object with where it came from. An eval's inputs are template
//! variables (`id` and `reference` optional); `slam rate --prompts` reads the same objects as
//! prompt lines.

use std::path::Path;

use serde_json::{Map, Value};

/// One input before rendering, and where it came from (`FILE:LINE`).
#[derive(Debug, Clone, PartialEq)]
pub struct RawInput {
    pub vars: Map<String, Value>,
    pub origin: String,
    /// The line of the file it was read from (a prompt's default id in `slam rate`).
    pub line: usize,
}

pub fn read(path: &Path) -> Result<Vec<RawInput>, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let inputs = parse(path, &text)?;
    if inputs.is_empty() {
        return Err(format!("{name}: no inputs in the file"));
    }
    Ok(inputs)
}

/// The inputs in `text`, read from `path`: CSV when its extension says so, else JSON lines.
pub fn parse(path: &Path, text: &str) -> Result<Vec<RawInput>, String> {
    let name = path.display().to_string();
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if csv {
        parse_csv(text, &name)
    } else {
        parse_jsonl(text, &name)
    }
}

pub fn parse_jsonl(text: &str, name: &str) -> Result<Vec<RawInput>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let origin = format!("{name}:{}", i + 1);
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(vars)) => out.push(RawInput {
                vars,
                origin,
                line: i + 1,
            }),
            Ok(_) => {
                return Err(format!(
                    "{origin}: expected a JSON object (one input a line)"
                ));
            }
            Err(e) => return Err(format!("{origin}:{}: not JSON: {e}", e.column())),
        }
    }
    Ok(out)
}

pub fn parse_csv(text: &str, name: &str) -> Result<Vec<RawInput>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{name}:1: the header row: {e}"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if header.iter().any(String::is_empty) {
        return Err(format!(
            "{name}:1: every column needs a name in the header row"
        ));
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("{name}:{line}: {e}")
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let origin = format!("{name}:{line}");
        if record.len() != header.len() {
            return Err(format!(
                "{origin}: expected {} columns ({}), found {}",
                header.len(),
                header.join(", "),
                record.len()
            ));
        }
        let vars = header
            .iter()
            .zip(record.iter())
            .map(|(k, v)| (k.clone(), Value::String(v.to_owned())))
            .collect();
        out.push(RawInput {
            vars,
            origin,
            line: line as usize,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_lines_are_inputs_and_errors_name_the_line() {
        let ok = parse_jsonl(
            "{\"id\": \"a\", \"name\": \"Ana\"}\n\n{\"name\": \"Bo\", \"n\": 3}\n",
            "f",
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].origin, "f:3");
        assert_eq!(ok[1].vars["n"], 3);
        let err = parse_jsonl("{\"a\": 1}\n[1]\n", "f").unwrap_err();
        assert_eq!(err, "f:2: expected a JSON object (one input a line)");
        let err = parse_jsonl("{\"a\": 1}\n{\"a\": \n", "f").unwrap_err();
        assert!(err.starts_with("f:2:"), "{err}");
    }

    #[test]
    fn csv_rows_are_inputs_and_a_short_row_is_named() {
        let ok = parse_csv("id,name,tasks\na,Ana,\"run, swim\"\nb,Bo,read\n", "f.csv").unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].vars["tasks"], "run, swim");
        assert_eq!(ok[1].origin, "f.csv:3");
        let err = parse_csv("id,name\na,Ana\nb\n", "f.csv").unwrap_err();
        assert_eq!(err, "f.csv:3: expected 2 columns (id, name), found 1");
    }
}
