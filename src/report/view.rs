//! The report for the TUI: the same document as `slam report`, as verdict lines, cost bars,
//! latency sparklines and the tables as text (answers and charts are the HTML's).

use super::cost::per_day;
use super::document::{Block, plain};
use super::metrics::render_table;
use crate::findings::decision::{Decision, QUOTED_PER_DAY};
use crate::tui_state::state::ReportView;

fn lines_of(blocks: &[Block], out: &mut Vec<String>) {
    for b in blocks {
        match b {
            Block::Heading(_, t) => {
                if !out.is_empty() {
                    out.push(String::new());
                }
                out.push(t.to_uppercase());
            }
            Block::Para(s) => out.push(plain(s)),
            Block::List(items) => out.extend(items.iter().map(|i| format!("• {}", plain(i)))),
            Block::Table { header, rows } => {
                let header: Vec<String> = header.iter().map(|h| plain(h)).collect();
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                let rows: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| r.iter().map(|c| plain(c).replace('\n', " ")).collect())
                    .collect();
                out.extend(render_table(&header, &rows).lines().map(str::to_owned));
            }
            Block::Chart { .. } | Block::Details { .. } | Block::Quote(_) => {}
        }
    }
}

pub fn view(d: &Decision) -> ReportView {
    let doc = super::decision::document(d, &Default::default());
    // The verdicts lead the screen; the text below starts at the quality section.
    let body: Vec<Block> = doc
        .iter()
        .skip_while(|b| !matches!(b, Block::Heading(2, t) if t == "Quality"))
        .cloned()
        .collect();
    let mut lines = Vec::new();
    lines_of(&body, &mut lines);
    ReportView {
        title: d.name.clone(),
        verdicts: super::decision::verdicts(d)
            .iter()
            .map(|v| plain(v))
            .collect(),
        bars_caption: format!("dollars a month at {}", per_day(QUOTED_PER_DAY)),
        bars: d
            .quoted_monthly()
            .into_iter()
            .map(|(m, v)| (m.clone(), v.round() as u64, super::cost::dollars(v)))
            .collect(),
        latency: d
            .timeline
            .iter()
            .map(|(m, points)| {
                (
                    m.clone(),
                    points.iter().map(|p| p.1.round() as u64).collect(),
                )
            })
            .collect(),
        lines,
    }
}
