//! Checks of an answer that need no judge: declared in an eval spec, applied to every answer
//! (the answer alone, never the thinking), summarised as pass rates with Wilson intervals.

use serde::{Deserialize, Serialize};

use super::stats;

/// A check as the spec declares it (`[[checks]]`, `type = "…"`). String values may use the
/// input's variables (`{{ name }}`); they are rendered per input before the check runs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckSpec {
    Contains {
        value: String,
        #[serde(default)]
        ignore_case: bool,
        name: Option<String>,
    },
    NotContains {
        value: String,
        #[serde(default)]
        ignore_case: bool,
        name: Option<String>,
    },
    Regex {
        pattern: String,
        name: Option<String>,
    },
    /// The answer (trimmed, or the inside of one ```json fence) is valid JSON, and matches the
    /// JSON schema when one is given (a file relative to the spec, or inline).
    Json {
        schema: Option<serde_json::Value>,
        schema_file: Option<String>,
        name: Option<String>,
    },
    Words {
        min: Option<usize>,
        max: Option<usize>,
        name: Option<String>,
    },
    Sentences {
        min: Option<usize>,
        max: Option<usize>,
        name: Option<String>,
    },
    Chars {
        min: Option<usize>,
        max: Option<usize>,
        name: Option<String>,
    },
    /// Equal to the input's `reference` after trimming (and case folding when asked).
    EqualsReference {
        #[serde(default)]
        ignore_case: bool,
        name: Option<String>,
    },
}

impl CheckSpec {
    /// The name reports use: the spec's `name`, else one made from the check.
    pub fn label(&self) -> String {
        let given = match self {
            CheckSpec::Contains { name, .. }
            | CheckSpec::NotContains { name, .. }
            | CheckSpec::Regex { name, .. }
            | CheckSpec::Json { name, .. }
            | CheckSpec::Words { name, .. }
            | CheckSpec::Sentences { name, .. }
            | CheckSpec::Chars { name, .. }
            | CheckSpec::EqualsReference { name, .. } => name.clone(),
        };
        given.unwrap_or_else(|| match self {
            CheckSpec::Contains { value, .. } => format!("contains {value:?}"),
            CheckSpec::NotContains { value, .. } => format!("not contains {value:?}"),
            CheckSpec::Regex { pattern, .. } => format!("matches /{pattern}/"),
            CheckSpec::Json {
                schema,
                schema_file,
                ..
            } => match (schema, schema_file) {
                (None, None) => "valid JSON".into(),
                _ => "JSON matching the schema".into(),
            },
            CheckSpec::Words { min, max, .. } => range_label("words", *min, *max),
            CheckSpec::Sentences { min, max, .. } => range_label("sentences", *min, *max),
            CheckSpec::Chars { min, max, .. } => range_label("characters", *min, *max),
            CheckSpec::EqualsReference { .. } => "equals the reference".into(),
        })
    }
}

fn range_label(what: &str, min: Option<usize>, max: Option<usize>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{a}–{b} {what}"),
        (Some(a), None) => format!("at least {a} {what}"),
        (None, Some(b)) => format!("at most {b} {what}"),
        (None, None) => format!("any number of {what}"),
    }
}

/// A check ready to run: patterns compiled, schemas loaded, values rendered for one input.
pub enum Check {
    Contains {
        value: String,
        ignore_case: bool,
    },
    NotContains {
        value: String,
        ignore_case: bool,
    },
    Regex(regex::Regex),
    Json(Option<Box<jsonschema::Validator>>),
    Count {
        unit: Unit,
        min: Option<usize>,
        max: Option<usize>,
    },
    EqualsReference {
        reference: Option<String>,
        ignore_case: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Words,
    Sentences,
    Chars,
}

/// One check's outcome on one answer: passed, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: String,
    pub passed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

impl Check {
    pub fn run(&self, answer: &str) -> Result<(), String> {
        match self {
            Check::Contains { value, ignore_case } => {
                if contains(answer, value, *ignore_case) {
                    Ok(())
                } else {
                    Err(format!("{value:?} not found"))
                }
            }
            Check::NotContains { value, ignore_case } => {
                if contains(answer, value, *ignore_case) {
                    Err(format!("{value:?} found"))
                } else {
                    Ok(())
                }
            }
            Check::Regex(re) => {
                if re.is_match(answer) {
                    Ok(())
                } else {
                    Err(format!("no match for /{}/", re.as_str()))
                }
            }
            Check::Json(schema) => {
                let value: serde_json::Value = serde_json::from_str(json_text(answer))
                    .map_err(|e| format!("not valid JSON: {e}"))?;
                match schema {
                    None => Ok(()),
                    Some(v) => v.validate(&value).map_err(|e| {
                        format!("does not match the schema at {}: {e}", e.instance_path())
                    }),
                }
            }
            Check::Count { unit, min, max } => {
                let n = count(answer, *unit);
                let what = match unit {
                    Unit::Words => "words",
                    Unit::Sentences => "sentences",
                    Unit::Chars => "characters",
                };
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    Err(format!("{n} {what}"))
                } else {
                    Ok(())
                }
            }
            Check::EqualsReference {
                reference,
                ignore_case,
            } => {
                let Some(reference) = reference else {
                    return Err("the input has no reference".into());
                };
                let (a, b) = (answer.trim(), reference.trim());
                let equal = if *ignore_case {
                    a.to_lowercase() == b.to_lowercase()
                } else {
                    a == b
                };
                if equal {
                    Ok(())
                } else {
                    Err("differs from the reference".into())
                }
            }
        }
    }
}

fn contains(haystack: &str, needle: &str, ignore_case: bool) -> bool {
    if ignore_case {
        haystack.to_lowercase().contains(&needle.to_lowercase())
    } else {
        haystack.contains(needle)
    }
}

/// The JSON of an answer: trimmed, or the inside of a single ```json … ``` fence (models often
/// fence what they are asked to write as JSON).
fn json_text(answer: &str) -> &str {
    let t = answer.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    let rest = rest.strip_prefix("json").unwrap_or(rest);
    rest.strip_suffix("```").map_or(t, str::trim)
}

/// Words: runs of non-whitespace. Sentences: runs of text ended by `.`, `!`, `?` (or the end)
/// that hold at least one letter or digit. Characters: Unicode scalar values of the trimmed
/// answer.
pub fn count(text: &str, unit: Unit) -> usize {
    match unit {
        Unit::Words => text.split_whitespace().count(),
        Unit::Chars => text.trim().chars().count(),
        Unit::Sentences => text
            .split(['.', '!', '?'])
            .filter(|s| s.chars().any(char::is_alphanumeric))
            .count(),
    }
}

/// Pass counts per check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PassRate {
    pub check: String,
    pub passed: u64,
    pub total: u64,
    pub rate: Option<f64>,
    /// Wilson 95% interval.
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl PassRate {
    pub fn new(check: String, passed: u64, total: u64) -> Self {
        let interval = stats::wilson(passed as f64, total as f64, stats::Z95);
        Self {
            check,
            passed,
            total,
            rate: interval.map(|i| i.estimate),
            low: interval.map(|i| i.low),
            high: interval.map(|i| i.high),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(v: serde_json::Value) -> Check {
        Check::Json(Some(Box::new(jsonschema::validator_for(&v).unwrap())))
    }

    #[test]
    fn each_kind_on_fixed_answers() {
        let contains = Check::Contains {
            value: "Ana".into(),
            ignore_case: false,
        };
        assert!(contains.run("Good morning, Ana!").is_ok());
        assert!(contains.run("good morning, ana").is_err());
        let folded = Check::Contains {
            value: "Ana".into(),
            ignore_case: true,
        };
        assert!(folded.run("good morning, ana").is_ok());
        let not = Check::NotContains {
            value: "As an AI".into(),
            ignore_case: false,
        };
        assert_eq!(not.run("As an AI, I"), Err("\"As an AI\" found".into()));
        assert!(not.run("Go!").is_ok());
        let re = Check::Regex(regex::Regex::new(r"^\S.*[.!]$").unwrap());
        assert!(re.run("You can do it!").is_ok());
        assert!(re.run(" you can").is_err());
        let equal = Check::EqualsReference {
            reference: Some("Paris".into()),
            ignore_case: true,
        };
        assert!(equal.run(" paris\n").is_ok());
        assert!(equal.run("Paris.").is_err());
        let missing = Check::EqualsReference {
            reference: None,
            ignore_case: false,
        };
        assert_eq!(missing.run("x"), Err("the input has no reference".into()));
    }

    #[test]
    fn json_validity_and_schema() {
        let any = Check::Json(None);
        assert!(any.run(" {\"a\": 1} ").is_ok());
        assert!(any.run("```json\n[1, 2]\n```").is_ok());
        let err = any.run("{\"a\": 1,}").unwrap_err();
        assert!(err.starts_with("not valid JSON"), "{err}");
        let s = schema(serde_json::json!({
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string", "maxLength": 10}}
        }));
        assert!(s.run(r#"{"message": "Go Ana"}"#).is_ok());
        let err = s.run(r#"{"message": 5}"#).unwrap_err();
        assert!(err.contains("/message"), "{err}");
        assert!(s.run(r#"{"note": "x"}"#).is_err(), "required field missing");
        assert!(s.run("not json").unwrap_err().starts_with("not valid JSON"));
    }

    #[test]
    fn counts_by_hand() {
        let text = "Rise and shine, Ana!  Three tasks today. You've got this?  ";
        assert_eq!(count(text, Unit::Words), 10);
        assert_eq!(count(text, Unit::Sentences), 3);
        assert_eq!(count(text, Unit::Chars), 57);
        assert_eq!(count("...", Unit::Sentences), 0);
        assert_eq!(count("No end", Unit::Sentences), 1);
        let limit = Check::Count {
            unit: Unit::Words,
            min: Some(3),
            max: Some(10),
        };
        assert!(limit.run(text).is_ok());
        assert_eq!(limit.run("Go."), Err("1 words".into()));
        let chars = Check::Count {
            unit: Unit::Chars,
            min: None,
            max: Some(5),
        };
        assert!(chars.run(" héllo ").is_ok(), "5 characters, trimmed");
        assert!(chars.run("héllo!").is_err());
    }

    #[test]
    fn labels_and_pass_rates() {
        let spec: CheckSpec = toml::from_str("type = \"words\"\nmax = 80\n").unwrap();
        assert_eq!(spec.label(), "at most 80 words");
        let named: CheckSpec =
            toml::from_str("type = \"contains\"\nvalue = \"x\"\nname = \"has x\"\n").unwrap();
        assert_eq!(named.label(), "has x");
        assert!(toml::from_str::<CheckSpec>("type = \"sparkles\"\n").is_err());
        let r = PassRate::new("c".into(), 8, 10);
        assert_eq!(r.rate, Some(0.8));
        // Wilson 95%: statsmodels proportion_confint(8, 10, method="wilson") = (0.4902, 0.9433).
        assert!((r.low.unwrap() - 0.4902).abs() < 1e-4);
        assert!((r.high.unwrap() - 0.9433).abs() < 1e-4);
        assert_eq!(PassRate::new("c".into(), 0, 0).rate, None);
    }
}
