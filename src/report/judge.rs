//! A judge's figures as text: win/tie/loss per model and criterion, position consistency,
//! length bias, and agreement with the human votes.

use super::metrics::render_table;
use crate::analysis::judge::JudgeMode;
use crate::analysis::judge::grade::GradeAgreement;
use crate::findings::judge::JudgeReport;

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{:.0}%", x * 100.0))
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.2}"))
}

pub fn render(r: &JudgeReport) -> String {
    let mut out = if r.mode == JudgeMode::Grade {
        render_grades(r)
    } else {
        render_pairwise(r)
    };
    out.push_str(&format!(
        "judge tokens: {} written, {} read{}\n",
        r.judge_tokens,
        r.judge_prompt_tokens
            .map_or_else(|| "–".into(), |n| n.to_string()),
        r.cost
            .map(|c| format!(" · cost ${c:.4} at the bundled price"))
            .unwrap_or_default()
    ));
    out
}

/// The warning when the judge is also a compared model (empty otherwise).
fn self_preference(r: &JudgeReport) -> String {
    if r.self_preference_risk {
        format!(
            "warning: {} is also one of the compared models: judges tend to prefer their own answers\n",
            r.judge
        )
    } else {
        String::new()
    }
}

fn render_pairwise(r: &JudgeReport) -> String {
    let mut out = format!(
        "judge {} vs baseline {}: {} verdicts asked now, {} invalid\n",
        r.judge, r.baseline, r.asked, r.invalid
    );
    out.push_str(&self_preference(r));
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
        if h.longer_won_humans.is_some() || h.longer_won_judge.is_some() {
            out.push_str(&format!(
                "length bias on the same pairs: the longer answer won {} of your decisive votes, {} of the judge's\n",
                pct(h.longer_won_humans),
                pct(h.longer_won_judge)
            ));
        }
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

/// Grading: mean grade with its interval and the spread of grades per model and criterion.
fn render_grades(r: &JudgeReport) -> String {
    let mut out = format!(
        "judge {} grading 1–5{}: {} grades asked now, {} invalid\n",
        r.judge,
        if r.baseline.is_empty() {
            String::new()
        } else {
            format!(" against {}'s answers", r.baseline)
        },
        r.asked,
        r.invalid
    );
    out.push_str(&self_preference(r));
    out.push('\n');
    let rows: Vec<Vec<String>> = r
        .grades
        .iter()
        .flat_map(|(model, by)| {
            by.iter().map(move |(criterion, g)| {
                vec![
                    model.clone(),
                    criterion.clone(),
                    g.graded.to_string(),
                    num(g.mean),
                    match (g.low, g.high) {
                        (Some(l), Some(h)) => format!("[{l:.2}, {h:.2}]"),
                        _ => "–".into(),
                    },
                    g.counts
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
            })
        })
        .collect();
    out.push_str(&render_table(
        &[
            "model",
            "criterion",
            "graded",
            "mean",
            "95% CI",
            "1 2 3 4 5",
        ],
        &rows,
    ));
    match &r.human_scores {
        Some(h) if h.items > 0 => out.push_str(&human_scores(h)),
        _ => out.push_str(
            "\nno human scores on these answers yet: score them (slam rate --session ID) to see how far the judge agrees with you\n",
        ),
    }
    out
}

fn human_scores(h: &GradeAgreement) -> String {
    format!(
        "\nagreement with your scores: {} answers, {} the same grade, {} within one point; Spearman {} · Kendall τ-b {}\n",
        h.items,
        pct(h.exact),
        pct(h.within_one),
        num(h.spearman),
        num(h.kendall_tau_b)
    )
}
