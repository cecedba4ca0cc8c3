//! `slam` / `slam tui`: the interactive comparison.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::app::Models;
use crate::app::persist::PersistOptions;
use crate::config::{Config, project_dirs};
use crate::domain::recording::Recording;
use crate::store::Store;
use crate::store::records::SessionRecord;
use crate::tui::theme::Theme;
use crate::tui::{self, TuiOptions};
use crate::tui_state::keymap::Keymap;
use crate::tui_state::state::RatingState;

/// Options of every command that opens the TUI.
#[derive(Debug, Default, Args)]
pub struct TuiLook {
    /// Colour theme: dark, light, high-contrast, colorblind, or NAME.toml in slam/themes/.
    #[arg(long)]
    pub theme: Option<String>,
    /// Who is rating (default: $SLAM_RATER, else $USER).
    #[arg(long)]
    pub rater: Option<String>,
    /// Seconds a generation may take before it is stopped and shown as a timeout (the text
    /// so far kept); default: no limit.
    #[arg(long, value_name = "SECS", value_parser = super::parse_seconds)]
    pub timeout: Option<f64>,
    /// In blind mode, show the answers only once all of them have finished: how fast an
    /// answer streams tells the models apart.
    #[arg(long)]
    pub blind_together: bool,
}

impl TuiLook {
    /// What each generation may take (`--timeout`).
    pub fn limits(&self) -> crate::app::Limits {
        crate::app::Limits::timeout(self.timeout.map(std::time::Duration::from_secs_f64))
    }
}

#[derive(Debug, Default, Args)]
pub struct TuiArgs {
    /// Model to select at start (repeat, up to 4). Default: the two test models.
    #[arg(short = 'm', long = "model")]
    pub models: Vec<String>,
    /// Replay a recorded session (the output of `slam compare --json`) at its recorded pace.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<std::path::PathBuf>,
    /// Start in blind mode: model names hidden, order shuffled per prompt (Ctrl-b toggles).
    #[arg(long)]
    pub blind: bool,
    #[command(flatten)]
    pub look: TuiLook,
}

pub struct Look {
    pub theme: Theme,
    pub keymap: Keymap,
}

/// The theme and the keymap (defaults merged with slam/keymap.toml).
pub fn load_look(config: &Config, look: &TuiLook) -> anyhow::Result<Look> {
    let config_dir = project_dirs().map(|d| d.config_dir().to_path_buf());
    let theme_name = look
        .theme
        .clone()
        .or_else(|| config.file.theme.clone())
        .unwrap_or_else(|| "dark".into());
    let theme = Theme::load(
        &theme_name,
        config_dir.as_ref().map(|d| d.join("themes")).as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let mut keymap = Keymap::defaults();
    if let Some(path) = config_dir
        .map(|d| d.join("keymap.toml"))
        .filter(|p| p.exists())
    {
        let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        let user = Keymap::parse(&text, &path.display().to_string()).map_err(anyhow::Error::msg)?;
        keymap = keymap.merged(user);
    }
    Ok(Look { theme, keymap })
}

pub async fn run(config: Config, db: &Path, args: TuiArgs) -> anyhow::Result<ExitCode> {
    let look = load_look(&config, &args.look)?;
    let selected = if args.models.is_empty() {
        vec!["smollm2".to_string(), "gemma3-base".to_string()]
    } else {
        args.models
    };
    // A mistyped name is an error here as everywhere, not an empty picker.
    for name in &selected {
        config.resolve(name, &Default::default())?;
    }
    super::needs_terminal("slam's TUI")?;
    let mut recordings = tui::sample_runs();
    let mut replay_now = None;
    if let Some(path) = &args.replay {
        let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        let recording =
            Recording::parse(&text, &path.display().to_string()).map_err(anyhow::Error::msg)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        recordings.insert(0, (name, recording));
        replay_now = Some(0);
    }
    let rater = super::rate::rater(args.look.rater.clone());
    // The TUI works without the store (e.g. another slam holds it); ratings then say why
    // they were not saved.
    let store = Store::open(db).map_err(|e| e.to_string());
    let session = SessionRecord {
        models: selected.clone(),
        rater: Some(rater.clone()),
        blind: args.blind,
        ..SessionRecord::new("tui", format!("tui: {}", selected.join(" vs ")))
    };
    tui::run(
        config,
        TuiOptions {
            theme: look.theme,
            keymap: look.keymap,
            selected,
            recordings,
            replay_now,
            rating: RatingState {
                blind_together: args.look.blind_together,
                ..RatingState::new(rater.clone(), args.blind, fastrand::u64(..))
            },
            factory: std::sync::Arc::new(Models::default()),
            limits: args.look.limits(),
            memory: Some(tui::memory::path()),
            persist: PersistOptions {
                store,
                session_id: None,
                session,
                rater,
                stored: Vec::new(),
            },
        },
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}
