//! The hardware screen: per GPU memory, utilisation, power, temperature, clocks and throttle
//! reasons; the CPU per core with frequency, its temperature and package energy; RAM, swap and
//! slam's RSS. Each reading that changes is a row: its figures on the left, its last minute as
//! a sparkline on the right.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Sparkline, Widget};

use crate::domain::hardware::{GpuSnapshot, HISTORY_SECONDS, HardwareHistory, HardwareSnapshot};
use crate::report::hardware::gib;
use crate::tui::theme::Theme;
use crate::tui_state::state::AppState;

pub struct HardwareView<'a> {
    pub state: &'a AppState,
    pub theme: &'a Theme,
}

/// Rows drawn top to bottom in an area, as long as there is room.
struct Rows<'b> {
    area: Rect,
    y: u16,
    buf: &'b mut Buffer,
}

impl Rows<'_> {
    fn room(&self) -> bool {
        self.y < self.area.y + self.area.height
    }

    fn line(&mut self, line: Line) {
        if self.room() {
            let row = Rect::new(self.area.x, self.y, self.area.width, 1);
            line.render(row, self.buf);
            self.y += 1;
        }
    }

    /// Figures on the left, the series as a sparkline on the right (scaled to `max`).
    fn chart(&mut self, figures: Line, series: &[f64], max: f64, style: Style) {
        if !self.room() {
            return;
        }
        let label = (self.area.width / 2).clamp(20, 44).min(self.area.width);
        figures.render(Rect::new(self.area.x, self.y, label, 1), self.buf);
        let chart = Rect::new(self.area.x + label, self.y, self.area.width - label, 1);
        // The newest sample at the right edge.
        let width = usize::from(chart.width);
        let start = series.len().saturating_sub(width);
        let scale = if max > 0.0 { 100.0 / max } else { 0.0 };
        let data: Vec<u64> = series[start..]
            .iter()
            .map(|v| (v * scale).round().max(0.0) as u64)
            .collect();
        Sparkline::default()
            .data(&data)
            .max(100)
            .style(style)
            .render(chart, self.buf);
        self.y += 1;
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>, unit: &str) -> String {
    v.map_or("n/a".to_owned(), |v| format!("{v}{unit}"))
}

impl Widget for HardwareView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let history = &self.state.hardware_history;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(t.border))
            .title(format!(" hardware · last {} s · Esc back ", history.len()));
        let inner = block.inner(area);
        block.render(area, buf);
        let Some(now) = history.latest() else {
            Line::styled(" sampling hardware…", Style::default().fg(t.muted)).render(inner, buf);
            return;
        };
        let mut rows = Rows {
            area: inner,
            y: inner.y,
            buf,
        };
        let head = |s: String| {
            Span::styled(
                s,
                Style::default().fg(t.accent).add_modifier(Modifier::BOLD),
            )
        };
        let muted = |s: String| Span::styled(s, Style::default().fg(t.muted));
        let text = |s: String| Span::styled(s, Style::default().fg(t.text));

        for (i, gpu) in now.gpus.iter().enumerate() {
            gpu_rows(&mut rows, i, gpu, history, t);
        }
        if let Some(note) = &now.gpu_note {
            rows.line(Line::from(vec![head(" GPU ".into()), muted(note.clone())]));
        }
        // Each loaded model's own buffers: what NVML cannot tell apart (one process). Not
        // while a blind vote is open: a model's memory tells which answer is whose.
        let blind = self.state.rating.round_blind && !self.state.rating.revealed;
        let loaded: Vec<(String, String)> = self
            .state
            .panes
            .iter()
            .enumerate()
            .filter(|_| !blind)
            .filter_map(|(i, p)| {
                let memory = p.live.memory.as_ref()?;
                Some((super::rating_bar::pane_title(self.state, i), memory.label()))
            })
            .collect();
        if !loaded.is_empty() {
            rows.line(Line::from(head(" models (llama.cpp's buffers)".into())));
            for (name, label) in loaded {
                rows.line(Line::from(vec![text(format!("  {name}: ")), muted(label)]));
            }
        }

        let energy = match &now.cpu_energy {
            Some(Ok(e)) => match now.cpu_power_w {
                Some(w) => format!("package {w:.0} W (RAPL)"),
                None => format!("RAPL {} package(s)", e.packages.len()),
            },
            Some(Err(note)) => format!("energy {note}"),
            None => "energy not sampled".into(),
        };
        rows.line(Line::from(vec![
            head(format!(" CPU {} cores ", now.cores.len())),
            text(format!(
                "temp {} · ",
                opt(now.cpu_temp_c.map(|c| format!("{c:.0}")), "°C")
            )),
            muted(energy),
        ]));
        rows.chart(
            Line::from(vec![
                muted("  total ".into()),
                text(format!("{:>3.0}%", now.cpu_percent)),
                if now.cpu_slowed() {
                    Span::styled(" below its clocks", Style::default().fg(t.gauge_high))
                } else {
                    muted(String::new())
                },
            ]),
            &history.series(|s| Some(f64::from(s.cpu_percent))),
            100.0,
            Style::default().fg(t.gauge(f64::from(now.cpu_percent) / 100.0)),
        );
        core_rows(&mut rows, now, history, t);

        let ram = now.ram_used as f64 / now.ram_total.max(1) as f64;
        rows.chart(
            Line::from(vec![
                head(" RAM ".into()),
                text(format!("{}/{} GiB", gib(now.ram_used), gib(now.ram_total))),
            ]),
            &history.series(|s| Some(s.ram_used as f64)),
            now.ram_total as f64,
            Style::default().fg(t.gauge(ram)),
        );
        rows.chart(
            Line::from(vec![
                head(" swap ".into()),
                text(format!(
                    "{}/{} GiB",
                    gib(now.swap_used),
                    gib(now.swap_total)
                )),
            ]),
            &history.series(|s| Some(s.swap_used as f64)),
            now.swap_total as f64,
            Style::default().fg(t.gauge(now.swap_used as f64 / now.swap_total.max(1) as f64)),
        );
        let rss_max = history
            .series(|s| Some(s.self_rss as f64))
            .into_iter()
            .fold(0.0, f64::max);
        rows.chart(
            Line::from(vec![
                head(" slam ".into()),
                text(format!("{} MiB resident", now.self_rss >> 20)),
            ]),
            &history.series(|s| Some(s.self_rss as f64)),
            rss_max,
            Style::default().fg(t.text),
        );
    }
}

fn gpu_rows(rows: &mut Rows, i: usize, gpu: &GpuSnapshot, history: &HardwareHistory, t: &Theme) {
    let head = Style::default().fg(t.accent).add_modifier(Modifier::BOLD);
    let of = |s: &HardwareSnapshot| s.gpus.get(i).cloned();
    rows.line(Line::from(vec![
        Span::styled(format!(" GPU{i} {}", gpu.name), head),
        Span::styled(
            format!(" · {}", gpu.vendor.source()),
            Style::default().fg(t.muted),
        ),
    ]));
    let used = gpu.memory_used as f64 / gpu.memory_total.max(1) as f64;
    rows.chart(
        Line::from(format!(
            "  memory {}/{} GiB",
            gib(gpu.memory_used),
            gib(gpu.memory_total)
        )),
        &history.series(|s| of(s).map(|g| g.memory_used as f64)),
        gpu.memory_total as f64,
        Style::default().fg(t.gauge(used)),
    );
    rows.chart(
        Line::from(format!("  utilisation {}%", gpu.utilization_percent)),
        &history.series(|s| of(s).map(|g| f64::from(g.utilization_percent))),
        100.0,
        Style::default().fg(t.gauge(f64::from(gpu.utilization_percent) / 100.0)),
    );
    let limit = gpu.power_limit_w.unwrap_or(0.0);
    rows.chart(
        Line::from(format!(
            "  power {}/{} · {}",
            opt(gpu.power_w.map(|w| format!("{w:.0}")), ""),
            opt(gpu.power_limit_w.map(|w| format!("{w:.0}")), " W"),
            opt(gpu.temperature_c.map(|c| format!("{c:.0}")), "°C"),
        )),
        &history.series(|s| of(s).and_then(|g| g.power_w)),
        limit,
        Style::default().fg(t.gauge(gpu.power_w.unwrap_or(0.0) / limit.max(1.0))),
    );
    let mut clocks = vec![Span::styled(
        format!(
            "  clocks SM {} · memory {}",
            opt(gpu.sm_clock_mhz, " MHz"),
            opt(gpu.memory_clock_mhz, " MHz")
        ),
        Style::default().fg(t.text),
    )];
    if !gpu.throttle.is_empty() {
        let reasons: Vec<&str> = gpu.throttle.iter().map(|r| r.label()).collect();
        clocks.push(Span::styled(
            format!(" · throttled: {}", reasons.join(", ")),
            Style::default()
                .fg(t.gauge_high)
                .add_modifier(Modifier::BOLD),
        ));
    }
    rows.line(Line::from(clocks));
}

/// Characters of a core's minute: 6 seconds each.
const CORE_SPARK: usize = 10;

/// `values` (oldest first, at most `HISTORY_SECONDS`) as `width` block characters (1 to 60),
/// each the mean of its share of the minute, scaled to `max`; a history shorter than a minute
/// fills the right-hand end (as the big charts do).
pub fn mini_spark(values: &[f64], width: usize, max: f64) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let width = width.clamp(1, HISTORY_SECONDS);
    let per = HISTORY_SECONDS.div_ceil(width);
    let missing = HISTORY_SECONDS.saturating_sub(values.len());
    (0..width)
        .map(|i| {
            let from = (i * per).saturating_sub(missing);
            let to = ((i + 1) * per).saturating_sub(missing).min(values.len());
            if to <= from {
                return ' ';
            }
            let mean = values[from..to].iter().sum::<f64>() / (to - from) as f64;
            let level = (mean / max.max(f64::MIN_POSITIVE) * 8.0).ceil() as usize;
            BARS[level.clamp(1, 8) - 1]
        })
        .collect()
}

/// Rows drawn below the cores: RAM, swap, slam.
const ROWS_AFTER_CORES: u16 = 3;

/// Each core's usage and frequency, as many to a row as fit, and its last minute where that
/// leaves room for the rows below.
fn core_rows(rows: &mut Rows, now: &HardwareSnapshot, history: &HardwareHistory, t: &Theme) {
    const PLAIN: usize = 19;
    const WITH_MINUTE: usize = PLAIN + CORE_SPARK + 2;
    let fits = |cell: usize| {
        let per_row = (usize::from(rows.area.width) / cell).max(1);
        let needed = now.cores.len().div_ceil(per_row) as u16 + ROWS_AFTER_CORES;
        let wide = usize::from(rows.area.width) >= cell;
        (
            per_row,
            wide && needed <= (rows.area.y + rows.area.height).saturating_sub(rows.y),
        )
    };
    let (per_row, minute) = match fits(WITH_MINUTE) {
        (per_row, true) => (per_row, true),
        (_, false) => (fits(PLAIN).0, false),
    };
    let cell = if minute { WITH_MINUTE } else { PLAIN };
    for chunk in now.cores.chunks(per_row).enumerate() {
        let (row, cores) = chunk;
        let spans: Vec<Span> = cores
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let n = row * per_row + j;
                let ghz = if c.mhz > 0 {
                    format!("{:.1}GHz", f64::from(c.mhz) / 1000.0)
                } else {
                    "n/a".into()
                };
                let spark = if minute {
                    let series =
                        history.series(|s| s.cores.get(n).map(|c| f64::from(c.usage_percent)));
                    mini_spark(&series, CORE_SPARK, 100.0)
                } else {
                    String::new()
                };
                Span::styled(
                    format!(
                        "{:<cell$}",
                        format!("  {n:>2} {:>3.0}% {ghz:<7} {spark}", c.usage_percent)
                    ),
                    Style::default().fg(t.gauge(f64::from(c.usage_percent) / 100.0)),
                )
            })
            .collect();
        rows.line(Line::from(spans));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_in_ten_characters() {
        // 60 s: 0% for 30 s then 100%: five empty-ish bars, then five full ones.
        let values: Vec<f64> = (0..60).map(|i| if i < 30 { 0.0 } else { 100.0 }).collect();
        assert_eq!(mini_spark(&values, 10, 100.0), "▁▁▁▁▁█████");
        // 6-second means: 50% → ▄ (4 of 8), 12.5% → ▁, 13% → ▂.
        assert_eq!(mini_spark(&[50.0; 60], 10, 100.0), "▄▄▄▄▄▄▄▄▄▄");
        let mut v = vec![12.5; 6];
        v.extend([13.0; 6]);
        // Only 12 s of history: the first eight characters are empty.
        assert_eq!(mini_spark(&v, 10, 100.0), "        ▁▂");
        assert_eq!(mini_spark(&[], 10, 100.0), "          ");
    }
}
