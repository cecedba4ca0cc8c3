//! Terminal input read on its own thread and turned into key chords for the event loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc::UnboundedSender;

use crate::tui_state::keymap::{Key, KeyChord};

#[derive(Debug)]
pub enum Input {
    Key(KeyChord),
    Resize(u16, u16),
    /// A bracketed paste: the text as the terminal sent it.
    Paste(String),
}

/// Lets the main loop stop the reader while another program (`$EDITOR`) owns the terminal:
/// otherwise both would read the keyboard and keys would go astray.
#[derive(Debug, Default)]
pub struct InputGate {
    paused: AtomicBool,
    /// The reader is parked: it will not touch the terminal until resumed.
    parked: AtomicBool,
}

impl InputGate {
    /// Ask the reader to stop and wait (briefly) until it has.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + POLL * 10;
        while !self.parked.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}

/// How long the reader waits for input before looking at the gate again.
const POLL: Duration = Duration::from_millis(100);

pub fn chord(key: KeyEvent) -> Option<KeyChord> {
    let k = match key.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
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

/// Reader thread: runs until the receiver is gone or the terminal fails.
pub fn spawn_reader(tx: UnboundedSender<Input>, gate: Arc<InputGate>) {
    std::thread::Builder::new()
        .name("terminal input".into())
        .spawn(move || {
            loop {
                if gate.paused.load(Ordering::SeqCst) {
                    gate.parked.store(true, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                gate.parked.store(false, Ordering::SeqCst);
                match event::poll(POLL) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => break,
                }
                let Ok(ev) = event::read() else {
                    break;
                };
                let input = match ev {
                    TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
                        chord(k).map(Input::Key)
                    }
                    TermEvent::Resize(w, h) => Some(Input::Resize(w, h)),
                    TermEvent::Paste(text) => Some(Input::Paste(text)),
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
