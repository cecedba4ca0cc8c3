//! The interactive terminal UI: one event funnel, a pure reducer, effects run by a driver,
//! frames drawn at most ~60 times a second (20 while models stream) and only when something
//! changed. The TUI is presentation: generations and saves go through the app layer (the
//! driver calls it), and text formats it shares with the CLI come from `report`.

pub mod driver;
pub mod eval_live;
mod external_editor;
pub mod input;
pub mod memory;
mod pull;
pub mod sessions;
pub mod terminal;
pub mod theme;
pub mod widgets;

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use std::sync::Arc;

use crate::app::BackendFactory;
use crate::app::persist::{PersistOptions, Persistence};
use crate::config::{BackendKind, Config, ModelEntry};
use crate::domain::recording::Recording;
use crate::engine::gguf;
use crate::monitor::{SAMPLE_EVERY, Sampler};
use crate::tui_state::action::Action;
use crate::tui_state::event::Event;
use crate::tui_state::keymap::{Key, KeyChord, Keymap};
use crate::tui_state::reducer;
use crate::tui_state::state::{AppState, Mode, PickerItem, RatingState, ReplayItem};
use driver::Driver;
use input::Input;
use terminal::TerminalGuard;
use theme::Theme;
use widgets::screen::Screen;

pub(crate) const FRAME: Duration = Duration::from_millis(16);
/// While models stream, frames (and the wake-ups that fold tokens into the state) come at
/// most 20 times a second: every wake-up of the UI thread can take a core from a decode thread
/// (measured on 2 cores: each pane then decodes as fast as headless, where at 60 frames a second
/// it lost 4–9%), and text arriving in 50 ms steps still reads as a stream.
const STREAMING_FRAME: Duration = Duration::from_millis(50);
const TICK: Duration = Duration::from_millis(250);

pub struct TuiOptions {
    pub theme: Theme,
    pub keymap: Keymap,
    /// Models selected at start (names); empty: the picker opens.
    pub selected: Vec<String>,
    /// Recorded sessions offered in the picker.
    pub recordings: Vec<(String, Recording)>,
    /// Replay this recording (an index into `recordings`) right away.
    pub replay_now: Option<usize>,
    /// Rater, blind mode and (for `slam rate`) the items to rate.
    pub rating: RatingState,
    /// Where ratings are saved.
    pub persist: PersistOptions,
    /// Opens the models the panes run.
    pub factory: Arc<dyn BackendFactory>,
    /// What each generation may take.
    pub limits: crate::app::Limits,
    /// Where the parameters and the prompt history are kept between starts (none: not kept).
    pub memory: Option<std::path::PathBuf>,
}

/// The recorded sessions shipped in `sample-runs/`, compiled in.
pub const SAMPLE_RUNS: [(&str, &str); 2] = [
    ("sky-blue", include_str!("../../sample-runs/sky-blue.jsonl")),
    ("capital", include_str!("../../sample-runs/capital.jsonl")),
];

pub fn sample_runs() -> Vec<(String, Recording)> {
    SAMPLE_RUNS
        .iter()
        .filter_map(|(name, text)| {
            Recording::parse(text, name)
                .inspect_err(|e| tracing::error!(error = %e, "bad built-in sample run"))
                .ok()
                .map(|r| (name.to_string(), r))
        })
        .collect()
}

/// The picker's models, grouped: the config's own first, then the files found on this
/// machine, then the built-in test models, then the built-in API models.
pub fn picker_items(config: &Config, selected: &[String]) -> Vec<PickerItem> {
    let free = crate::monitor::machine::free_for_models();
    let mut models: Vec<(ModelGroup, ModelEntry)> = config
        .models()
        .into_iter()
        .map(|m| (ModelGroup::of(config, &m), m))
        .collect();
    models.sort_by_key(|(group, _)| *group);
    models
        .into_iter()
        .map(|(group, m)| PickerItem {
            detail: format!("{} · {}", group.label(), describe(&m, free)),
            selected: selected.contains(&m.name),
            name: m.name,
        })
        .collect()
}

/// Where a model of the picker comes from, in the order the picker lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ModelGroup {
    Config,
    Found,
    BuiltinLocal,
    BuiltinApi,
}

impl ModelGroup {
    fn of(config: &Config, m: &ModelEntry) -> Self {
        if config.file.models.iter().any(|u| u.name == m.name) {
            ModelGroup::Config
        } else if config.discovered.iter().any(|d| d.name == m.name) {
            ModelGroup::Found
        } else if m.backend == BackendKind::Llama {
            ModelGroup::BuiltinLocal
        } else {
            ModelGroup::BuiltinApi
        }
    }

    fn label(self) -> &'static str {
        match self {
            ModelGroup::Config => "config",
            ModelGroup::Found => "found",
            ModelGroup::BuiltinLocal | ModelGroup::BuiltinApi => "built-in",
        }
    }
}

/// Each model's own parameters (the config's defaults, then its entry's).
pub fn model_params(
    config: &Config,
) -> std::collections::HashMap<String, crate::domain::GenParams> {
    config
        .models()
        .iter()
        .filter_map(|m| {
            let resolved = config.resolve(&m.name, &Default::default()).ok()?;
            Some((m.name.clone(), resolved.params))
        })
        .collect()
}

/// Drawing must not slow the models it shows: the thread that runs the event loop (this one)
/// gets a lower scheduling priority, so when the cores are full the kernel runs the decode
/// threads first and a frame waits a little (it needs a few percent of one core).
fn yield_cpu_to_models() {
    // SAFETY: gettid has no preconditions; setpriority on this thread's id changes only its own
    // nice value (on Linux PRIO_PROCESS with a thread id affects that thread alone).
    let done = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, UI_NICE)
    };
    if done != 0 {
        tracing::debug!("could not lower the UI thread's priority");
    }
}

/// Nice value of the UI thread (0 is normal; 10 weighs about a tenth as much).
const UI_NICE: libc::c_int = 10;

/// A model's line in the picker; a local one says whether it fits in the memory free now — the
/// GPUs' when the build offloads, else RAM — (weights, KV cache and llama.cpp's buffers at the
/// context it would load with, from its GGUF header).
fn describe(m: &ModelEntry, free: crate::domain::memory::FreeMemory) -> String {
    match (m.backend, &m.path) {
        (BackendKind::Llama, Some(path)) => match gguf::read_header(path) {
            Ok(h) => {
                let fit = h
                    .memory_estimate(h.load_ctx(m.n_ctx), m.n_batch, m.parallel)
                    .map_or(String::new(), |e| format!(" · {}", e.fit(free).1));
                format!(
                    "llama · {} · {} MiB · ctx {}{fit}",
                    h.quantization().unwrap_or("?"),
                    h.file_size >> 20,
                    h.context_length().unwrap_or(0)
                )
            }
            Err(_) => "llama · missing".into(),
        },
        _ => match m.missing_key() {
            Some(env) => format!(
                "openai · {} · needs {env} (not set)",
                m.base_url.as_deref().unwrap_or("")
            ),
            None => format!("openai · {}", m.base_url.as_deref().unwrap_or("")),
        },
    }
}

pub async fn run(config: Config, options: TuiOptions) -> anyhow::Result<()> {
    yield_cpu_to_models();
    let mut guard = TerminalGuard::new()?;
    let size = guard.terminal.size()?;
    let items = picker_items(&config, &options.selected);
    let runnable = config
        .models()
        .iter()
        .any(|m| m.backend == BackendKind::Llama && m.path.as_ref().is_some_and(|p| p.exists()));
    let mut state = AppState::new(items, size.width, size.height);
    state.model_params = model_params(&config);
    state.rating = options.rating;
    state.replays = options
        .recordings
        .iter()
        .map(|(name, r)| ReplayItem {
            name: name.clone(),
            prompt: r.prompt.clone(),
            models: r.models.clone(),
        })
        .collect();
    if !runnable {
        state.screens.reset(Mode::Picker);
        state.picker_cursor = state.picker.len();
        state.say_lasting(
            "No local model found: Ctrl-d gets one from the Hugging Face Hub; or replay a recorded session below, or run `make run` to fetch the test models.",
        );
    }
    if let Some(path) = &options.memory {
        match memory::load(path) {
            Ok(Some(kept)) => kept.restore(&mut state),
            Ok(None) => state.first_start = true,
            Err(e) => state.say(e),
        }
    }
    let recordings: Vec<Recording> = options.recordings.into_iter().map(|(_, r)| r).collect();

    let (events_tx, mut events) = mpsc::unbounded_channel::<Event>();
    let (input_tx, mut inputs) = mpsc::unbounded_channel::<Input>();
    let gate = Arc::new(input::InputGate::default());
    input::spawn_reader(input_tx, gate.clone());
    spawn_hardware_sampler(events_tx.clone());
    let store = Persistence::new(options.persist, events_tx.clone());
    if let Some(why) = store.unavailable() {
        state.say_lasting(format!("Ratings cannot be saved: {why}"));
    }
    let mut driver = Driver::new(
        config,
        options.factory,
        recordings,
        store,
        events_tx.clone(),
    )
    .with_limits(options.limits)
    .with_memory(options.memory.clone());
    if state.rating.session.is_some() {
        let effects = reducer::start_rating_session(&mut state);
        driver.run(effects);
    } else if let Some(replay) = options.replay_now {
        state.picker_cursor = state.picker.len() + replay;
        let effects = reducer::update(&mut state, Event::Action(Action::Confirm), Instant::now());
        driver.run(effects);
    }
    let mut ticks = tokio::time::interval(TICK);
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut last_draw = Instant::now() - FRAME;

    loop {
        // Wait for something, or for the next frame when a redraw is due. While models stream,
        // their events wait for the frame: they are folded in all at once, not one wake-up each.
        let streaming = state.panes.iter().any(|p| p.status.is_active());
        let frame = if streaming { STREAMING_FRAME } else { FRAME };
        let next_frame = last_draw + frame;
        let event = tokio::select! {
            Some(input) = inputs.recv() => input_event(&options.keymap, &state, input),
            Some(event) = events.recv(), if !streaming => Some(event),
            _ = ticks.tick() => Some(Event::Tick),
            _ = sigterm.recv() => Some(Event::Action(Action::Quit)),
            _ = tokio::time::sleep_until(next_frame.into()), if state.dirty || streaming => None,
        };
        let mut pending: Vec<Event> = event.into_iter().collect();
        // Drain everything already queued: tokens may arrive far faster than frames.
        while let Ok(e) = events.try_recv() {
            pending.push(e);
        }
        for e in pending {
            let effects = reducer::update(&mut state, e, Instant::now());
            driver.run(effects);
        }
        if driver.quit {
            break;
        }
        if let Some((text, system)) = driver.external_edit.take() {
            let result = external_editor::edit(&mut guard, &gate, &text);
            let effects = reducer::update(
                &mut state,
                Event::EditedExternally { system, result },
                Instant::now(),
            );
            driver.run(effects);
        }
        if state.dirty && last_draw.elapsed() >= frame {
            guard.terminal.draw(|frame| {
                Screen {
                    state: &state,
                    keymap: &options.keymap,
                    theme: &options.theme,
                }
                .draw(frame)
            })?;
            state.dirty = false;
            last_draw = Instant::now();
        }
        if SUSPEND.swap(false, std::sync::atomic::Ordering::SeqCst) {
            guard.suspend()?;
            state.dirty = true;
        }
    }
    driver.shutdown().await;
    drop(guard);
    Ok(())
}

static SUSPEND: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Keys become actions through the keymap; in the editor, unbound characters are typed.
fn input_event(keymap: &Keymap, state: &AppState, input: Input) -> Option<Event> {
    match input {
        Input::Resize(width, height) => Some(Event::Resize { width, height }),
        Input::Paste(text) => Some(Event::Paste(text)),
        Input::Key(chord) => {
            if chord.ctrl && chord.key == Key::Char('z') {
                SUSPEND.store(true, std::sync::atomic::Ordering::SeqCst);
                return None;
            }
            let mode = if state.help {
                Mode::Compare
            } else {
                state.mode()
            };
            if let Some(action) = keymap.lookup(mode, &chord) {
                return Some(Event::Action(action));
            }
            editor_text(state, chord)
        }
    }
}

fn editor_text(state: &AppState, chord: KeyChord) -> Option<Event> {
    let typing = matches!(
        state.mode(),
        Mode::Editor | Mode::Params | Mode::PromptFile | Mode::Picker | Mode::Note | Mode::Pull
    );
    if !typing || chord.ctrl || chord.alt {
        return None;
    }
    match chord.key {
        Key::Char(c) => Some(Event::Char(c)),
        Key::Backspace => Some(Event::Backspace),
        _ => None,
    }
}

fn spawn_hardware_sampler(events: mpsc::UnboundedSender<Event>) {
    std::thread::Builder::new()
        .name("hardware sampler".into())
        .spawn(move || {
            let mut sampler = match Sampler::system() {
                Ok(s) => s,
                Err(e) => return tracing::error!(error = %e, "hardware sampling unavailable"),
            };
            loop {
                std::thread::sleep(SAMPLE_EVERY);
                if events.send(Event::Hardware(sampler.sample())).is_err() {
                    break;
                }
            }
        })
        .map(|_| ())
        .unwrap_or_else(|e| tracing::error!(error = %e, "cannot start the hardware sampler"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_run_parses() {
        assert_eq!(sample_runs().len(), SAMPLE_RUNS.len());
        for (name, r) in sample_runs() {
            assert_eq!(r.models, ["smollm2", "gemma3-base"], "{name}");
            assert!(r.events.len() > 10, "{name}");
        }
    }

    #[test]
    fn the_configs_own_models_come_first_then_the_built_ins_grouped() {
        let text = "[[models]]\nname = \"my-server\"\nbackend = \"openai\"\n\
                    base_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\n\
                    [[models]]\nname = \"my-gguf\"\nbackend = \"llama\"\npath = \"/m.gguf\"\n";
        let config = Config {
            file: crate::config::parse(text, std::path::Path::new("c.toml")).unwrap(),
            ..Default::default()
        };
        let items = picker_items(&config, &[]);
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names[..4],
            ["my-server", "my-gguf", "smollm2", "gemma3-base"]
        );
        assert!(names[4..].contains(&"gpt-4"), "{names:?}");
        assert!(
            items[0].detail.starts_with("config · "),
            "{}",
            items[0].detail
        );
        assert!(
            items[2].detail.starts_with("built-in · "),
            "{}",
            items[2].detail
        );
        assert!(
            items[4..]
                .iter()
                .all(|i| i.detail.starts_with("built-in · openai"))
        );
    }
}
