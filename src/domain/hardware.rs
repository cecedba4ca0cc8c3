//! A hardware sample as the UI shows it, and the one-minute history the hardware screen draws.
//! Every reading a machine may not have is an `Option` (or a note saying why): a missing sensor
//! is shown as "n/a", never as a made-up zero.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HardwareSnapshot {
    pub cpu_percent: f32,
    /// Per logical CPU: usage and frequency.
    #[serde(default)]
    pub cores: Vec<CoreSnapshot>,
    /// The CPU package temperature (hwmon), where a sensor exists.
    #[serde(default)]
    pub cpu_temp_c: Option<f32>,
    pub ram_used: u64,
    pub ram_total: u64,
    #[serde(default)]
    pub swap_used: u64,
    #[serde(default)]
    pub swap_total: u64,
    /// slam's own resident memory.
    pub self_rss: u64,
    /// CPU package energy (RAPL), or why it cannot be read.
    #[serde(default)]
    pub cpu_energy: Option<Result<CpuEnergy, String>>,
    /// CPU package power over the last interval, from the RAPL counters.
    #[serde(default)]
    pub cpu_power_w: Option<f64>,
    pub gpus: Vec<GpuSnapshot>,
    /// Why no GPU is listed ("no NVIDIA or AMD GPU"), when none is.
    pub gpu_note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoreSnapshot {
    pub usage_percent: f32,
    /// Current frequency; 0 when the system does not say.
    pub mhz: u32,
    /// The highest frequency it can run at (cpufreq), where known.
    pub max_mhz: Option<u32>,
}

/// RAPL package energy counters, summed over packages (each wraps on its own range).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuEnergy {
    /// Per package: (counter in µJ, the value it wraps at).
    pub packages: Vec<(u64, u64)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuVendor {
    #[default]
    Nvidia,
    Amd,
}

impl GpuVendor {
    /// Which probe answered.
    pub fn source(self) -> &'static str {
        match self {
            GpuVendor::Nvidia => "NVML",
            GpuVendor::Amd => "amdgpu sysfs",
        }
    }
}

/// Why a GPU runs below its clocks, as the monitors (nvidia-smi, nvtop) name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Throttle {
    PowerCap,
    Thermal,
    PowerBrake,
    HwSlowdown,
}

impl Throttle {
    pub fn label(self) -> &'static str {
        match self {
            Throttle::PowerCap => "power cap",
            Throttle::Thermal => "thermal",
            Throttle::PowerBrake => "power brake",
            Throttle::HwSlowdown => "hw slowdown",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuSnapshot {
    pub name: String,
    #[serde(default)]
    pub vendor: GpuVendor,
    pub memory_used: u64,
    pub memory_total: u64,
    pub utilization_percent: u32,
    #[serde(default)]
    pub power_w: Option<f64>,
    #[serde(default)]
    pub power_limit_w: Option<f64>,
    #[serde(default)]
    pub temperature_c: Option<f32>,
    #[serde(default)]
    pub sm_clock_mhz: Option<u32>,
    #[serde(default)]
    pub memory_clock_mhz: Option<u32>,
    #[serde(default)]
    pub throttle: Vec<Throttle>,
    /// The driver's energy counter (NVML: mJ since the driver loaded), where it has one.
    #[serde(default)]
    pub energy_mj: Option<u64>,
}

impl HardwareSnapshot {
    /// The CPU runs below 90% of its highest frequency on average: the sign of a thermal or
    /// power limit (or a governor) slowing decode.
    pub fn cpu_slowed(&self) -> bool {
        let (cur, max): (u64, u64) = self
            .cores
            .iter()
            .filter_map(|c| Some((u64::from(c.mhz), u64::from(c.max_mhz?))))
            .filter(|&(cur, _)| cur > 0)
            .fold((0, 0), |(a, b), (c, m)| (a + c, b + m));
        max > 0 && cur * 10 < max * 9
    }

    /// Anything slowing the hardware down now: GPU throttle reasons, a CPU below its clocks.
    pub fn throttling(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .gpus
            .iter()
            .enumerate()
            .flat_map(|(i, g)| {
                g.throttle
                    .iter()
                    .map(move |t| format!("GPU{i} {}", t.label()))
            })
            .collect();
        if self.cpu_slowed() {
            out.push("CPU below its clocks".into());
        }
        out
    }

    /// Total GPU power draw, where every GPU reports one.
    pub fn gpu_power_w(&self) -> Option<f64> {
        if self.gpus.is_empty() {
            return None;
        }
        self.gpus.iter().map(|g| g.power_w).sum()
    }
}

/// Seconds of history the hardware screen keeps (one sample a second).
pub const HISTORY_SECONDS: usize = 60;

/// The last minute of samples, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HardwareHistory {
    samples: VecDeque<HardwareSnapshot>,
}

impl HardwareHistory {
    pub fn push(&mut self, sample: HardwareSnapshot) {
        if self.samples.len() == HISTORY_SECONDS {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    pub fn latest(&self) -> Option<&HardwareSnapshot> {
        self.samples.back()
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// One reading over the history, oldest first (a missing reading is 0 for the chart).
    pub fn series(&self, read: impl Fn(&HardwareSnapshot) -> Option<f64>) -> Vec<f64> {
        self.samples
            .iter()
            .map(|s| read(s).unwrap_or(0.0))
            .collect()
    }
}

/// A run's hardware timeline in figures: how busy the machine was and for how many seconds
/// something slowed it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelineSummary {
    pub samples: usize,
    pub cpu_mean_percent: f64,
    pub cpu_max_percent: f64,
    pub ram_peak: u64,
    pub swap_peak: u64,
    pub rss_peak: u64,
    /// Samples (seconds) the CPU ran below its clocks.
    pub cpu_slowed_s: usize,
    pub gpus: Vec<GpuTimeline>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuTimeline {
    pub name: String,
    pub utilization_mean: f64,
    pub memory_peak: u64,
    pub power_mean_w: Option<f64>,
    /// Seconds throttled, per reason.
    pub throttled_s: Vec<(Throttle, usize)>,
}

impl TimelineSummary {
    pub fn of(samples: &[HardwareSnapshot]) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        let n = samples.len() as f64;
        let cpu: Vec<f64> = samples.iter().map(|s| f64::from(s.cpu_percent)).collect();
        let peak = |f: fn(&HardwareSnapshot) -> u64| samples.iter().map(f).max().unwrap_or(0);
        let gpu_count = samples.iter().map(|s| s.gpus.len()).max().unwrap_or(0);
        let gpus = (0..gpu_count)
            .map(|i| {
                let readings: Vec<&GpuSnapshot> =
                    samples.iter().filter_map(|s| s.gpus.get(i)).collect();
                let k = readings.len().max(1) as f64;
                let powers: Vec<f64> = readings.iter().filter_map(|g| g.power_w).collect();
                let mut throttled: Vec<(Throttle, usize)> = Vec::new();
                for reason in readings.iter().flat_map(|g| g.throttle.iter()) {
                    match throttled.iter_mut().find(|(r, _)| r == reason) {
                        Some((_, n)) => *n += 1,
                        None => throttled.push((*reason, 1)),
                    }
                }
                throttled.sort();
                GpuTimeline {
                    name: readings.first().map(|g| g.name.clone()).unwrap_or_default(),
                    utilization_mean: readings
                        .iter()
                        .map(|g| f64::from(g.utilization_percent))
                        .sum::<f64>()
                        / k,
                    memory_peak: readings.iter().map(|g| g.memory_used).max().unwrap_or(0),
                    power_mean_w: (!powers.is_empty())
                        .then(|| powers.iter().sum::<f64>() / powers.len() as f64),
                    throttled_s: throttled,
                }
            })
            .collect();
        Some(Self {
            samples: samples.len(),
            cpu_mean_percent: cpu.iter().sum::<f64>() / n,
            cpu_max_percent: cpu.iter().copied().fold(0.0, f64::max),
            ram_peak: peak(|s| s.ram_used),
            swap_peak: peak(|s| s.swap_used),
            rss_peak: peak(|s| s.self_rss),
            cpu_slowed_s: samples.iter().filter(|s| s.cpu_slowed()).count(),
            gpus,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cores(mhz: &[(u32, u32)]) -> HardwareSnapshot {
        HardwareSnapshot {
            cores: mhz
                .iter()
                .map(|&(mhz, max)| CoreSnapshot {
                    usage_percent: 100.0,
                    mhz,
                    max_mhz: Some(max),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_cpu_below_nine_tenths_of_its_clocks_is_slowed() {
        // (2600 + 2000) / (3000 + 3000) = 0.767 < 0.9; (2800 + 2700) / 6000 = 0.917.
        assert!(cores(&[(2600, 3000), (2000, 3000)]).cpu_slowed());
        assert!(!cores(&[(2800, 3000), (2700, 3000)]).cpu_slowed());
        assert!(
            !HardwareSnapshot::default().cpu_slowed(),
            "no cpufreq: unknown, not slowed"
        );
    }

    #[test]
    fn the_history_keeps_the_last_minute() {
        let mut h = HardwareHistory::default();
        for i in 0..75 {
            h.push(HardwareSnapshot {
                cpu_percent: i as f32,
                ..Default::default()
            });
        }
        let series = h.series(|s| Some(f64::from(s.cpu_percent)));
        assert_eq!(series.len(), 60);
        assert_eq!((series[0], series[59]), (15.0, 74.0));
    }

    #[test]
    fn a_timeline_is_summed_up_by_hand() {
        let sample = |cpu: f32, ram: u64, throttle: Vec<Throttle>, power: f64| HardwareSnapshot {
            cpu_percent: cpu,
            ram_used: ram,
            gpus: vec![GpuSnapshot {
                name: "G".into(),
                utilization_percent: cpu as u32,
                memory_used: ram * 2,
                power_w: Some(power),
                throttle,
                ..Default::default()
            }],
            ..Default::default()
        };
        let s = TimelineSummary::of(&[
            sample(10.0, 5, vec![], 100.0),
            sample(50.0, 9, vec![Throttle::PowerCap], 300.0),
            sample(30.0, 7, vec![Throttle::PowerCap, Throttle::Thermal], 350.0),
        ])
        .unwrap();
        // CPU (10 + 50 + 30) / 3 = 30, max 50; RAM peak 9; GPU power (100 + 300 + 350) / 3 = 250.
        assert_eq!(
            (s.samples, s.cpu_mean_percent, s.cpu_max_percent),
            (3, 30.0, 50.0)
        );
        assert_eq!(s.ram_peak, 9);
        let g = &s.gpus[0];
        assert_eq!(
            (g.utilization_mean, g.memory_peak, g.power_mean_w),
            (30.0, 18, Some(250.0))
        );
        assert_eq!(
            g.throttled_s,
            [(Throttle::PowerCap, 2), (Throttle::Thermal, 1)]
        );
        assert_eq!(TimelineSummary::of(&[]), None);
    }

    #[test]
    fn gpu_power_is_summed_only_when_every_gpu_reports_it() {
        let gpu = |w| GpuSnapshot {
            power_w: w,
            ..Default::default()
        };
        let mut s = HardwareSnapshot {
            gpus: vec![gpu(Some(100.0)), gpu(Some(250.5))],
            ..Default::default()
        };
        assert_eq!(s.gpu_power_w(), Some(350.5));
        s.gpus.push(gpu(None));
        assert_eq!(s.gpu_power_w(), None);
    }
}
