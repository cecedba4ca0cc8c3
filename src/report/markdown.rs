//! The report as Markdown: the same document, figures in their display form; charts live in
//! the HTML report only.

use std::fmt::Write as _;

use super::document::{Block, Span, plain};

/// A table cell on one line: pipes escaped, line breaks as `<br>`.
fn cell(spans: &[Span]) -> String {
    plain(spans)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "\n")
        .trim_end()
        .replace('\n', "<br>")
}

fn block(out: &mut String, b: &Block, depth: u8) {
    match b {
        Block::Heading(level, t) => {
            let hashes = "#".repeat(usize::from(level + depth));
            let _ = writeln!(out, "{hashes} {t}\n");
        }
        Block::Para(s) => {
            let _ = writeln!(out, "{}\n", plain(s));
        }
        Block::List(items) => {
            for item in items {
                let _ = writeln!(out, "- {}", plain(item));
            }
            out.push('\n');
        }
        Block::Table { header, rows } => {
            let head: Vec<String> = header.iter().map(|h| cell(h)).collect();
            let _ = writeln!(out, "| {} |", head.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
            for row in rows {
                let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
            out.push('\n');
        }
        Block::Chart { caption, .. } => {
            let _ = writeln!(out, "*{caption}: a chart in the HTML report.*\n");
        }
        Block::Details { summary, blocks } => {
            let _ = writeln!(out, "### {}\n", plain(summary));
            for b in blocks {
                block(out, b, depth + 1);
            }
        }
        Block::Quote(t) => {
            for line in t.lines() {
                let _ = writeln!(out, "> {line}");
            }
            out.push('\n');
        }
    }
}

pub fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        block(&mut out, b, 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::{head, share, text, verbatim};

    #[test]
    fn table_cells_stay_on_one_line_and_pipes_are_escaped() {
        let doc = [Block::Table {
            header: head(&["model", "rate"]),
            rows: vec![vec![
                vec![verbatim("a|b\nsecond line\n")],
                vec![share("k", 0.8333), text(" of all")],
            ]],
        }];
        assert_eq!(
            render(&doc),
            "| model | rate |\n|---|---|\n| a\\|b<br>second line | 0.83 of all |\n\n"
        );
    }
}
