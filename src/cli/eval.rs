//! `slam eval SPEC.toml` runs (or resumes) an evaluation; `slam eval show ID` prints its figures.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::eval::runner::{self, Progress, RunOptions};
use crate::eval::show;
use crate::eval::spec::EvalSpec;
use crate::store::Store;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct EvalArgs {
    /// The evaluation spec (TOML): prompt template, inputs, models, repetitions, checks.
    #[arg(required = true)]
    spec: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<EvalCommand>,
    /// Start a new run even if this spec ran before (its stored cells are kept, not reused).
    #[arg(long)]
    fresh: bool,
    /// One JSON line per finished cell on stdout, then the figures as JSON.
    #[arg(long)]
    json: bool,
    /// Progress bars on stderr instead of a live screen.
    #[arg(long)]
    no_tui: bool,
    /// Run every cell at each of these concurrencies and record throughput per level, e.g.
    /// `--sweep 1,2,4,8`.
    #[arg(long, value_delimiter = ',', value_name = "N,N,…")]
    sweep: Vec<u32>,
}

#[derive(Debug, Subcommand)]
enum EvalCommand {
    /// The figures of a stored run: consistency per model, check pass rates, sweep throughput.
    Show {
        /// The session id (see `slam sessions list`), or an exported run (`slam sessions
        /// export ID`, like sample-runs/daily-motivation/result.jsonl): no database needed.
        run: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(config: &Config, db: &Path, args: EvalArgs) -> anyhow::Result<ExitCode> {
    if let Some(EvalCommand::Show { run, json }) = args.command {
        return match run.parse::<i64>() {
            Ok(id) => show_run(db, id, json),
            Err(_) => show_file(Path::new(&run), json),
        };
    }
    let Some(path) = args.spec else {
        bail!("give a spec file: slam eval SPEC.toml");
    };
    if args.sweep.contains(&0) {
        bail!("--sweep: every concurrency must be at least 1");
    }
    let spec = EvalSpec::load(&path, config).map_err(anyhow::Error::msg)?;
    let name = spec.name.clone();
    // A sweep measures throughput only: its cells are no answers to judge or compare.
    let sweeping = !args.sweep.is_empty();
    let judge = spec.judge.clone().filter(|_| !sweeping);
    let similarity = spec.similarity.clone().filter(|_| !sweeping);
    let max_cost = spec.max_cost;
    let cancel = super::cancel_on_ctrl_c();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let opts = RunOptions {
        db: db.to_path_buf(),
        fresh: args.fresh,
        sweep: args.sweep.clone(),
        factory: None,
    };
    let live = !args.json
        && !args.no_tui
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal();
    // The TUI's theme and keymap, read before the run starts (a bad keymap file stops here).
    let look = live
        .then(|| super::tui::load_look(config, &Default::default()))
        .transpose()?;
    let task = tokio::spawn(runner::run(spec, opts, cancel.clone(), tx));
    if let Some(look) = look {
        crate::tui::eval_live::watch(&name, rx, cancel.clone(), &look.theme, &look.keymap).await?;
    } else {
        let mut display = Display::new(args.json);
        while let Some(p) = rx.recv().await {
            display.on(p)?;
        }
        display.done();
    }
    let outcome = task.await.context("the evaluation stopped")??;
    for e in &outcome.store_errors {
        eprintln!("error: a cell could not be stored: {e}");
    }
    if outcome.cancelled {
        eprintln!(
            "stopped: {} cell(s) finished and stored; run the same command again to go on",
            outcome.ran
        );
    }
    let over_budget = outcome.spent.is_some_and(|(_, stopped)| stopped);
    if let (Some((spent, true)), Some(max)) = (outcome.spent, max_cost) {
        eprintln!(
            "stopped at max_cost: ${spent:.4} spent of ${max:.4}; the next cell could have passed it. \
             {} cell(s) stored; raise max_cost and run the same command again to go on",
            outcome.ran
        );
    }
    print_report(db, outcome.session, args.json)?;
    if let Some(opts) = judge.filter(|_| !outcome.cancelled && !over_budget) {
        let report = crate::eval::judge::run(
            config,
            db,
            outcome.session,
            opts,
            std::sync::Arc::new(crate::app::Models::default()),
            cancel.clone(),
        )
        .await?;
        if args.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            print!("\n{}", crate::report::judge::render(&report));
        }
    }
    if let Some(opts) = similarity.filter(|_| !outcome.cancelled && !cancel.is_cancelled()) {
        let (db, session) = (db.to_path_buf(), outcome.session);
        let report = tokio::task::spawn_blocking(move || {
            crate::eval::similarity::run(&db, session, &opts, &cancel)
        })
        .await??;
        if args.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            print!("\n{}", crate::report::similarity::render(&report));
        }
    }
    let code = if outcome.store_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    Ok(if outcome.cancelled {
        ExitCode::from(super::CANCELLED)
    } else {
        code
    })
}

fn show_run(db: &Path, id: i64, json: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open_read(db)?;
    if store.session(id)?.is_none() {
        bail!(
            "no session {id} in {} (see `slam sessions list`)",
            db.display()
        );
    }
    drop(store);
    print_report(db, id, json)?;
    Ok(ExitCode::SUCCESS)
}

/// The figures of an exported run, read straight from its file.
fn show_file(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let lines = show::read_export(path)?;
    if !lines.iter().any(|l| l.generation.cell.is_some()) {
        bail!("{}: no eval cells in this file", path.display());
    }
    write_report(&show::report(0, &lines), json)?;
    Ok(ExitCode::SUCCESS)
}

fn print_report(db: &Path, session: i64, json: bool) -> anyhow::Result<()> {
    let store = Store::open_read(db)?;
    write_report(&show::stored(&store, session)?, json)
}

fn write_report(report: &crate::findings::eval::EvalReport, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(report)?)?;
    } else {
        write!(out, "{}", crate::report::eval::render(report))?;
    }
    Ok(())
}

/// Progress: a bar per model on stderr, or one JSON line per cell on stdout.
struct Display {
    json: bool,
    bars: MultiProgress,
    by_model: HashMap<String, ProgressBar>,
    /// Off a terminal the bars draw nothing: a plain line every `PLAIN_EVERY` instead, when
    /// one was last written (None: none yet).
    plain: Option<Option<std::time::Instant>>,
}

/// How often a run off a terminal says how far it is.
const PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Display {
    fn new(json: bool) -> Self {
        let bars = MultiProgress::with_draw_target(if json {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        });
        Self {
            json,
            bars,
            by_model: HashMap::new(),
            plain: (!json && !std::io::stderr().is_terminal()).then_some(None),
        }
    }

    /// "progress: gemma3-base 3/48, smollm2 12/48" to a log or file, every few seconds.
    fn plain_line(&mut self) {
        let Some(last) = &mut self.plain else {
            return;
        };
        let now = std::time::Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < PLAIN_EVERY) {
            return;
        }
        *last = Some(now);
        let mut models: Vec<(&String, &ProgressBar)> = self.by_model.iter().collect();
        models.sort_by_key(|(m, _)| *m);
        let counts: Vec<String> = (models.iter())
            .map(|(m, b)| format!("{m} {}/{}", b.position(), b.length().unwrap_or(0)))
            .collect();
        eprintln!("progress: {}", counts.join(", "));
    }

    fn on(&mut self, p: Progress) -> anyhow::Result<()> {
        match p {
            Progress::Start(start) => {
                let style = ProgressStyle::with_template(
                    "{prefix:>16} {bar:30} {pos}/{len} {msg} (ETA {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                if !self.json {
                    let how = if start.resumed { "resuming" } else { "new" };
                    eprintln!("session {} ({how} run)", start.session);
                    if let Some(line) = crate::report::cost::estimate_line(
                        start.estimated_cost,
                        start.max_cost,
                        &start.unpriced,
                    ) {
                        eprintln!("{line}");
                    }
                }
                for (model, now, before) in start.models {
                    let bar = self
                        .bars
                        .add(ProgressBar::new((now + before) as u64).with_style(style.clone()));
                    bar.set_prefix(model.clone());
                    bar.set_position(before as u64);
                    self.by_model.insert(model, bar);
                }
            }
            Progress::ModelFailed { model, error } => {
                if let Some(bar) = self.by_model.get(&model) {
                    bar.abandon_with_message(format!("failed: {}", error.kind));
                }
                let line = format!("{model}: cannot run it: {}", error.message);
                let _ = self.bars.println(line);
            }
            Progress::Cell(cell) => {
                if let Some(bar) = self.by_model.get(&cell.model) {
                    bar.inc(1);
                    if let Some(e) = &cell.error {
                        bar.set_message(format!("last error: {}", e.kind));
                    }
                }
                self.plain_line();
                if self.json {
                    let line = json!({
                        "event": "cell",
                        "model": cell.model,
                        "input": cell.input,
                        "repetition": cell.repetition,
                        "concurrency": cell.concurrency,
                        "error": cell.error,
                        "metrics": cell.metrics,
                        "checks": cell.checks,
                    });
                    writeln!(std::io::stdout().lock(), "{line}")?;
                }
            }
        }
        Ok(())
    }

    fn done(&self) {
        for bar in self.by_model.values() {
            bar.finish();
        }
    }
}
