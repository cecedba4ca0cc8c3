//! `slam eval` on a terminal: the live screen until the run ends; `q` (or Ctrl-C) stops it
//! cleanly — cells in flight are cancelled and not stored, finished ones are kept.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::input::{Input, spawn_reader};
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::widgets::eval_live::EvalLive;
use crate::eval::progress::LiveRun;
use crate::eval::runner::Progress;
use crate::tui_state::keymap::{Key, KeyChord};

/// Draw the run from its progress events until they end; the final state is returned.
pub async fn watch(
    name: &str,
    mut progress: mpsc::UnboundedReceiver<Progress>,
    cancel: CancellationToken,
) -> anyhow::Result<LiveRun> {
    let mut guard = TerminalGuard::new()?;
    let (tx, mut keys) = mpsc::unbounded_channel();
    spawn_reader(tx, Default::default());
    let theme = Theme::default();
    let mut run = LiveRun::new(Instant::now());
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            p = progress.recv() => match p {
                Some(p) => run.on(&p),
                None => break,
            },
            Some(Input::Key(k)) = keys.recv() => {
                if is_stop(k) {
                    run.stopping = true;
                    cancel.cancel();
                }
            }
            _ = tick.tick() => {}
        }
        let now = Instant::now();
        guard.terminal.draw(|f| {
            f.render_widget(
                EvalLive {
                    run: &run,
                    name,
                    theme: &theme,
                    now,
                },
                f.area(),
            )
        })?;
    }
    Ok(run)
}

fn is_stop(k: KeyChord) -> bool {
    matches!(k.key, Key::Char('q')) && !k.ctrl || matches!(k.key, Key::Char('c')) && k.ctrl
}
