//! The report as one self-contained HTML file: inline CSS and SVG, no script, no external
//! reference; `<details>` folds the answers without JavaScript. Every figure is a
//! `<data value data-key>` element.

use std::fmt::Write as _;

use super::document::{Block, Span};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}\
table{border-collapse:collapse;margin:.5rem 0 1.2rem}th,td{border:1px solid #ccd;padding:.25rem .5rem;vertical-align:top;text-align:left}\
th{background:#f0f2f6}td.answer{max-width:40rem;white-space:pre-wrap}blockquote{white-space:pre-wrap;border-left:3px solid #99a;margin:.3rem 0;padding:.2rem .8rem;background:#f7f7fa}\
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}summary{cursor:pointer;margin:.3rem 0}li{margin:.3rem 0}data{font-variant-numeric:tabular-nums}";

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn spans(out: &mut String, spans: &[Span]) {
    for s in spans {
        match s {
            Span::Text(t) => out.push_str(&escape(t)),
            Span::Verbatim(t) => {
                let _ = write!(out, "<span class=\"verbatim\">{}</span>", escape(t));
            }
            Span::Fig { key, raw, display } => {
                let _ = write!(
                    out,
                    "<data value=\"{}\" data-key=\"{}\">{}</data>",
                    escape(raw),
                    escape(key),
                    escape(display)
                );
            }
        }
    }
}

fn block(out: &mut String, b: &Block) {
    match b {
        Block::Heading(level, t) => {
            let _ = writeln!(out, "<h{level}>{}</h{level}>", escape(t));
        }
        Block::Para(s) => {
            out.push_str("<p>");
            spans(out, s);
            out.push_str("</p>\n");
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                out.push_str("<li>");
                spans(out, item);
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }
        Block::Table { header, rows } => {
            out.push_str("<table>\n<thead><tr>");
            for h in header {
                out.push_str("<th>");
                spans(out, h);
                out.push_str("</th>");
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for row in rows {
                out.push_str("<tr>");
                for cell in row {
                    let long = matches!(cell.as_slice(), [Span::Verbatim(t)] if t.len() > 40);
                    out.push_str(if long {
                        "<td class=\"answer\">"
                    } else {
                        "<td>"
                    });
                    spans(out, cell);
                    out.push_str("</td>");
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
        Block::Chart { caption, svg } => {
            let _ = writeln!(
                out,
                "<figure><figcaption>{}</figcaption>\n{}\n</figure>",
                escape(caption),
                svg.trim()
            );
        }
        Block::Details { summary, blocks } => {
            out.push_str("<details><summary>");
            spans(out, summary);
            out.push_str("</summary>\n");
            for b in blocks {
                block(out, b);
            }
            out.push_str("</details>\n");
        }
        Block::Quote(t) => {
            let _ = writeln!(
                out,
                "<blockquote class=\"verbatim\">{}</blockquote>",
                escape(t)
            );
        }
    }
}

pub fn render(title: &str, blocks: &[Block]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
    for b in blocks {
        block(&mut out, b);
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::{ms, text, verbatim};

    #[test]
    fn figures_are_data_elements_and_everything_is_escaped() {
        let doc = [
            Block::Para(vec![
                text("a < b & "),
                ms("latency.m<1>.e2e.p95", 1234.5678),
                verbatim("\"gpt-4\""),
            ]),
            Block::Quote("<script>alert(1)</script>".into()),
        ];
        let page = render("t & u", &doc);
        assert!(page.contains("<title>t &amp; u</title>"));
        assert!(page.contains("<p>a &lt; b &amp; <data value=\"1234.5678\" data-key=\"latency.m&lt;1&gt;.e2e.p95\">1235 ms</data><span class=\"verbatim\">&quot;gpt-4&quot;</span></p>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains("<script>"));
    }
}
