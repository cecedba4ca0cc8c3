//! Energy per generation: the GPUs' energy counter (NVML) or power (amdgpu) and the CPU
//! package's RAPL counter, read when a generation starts and ends and every second between, so
//! generations running at once share each second's energy by their time in it
//! (`domain::energy::share`). One meter per process: every engine's generations go through it.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::gpu::{AnyGpuProbe, GpuProbe};
use super::rapl;
use super::sysfs::Sysfs;
use crate::domain::energy::{EnergyPoint, GenerationEnergy, RunningCounter, share};

/// How often the meter reads while generations run.
const TICK: Duration = Duration::from_secs(1);
/// Readings older than this and not needed by a running generation are dropped.
const KEEP: Duration = Duration::from_secs(600);

pub struct EnergyMeter {
    state: Mutex<State>,
}

/// A generation being measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(u64);

struct State {
    origin: Instant,
    gpu: Box<dyn GpuProbe + Send>,
    sys: Sysfs,
    gpu_counter: RunningCounter,
    cpu_counters: Vec<RunningCounter>,
    gpu_points: Vec<EnergyPoint>,
    cpu_points: Vec<EnergyPoint>,
    /// (id, start, end) in seconds since `origin`; `end` is `None` while running.
    spans: Vec<(u64, f64, Option<f64>)>,
    next: u64,
    gpu_note: Option<String>,
    cpu_note: Option<String>,
}

impl State {
    fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    /// Read every counter; the time of the reading (a span starts and ends at one, so the
    /// readings cover it exactly).
    fn read(&mut self) -> f64 {
        let t = self.now();
        match self.gpu.sample() {
            Ok(gpus) if !gpus.is_empty() => {
                self.gpu_note = None;
                let counter: Option<u64> = gpus.iter().map(|g| g.energy_mj).sum();
                let joules = self
                    .gpu_counter
                    .read(counter, u64::MAX)
                    .map(|mj| mj / 1000.0);
                let watts: Option<f64> = gpus.iter().map(|g| g.power_w).sum();
                self.gpu_points.push(EnergyPoint { t, joules, watts });
            }
            Ok(_) => self.gpu_note = Some("no GPU".into()),
            Err(note) => self.gpu_note = Some(note),
        }
        match rapl::read(&self.sys) {
            Ok(e) => {
                self.cpu_note = None;
                self.cpu_counters
                    .resize(e.packages.len(), RunningCounter::default());
                let totals: Option<f64> = e
                    .packages
                    .iter()
                    .zip(self.cpu_counters.iter_mut())
                    .map(|(&(uj, range), c)| c.read(Some(uj), range))
                    .sum();
                self.cpu_points.push(EnergyPoint {
                    t,
                    joules: totals.map(|uj| uj / 1e6),
                    watts: None,
                });
            }
            Err(note) => self.cpu_note = Some(format!("CPU energy {note}")),
        }
        t
    }

    fn prune(&mut self) {
        let now = self.now();
        let running_since = self
            .spans
            .iter()
            .filter(|s| s.2.is_none())
            .map(|s| s.1)
            .fold(f64::INFINITY, f64::min);
        let keep_from = running_since.min(now - KEEP.as_secs_f64());
        self.spans.retain(|s| s.2.is_none_or(|e| e >= keep_from));
        for points in [&mut self.gpu_points, &mut self.cpu_points] {
            // Keep the last reading before the cut: intervals need both ends.
            let cut = points.iter().rposition(|p| p.t < keep_from).unwrap_or(0);
            points.drain(..cut);
        }
    }
}

impl EnergyMeter {
    pub fn new(gpu: Box<dyn GpuProbe + Send>, sys: Sysfs) -> Self {
        Self {
            state: Mutex::new(State {
                origin: Instant::now(),
                gpu,
                sys,
                gpu_counter: RunningCounter::default(),
                cpu_counters: Vec::new(),
                gpu_points: Vec::new(),
                cpu_points: Vec::new(),
                spans: Vec::new(),
                next: 0,
                gpu_note: None,
                cpu_note: None,
            }),
        }
    }

    /// The process's meter, on this machine's probes; it reads every second while a
    /// generation runs.
    pub fn global() -> Arc<EnergyMeter> {
        static METER: OnceLock<Arc<EnergyMeter>> = OnceLock::new();
        METER
            .get_or_init(|| {
                let meter = Arc::new(EnergyMeter::new(
                    Box::new(AnyGpuProbe::system()),
                    Sysfs::default(),
                ));
                let ticking = Arc::downgrade(&meter);
                let _ = std::thread::Builder::new()
                    .name("energy meter".into())
                    .spawn(move || {
                        while let Some(meter) = ticking.upgrade() {
                            meter.tick();
                            drop(meter);
                            std::thread::sleep(TICK);
                        }
                    });
                meter
            })
            .clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding it leaves plain data: keep measuring.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A reading, if any generation is running.
    pub fn tick(&self) {
        let mut s = self.lock();
        if s.spans.iter().any(|sp| sp.2.is_none()) {
            let _ = s.read();
        }
    }

    /// A generation starts: read now.
    pub fn begin(&self) -> Span {
        let mut s = self.lock();
        let t = s.read();
        let id = s.next;
        s.next += 1;
        s.spans.push((id, t, None));
        Span(id)
    }

    /// A generation ended: read now, and its share of the energy since it began.
    pub fn end(&self, span: Span) -> GenerationEnergy {
        let mut s = self.lock();
        let t = s.read();
        let Some(index) = s.spans.iter().position(|sp| sp.0 == span.0) else {
            return GenerationEnergy::default();
        };
        s.spans[index].2 = Some(t);
        // Generations still running count as running until now.
        let spans: Vec<(f64, f64)> = s.spans.iter().map(|sp| (sp.1, sp.2.unwrap_or(t))).collect();
        let gpu = share(&s.gpu_points, &spans)[index];
        let cpu = share(&s.cpu_points, &spans)[index];
        let notes = [s.gpu_note.clone(), s.cpu_note.clone()]
            .into_iter()
            .flatten()
            .collect();
        s.prune();
        GenerationEnergy { gpu, cpu, notes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::energy::EnergySource;
    use crate::domain::hardware::GpuSnapshot;

    /// GPUs whose energy counters advance by `step_mj` at each reading, drawing 100 W.
    struct Counting {
        mj: u64,
        step_mj: u64,
    }

    impl GpuProbe for Counting {
        fn sample(&mut self) -> Result<Vec<GpuSnapshot>, String> {
            self.mj += self.step_mj;
            Ok(vec![GpuSnapshot {
                energy_mj: Some(self.mj),
                power_w: Some(100.0),
                ..Default::default()
            }])
        }
    }

    struct NoGpu;
    impl GpuProbe for NoGpu {
        fn sample(&mut self) -> Result<Vec<GpuSnapshot>, String> {
            Err("no NVIDIA GPU, no AMD GPU".into())
        }
    }

    fn rapl(root: &std::path::Path, uj: u64) {
        let dir = root.join("class/powercap/intel-rapl:0");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("energy_uj"), format!("{uj}\n")).unwrap();
        std::fs::write(dir.join("max_energy_range_uj"), "1000000000\n").unwrap();
    }

    #[test]
    fn one_generation_gets_the_counters_difference() {
        let root = tempfile::tempdir().unwrap();
        rapl(root.path(), 999_000_000);
        let meter = EnergyMeter::new(
            Box::new(Counting {
                mj: 0,
                step_mj: 5_000,
            }),
            Sysfs::at(root.path()),
        );
        let span = meter.begin();
        // The package counter wraps at 1000 J: 999 J → 2 J is 3 J.
        rapl(root.path(), 2_000_000);
        let e = meter.end(span);
        let gpu = e.gpu.unwrap();
        assert_eq!(
            (gpu.joules, gpu.source, gpu.shared),
            (5.0, EnergySource::Counter, false)
        );
        assert!((e.cpu.unwrap().joules - 3.0).abs() < 1e-9);
        assert_eq!(e.joules(), Some(8.0));
        assert!(e.notes.is_empty());
    }

    #[test]
    fn without_counters_the_figures_are_missing_and_say_why() {
        let root = tempfile::tempdir().unwrap();
        let meter = EnergyMeter::new(Box::new(NoGpu), Sysfs::at(root.path()));
        let span = meter.begin();
        let e = meter.end(span);
        assert_eq!((e.gpu, e.cpu), (None, None));
        assert_eq!(e.label(10), "J/tok n/a");
        assert_eq!(e.notes[0], "no NVIDIA GPU, no AMD GPU");
        assert!(
            e.notes[1].starts_with("CPU energy n/a — no RAPL"),
            "{:?}",
            e.notes
        );
    }

    #[test]
    fn two_generations_at_once_share() {
        let root = tempfile::tempdir().unwrap();
        let meter = EnergyMeter::new(
            Box::new(Counting {
                mj: 0,
                step_mj: 6_000,
            }),
            Sysfs::at(root.path()),
        );
        let a = meter.begin();
        let b = meter.begin();
        let ea = meter.end(a);
        let eb = meter.end(b);
        let (ga, gb) = (ea.gpu.unwrap(), eb.gpu.unwrap());
        assert!(ga.shared && gb.shared);
        // Four readings 6 J apart: 18 J in all, each interval split by time; whatever the
        // timing, the two shares add up to the 12 J both ran through plus A's first interval
        // alone and B's last interval alone — all of it.
        assert!((ga.joules + gb.joules - 18.0).abs() < 1e-6, "{ga:?} {gb:?}");
    }
}
