//! Colour themes from TOML: built-ins compiled in, user themes from `slam/themes/*.toml` in the
//! config dir. A bad theme file is an error naming the file and the key.

use crate::domain::source_pos::toml_error;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::Color;

pub const BUILTIN: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

pub const KEYS: [&str; 14] = [
    "text",
    "muted",
    "accent",
    "border",
    "focused_border",
    "title",
    "error",
    "success",
    "warning",
    "gauge_low",
    "gauge_mid",
    "gauge_high",
    "selection_fg",
    "selection_bg",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub text: Color,
    pub muted: Color,
    pub accent: Color,
    pub border: Color,
    pub focused_border: Color,
    pub title: Color,
    pub error: Color,
    pub success: Color,
    pub warning: Color,
    pub gauge_low: Color,
    pub gauge_mid: Color,
    pub gauge_high: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
}

impl Default for Theme {
    fn default() -> Self {
        // The built-in dark theme is checked by a test; an error here is a build defect.
        Theme::parse(BUILTIN[0].1, "dark").unwrap_or(Theme {
            text: Color::Reset,
            muted: Color::Gray,
            accent: Color::Cyan,
            border: Color::Gray,
            focused_border: Color::Yellow,
            title: Color::White,
            error: Color::Red,
            success: Color::Green,
            warning: Color::Yellow,
            gauge_low: Color::Green,
            gauge_mid: Color::Yellow,
            gauge_high: Color::Red,
            selection_fg: Color::Black,
            selection_bg: Color::Cyan,
        })
    }
}

impl Theme {
    /// Parse a theme file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Theme, String> {
        let raw: BTreeMap<String, String> =
            toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
        if let Some(unknown) = raw.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!(
                "{origin}: unknown key {unknown:?} (expected: {})",
                KEYS.join(", ")
            ));
        }
        let color = |key: &str| -> Result<Color, String> {
            let value = raw
                .get(key)
                .ok_or_else(|| format!("{origin}: missing key {key:?}"))?;
            Color::from_str(value).map_err(|_| {
                format!("{origin}: key {key:?}: {value:?} is not a colour (use \"#rrggbb\" or a name like \"cyan\")")
            })
        };
        Ok(Theme {
            text: color("text")?,
            muted: color("muted")?,
            accent: color("accent")?,
            border: color("border")?,
            focused_border: color("focused_border")?,
            title: color("title")?,
            error: color("error")?,
            success: color("success")?,
            warning: color("warning")?,
            gauge_low: color("gauge_low")?,
            gauge_mid: color("gauge_mid")?,
            gauge_high: color("gauge_high")?,
            selection_fg: color("selection_fg")?,
            selection_bg: color("selection_bg")?,
        })
    }

    /// A built-in theme by name, or `NAME.toml` in `user_dir`.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, String> {
        if let Some(dir) = user_dir {
            let path = dir.join(format!("{name}.toml"));
            if path.exists() {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                return Theme::parse(&text, &path.display().to_string());
            }
        }
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            let names: Vec<_> = BUILTIN.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown theme {name:?}: built-in themes are {}",
                names.join(", ")
            )
        })?;
        Theme::parse(text, name)
    }

    /// Gauge colour for a fill fraction.
    pub fn gauge(&self, fraction: f64) -> Color {
        match fraction {
            f if f >= 0.9 => self.gauge_high,
            f if f >= 0.7 => self.gauge_mid,
            _ => self.gauge_low,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses() {
        for (name, text) in BUILTIN {
            Theme::parse(text, name).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn a_bad_colour_names_the_file_and_key() {
        let text = BUILTIN[0]
            .1
            .replace("accent = \"#88c0d0\"", "accent = \"not-a-colour\"");
        let err = Theme::parse(&text, "mine.toml").unwrap_err();
        assert!(err.starts_with("mine.toml: key \"accent\""), "{err}");
    }

    #[test]
    fn user_themes_override_builtins_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let text = BUILTIN[0].1.replace("#88c0d0", "#010203");
        std::fs::write(dir.path().join("dark.toml"), text).unwrap();
        let t = Theme::load("dark", Some(dir.path())).unwrap();
        assert_eq!(t.accent, Color::Rgb(1, 2, 3));
        assert!(
            Theme::load("nope", Some(dir.path()))
                .unwrap_err()
                .contains("built-in themes")
        );
    }
}
