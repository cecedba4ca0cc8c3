//! The terminal is always restored: on drop, on panic (a hook that chains the previous one),
//! and around Ctrl-Z suspension.

use std::io::{Stdout, Write, stdout};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub struct TerminalGuard {
    pub terminal: Term,
}

fn enter() -> std::io::Result<()> {
    enable_raw_mode()?;
    // Bracketed paste: a pasted text arrives whole, its newlines not taken for Enter.
    execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste, Hide)
}

/// Leave raw mode and the alternate screen; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = stdout().flush();
}

impl TerminalGuard {
    pub fn new() -> std::io::Result<Self> {
        install_panic_hook();
        enter()?;
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        Ok(Self { terminal })
    }

    /// Ctrl-Z: give the terminal back, stop, and take it again when resumed (`fg`).
    pub fn suspend(&mut self) -> std::io::Result<()> {
        self.outside(|| {
            // SAFETY: raising a signal on our own process; SIGTSTP stops it until SIGCONT.
            unsafe {
                libc::raise(libc::SIGTSTP);
            }
        })
    }

    /// Give the terminal back (cooked mode, main screen) while `f` runs, then take it again.
    pub fn outside<T>(&mut self, f: impl FnOnce() -> T) -> std::io::Result<T> {
        restore();
        let out = f();
        enter()?;
        execute!(stdout(), Clear(ClearType::All))?;
        // A fresh terminal has no previous frame, so the next draw repaints everything. (Its
        // `clear()` would query the cursor position, whose reply the input thread may eat.)
        self.terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        Ok(out)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}
