//! `slam judge SESSION --judge MODEL`: an LLM judge over an eval run's answers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use crate::config::Config;
use crate::eval::judge::{self, JudgeOptions, JudgeReport};
use crate::report::metrics::render_table;

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
    /// A pairwise prompt template replacing the built-in one (minijinja; it must use
    /// {{ question }}, {{ answer_a }} and {{ answer_b }}).
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// Tokens the judge may write per verdict.
    #[arg(long, default_value_t = 160)]
    max_tokens: u32,
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
    };
    let report = judge::run(config, db, args.session, opts, cancel).await?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{:.0}%", x * 100.0))
}

pub fn render(r: &JudgeReport) -> String {
    let mut out = format!(
        "judge {} vs baseline {}: {} verdicts asked now, {} invalid\n",
        r.judge, r.baseline, r.asked, r.invalid
    );
    if r.self_preference_risk {
        out.push_str(&format!(
            "warning: {} is also one of the compared models: judges tend to prefer their own answers\n",
            r.judge
        ));
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = r
        .models
        .iter()
        .flat_map(|(model, by)| {
            by.iter().map(move |(criterion, s)| {
                vec![
                    model.clone(),
                    criterion.clone(),
                    s.pairs.to_string(),
                    format!("{}/{}/{}", s.candidate_wins, s.ties, s.baseline_wins),
                    pct(s.position_consistency),
                    pct(s.longer_won),
                ]
            })
        })
        .collect();
    out.push_str(&render_table(
        &[
            "model",
            "criterion",
            "pairs",
            "win/tie/loss",
            "same in both orders",
            "longer answer won",
        ],
        &rows,
    ));
    let h = &r.humans;
    if h.items == 0 {
        out.push_str(
            "\nno human pair votes on these answers yet: rate them (slam rate --session ID) to see how far the judge agrees with you\n",
        );
    } else {
        let num = |v: Option<f64>| v.map_or_else(|| "–".into(), |x| format!("{x:.2}"));
        out.push_str(&format!(
            "\nagreement with your votes: {} votes, {} agree (κ {} [{}, {}]); without ties: {} votes, {} agree (κ {})\n",
            h.items,
            pct(h.rate),
            num(h.kappa),
            num(h.kappa_low),
            num(h.kappa_high),
            h.decisive_items,
            pct(h.decisive_rate),
            num(h.decisive_kappa),
        ));
        if h.spearman.is_some() {
            out.push_str(&format!(
                "model ranking, humans vs judge: Spearman {} · Kendall τ-b {}\n",
                num(h.spearman),
                num(h.kendall_tau_b)
            ));
        }
    }
    out
}
