//! Command line: one file per subcommand; this file parses and dispatches. A subcommand parses
//! its arguments, calls the app layer (running models), the store (sessions) or the TUI, and
//! prints what `report` formats. It computes nothing itself, and nothing imports it.

pub mod compare;
mod cost;
mod eval;
mod generate;
mod judge;
mod leaderboard;
mod models;
mod monitor;
mod pull;
mod rate;
mod report;
mod sessions;
mod similarity;
mod tui;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::domain::{GenParamsPatch, Prompt};

/// Can a small language model replace GPT-4 behind your feature? Compare models live: quality,
/// latency, consistency and cost.
#[derive(Debug, Parser)]
#[command(name = "slam", version, about, long_about = None)]
pub struct Cli {
    /// Config file (default: slam/config.toml in the platform config dir).
    #[arg(long, global = true, env = "SLAM_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Also offer the GGUF files below this folder (repeatable). The Hugging Face cache,
    /// Ollama's store and LM Studio's folder are searched anyway.
    #[arg(long, global = true, value_name = "DIR")]
    pub models_dir: Vec<PathBuf>,

    /// Ratings database (default: slam/slam.db in the platform data dir).
    #[arg(long, global = true, env = "SLAM_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Stream one model's answer to stdout; a metrics line goes to stderr.
    Generate(generate::GenerateArgs),
    /// Run several models on the same prompt at the same time and compare them.
    Compare(compare::CompareArgs),
    /// List the models slam knows, with backend, path, size and quantization.
    Models(models::ModelsArgs),
    /// The interactive comparison (also what `slam` alone opens).
    Tui(tui::TuiArgs),
    /// Rate answers in the TUI over a prompt file (models answer live) or a stored session;
    /// resumes where you stopped.
    Rate(rate::RateArgs),
    /// Evaluate models over a feature's prompt set: inputs × models × repetitions, resumable,
    /// with checks and consistency figures (`slam eval show ID` prints a stored run).
    Eval(eval::EvalArgs),
    /// Judge an eval run's answers against the baseline's with an LLM judge (both orders, a
    /// disagreement is a tie): win rates, position consistency, length bias.
    Judge(judge::JudgeArgs),
    /// Each answer's similarity to the baseline's answers by sentence embedding
    /// (all-MiniLM-L6-v2, as in SLaM), the SLaM reading, and stability across repetitions.
    Similarity(similarity::SimilarityArgs),
    /// What each model of an eval run costs a month at 1k–1M requests a day: API prices per
    /// token, self-hosted hourly prices at the measured throughput; savings and break-even.
    Cost(cost::CostArgs),
    /// The decision report of an eval run: a verdict per candidate, quality with intervals,
    /// latency, throughput, cost and the answers side by side, as self-contained HTML or
    /// Markdown.
    Report(report::ReportArgs),
    /// Per model: scores with 95% CI, win rate (Wilson), Bradley–Terry (bootstrap), Elo.
    Leaderboard(leaderboard::LeaderboardArgs),
    /// List, show, export, import and delete rating sessions.
    Sessions(sessions::SessionsArgs),
    /// The hardware readings of the TUI's hardware screen, one line a second (or JSON): CPU
    /// per core, temperature, package power, RAM, swap, GPUs (NVML or amdgpu) with power,
    /// clocks and throttling.
    Monitor(monitor::MonitorArgs),
    /// Get a GGUF model from the Hugging Face Hub into the hub cache: `ORG/REPO[:QUANT]`
    /// (Q4_K_M by default), resumable, hash-checked, after a fit and a disk check;
    /// `--search TEXT` lists GGUF repositories.
    Pull(pull::PullArgs),
}

/// Sampling flags shared by the commands that generate.
#[derive(Debug, Clone, Default, Args)]
pub struct SamplingArgs {
    /// Sampling temperature; 0 = greedy (deterministic).
    #[arg(long)]
    pub temperature: Option<f32>,
    /// Keep only the K most likely tokens (0 = off).
    #[arg(long)]
    pub top_k: Option<i32>,
    /// Nucleus sampling: keep the smallest set of tokens with this total probability.
    #[arg(long)]
    pub top_p: Option<f32>,
    /// Drop tokens less likely than this fraction of the most likely one.
    #[arg(long)]
    pub min_p: Option<f32>,
    /// Penalty for repeating recent tokens (1.0 = off).
    #[arg(long)]
    pub repeat_penalty: Option<f32>,
    /// Stop after this many generated tokens (at least 1).
    #[arg(long, short = 'n', value_parser = parse_max_tokens)]
    pub max_tokens: Option<u32>,
    /// Random seed (default: a new one each run).
    #[arg(long)]
    pub seed: Option<u32>,
    /// Stop before this string (repeatable).
    #[arg(long = "stop", value_name = "TEXT")]
    pub stop: Vec<String>,
    /// Keep generating past end-of-text tokens (fixed-length benchmarks).
    #[arg(long)]
    pub ignore_eos: bool,
    /// System prompt.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    /// CPU threads for local models (default: chosen before each step from the CPUs really
    /// free, at most the physical cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<u32>,
    /// Context size for local models (default: training context, at most 4096).
    #[arg(long, value_name = "TOKENS")]
    pub ctx_size: Option<u32>,
    /// Local models compute every prompt from scratch instead of reusing the cached prefix of
    /// the previous one (measures cold latency).
    #[arg(long)]
    pub no_prompt_cache: bool,
    /// How hard a reasoning model thinks: minimal, low, medium, high (sent as
    /// `reasoning_effort`).
    #[arg(long, value_name = "LEVEL")]
    pub reasoning_effort: Option<String>,
    /// Thinking on or off, for models with a switch (a local template's `enable_thinking`,
    /// an open server's `chat_template_kwargs`).
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub thinking: Option<bool>,
    /// Seconds a generation may take before it is stopped and reported as a timeout (the text
    /// so far kept); default: no limit.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err("expected on or off".into()),
    }
}

/// A positive number of seconds (`--timeout`).
pub(crate) fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 1e9 => Ok(v),
        Ok(v) => Err(format!("{v} seconds: expected a number above 0")),
        Err(e) => Err(format!("expected a number of seconds: {e}")),
    }
}

fn parse_max_tokens(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(0) => Err(crate::domain::MAX_TOKENS_ZERO.to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("expected a whole number of tokens: {e}")),
    }
}

impl SamplingArgs {
    /// The flags that change how a local model is loaded.
    pub fn load_overrides(&self) -> crate::app::LoadOverrides {
        crate::app::LoadOverrides {
            threads: self.threads,
            ctx_size: self.ctx_size,
            parallel: None,
            prompt_cache: self.no_prompt_cache.then_some(false),
        }
    }

    /// What each generation may take (`--timeout`).
    pub fn limits(&self) -> crate::app::Limits {
        crate::app::Limits::timeout(self.timeout.map(std::time::Duration::from_secs_f64))
    }

    pub fn patch(&self) -> GenParamsPatch {
        GenParamsPatch {
            temperature: self.temperature,
            top_k: self.top_k,
            top_p: self.top_p,
            min_p: self.min_p,
            repeat_penalty: self.repeat_penalty,
            max_tokens: self.max_tokens,
            seed: self.seed,
            stop: (!self.stop.is_empty()).then(|| self.stop.clone()),
            ignore_eos: self.ignore_eos.then_some(true),
            reasoning_effort: self.reasoning_effort.clone(),
            thinking: self.thinking,
        }
    }
}

/// The exit status of a command stopped by Ctrl-C (128 + SIGINT, as shells report it): a
/// script can tell a cancelled run from a finished one.
pub const CANCELLED: u8 = 130;

/// `code`, unless the command was cancelled.
pub fn unless_cancelled(cancel: &tokio_util::sync::CancellationToken, code: ExitCode) -> ExitCode {
    if cancel.is_cancelled() {
        ExitCode::from(CANCELLED)
    } else {
        code
    }
}

/// The TUI's commands need a terminal on both ends; without one, say what to run instead.
pub(crate) fn needs_terminal(what: &str) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    anyhow::bail!(
        "{what} needs a terminal (standard input and output are not one here); without one use \
         `slam generate -m MODEL PROMPT`, `slam compare -m MODEL -m MODEL PROMPT` or \
         `slam eval SPEC --no-tui`"
    )
}

/// A token cancelled by the first Ctrl-C (generations stop and report what they have); a
/// second Ctrl-C ends the process at once (a model may still be loading).
pub fn cancel_on_ctrl_c() -> tokio_util::sync::CancellationToken {
    let cancel = tokio_util::sync::CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nstopped");
                std::process::exit(i32::from(CANCELLED));
            }
        }
    });
    cancel
}

/// Read the prompt argument; `-` reads standard input.
pub fn read_prompt(arg: &str, system: Option<&String>) -> anyhow::Result<Prompt> {
    let user = if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the prompt from standard input")?;
        s
    } else {
        arg.to_owned()
    };
    Ok(Prompt::new(system.cloned(), user))
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    config.discovered = crate::config::discover::Roots::from_env(&cli.models_dir).discover();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let db = cli.db.clone().unwrap_or_else(crate::store::default_path);
    match cli.command {
        Some(Command::Generate(args)) => runtime.block_on(generate::run(&config, args)),
        Some(Command::Compare(args)) => runtime.block_on(compare::run(&config, args)),
        Some(Command::Models(args)) => models::run(&config, args),
        Some(Command::Tui(args)) => runtime.block_on(tui::run(config, &db, args)),
        Some(Command::Rate(args)) => runtime.block_on(rate::run(config, &db, args)),
        Some(Command::Eval(args)) => runtime.block_on(eval::run(&config, &db, args)),
        Some(Command::Judge(args)) => runtime.block_on(judge::run(&config, &db, args)),
        Some(Command::Similarity(args)) => runtime.block_on(similarity::run(&db, args)),
        Some(Command::Cost(args)) => cost::run(&config, &db, args),
        Some(Command::Report(args)) => report::run(&config, &db, args),
        Some(Command::Leaderboard(args)) => leaderboard::run(&db, args),
        Some(Command::Sessions(args)) => sessions::run(&db, args),
        Some(Command::Monitor(args)) => monitor::run(args),
        Some(Command::Pull(args)) => runtime.block_on(pull::run(args)),
        None => runtime.block_on(tui::run(config, &db, tui::TuiArgs::default())),
    }
}
