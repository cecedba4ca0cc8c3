//! A generation's metrics as text: one line (`slam generate`) or a table row per model
//! (`slam compare`), and the plain-text table they go into.

use crate::domain::generation::Recorder;

fn opt(v: Option<f64>, unit: &str, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}{unit}"))
        .unwrap_or_else(|| "–".into())
}

/// A generation's energy in words: joules per token and in all, by device and how measured,
/// or why not.
pub fn energy_text(e: &crate::domain::energy::GenerationEnergy, tokens: u32) -> String {
    use crate::domain::energy::{EnergyFigure, EnergySource};
    let part = |name: &str, f: &Option<EnergyFigure>| {
        f.map(|f| {
            let how = match f.source {
                EnergySource::Counter => "",
                EnergySource::Integrated => " estimated from power",
            };
            let shared = if f.shared { ", shared" } else { "" };
            format!("{name} {:.1} J{how}{shared}", f.joules)
        })
    };
    let parts: Vec<String> = [part("GPU", &e.gpu), part("CPU package", &e.cpu)]
        .into_iter()
        .flatten()
        .collect();
    let mut text = e.label(tokens);
    if !parts.is_empty() {
        text.push_str(&format!(" ({})", parts.join(", ")));
    }
    if !e.notes.is_empty() {
        text.push_str(&format!(" [{}]", e.notes.join("; ")));
    }
    text
}

/// One line: tokens, TTFT, decode rate, ITL, e2e and the engine's own timings.
pub fn metrics_line(name: &str, rec: &Recorder) -> String {
    let m = rec.metrics();
    let mut line = format!(
        "{name}: {} tokens{} · TTFT {} · {} · ITL p50 {} p95 {} · e2e {:.0} ms",
        m.output_tokens,
        if m.tokens_estimated {
            " (estimated)"
        } else {
            ""
        },
        opt(m.ttft_ms, " ms", 0),
        opt(m.decode_tokens_per_s, " tok/s", 1),
        opt(m.itl_p50_ms, " ms", 1),
        opt(m.itl_p95_ms, " ms", 1),
        m.e2e_ms,
    );
    if let Some(e) = &m.energy {
        line.push_str(&format!(" · {}", energy_text(e, m.output_tokens)));
    }
    if let Some(mem) = &m.memory {
        line.push_str(&format!(" · memory {}", mem.label()));
    }
    if let Some(n) = m.thinking_tokens {
        let how = match (m.thinking_hidden, m.thinking_estimated) {
            (true, _) => " (hidden)",
            (false, true) => " (estimated)",
            (false, false) => "",
        };
        line.push_str(&format!(" · thinking {n} tokens{how}"));
        if let Some(f) = m.first_token_ms {
            line.push_str(&format!(", first token {f:.0} ms"));
        }
        if m.length_while_thinking {
            line.push_str(", length limit reached while thinking");
        }
    }
    if let Some(p) = m.prompt_tokens_per_s {
        line.push_str(&format!(" · prompt {p:.0} tok/s"));
    }
    if let Some(t) = rec.timings {
        let cached = m
            .cached_prompt_tokens
            .filter(|n| *n > 0)
            .map_or(String::new(), |n| format!(" (+{n} cached)"));
        line.push_str(&format!(
            " · engine: prefill {} tok{cached} in {:.0} ms, decode {}",
            t.prompt_tokens,
            t.prompt_ms,
            opt(t.predicted_tokens_per_s(), " tok/s", 1)
        ));
        if let Some(q) = m.queue_ms.filter(|q| *q >= 1.0) {
            line.push_str(&format!(", queued {q:.0} ms"));
        }
        if let Some(n) = m.threads {
            line.push_str(&format!(", {n} threads"));
        }
    }
    if let Some(reason) = rec.finish_reason {
        line.push_str(&format!(" · finish {}", reason.as_str()));
    }
    line
}

pub const TABLE_HEADER: [&str; 9] = [
    "model",
    "tokens",
    "TTFT ms",
    "tok/s",
    "ITL p50",
    "ITL p95",
    "e2e ms",
    "engine tok/s",
    "finish",
];

pub fn table_row(name: &str, rec: &Recorder) -> Vec<String> {
    let m = rec.metrics();
    let finish = match (&rec.error, rec.finish_reason) {
        (Some(e), _) => format!("error: {}", e.kind()),
        (None, Some(r)) => r.as_str().to_owned(),
        (None, None) => "–".into(),
    };
    vec![
        name.to_owned(),
        format!(
            "{}{}{}",
            m.output_tokens,
            if m.tokens_estimated { "~" } else { "" },
            m.thinking_tokens
                .map_or(String::new(), |n| format!(" ({n} thinking)"))
        ),
        opt(m.ttft_ms, "", 0),
        opt(m.decode_tokens_per_s, "", 1),
        opt(m.itl_p50_ms, "", 1),
        opt(m.itl_p95_ms, "", 1),
        format!("{:.0}", m.e2e_ms),
        opt(rec.timings.and_then(|t| t.predicted_tokens_per_s()), "", 1),
        finish,
    ]
}

/// Plain-text table with columns padded to their widest cell.
pub fn render_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let fmt_row = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = fmt_row(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&fmt_row(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}
