//! One line of hardware: CPU %, RAM used/total, slam's own RSS, and each GPU (or why none).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::domain::hardware::HardwareSnapshot;
use crate::report::hardware::gib;
use crate::tui::theme::Theme;

pub struct HardwareBar<'a> {
    pub hardware: Option<&'a HardwareSnapshot>,
    pub theme: &'a Theme,
    /// A blind vote is open: slam's own memory (which grows with the models it loaded) in
    /// whole GiB only, so it cannot tell the answers apart.
    pub blind: bool,
}

fn fraction(used: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        used as f64 / total as f64
    }
}

impl Widget for HardwareBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let label = |s: &str| Span::styled(s.to_owned(), Style::default().fg(t.muted));
        let Some(h) = self.hardware else {
            Line::from(label(" sampling hardware…")).render(area, buf);
            return;
        };
        let cpu = f64::from(h.cpu_percent) / 100.0;
        let ram = fraction(h.ram_used, h.ram_total);
        let mut spans = vec![
            label(" CPU "),
            Span::styled(
                format!("{:>3.0}%", h.cpu_percent),
                Style::default().fg(t.gauge(cpu)),
            ),
            label("  RAM "),
            Span::styled(
                format!("{}/{} GiB", gib(h.ram_used), gib(h.ram_total)),
                Style::default().fg(t.gauge(ram)),
            ),
            label("  slam "),
            Span::styled(
                if self.blind {
                    format!("{:.0} GiB", h.self_rss as f64 / f64::from(1u32 << 30))
                } else {
                    format!("{} MiB", h.self_rss >> 20)
                },
                Style::default().fg(t.text),
            ),
        ];
        for gpu in &h.gpus {
            let used = fraction(gpu.memory_used, gpu.memory_total);
            spans.push(label(&format!("  {} ", gpu.name)));
            let power = gpu.power_w.map_or(String::new(), |w| format!(" {w:.0} W"));
            spans.push(Span::styled(
                format!(
                    "{}/{} GiB {}%{power}",
                    gib(gpu.memory_used),
                    gib(gpu.memory_total),
                    gpu.utilization_percent
                ),
                Style::default().fg(t.gauge(used)),
            ));
            if !gpu.throttle.is_empty() {
                spans.push(Span::styled(
                    " throttled",
                    Style::default().fg(t.gauge_high),
                ));
            }
        }
        if let Some(note) = &h.gpu_note {
            spans.push(label(&format!("  {note}")));
        }
        Line::from(spans).render(area, buf);
    }
}
