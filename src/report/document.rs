//! One report document for HTML and Markdown: blocks of text, tables and charts in which every
//! figure is a keyed value with its display form. The HTML writes each figure as
//! `<data value=RAW data-key=KEY>`, so an independent script can check every number
//! (`scripts/report-reference.py`); the Markdown writes the display forms.

use super::cost::dollars;

/// A piece of text.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    /// Slam's own words (no figures in them).
    Text(String),
    /// A figure: its key, full-precision value and the form people read.
    Fig {
        key: String,
        raw: String,
        display: String,
    },
    /// Quoted as written: answers, prompts, names, file names, dates.
    Verbatim(String),
}

pub type Cell = Vec<Span>;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Para(Vec<Span>),
    List(Vec<Vec<Span>>),
    Table {
        header: Vec<Cell>,
        rows: Vec<Vec<Cell>>,
    },
    /// An SVG chart (HTML only) with a caption.
    Chart {
        caption: String,
        svg: String,
    },
    /// A collapsible group (HTML `<details>`), e.g. one input's answers.
    Details {
        summary: Vec<Span>,
        blocks: Vec<Block>,
    },
    /// A long quoted text (a prompt or an answer).
    Quote(String),
}

pub fn text(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

/// A table header of slam's own words.
pub fn head<S: AsRef<str>>(names: &[S]) -> Vec<Cell> {
    names.iter().map(|n| vec![text(n.as_ref())]).collect()
}

pub fn verbatim(s: impl Into<String>) -> Span {
    Span::Verbatim(s.into())
}

pub fn fig(key: String, raw: String, display: String) -> Span {
    Span::Fig { key, raw, display }
}

/// A share or rate, two decimals.
pub fn share(key: impl Into<String>, v: f64) -> Span {
    fig(key.into(), v.to_string(), format!("{v:.2}"))
}

/// Milliseconds, whole.
pub fn ms(key: impl Into<String>, v: f64) -> Span {
    fig(key.into(), v.to_string(), format!("{v:.0} ms"))
}

/// A whole number shown rounded (requests an hour).
pub fn whole(key: impl Into<String>, v: f64) -> Span {
    fig(key.into(), v.to_string(), format!("{v:.0}"))
}

/// One decimal (tokens per second, mean token counts).
pub fn one_decimal(key: impl Into<String>, v: f64) -> Span {
    fig(key.into(), v.to_string(), format!("{v:.1}"))
}

pub fn money(key: impl Into<String>, v: f64) -> Span {
    fig(key.into(), v.to_string(), dollars(v))
}

/// A ratio: `0.42×`, `11.3×`.
pub fn ratio(key: impl Into<String>, v: f64) -> Span {
    let display = if v >= 10.0 {
        format!("{v:.1}×")
    } else {
        format!("{v:.2}×")
    };
    fig(key.into(), v.to_string(), display)
}

pub fn count(key: impl Into<String>, v: u64) -> Span {
    fig(key.into(), v.to_string(), v.to_string())
}

pub fn percent(key: impl Into<String>, v: f64) -> Span {
    fig(key.into(), v.to_string(), format!("{:.0}%", v * 100.0))
}

/// `–` for a figure that is not there.
pub fn or_dash(span: Option<Span>) -> Span {
    span.unwrap_or_else(|| text("–"))
}

/// `estimate [low, high]` as shares: keys `{prefix}.{name}`, `{prefix}.low`, `{prefix}.high`.
pub fn interval(prefix: &str, name: &str, estimate: f64, bounds: Option<(f64, f64)>) -> Vec<Span> {
    let mut out = vec![share(format!("{prefix}.{name}"), estimate)];
    if let Some((low, high)) = bounds {
        out.extend([
            text(" ["),
            share(format!("{prefix}.low"), low),
            text(", "),
            share(format!("{prefix}.high"), high),
            text("]"),
        ]);
    }
    out
}

/// The plain text of spans (display forms), for Markdown and the TUI.
pub fn plain(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) | Span::Verbatim(t) => t.as_str(),
            Span::Fig { display, .. } => display.as_str(),
        })
        .collect()
}
