//! The parameters popup: the sampling settings every model of the next run gets.

use crate::core::domain::GenParamsPatch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamField {
    Temperature,
    MaxTokens,
    Seed,
    TopP,
}

pub const FIELDS: [ParamField; 4] = [
    ParamField::Temperature,
    ParamField::MaxTokens,
    ParamField::Seed,
    ParamField::TopP,
];

impl ParamField {
    pub fn label(self) -> &'static str {
        match self {
            ParamField::Temperature => "temperature",
            ParamField::MaxTokens => "max tokens",
            ParamField::Seed => "seed",
            ParamField::TopP => "top_p",
        }
    }
}

/// Each field's text as typed; empty means "the model's default".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamsState {
    pub open: bool,
    pub cursor: usize,
    pub values: [String; 4],
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
            }
        }
        Ok(patch)
    }

    pub fn edit(&mut self, c: Option<char>) {
        let value = &mut self.values[self.cursor];
        match c {
            Some(c) if c.is_ascii_digit() || c == '.' => value.push(c),
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
    }
}
