//! A JSON schema as a GBNF grammar (llama.cpp's grammar format), so a local model can only write
//! JSON of that shape: a judge's verdict always parses. The subset a verdict needs: objects
//! (every listed property, in order), strings (with `maxLength`), string `enum`s, integers
//! (a small `minimum`–`maximum` range as alternatives), numbers and booleans.

use serde_json::Value;

use crate::domain::conversation::ResponseFormat;

/// Any JSON object (OpenAI's `json_object` response format), in GBNF.
pub const ANY_OBJECT: &str = r#"root ::= object
value ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws (string ":" ws value ("," ws string ":" ws value)*)? "}" ws
array ::= "[" ws (value ("," ws value)*)? "]" ws
string ::= "\"" ([^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}))* "\"" ws
number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,15})? ([eE] [-+]? [0-9]{1,3})? ws
ws ::= [ \t\n]{0,3}
"#;

/// The grammar a response format asks for: none for text, any object, or the schema's.
pub fn for_format(format: &ResponseFormat) -> Result<Option<String>, String> {
    match format {
        ResponseFormat::Text => Ok(None),
        ResponseFormat::JsonObject => Ok(Some(ANY_OBJECT.to_owned())),
        ResponseFormat::JsonSchema { json_schema } => from_schema(&json_schema.schema).map(Some),
    }
}

/// The grammar's rules, `root` first.
pub fn from_schema(schema: &Value) -> Result<String, String> {
    let mut g = Grammar::default();
    let root = g.rule_for(schema, "root")?;
    let mut out = format!("root ::= {root}\n");
    for (name, body) in &g.rules {
        out.push_str(&format!("{name} ::= {body}\n"));
    }
    out.push_str("ws ::= [ \\t\\n]{0,3}\n");
    out.push_str(
        "char ::= [^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})\n",
    );
    Ok(out)
}

#[derive(Default)]
struct Grammar {
    rules: Vec<(String, String)>,
}

/// A JSON string literal as a GBNF literal: `"\"A\""`.
fn literal(s: &str) -> String {
    let json = Value::String(s.to_owned()).to_string();
    let escaped = json.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

impl Grammar {
    fn add(&mut self, name: String, body: String) -> String {
        self.rules.push((name.clone(), body));
        name
    }

    /// The expression matching `schema`; named rules go to `self.rules`.
    fn rule_for(&mut self, schema: &Value, name: &str) -> Result<String, String> {
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            let alternatives: Result<Vec<String>, String> = options
                .iter()
                .map(|o| match o {
                    Value::String(s) => Ok(literal(s)),
                    other => Err(format!(
                        "{name}: only string enums are supported, not {other}"
                    )),
                })
                .collect();
            let body = alternatives?.join(" | ");
            return Ok(self.add(format!("{name}-enum"), body));
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => {
                let properties = schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .ok_or_else(|| format!("{name}: an object needs `properties`"))?;
                let mut parts = Vec::new();
                for (key, sub) in properties {
                    let rule_name = format!("{name}-{}", sanitize(key));
                    let value = self.rule_for(sub, &rule_name)?;
                    parts.push(format!("{} ws \":\" ws {value}", literal(key)));
                }
                let body = format!("\"{{\" ws {} ws \"}}\"", parts.join(" ws \",\" ws "));
                Ok(self.add(format!("{name}-object"), body))
            }
            Some("string") => {
                let repeat = match schema.get("maxLength").and_then(Value::as_u64) {
                    Some(max) => format!("{{0,{max}}}"),
                    None => "*".into(),
                };
                Ok(self.add(
                    format!("{name}-string"),
                    format!("\"\\\"\" char{repeat} \"\\\"\""),
                ))
            }
            Some("integer") => {
                let (lo, hi) = (
                    schema.get("minimum").and_then(Value::as_i64),
                    schema.get("maximum").and_then(Value::as_i64),
                );
                let body = match (lo, hi) {
                    (Some(lo), Some(hi)) if hi >= lo && hi - lo <= 100 => (lo..=hi)
                        .map(|v| format!("\"{v}\""))
                        .collect::<Vec<_>>()
                        .join(" | "),
                    _ => "\"-\"? [0-9]{1,15}".into(),
                };
                Ok(self.add(format!("{name}-integer"), body))
            }
            Some("number") => Ok(self.add(
                format!("{name}-number"),
                "\"-\"? [0-9]{1,15} (\".\" [0-9]{1,15})?".into(),
            )),
            Some("boolean") => {
                Ok(self.add(format!("{name}-boolean"), "\"true\" | \"false\"".into()))
            }
            other => Err(format!(
                "{name}: schema type {other:?} is not supported in a grammar"
            )),
        }
    }
}

fn sanitize(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_verdict_schema_becomes_rules_in_property_order() {
        let g = from_schema(&json!({
            "type": "object",
            "properties": {
                "verdict": {"enum": ["A", "B", "tie"]},
                "reason": {"type": "string", "maxLength": 200},
                "score": {"type": "integer", "minimum": 1, "maximum": 5}
            },
            "required": ["verdict", "reason", "score"]
        }))
        .unwrap();
        assert!(g.starts_with("root ::= root-object\n"), "{g}");
        assert!(
            g.contains("root-verdict-enum ::= \"\\\"A\\\"\" | \"\\\"B\\\"\" | \"\\\"tie\\\"\"\n"),
            "{g}"
        );
        assert!(
            g.contains("root-reason-string ::= \"\\\"\" char{0,200} \"\\\"\"\n"),
            "{g}"
        );
        assert!(
            g.contains("root-score-integer ::= \"1\" | \"2\" | \"3\" | \"4\" | \"5\"\n"),
            "{g}"
        );
        let object = g
            .lines()
            .find(|l| l.starts_with("root-object ::="))
            .unwrap();
        let (v, r, s) = (
            object.find("verdict").unwrap(),
            object.find("reason").unwrap(),
            object.find("score").unwrap(),
        );
        assert!(v < r && r < s, "{object}");
    }

    #[test]
    fn unsupported_shapes_are_errors() {
        assert!(from_schema(&json!({"type": "array"})).is_err());
        assert!(from_schema(&json!({"enum": [1, 2]})).is_err());
        assert!(from_schema(&json!({"type": "object"})).is_err());
    }
}
