//! Energy per generation from the hardware's counters, pure: counters that wrap, counters that
//! stop, power samples integrated when there is no counter, and one machine's energy shared
//! between generations running at once in proportion to each one's time on it.

use serde::{Deserialize, Serialize};

/// How a figure was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnergySource {
    /// A hardware energy counter (NVML total energy, RAPL).
    Counter,
    /// Power samples integrated over time: an estimate.
    Integrated,
}

/// Joules a generation used on one device class, and how they were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EnergyFigure {
    pub joules: f64,
    pub source: EnergySource,
    /// Other generations ran at the same time and took their share.
    pub shared: bool,
}

/// A generation's energy: on the GPUs (a counter, or power integrated) and the CPU package
/// (RAPL), each where it can be read, and why one cannot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationEnergy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<EnergyFigure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<EnergyFigure>,
    /// Why a figure is missing ("n/a — needs read access to …", "no NVIDIA or AMD GPU").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl GenerationEnergy {
    /// Everything measured, in joules; `None` when nothing could be.
    pub fn joules(&self) -> Option<f64> {
        match (self.gpu, self.cpu) {
            (None, None) => None,
            (g, c) => Some(g.map_or(0.0, |f| f.joules) + c.map_or(0.0, |f| f.joules)),
        }
    }

    pub fn per_token(&self, tokens: u32) -> Option<f64> {
        self.joules()
            .filter(|_| tokens > 0)
            .map(|j| j / f64::from(tokens))
    }

    /// Some of it is an estimate (power integrated).
    pub fn estimated(&self) -> bool {
        [self.gpu, self.cpu]
            .iter()
            .flatten()
            .any(|f| f.source == EnergySource::Integrated)
    }

    pub fn shared(&self) -> bool {
        [self.gpu, self.cpu].iter().flatten().any(|f| f.shared)
    }

    /// "0.42 J/tok", "~0.42 J/tok shared", or "J/tok n/a".
    pub fn label(&self, tokens: u32) -> String {
        match self.per_token(tokens) {
            Some(j) => format!(
                "{}{} J/tok{}",
                if self.estimated() { "~" } else { "" },
                if j >= 10.0 {
                    format!("{j:.0}")
                } else {
                    format!("{j:.2}")
                },
                if self.shared() { " shared" } else { "" }
            ),
            None => "J/tok n/a".into(),
        }
    }
}

impl EnergyFigure {
    pub fn per_token(&self, tokens: u32) -> Option<f64> {
        (tokens > 0).then(|| self.joules / f64::from(tokens))
    }
}

/// The increase of a counter that wraps to 0 after `range - 1` (RAPL's
/// `max_energy_range_uj`): a smaller reading means it wrapped once in between.
pub fn counter_delta(prev: u64, cur: u64, range: u64) -> u64 {
    if cur >= prev {
        cur - prev
    } else {
        range.saturating_sub(prev) + cur
    }
}

/// Turns readings of a wrapping counter into a running total (in the counter's unit), so
/// intervals can be subtracted. A missing reading is a gap (`None`); the next reading starts
/// a new total, so no interval is ever taken across the gap.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunningCounter {
    last: Option<u64>,
    total: Option<f64>,
}

impl RunningCounter {
    pub fn read(&mut self, reading: Option<u64>, range: u64) -> Option<f64> {
        match (self.last, reading) {
            (None, Some(r)) => {
                self.last = Some(r);
                self.total = Some(0.0);
            }
            (Some(prev), Some(r)) => {
                self.total = self.total.map(|t| t + counter_delta(prev, r, range) as f64);
                self.last = Some(r);
            }
            _ => {
                self.last = None;
                self.total = None;
            }
        }
        self.total
    }
}

/// One point of a device's energy timeline: seconds since an origin, the counter's running
/// total in joules (if it has one), and the power drawn then (if known).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnergyPoint {
    pub t: f64,
    pub joules: Option<f64>,
    pub watts: Option<f64>,
}

/// Energy between consecutive points: from the counter where it advanced; where it has none,
/// or it stood still while power was drawn (a counter that stopped), the power integrated by
/// trapezoids, marked as an estimate.
pub fn interval_energy(a: &EnergyPoint, b: &EnergyPoint) -> Option<(f64, EnergySource)> {
    let dt = b.t - a.t;
    if dt <= 0.0 {
        return Some((0.0, EnergySource::Counter));
    }
    let integrated = match (a.watts, b.watts) {
        (Some(pa), Some(pb)) => Some((pa + pb) / 2.0 * dt),
        (Some(p), None) | (None, Some(p)) => Some(p * dt),
        (None, None) => None,
    };
    match (a.joules, b.joules) {
        (Some(ja), Some(jb)) if jb > ja => Some((jb - ja, EnergySource::Counter)),
        // It stood still: right when nothing was drawn, stopped when power was.
        (Some(_), Some(_)) if integrated.is_none_or(|j| j <= 0.0) => {
            Some((0.0, EnergySource::Counter))
        }
        _ => integrated.map(|j| (j, EnergySource::Integrated)),
    }
}

/// Each span's energy over a timeline: every interval's energy goes to the spans running in
/// it, in proportion to each one's time in the interval (idle intervals belong to nobody).
/// `None` for a span with an interval of unknown energy.
pub fn share(points: &[EnergyPoint], spans: &[(f64, f64)]) -> Vec<Option<EnergyFigure>> {
    let mut out: Vec<Option<EnergyFigure>> = vec![
        Some(EnergyFigure {
            joules: 0.0,
            source: EnergySource::Counter,
            shared: false,
        });
        spans.len()
    ];
    for pair in points.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let overlaps: Vec<f64> = spans
            .iter()
            .map(|&(s, e)| (e.min(b.t) - s.max(a.t)).max(0.0))
            .collect();
        let total: f64 = overlaps.iter().sum();
        if total <= 0.0 {
            continue;
        }
        let running = overlaps.iter().filter(|&&o| o > 0.0).count();
        let energy = interval_energy(a, b);
        for (slot, overlap) in out.iter_mut().zip(&overlaps) {
            if *overlap <= 0.0 {
                continue;
            }
            *slot = match (*slot, energy) {
                (Some(f), Some((j, source))) => Some(EnergyFigure {
                    // overlap / total first: one span alone gets exactly 1.0 × j.
                    joules: f.joules + j * (overlap / total),
                    source: if source == EnergySource::Integrated {
                        EnergySource::Integrated
                    } else {
                        f.source
                    },
                    shared: f.shared || running > 1,
                }),
                _ => None,
            };
        }
    }
    // A span no interval covered has no figure.
    for (slot, &(s, e)) in out.iter_mut().zip(spans) {
        let covered =
            points.first().is_some_and(|p| p.t <= s) && points.last().is_some_and(|p| p.t >= e);
        if !covered {
            *slot = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    #[test]
    fn a_counter_that_wraps_counts_across_the_wrap() {
        // RAPL at 262143328850 µJ: 262143000000 → 500000 is (262143328850 − 262143000000) +
        // 500000 = 828850 µJ.
        assert_eq!(
            counter_delta(262_143_000_000, 500_000, 262_143_328_850),
            828_850
        );
        assert_eq!(counter_delta(10, 25, 100), 15);
        let mut c = RunningCounter::default();
        assert_eq!(c.read(Some(90), 100), Some(0.0));
        assert_eq!(c.read(Some(5), 100), Some(15.0));
        assert_eq!(c.read(Some(20), 100), Some(30.0));
    }

    #[test]
    fn a_counter_that_goes_missing_is_not_bridged() {
        let mut c = RunningCounter::default();
        c.read(Some(1), 100);
        assert_eq!(c.read(Some(11), 100), Some(10.0));
        assert_eq!(c.read(None, 100), None);
        assert_eq!(
            c.read(Some(50), 100),
            Some(0.0),
            "a new total after the gap"
        );
        // Across the gap only power can say anything: 10 J, then (no counter, no power)
        // unknown → the span has no figure.
        let pts = [
            point(0.0, Some(0.0), None),
            point(1.0, Some(10.0), None),
            point(2.0, None, None),
            point(3.0, Some(0.0), None),
        ];
        assert_eq!(share(&pts, &[(0.0, 3.0)]), [None]);
    }

    fn point(t: f64, joules: Option<f64>, watts: Option<f64>) -> EnergyPoint {
        EnergyPoint { t, joules, watts }
    }

    #[test]
    fn power_is_integrated_where_there_is_no_counter() {
        // 100 W then 200 W over 2 s: trapezoid 300 J; then 200 W for 1 s = 200 J.
        let pts = [
            point(0.0, None, Some(100.0)),
            point(2.0, None, Some(200.0)),
            point(3.0, None, Some(200.0)),
        ];
        let got = share(&pts, &[(0.0, 3.0)]);
        let f = got[0].unwrap();
        close(f.joules, 500.0);
        assert_eq!(f.source, EnergySource::Integrated);
        assert!(!f.shared);
    }

    #[test]
    fn a_counter_that_stops_while_power_is_drawn_falls_back_to_power() {
        // The counter reads 10 J, 25 J, then 25 J while 150 W is drawn: the last second is
        // integrated (150 J) and the figure is marked as an estimate.
        let pts = [
            point(0.0, Some(10.0), Some(150.0)),
            point(1.0, Some(25.0), Some(150.0)),
            point(2.0, Some(25.0), Some(150.0)),
        ];
        let f = share(&pts, &[(0.0, 2.0)])[0].unwrap();
        close(f.joules, 15.0 + 150.0);
        assert_eq!(f.source, EnergySource::Integrated);
        // Standing still at 0 W is right: nothing was drawn.
        let idle = [
            point(0.0, Some(5.0), Some(0.0)),
            point(1.0, Some(5.0), Some(0.0)),
        ];
        let f = share(&idle, &[(0.0, 1.0)])[0].unwrap();
        assert_eq!((f.joules, f.source), (0.0, EnergySource::Counter));
    }

    #[test]
    fn generations_at_once_share_in_proportion_to_their_time() {
        // Counter: 0, 100, 300, 350 J at 0, 1, 3, 4 s. A runs 0–3 s, B 1–4 s.
        // 0–1: A alone, 100 J. 1–3: both, 200 J → 100 each. 3–4: B alone, 50 J.
        let pts = [
            point(0.0, Some(0.0), None),
            point(1.0, Some(100.0), None),
            point(3.0, Some(300.0), None),
            point(4.0, Some(350.0), None),
        ];
        let got = share(&pts, &[(0.0, 3.0), (1.0, 4.0)]);
        let (a, b) = (got[0].unwrap(), got[1].unwrap());
        close(a.joules, 200.0);
        close(b.joules, 150.0);
        assert!(a.shared && b.shared);
        assert_eq!(a.source, EnergySource::Counter);
        // Within one interval a span that covers half of it takes its time's share:
        // 0–2 s, 100 J, A all of it and B 1–2 s → A 100·2/3, B 100·1/3.
        let pts = [point(0.0, Some(0.0), None), point(2.0, Some(100.0), None)];
        let got = share(&pts, &[(0.0, 2.0), (1.0, 2.0)]);
        close(got[0].unwrap().joules, 200.0 / 3.0);
        close(got[1].unwrap().joules, 100.0 / 3.0);
    }

    #[test]
    fn a_span_outside_the_timeline_or_over_an_unknown_interval_has_no_figure() {
        let pts = [point(0.0, None, None), point(1.0, None, None)];
        assert_eq!(share(&pts, &[(0.0, 1.0)]), [None]);
        let pts = [point(1.0, Some(0.0), None), point(2.0, Some(5.0), None)];
        assert_eq!(
            share(&pts, &[(0.0, 2.0)]),
            [None],
            "began before the first reading"
        );
        let f = EnergyFigure {
            joules: 12.0,
            source: EnergySource::Counter,
            shared: false,
        };
        assert_eq!(f.per_token(48), Some(0.25));
        assert_eq!(f.per_token(0), None);
    }
}
