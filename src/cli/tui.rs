//! `slam` / `slam tui`: the interactive comparison.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::config::{Config, project_dirs};
use crate::core::keymap::Keymap;
use crate::core::recording::Recording;
use crate::tui::theme::Theme;
use crate::tui::{self, TuiOptions};

#[derive(Debug, Default, Args)]
pub struct TuiArgs {
    /// Model to select at start (repeat, up to 4). Default: the two test models.
    #[arg(short = 'm', long = "model")]
    pub models: Vec<String>,
    /// Colour theme: dark, light, high-contrast, colorblind, or NAME.toml in slam/themes/.
    #[arg(long)]
    pub theme: Option<String>,
    /// Replay a recorded session (the output of `slam compare --json`) at its recorded pace.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<std::path::PathBuf>,
}

pub async fn run(config: Config, args: TuiArgs) -> anyhow::Result<ExitCode> {
    let config_dir = project_dirs().map(|d| d.config_dir().to_path_buf());
    let theme_name = args
        .theme
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
    let selected = if args.models.is_empty() {
        vec!["smollm2".to_string(), "gemma3-base".to_string()]
    } else {
        args.models
    };
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
    tui::run(
        config,
        TuiOptions {
            theme,
            keymap,
            selected,
            recordings,
            replay_now,
        },
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}
