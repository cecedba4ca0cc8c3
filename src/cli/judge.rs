//! `slam judge SESSION --judge MODEL`: an LLM judge over an eval run's answers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use crate::analysis::judge::JudgeMode;
use crate::config::Config;
use crate::eval::judge::{self, JudgeOptions};

fn parse_mode(s: &str) -> Result<JudgeMode, String> {
    s.parse()
}

#[derive(Debug, Args)]
pub struct JudgeArgs {
    /// The session whose answers are judged (an eval run: see `slam sessions list`).
    session: i64,
    /// The judge: any model slam knows (GPT-5.x or GPT-4 in real use, or a local GGUF).
    #[arg(long, value_name = "MODEL")]
    judge: String,
    /// The model every other is compared with (default: the spec's `baseline = true`).
    #[arg(long, value_name = "MODEL")]
    baseline: Option<String>,
    /// Judge per criterion instead of overall (repeatable), e.g.
    /// `--criterion "clarity=easy to read and understand"`.
    #[arg(long, value_name = "NAME=DESCRIPTION")]
    criterion: Vec<String>,
    /// A prompt template replacing the built-in one (minijinja). Pairwise: it must use
    /// {{ question }}, {{ answer_a }} and {{ answer_b }}; grade: {{ question }} and
    /// {{ answer }} ({{ reference }} and {{ rubric }} are there too).
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// pairwise: each answer against the baseline's, in both orders; grade: each answer alone,
    /// 1 to 5.
    #[arg(long, default_value = "pairwise", value_parser = parse_mode)]
    mode: JudgeMode,
    /// Grading: what a good answer is, in a sentence.
    #[arg(long, value_name = "TEXT")]
    rubric: Option<String>,
    /// Grading: show the judge the baseline's answer to the same input as a reference (the
    /// baseline itself is then not graded).
    #[arg(long)]
    reference: bool,
    /// Tokens the judge may write per verdict.
    #[arg(long, default_value_t = 160)]
    max_tokens: u32,
    /// Seconds one reply of the judge may take before it is stopped (a verdict then reads as
    /// invalid, with the reason).
    #[arg(long, value_name = "SECS", default_value_t = 300.0, value_parser = super::parse_seconds)]
    timeout: f64,
    /// The figures as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(config: &Config, db: &Path, args: JudgeArgs) -> anyhow::Result<ExitCode> {
    let criteria = args
        .criterion
        .iter()
        .map(|c| match c.split_once('=') {
            Some((n, d)) if !n.trim().is_empty() => Ok((n.trim().to_owned(), d.trim().to_owned())),
            _ => bail!("--criterion {c:?}: expected NAME=DESCRIPTION"),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let template = match &args.template {
        Some(p) => {
            Some(std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?)
        }
        None => None,
    };
    let cancel = super::cancel_on_ctrl_c();
    let opts = JudgeOptions {
        judge: args.judge,
        baseline: args.baseline,
        criteria,
        template,
        max_tokens: args.max_tokens,
        mode: args.mode,
        rubric: args.rubric,
        reference: args.reference,
        timeout: Some(std::time::Duration::from_secs_f64(args.timeout)),
    };
    let factory = std::sync::Arc::new(crate::app::Models::default());
    let report = judge::run(config, db, args.session, opts, factory, cancel).await?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", crate::report::judge::render(&report));
    }
    Ok(ExitCode::SUCCESS)
}
