//! The parameters popup: the sampling and thinking settings every model of the next run gets.

use crate::domain::{GenParams, GenParamsPatch};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamField {
    Temperature,
    MaxTokens,
    Seed,
    TopP,
    ReasoningEffort,
    Thinking,
}

pub const FIELDS: [ParamField; 6] = [
    ParamField::Temperature,
    ParamField::MaxTokens,
    ParamField::Seed,
    ParamField::TopP,
    ParamField::ReasoningEffort,
    ParamField::Thinking,
];

/// The reasoning efforts OpenAI's models and open servers take.
const EFFORTS: [&str; 6] = ["none", "minimal", "low", "medium", "high", "xhigh"];

impl ParamField {
    pub fn label(self) -> &'static str {
        match self {
            ParamField::Temperature => "temperature",
            ParamField::MaxTokens => "max tokens",
            ParamField::Seed => "seed",
            ParamField::TopP => "top_p",
            ParamField::ReasoningEffort => "reasoning effort",
            ParamField::Thinking => "thinking (on/off)",
        }
    }

    /// The short name the comparison screen's line uses.
    pub fn short(self) -> &'static str {
        match self {
            ParamField::Temperature => "temp",
            ParamField::MaxTokens => "max",
            ParamField::Seed => "seed",
            ParamField::TopP => "top_p",
            ParamField::ReasoningEffort => "effort",
            ParamField::Thinking => "thinking",
        }
    }

    /// This field's value in a model's own parameters.
    fn of(self, p: &GenParams) -> String {
        let default = || "model's".to_owned();
        match self {
            ParamField::Temperature => p.temperature.to_string(),
            ParamField::MaxTokens => p.max_tokens.to_string(),
            ParamField::Seed => p.seed.map_or("random".to_owned(), |s| s.to_string()),
            ParamField::TopP => p.top_p.to_string(),
            ParamField::ReasoningEffort => p.reasoning_effort.clone().unwrap_or_else(default),
            ParamField::Thinking => p
                .thinking
                .map_or_else(default, |on| if on { "on" } else { "off" }.to_owned()),
        }
    }

    /// Typed as words rather than numbers.
    fn is_word(self) -> bool {
        matches!(self, ParamField::ReasoningEffort | ParamField::Thinking)
    }
}

/// Each field's text as typed; empty means "the model's default".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamsState {
    pub open: bool,
    pub cursor: usize,
    pub values: [String; 6],
    /// Why the last edit was refused, shown in the popup.
    pub error: Option<String>,
}

impl ParamsState {
    /// The settings as a patch over each model's own, or which field is wrong.
    pub fn patch(&self) -> Result<GenParamsPatch, String> {
        let mut patch = GenParamsPatch::default();
        for (field, text) in FIELDS.iter().zip(&self.values) {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let bad = || format!("{}: {text:?} is not a valid value", field.label());
            match field {
                ParamField::Temperature => {
                    patch.temperature = Some(
                        text.parse()
                            .ok()
                            .filter(|t: &f32| (0.0..=5.0).contains(t))
                            .ok_or_else(bad)?,
                    )
                }
                ParamField::MaxTokens => {
                    patch.max_tokens = Some(text.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?)
                }
                ParamField::Seed => patch.seed = Some(text.parse().map_err(|_| bad())?),
                ParamField::TopP => {
                    patch.top_p = Some(
                        text.parse()
                            .ok()
                            .filter(|p: &f32| (0.0..=1.0).contains(p))
                            .ok_or_else(bad)?,
                    )
                }
                ParamField::ReasoningEffort => {
                    let effort = EFFORTS
                        .iter()
                        .find(|e| e.eq_ignore_ascii_case(text))
                        .ok_or_else(|| format!("{} (one of {})", bad(), EFFORTS.join(", ")))?;
                    patch.reasoning_effort = Some((*effort).to_owned());
                }
                ParamField::Thinking => {
                    patch.thinking = Some(match text.to_ascii_lowercase().as_str() {
                        "on" => true,
                        "off" => false,
                        _ => return Err(format!("{} (on or off)", bad())),
                    })
                }
            }
        }
        Ok(patch)
    }

    /// Each field's value for a run on models with these own parameters: the value typed, else
    /// theirs (`per model` when they differ; `model default` when they are not known), and
    /// whether it was typed.
    pub fn in_force(&self, models: &[&GenParams]) -> Vec<(ParamField, String, bool)> {
        FIELDS
            .iter()
            .zip(&self.values)
            .map(|(&field, typed)| {
                let typed = typed.trim();
                if !typed.is_empty() {
                    return (field, typed.to_owned(), true);
                }
                let mut own: Vec<String> = models.iter().map(|p| field.of(p)).collect();
                own.dedup();
                let value = match own.as_slice() {
                    [] => "model default".to_owned(),
                    [one] => one.clone(),
                    _ => "per model".to_owned(),
                };
                (field, value, false)
            })
            .collect()
    }

    /// The parameters in force as one compact line (effort and thinking only when set).
    pub fn line(&self, models: &[&GenParams]) -> String {
        self.in_force(models)
            .into_iter()
            .filter(|(field, value, _)| {
                !field.is_word() || !matches!(value.as_str(), "model's" | "model default")
            })
            .map(|(field, value, _)| format!("{} {value}", field.short()))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    pub fn edit(&mut self, c: Option<char>) {
        let word = FIELDS.get(self.cursor).is_some_and(|f| f.is_word());
        let Some(value) = self.values.get_mut(self.cursor) else {
            return;
        };
        match c {
            Some(c) if word && c.is_ascii_alphabetic() => value.push(c),
            Some(c) if !word && (c.is_ascii_digit() || c == '.') => value.push(c),
            Some(_) => {}
            None => {
                value.pop();
            }
        }
        self.error = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_keep_defaults_and_bad_values_are_named() {
        let mut p = ParamsState::default();
        assert_eq!(p.patch().unwrap(), GenParamsPatch::default());
        p.values[0] = "0".into();
        p.values[1] = "64".into();
        let patch = p.patch().unwrap();
        assert_eq!((patch.temperature, patch.max_tokens), (Some(0.0), Some(64)));
        p.values[3] = "1.5".into();
        assert_eq!(
            p.patch().unwrap_err(),
            "top_p: \"1.5\" is not a valid value"
        );
        p.values[3].clear();
        p.values[4] = "High".into();
        p.values[5] = "off".into();
        let patch = p.patch().unwrap();
        assert_eq!(
            (patch.reasoning_effort.as_deref(), patch.thinking),
            (Some("high"), Some(false))
        );
        p.values[5] = "maybe".into();
        assert!(p.patch().unwrap_err().contains("on or off"));
    }

    #[test]
    fn in_force_is_the_typed_value_else_the_models_own() {
        let mut p = ParamsState::default();
        let a = GenParams {
            temperature: 0.3,
            seed: Some(7),
            ..GenParams::default()
        };
        let b = GenParams {
            temperature: 0.9,
            seed: Some(7),
            ..GenParams::default()
        };
        assert_eq!(
            p.line(&[&a, &b]),
            "temp per model · max 256 · seed 7 · top_p 0.95"
        );
        p.values[0] = "0".into();
        p.values[5] = "off".into();
        assert_eq!(
            p.line(&[&a]),
            "temp 0 · max 256 · seed 7 · top_p 0.95 · thinking off"
        );
        let typed: Vec<bool> = p.in_force(&[&a]).iter().map(|f| f.2).collect();
        assert_eq!(typed, [true, false, false, false, false, true]);
        assert_eq!(p.in_force(&[])[1].1, "model default");
    }

    #[test]
    fn word_fields_take_letters_and_number_fields_digits() {
        let mut p = ParamsState::default();
        for c in "0.5x".chars() {
            p.edit(Some(c));
        }
        p.cursor = 4;
        for c in "low1".chars() {
            p.edit(Some(c));
        }
        assert_eq!((p.values[0].as_str(), p.values[4].as_str()), ("0.5", "low"));
    }
}
