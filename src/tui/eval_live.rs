//! `slam eval` on a terminal: the live screen until the run ends. It takes the TUI's theme and
//! keymap (`[eval]` and `[global]`: `q`, Ctrl-C stop the run cleanly — cells in flight are
//! cancelled and not stored, finished ones are kept) and draws at most one frame per `FRAME`.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::FRAME;
use super::input::{Input, spawn_reader};
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::widgets::eval_live::EvalLive;
use crate::eval::progress::LiveRun;
use crate::eval::runner::Progress;
use crate::tui_state::action::Action;
use crate::tui_state::keymap::Keymap;
use crate::tui_state::state::Mode;

/// Elapsed time and ETA move on screen at least this often.
const TICK: Duration = Duration::from_millis(250);

/// Draw the run from its progress events until they end; the final state is returned.
pub async fn watch(
    name: &str,
    mut progress: mpsc::UnboundedReceiver<Progress>,
    cancel: CancellationToken,
    theme: &Theme,
    keymap: &Keymap,
) -> anyhow::Result<LiveRun> {
    let mut guard = TerminalGuard::new()?;
    let (tx, mut keys) = mpsc::unbounded_channel();
    spawn_reader(tx, Default::default());
    let stop_keys = stop_keys(keymap);
    let mut run = LiveRun::new(Instant::now());
    let mut tick = tokio::time::interval(TICK);
    let mut last_draw = Instant::now() - FRAME;
    let mut dirty = true;
    loop {
        let next_frame = last_draw + FRAME;
        tokio::select! {
            p = progress.recv() => match p {
                Some(p) => {
                    run.on(&p);
                    dirty = true;
                }
                None => break,
            },
            Some(Input::Key(k)) = keys.recv() => {
                if keymap.lookup(Mode::Eval, &k) == Some(Action::Quit) {
                    run.stopping = true;
                    cancel.cancel();
                    dirty = true;
                }
            }
            _ = tick.tick() => dirty = true,
            _ = tokio::time::sleep_until(next_frame.into()), if dirty => {}
        }
        if dirty && last_draw.elapsed() >= FRAME {
            let now = Instant::now();
            guard.terminal.draw(|f| {
                f.render_widget(
                    EvalLive {
                        run: &run,
                        name,
                        theme,
                        now,
                        stop_keys: &stop_keys,
                    },
                    f.area(),
                )
            })?;
            dirty = false;
            last_draw = now;
        }
    }
    Ok(run)
}

/// The keys bound to stopping on this screen, as the hint shows them.
fn stop_keys(keymap: &Keymap) -> String {
    keymap
        .bindings(Mode::Eval)
        .into_iter()
        .filter(|(_, a)| *a == Action::Quit)
        .map(|(k, _)| k.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}
