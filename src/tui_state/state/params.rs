//! The parameters popup: the sampling and thinking settings every model of the next run gets.

use crate::domain::GenParamsPatch;

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
