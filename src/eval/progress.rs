//! A run as it goes, for the live screen: per model cells done of total, errors by kind, TTFT and
//! e2e percentiles so far, decode tok/s, requests/s and time left.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::runner::Progress;
use crate::domain::metrics::percentile;

/// A median and a 95th percentile.
pub type P50P95 = (Option<f64>, Option<f64>);

#[derive(Debug, Clone, Default)]
pub struct LiveModel {
    pub name: String,
    /// Cells of this run (stored before included).
    pub total: usize,
    /// Stored before this run started.
    pub before: usize,
    /// Finished in this run.
    pub done: usize,
    pub errors: BTreeMap<String, usize>,
    ttft: Vec<f64>,
    e2e: Vec<f64>,
    decode: Vec<f64>,
    pub failed: Option<String>,
}

impl LiveModel {
    fn sorted(v: &[f64]) -> Vec<f64> {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v
    }

    /// (p50, p95) of TTFT and of e2e, in ms.
    pub fn latency(&self) -> (P50P95, P50P95) {
        let (t, e) = (Self::sorted(&self.ttft), Self::sorted(&self.e2e));
        (
            (percentile(&t, 50.0), percentile(&t, 95.0)),
            (percentile(&e, 50.0), percentile(&e, 95.0)),
        )
    }

    pub fn decode_p50(&self) -> Option<f64> {
        percentile(&Self::sorted(&self.decode), 50.0)
    }
}

#[derive(Debug, Clone)]
pub struct LiveRun {
    pub session: Option<i64>,
    pub resumed: bool,
    pub models: Vec<LiveModel>,
    pub started: Instant,
    pub stopping: bool,
    /// What the run can cost at most, its cap, and the remote models with no price.
    pub estimated_cost: Option<f64>,
    pub max_cost: Option<f64>,
    pub unpriced: Vec<String>,
}

impl LiveRun {
    pub fn new(started: Instant) -> Self {
        Self {
            session: None,
            resumed: false,
            models: Vec::new(),
            started,
            stopping: false,
            estimated_cost: None,
            max_cost: None,
            unpriced: Vec::new(),
        }
    }

    pub fn on(&mut self, p: &Progress) {
        match p {
            Progress::Start(start) => {
                self.session = Some(start.session);
                self.resumed = start.resumed;
                self.estimated_cost = start.estimated_cost;
                self.max_cost = start.max_cost;
                self.unpriced = start.unpriced.clone();
                self.models = start
                    .models
                    .iter()
                    .map(|(name, now, before)| LiveModel {
                        name: name.clone(),
                        total: now + before,
                        before: *before,
                        ..LiveModel::default()
                    })
                    .collect();
            }
            Progress::ModelFailed { model, error } => {
                if let Some(m) = self.models.iter_mut().find(|m| &m.name == model) {
                    m.failed = Some(format!("{}: {}", error.kind, error.message));
                }
            }
            Progress::Cell(cell) => {
                let Some(m) = self.models.iter_mut().find(|m| m.name == cell.model) else {
                    return;
                };
                m.done += 1;
                match &cell.error {
                    Some(e) => *m.errors.entry(e.kind.clone()).or_insert(0) += 1,
                    None => {
                        let x = &cell.metrics;
                        m.ttft.extend(x.ttft_ms);
                        m.e2e.push(x.e2e_ms);
                        m.decode.extend(x.decode_tokens_per_s);
                    }
                }
            }
        }
    }

    /// Cells finished per second since the run started.
    pub fn requests_per_s(&self, m: &LiveModel, now: Instant) -> Option<f64> {
        let secs = now.saturating_duration_since(self.started).as_secs_f64();
        (secs > 0.0 && m.done > 0).then(|| m.done as f64 / secs)
    }

    /// Time left for a model at its rate so far.
    pub fn eta(&self, m: &LiveModel, now: Instant) -> Option<Duration> {
        let left = m.total.saturating_sub(m.before + m.done);
        if left == 0 {
            return Some(Duration::ZERO);
        }
        let rate = self.requests_per_s(m, now)?;
        Duration::try_from_secs_f64(left as f64 / rate).ok()
    }

    pub fn finished(&self) -> bool {
        self.models
            .iter()
            .all(|m| m.failed.is_some() || m.before + m.done >= m.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::generation::Failure;
    use crate::domain::metrics::GenerationMetrics;
    use crate::eval::runner::{CellEvent, RunStart};

    fn cell(model: &str, e2e: f64, error: Option<&str>) -> Progress {
        Progress::Cell(Box::new(CellEvent {
            model: model.into(),
            input: "i".into(),
            repetition: 0,
            concurrency: None,
            error: error.map(|k| Failure {
                kind: k.into(),
                message: String::new(),
            }),
            metrics: GenerationMetrics {
                ttft_ms: Some(e2e / 10.0),
                e2e_ms: e2e,
                decode_tokens_per_s: Some(50.0),
                ..GenerationMetrics::default()
            },
            checks: Vec::new(),
        }))
    }

    #[test]
    fn counts_percentiles_rate_and_time_left() {
        let t0 = Instant::now();
        let mut run = LiveRun::new(t0);
        run.on(&Progress::Start(RunStart {
            session: 3,
            resumed: true,
            models: vec![("a".into(), 8, 2)],
            ..RunStart::default()
        }));
        for e2e in [100.0, 200.0, 300.0, 400.0] {
            run.on(&cell("a", e2e, None));
        }
        run.on(&cell("a", 0.0, Some("timeout")));
        let m = &run.models[0];
        assert_eq!((m.total, m.before, m.done), (10, 2, 5));
        assert_eq!(m.errors["timeout"], 1);
        // numpy: percentile([100, 200, 300, 400], [50, 95]) = [250, 385].
        assert_eq!(m.latency().1, (Some(250.0), Some(385.0)));
        let now = t0 + Duration::from_secs(10);
        assert_eq!(run.requests_per_s(m, now), Some(0.5));
        // 3 cells left at 0.5 a second.
        assert_eq!(run.eta(m, now), Some(Duration::from_secs(6)));
        assert!(!run.finished());
    }
}
