//! Similarity to the baseline as text: per model, mean similarity, SLaM's reading, stability
//! across repetitions; and how far similarity's reading agrees with the human votes.

use super::metrics::render_table;
use crate::analysis::similarity::SimilarityReport;

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.3}"))
}

pub fn render(r: &SimilarityReport) -> String {
    let mut out = format!(
        "similarity to {}'s answers ({}, cosine; 1 = same meaning)\n\n",
        r.baseline, r.embedder
    );
    // With one candidate SLaM's reading is that candidate on every input: no news.
    let candidates = r.models.values().filter(|m| m.slam_inputs > 0).count();
    let rows: Vec<Vec<String>> = r
        .models
        .iter()
        .map(|(model, m)| {
            let is_baseline = *model == r.baseline;
            vec![
                if is_baseline {
                    format!("{model} (baseline)")
                } else {
                    model.clone()
                },
                if is_baseline {
                    "–".into()
                } else {
                    m.answers.to_string()
                },
                num(m.mean),
                if m.slam_inputs == 0 {
                    "–".into()
                } else if candidates == 1 {
                    "– (one candidate)".into()
                } else {
                    format!("{:.0}% of {}", m.slam_wins * 100.0, m.slam_inputs)
                },
                num(m.stability),
            ]
        })
        .collect();
    out.push_str(&render_table(
        &[
            "model",
            "answers",
            "similarity",
            "most similar (SLaM)",
            "stability",
        ],
        &rows,
    ));
    out.push_str(
        "\nsimilarity: mean cosine to the baseline's answers to the same input · most similar: \
         inputs where the model's answers were the closest to the baseline's · stability: mean \
         cosine between a model's repetitions\n",
    );
    let h = &r.humans;
    if h.items > 0 {
        out.push_str(&format!(
            "agreement with your votes between two models' answers: {} votes, {} pick the more similar one (κ {})\n",
            h.items,
            h.rate
                .map_or_else(|| "–".into(), |x| format!("{:.0}%", x * 100.0)),
            h.kappa.map_or_else(|| "–".into(), |x| format!("{x:.2}")),
        ));
    }
    if h.spearman.is_some() {
        out.push_str(&format!(
            "model ranking, your win rates vs similarity: Spearman {} · Kendall τ-b {}\n",
            num(h.spearman),
            num(h.kendall_tau_b)
        ));
    }
    out
}
