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
