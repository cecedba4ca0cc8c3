//! Every input's answers side by side, with their checks, scores and similarity.

use crate::findings::decision::Decision;
use crate::report::document::{Block, count, head, or_dash, share, text, verbatim};

pub(super) fn answers(d: &Decision) -> Vec<Block> {
    let mut out = vec![Block::Heading(2, "Answers side by side".into())];
    for input in &d.inputs {
        let mut blocks = Vec::new();
        if let Some(s) = &input.system {
            blocks.push(Block::Para(vec![text("System prompt:")]));
            blocks.push(Block::Quote(s.clone()));
        }
        blocks.push(Block::Para(vec![text("Prompt:")]));
        blocks.push(Block::Quote(input.user.clone()));
        let header = head(&[
            "model",
            "repetition",
            "ended",
            "answer",
            "checks passed",
            "human score",
            "similarity",
            "judges",
        ]);
        let rows = input
            .answers
            .iter()
            .map(|a| {
                let g = &a.uid;
                vec![
                    vec![verbatim(a.model.clone())],
                    vec![verbatim(a.repetition.to_string())],
                    vec![text(a.state.label())],
                    vec![match &a.error {
                        Some(e) => verbatim(format!("error: {e}")),
                        None => verbatim(a.text.clone()),
                    }],
                    match a.checks {
                        Some((p, t)) => vec![
                            count(format!("answer.{g}.checks_passed"), p),
                            text(" of "),
                            count(format!("answer.{g}.checks_total"), t),
                        ],
                        None => vec![text("–")],
                    },
                    vec![or_dash(
                        a.score.map(|s| share(format!("answer.{g}.score"), s)),
                    )],
                    vec![or_dash(
                        a.similarity
                            .map(|s| share(format!("answer.{g}.similarity"), s)),
                    )],
                    if a.judged.is_empty() {
                        vec![text("–")]
                    } else {
                        vec![verbatim(a.judged.join("; "))]
                    },
                ]
            })
            .collect();
        blocks.push(Block::Table { header, rows });
        out.push(Block::Details {
            summary: vec![text("Input "), verbatim(input.item.clone())],
            blocks,
        });
    }
    out
}
