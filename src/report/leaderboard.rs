//! The leaderboard as text: the table (scores with a t interval, win/tie/loss with a Wilson
//! interval, Bradley–Terry with its bootstrap interval, Elo, tags) and a bar chart of strengths.
//! `slam leaderboard` prints it; the TUI's leaderboard screen styles the same lines.

use crate::analysis::leaderboard::Leaderboard;

fn interval(v: Option<(f64, f64, f64)>, digits: usize) -> String {
    v.map_or_else(
        || "–".into(),
        |(e, lo, hi)| format!("{e:.digits$} [{lo:.digits$}, {hi:.digits$}]"),
    )
}

/// Below this many battles a model's bootstrap interval is too narrow to trust (with two it
/// is one point): its strength is shown without one.
pub const FEW_BATTLES: u32 = 10;

/// A Bradley–Terry strength with its interval, or with the word that it has none yet.
fn strength_cell(s: Option<&crate::analysis::stats::Interval>, battles: u32) -> String {
    match s {
        Some(s) if battles < FEW_BATTLES => format!("{:.0} [too few battles]", s.estimate),
        s => interval(s.map(|s| (s.estimate, s.low, s.high)), 0),
    }
}

/// A mean of 1–5 scores with its t interval ("[n=1]" for a single score).
fn mean_cell(scores: Option<&crate::analysis::stats::MeanCi>) -> String {
    let mean = scores.map(|m| {
        let (lo, hi) = m.interval.map_or((f64::NAN, f64::NAN), |i| (i.low, i.high));
        (m.mean, lo, hi)
    });
    match mean {
        Some((m, lo, _)) if lo.is_nan() => format!("{m:.2} [n=1]"),
        other => interval(other, 2),
    }
}

/// The table as text lines, header first: shared by this screen and `slam leaderboard`.
/// The judges' columns come after the humans' when any judge verdict is in.
pub fn table_lines(board: &Leaderboard) -> Vec<String> {
    let judged = board.judge_battles + board.judge_grades > 0;
    let mut header: Vec<String> = [
        "model",
        "n",
        "mean [95% t]",
        "W/T/L",
        "win rate [Wilson]",
        "Bradley–Terry [bootstrap]",
        "Elo",
    ]
    .map(String::from)
    .to_vec();
    if judged {
        header.extend(
            [
                "judge W/T/L",
                "judge win rate",
                "judge Bradley–Terry",
                "judge grade",
            ]
            .map(String::from),
        );
    }
    header.push("tags".into());
    let mut rows = vec![header];
    for row in &board.rows {
        let tags: Vec<String> = row.tags.iter().map(|(t, n)| format!("{t} {n}")).collect();
        let mut cells = vec![
            row.model.clone(),
            row.scores.as_ref().map_or(0, |m| m.n).to_string(),
            mean_cell(row.scores.as_ref()),
            format!("{}/{}/{}", row.wins, row.ties + row.both_bad, row.losses),
            interval(row.win_rate.map(|w| (w.estimate, w.low, w.high)), 2),
            strength_cell(row.strength.as_ref(), row.battles()),
            row.elo.map_or_else(|| "–".into(), |e| format!("{e:.1}")),
        ];
        if judged {
            let j = row.judge.as_ref();
            cells.extend([
                j.filter(|j| j.wins + j.ties + j.losses > 0).map_or_else(
                    || "–".into(),
                    |j| format!("{}/{}/{}", j.wins, j.ties, j.losses),
                ),
                interval(
                    j.and_then(|j| j.win_rate)
                        .map(|w| (w.estimate, w.low, w.high)),
                    2,
                ),
                strength_cell(
                    j.and_then(|j| j.strength.as_ref()),
                    j.map_or(0, |j| j.wins + j.ties + j.losses),
                ),
                match j.and_then(|j| j.grades.as_ref()) {
                    Some(g) => mean_cell(Some(g)),
                    None => "–".into(),
                },
            ]);
        }
        cells.push(tags.join(", "));
        rows.push(cells);
    }
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect();
    lines.push(format!(
        "{} scores · {} battles · {} bootstrap resamples",
        board.scores, board.battles, board.resamples
    ));
    if judged {
        lines.push(format!(
            "judges: {} battles against the baseline (both orders combined), {} grades — never counted as your votes",
            board.judge_battles, board.judge_grades
        ));
    }
    if board
        .rows
        .iter()
        .any(|r| r.battles() > 0 && r.battles() < FEW_BATTLES)
    {
        lines.push(format!(
            "too few battles for an interval: Bradley–Terry needs {FEW_BATTLES} a model"
        ));
    }
    lines
}

/// Horizontal bars of Bradley–Terry strength (or mean score when nobody has voted).
pub fn bar_lines(board: &Leaderboard, width: usize) -> Vec<String> {
    let by_strength = board.rows.iter().any(|r| r.strength.is_some());
    let values: Vec<(String, f64)> = board
        .rows
        .iter()
        .filter_map(|r| {
            let v = if by_strength {
                r.strength.map(|s| s.estimate)
            } else {
                r.scores.as_ref().map(|m| m.mean)
            };
            v.map(|v| (r.model.clone(), v))
        })
        .collect();
    if values.is_empty() {
        return vec!["no ratings yet".into()];
    }
    let name_width = values
        .iter()
        .map(|(m, _)| m.chars().count())
        .max()
        .unwrap_or(0);
    let min = values.iter().map(|(_, v)| *v).fold(f64::INFINITY, f64::min);
    let max = values
        .iter()
        .map(|(_, v)| *v)
        .fold(f64::NEG_INFINITY, f64::max);
    // Strengths are relative: bars start a little below the weakest so differences show.
    let floor = if by_strength {
        min - (max - min).max(50.0) * 0.25
    } else {
        0.0
    };
    let span = (max - floor).max(f64::EPSILON);
    let room = width.saturating_sub(name_width + 12).max(1);
    let title = if by_strength {
        "Bradley–Terry strength"
    } else {
        "mean score"
    };
    let mut lines = vec![title.to_owned()];
    for (model, v) in values {
        let n = (((v - floor) / span) * room as f64)
            .round()
            .clamp(0.0, room as f64) as usize;
        lines.push(format!(
            "{model:<name_width$} {} {v:.1}",
            "█".repeat(n.max(1))
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::leaderboard::{LeaderboardInput, compute};
    use crate::domain::rating::PairOutcome;

    #[test]
    fn too_few_battles_get_no_interval_instead_of_a_point() {
        let two = LeaderboardInput {
            battles: vec![
                ("a".into(), "b".into(), PairOutcome::A),
                ("a".into(), "b".into(), PairOutcome::B),
            ],
            ..Default::default()
        };
        let lines = table_lines(&compute(&two, 200, 1));
        let row = |m: &str| lines.iter().find(|l| l.starts_with(m)).cloned().unwrap();
        // Two split battles: both at the scale's centre, by hand.
        assert!(row("a ").contains("1000 [too few battles]"), "{lines:#?}");
        assert!(!row("a ").contains("[1000, 1000]"), "{lines:#?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("too few battles for an interval")
                    && l.contains(&FEW_BATTLES.to_string())),
            "{lines:#?}"
        );
        let many = LeaderboardInput {
            battles: (0..12)
                .map(|i| {
                    let won = if i % 3 == 0 {
                        PairOutcome::B
                    } else {
                        PairOutcome::A
                    };
                    ("a".to_owned(), "b".to_owned(), won)
                })
                .collect(),
            ..Default::default()
        };
        let lines = table_lines(&compute(&many, 200, 1));
        assert!(!lines.iter().any(|l| l.contains("too few")), "{lines:#?}");
    }
}
