//! Terminal input read on its own thread and turned into key chords for the event loop.

use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc::UnboundedSender;

use crate::core::keymap::{Key, KeyChord};

#[derive(Debug)]
pub enum Input {
    Key(KeyChord),
    Resize(u16, u16),
}

pub fn chord(key: KeyEvent) -> Option<KeyChord> {
    let k = match key.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::F(n) => Key::F(n),
        _ => return None,
    };
    let m = key.modifiers;
    let ctrl = m.contains(KeyModifiers::CONTROL);
    Some(KeyChord {
        key: match k {
            Key::Char(c) if ctrl => Key::Char(c.to_ascii_lowercase()),
            other => other,
        },
        ctrl,
        alt: m.contains(KeyModifiers::ALT),
        // Shift is already in the character ('G') and in BackTab.
        shift: m.contains(KeyModifiers::SHIFT) && !matches!(k, Key::Char(_) | Key::BackTab),
    })
}

/// Blocking reader: runs until the receiver is gone or the terminal fails.
pub fn spawn_reader(tx: UnboundedSender<Input>) {
    std::thread::Builder::new()
        .name("terminal input".into())
        .spawn(move || {
            while let Ok(ev) = event::read() {
                let input = match ev {
                    TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
                        chord(k).map(Input::Key)
                    }
                    TermEvent::Resize(w, h) => Some(Input::Resize(w, h)),
                    _ => None,
                };
                if let Some(input) = input
                    && tx.send(input).is_err()
                {
                    break;
                }
            }
        })
        .map(|_| ())
        .unwrap_or_else(|e| tracing::error!(error = %e, "cannot start the input thread"));
}
