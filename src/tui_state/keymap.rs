//! Keys as data: `"<Ctrl-c>"`-style strings bound to `Action`s per mode, from a TOML file. The
//! help overlay and the hint bar are generated from the same map.

use crate::domain::source_pos::toml_error;
use std::collections::BTreeMap;
use std::fmt;

use super::action::Action;
use super::state::Mode;

pub const DEFAULT_KEYMAP: &str = include_str!("default_keymap.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    F(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyChord {
    pub key: Key,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

impl KeyChord {
    pub fn plain(key: Key) -> Self {
        Self {
            key,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// Parse `"q"`, `"?"`, `"<Enter>"`, `"<Ctrl-c>"`, `"<Alt-Shift-Up>"`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Self::plain(Key::Char(c)));
        }
        let inner = s
            .strip_prefix('<')
            .and_then(|r| r.strip_suffix('>'))
            .ok_or_else(|| format!("{s:?}: a key is one character or <Name>, like <Ctrl-c>"))?;
        let mut chord = Self::plain(Key::Esc);
        let mut rest = inner;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (flag, len) = if lower.starts_with("ctrl-") {
                (&mut chord.ctrl, 5)
            } else if lower.starts_with("c-") {
                (&mut chord.ctrl, 2)
            } else if lower.starts_with("alt-") {
                (&mut chord.alt, 4)
            } else if lower.starts_with("a-") || lower.starts_with("m-") {
                (&mut chord.alt, 2)
            } else if lower.starts_with("shift-") {
                (&mut chord.shift, 6)
            } else if lower.starts_with("s-") && rest.len() > 2 {
                (&mut chord.shift, 2)
            } else {
                break;
            };
            *flag = true;
            rest = &rest[len..];
        }
        chord.key =
            parse_key_name(rest).ok_or_else(|| format!("{s:?}: unknown key name {rest:?}"))?;
        if let Key::Char(c) = chord.key
            && chord.ctrl
        {
            chord.key = Key::Char(c.to_ascii_lowercase());
        }
        Ok(chord)
    }
}

fn parse_key_name(name: &str) -> Option<Key> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(Key::Char(c));
    }
    Some(match name.to_ascii_lowercase().as_str() {
        "enter" | "cr" | "return" => Key::Enter,
        "esc" | "escape" => Key::Esc,
        "tab" => Key::Tab,
        "backtab" => Key::BackTab,
        "space" => Key::Char(' '),
        "backspace" | "bs" => Key::Backspace,
        "delete" | "del" => Key::Delete,
        "up" => Key::Up,
        "down" => Key::Down,
        "left" => Key::Left,
        "right" => Key::Right,
        "pageup" | "pgup" => Key::PageUp,
        "pagedown" | "pgdn" => Key::PageDown,
        "home" => Key::Home,
        "end" => Key::End,
        f if f.starts_with('f') => Key::F(f[1..].parse().ok().filter(|n| (1..=12).contains(n))?),
        _ => return None,
    })
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.key {
            Key::Char(' ') => "Space".to_string(),
            Key::Char(c) if !self.ctrl && !self.alt && !self.shift => return write!(f, "{c}"),
            Key::Char(c) => c.to_string(),
            Key::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut s = String::from("<");
        for (on, prefix) in [
            (self.ctrl, "Ctrl-"),
            (self.alt, "Alt-"),
            (self.shift, "Shift-"),
        ] {
            if on {
                s.push_str(prefix);
            }
        }
        write!(f, "{s}{name}>")
    }
}

/// Sections of a keymap file: `global` applies in every mode unless the mode rebinds the key.
const SECTIONS: [&str; 12] = [
    "global",
    "picker",
    "pull",
    "editor",
    "compare",
    "params",
    "prompt-file",
    "note",
    "leaderboard",
    "sessions",
    "hardware",
    "eval",
];

fn section(mode: Mode) -> &'static str {
    match mode {
        Mode::Picker => "picker",
        Mode::Editor => "editor",
        Mode::Compare => "compare",
        Mode::Params => "params",
        Mode::PromptFile => "prompt-file",
        Mode::Note => "note",
        Mode::Leaderboard => "leaderboard",
        Mode::Sessions => "sessions",
        Mode::Hardware => "hardware",
        Mode::Pull => "pull",
        Mode::Eval => "eval",
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keymap {
    sections: BTreeMap<String, BTreeMap<KeyChord, Action>>,
}

impl Keymap {
    pub fn defaults() -> Self {
        // The compiled-in map is tested; failing here would be a build defect, not user input.
        Self::parse(DEFAULT_KEYMAP, "default keymap").unwrap_or_default()
    }

    /// Parse a keymap file. Two spellings of one key in a section is a conflict.
    pub fn parse(text: &str, origin: &str) -> Result<Self, String> {
        type Raw = BTreeMap<String, BTreeMap<String, Action>>;
        let raw: Raw = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
        let mut sections = BTreeMap::new();
        for (name, bindings) in raw {
            if !SECTIONS.contains(&name.as_str()) {
                return Err(format!(
                    "{origin}: unknown section [{name}] (expected one of {})",
                    SECTIONS.join(", ")
                ));
            }
            let mut map: BTreeMap<KeyChord, (String, Action)> = BTreeMap::new();
            for (key, action) in bindings {
                let chord = KeyChord::parse(&key).map_err(|e| format!("{origin}: [{name}] {e}"))?;
                if let Some((other, previous)) = map.get(&chord)
                    && *previous != action
                {
                    return Err(format!(
                        "{origin}: [{name}] {key:?} and {other:?} are the same key, bound to {} and {}",
                        serde_plain(action),
                        serde_plain(*previous)
                    ));
                }
                map.insert(chord, (key, action));
            }
            sections.insert(name, map.into_iter().map(|(k, (_, a))| (k, a)).collect());
        }
        Ok(Self { sections })
    }

    /// The user's file laid over this map, binding by binding.
    pub fn merged(mut self, user: Keymap) -> Self {
        for (name, bindings) in user.sections {
            self.sections.entry(name).or_default().extend(bindings);
        }
        self
    }

    pub fn lookup(&self, mode: Mode, chord: &KeyChord) -> Option<Action> {
        [section(mode), "global"]
            .iter()
            .find_map(|s| self.sections.get(*s)?.get(chord).copied())
    }

    /// Every binding active in `mode`, mode-specific first: what `?` and the hint bar show.
    pub fn bindings(&self, mode: Mode) -> Vec<(KeyChord, Action)> {
        let own = self.sections.get(section(mode));
        let mut out: Vec<(KeyChord, Action)> =
            own.into_iter().flatten().map(|(k, a)| (*k, *a)).collect();
        for (k, a) in self.sections.get("global").into_iter().flatten() {
            if own.is_none_or(|o| !o.contains_key(k)) {
                out.push((*k, *a));
            }
        }
        out
    }
}

impl Keymap {
    /// What the footer lists on screen `mode`: one key per action, help and quit first (on a
    /// narrow terminal they are what must stay visible), then the actions in their declared
    /// order (moving about before rating), one score key standing for the five.
    pub fn footer(&self, mode: Mode) -> Vec<(KeyChord, Action)> {
        let mut ordered: Vec<(KeyChord, Action)> = self
            .bindings(mode)
            .into_iter()
            .filter(|(_, a)| {
                !matches!(
                    a,
                    Action::Score2 | Action::Score3 | Action::Score4 | Action::Score5
                )
            })
            .collect();
        // Stable: for one action, the mode's own key (listed first) wins over a global one.
        ordered.sort_by_key(|(_, a)| {
            let first = match a {
                Action::ToggleHelp => 0,
                Action::Quit => 1,
                _ => 2,
            };
            (first, *a)
        });
        let mut seen = Vec::new();
        ordered.retain(|(_, a)| {
            let new = !seen.contains(a);
            seen.push(*a);
            new
        });
        ordered
    }
}

fn serde_plain(action: Action) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_key_strings() {
        let c = KeyChord::parse("<Ctrl-c>").unwrap();
        assert!(c.ctrl && c.key == Key::Char('c'));
        assert_eq!(KeyChord::parse("<C-C>").unwrap(), c);
        assert_eq!(
            KeyChord::parse("q").unwrap(),
            KeyChord::plain(Key::Char('q'))
        );
        assert_eq!(
            KeyChord::parse("<Space>").unwrap(),
            KeyChord::plain(Key::Char(' '))
        );
        assert_eq!(KeyChord::parse("<F12>").unwrap().key, Key::F(12));
        let a = KeyChord::parse("<Alt-Shift-Up>").unwrap();
        assert!(a.alt && a.shift && a.key == Key::Up);
        assert!(KeyChord::parse("<Hyper-x>").is_err());
        assert!(KeyChord::parse("ctrl").is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "q",
            "<Ctrl-c>",
            "<Enter>",
            "<Alt-Enter>",
            "<Space>",
            "<F1>",
            "<BackTab>",
        ] {
            let chord = KeyChord::parse(s).unwrap();
            assert_eq!(KeyChord::parse(&chord.to_string()).unwrap(), chord, "{s}");
        }
    }

    #[test]
    fn defaults_parse_and_cover_the_loop() {
        let k = Keymap::parse(DEFAULT_KEYMAP, "default").unwrap();
        let key = |s| KeyChord::parse(s).unwrap();
        assert_eq!(k.lookup(Mode::Editor, &key("<Ctrl-c>")), Some(Action::Quit));
        assert_eq!(
            k.lookup(Mode::Editor, &key("<Enter>")),
            Some(Action::Confirm)
        );
        assert_eq!(
            k.lookup(Mode::Compare, &key("x")),
            Some(Action::CancelFocused)
        );
        assert_eq!(
            k.lookup(Mode::Editor, &key("x")),
            None,
            "typing is not hijacked"
        );
        for mode in [Mode::Picker, Mode::Editor, Mode::Compare] {
            let actions: Vec<_> = k.bindings(mode).into_iter().map(|(_, a)| a).collect();
            assert!(actions.contains(&Action::Quit), "{mode:?} can quit");
            assert!(actions.contains(&Action::ToggleHelp), "{mode:?} has help");
        }
    }

    #[test]
    fn every_action_has_a_default_key_and_so_appears_in_help() {
        let k = Keymap::defaults();
        let bound: Vec<Action> = Mode::ALL
            .iter()
            .flat_map(|m| k.bindings(*m))
            .map(|(_, a)| a)
            .collect();
        for action in Action::ALL {
            assert!(bound.contains(&action), "{action:?} has no key");
        }
    }

    /// A keymap file written for the first release (its default map, action names of then:
    /// `picker-up`, `param-down`, `submit`, …) still loads, and every key it binds does what
    /// it did: the same action, now under its generic name.
    #[test]
    fn a_keymap_written_for_the_first_release_still_binds_the_same_keys() {
        let old_text = include_str!("../../tests/data/keymaps/release-0.1.toml");
        let old = Keymap::parse(old_text, "release-0.1.toml").unwrap();
        let now = Keymap::defaults();
        // The renames, by hand.
        fn renamed(name: &str) -> &str {
            match name {
                "picker-up" | "param-up" | "scroll-up" | "cursor-up" => "move-up",
                "picker-down" | "param-down" | "scroll-down" | "cursor-down" => "move-down",
                "submit" | "picker-confirm" | "pull-confirm" => "confirm",
                other => other,
            }
        }
        let raw: BTreeMap<String, BTreeMap<String, String>> = toml::from_str(old_text).unwrap();
        let mut checked = 0;
        for (section, bindings) in &raw {
            let mode = Mode::ALL
                .into_iter()
                .find(|m| super::section(*m) == section)
                .unwrap_or(Mode::Editor);
            for (key, name) in bindings {
                let chord = KeyChord::parse(key).unwrap();
                let action = old.lookup(mode, &chord).unwrap();
                assert_eq!(serde_plain(action), renamed(name), "[{section}] {key}");
                assert_eq!(now.lookup(mode, &chord), Some(action), "[{section}] {key}");
                checked += 1;
            }
        }
        assert!(checked > 80, "{checked} bindings");
    }

    #[test]
    fn user_overrides_replace_single_bindings() {
        let user = Keymap::parse("[compare]\n\"c\" = \"cancel-all\"\n", "user").unwrap();
        let k = Keymap::defaults().merged(user);
        let key = |s| KeyChord::parse(s).unwrap();
        assert_eq!(k.lookup(Mode::Compare, &key("c")), Some(Action::CancelAll));
        assert_eq!(
            k.lookup(Mode::Compare, &key("x")),
            Some(Action::CancelFocused)
        );
    }

    #[test]
    fn conflicts_and_bad_entries_are_reported() {
        let e = Keymap::parse(
            "[compare]\n\"<C-x>\" = \"quit\"\n\"<Ctrl-x>\" = \"cancel-all\"\n",
            "k.toml",
        )
        .unwrap_err();
        assert!(e.contains("same key"), "{e}");
        let e = Keymap::parse("[compare]\n\"x\" = \"explode\"\n", "k.toml").unwrap_err();
        assert!(e.starts_with("k.toml:2:"), "{e}");
        let e = Keymap::parse("[nowhere]\n\"x\" = \"quit\"\n", "k.toml").unwrap_err();
        assert!(e.contains("unknown section"), "{e}");
    }
}
