//! The prompt in `$VISUAL` / `$EDITOR`: written to a temporary file, the terminal handed to the
//! editor (slam's input reader paused so the two do not share the keyboard), read back when
//! it exits.

use std::process::Command;

use super::input::InputGate;
use super::terminal::TerminalGuard;

/// The editor the user asked for, as shells and git read it; `vi` when none is set.
fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

/// The text as the editor saved it, or why there is none (the prompt then stays as it was).
pub fn edit(guard: &mut TerminalGuard, gate: &InputGate, text: &str) -> Result<String, String> {
    let file = tempfile::Builder::new()
        .prefix("slam-prompt-")
        .suffix(".md")
        .tempfile()
        .map_err(|e| format!("cannot make a temporary file for the editor: {e}"))?;
    std::fs::write(file.path(), text).map_err(|e| format!("{}: {e}", file.path().display()))?;
    let command = editor_command();
    gate.pause();
    // Through the shell, so `EDITOR="code --wait"` works as it does for git.
    let ran = guard.outside(|| {
        Command::new("sh")
            .arg("-c")
            .arg(format!("{command} \"$1\""))
            .arg("sh")
            .arg(file.path())
            .status()
    });
    gate.resume();
    let status = ran
        .map_err(|e| format!("cannot take the terminal back: {e}"))?
        .map_err(|e| format!("cannot run {command}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{command} exited with {status}: the prompt is unchanged"
        ));
    }
    std::fs::read_to_string(file.path()).map_err(|e| format!("{}: {e}", file.path().display()))
}
