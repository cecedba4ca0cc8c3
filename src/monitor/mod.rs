//! Hardware sampling: CPU and memory through sysinfo, per-core frequency and temperature and
//! RAPL energy from sysfs, GPUs behind a small trait (NVML, amdgpu sysfs); and the machine
//! summary stored in each answer's manifest. Only this module probes hardware.

mod amdgpu;
pub mod cpu_sensors;
pub mod energy_meter;
mod gpu;
pub mod machine;
pub mod rapl;
pub mod sysfs;

use std::time::Duration;

use sysinfo::{CpuRefreshKind, Pid, ProcessRefreshKind, ProcessesToUpdate, RefreshKind, System};

pub use amdgpu::AmdGpuProbe;
pub use gpu::{AnyGpuProbe, GpuProbe, NvmlProbe};
pub use sysfs::Sysfs;

use crate::domain::energy::counter_delta;
use crate::domain::hardware::{CoreSnapshot, CpuEnergy, HardwareSnapshot};

/// How often the UI samples the hardware.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

pub struct Sampler {
    system: System,
    pid: Option<Pid>,
    gpu: Box<dyn GpuProbe + Send>,
    sys: Sysfs,
    /// The last RAPL reading, for the package power over the next interval.
    last_energy: Option<(std::time::Instant, CpuEnergy)>,
}

impl Sampler {
    pub fn new(gpu: Box<dyn GpuProbe + Send>) -> Result<Self, String> {
        let mut system =
            System::new_with_specifics(RefreshKind::nothing()).map_err(|e| e.to_string())?;
        // CPU usage is a difference between two refreshes: take the first one now.
        system.refresh_cpu_specifics(CpuRefreshKind::everything());
        Ok(Self {
            system,
            pid: sysinfo::get_current_pid().ok(),
            gpu,
            sys: Sysfs::default(),
            last_energy: None,
        })
    }

    /// The machine's own probes: NVML, then amdgpu.
    pub fn system() -> Result<Self, String> {
        Self::new(Box::new(AnyGpuProbe::system()))
    }

    pub fn sample(&mut self) -> HardwareSnapshot {
        // CPU before processes, as sysinfo requires for per-process figures.
        self.system
            .refresh_cpu_specifics(CpuRefreshKind::everything());
        self.system.refresh_memory();
        let mut self_rss = 0;
        if let Some(pid) = self.pid {
            self.system.refresh_processes_specifics(
                ProcessesToUpdate::Some(&[pid]),
                false,
                ProcessRefreshKind::nothing().with_memory(),
            );
            self_rss = self.system.process(pid).map_or(0, |p| p.memory());
        }
        let (gpus, gpu_note) = match self.gpu.sample() {
            Ok(gpus) if gpus.is_empty() => (gpus, Some("no GPU".into())),
            Ok(gpus) => (gpus, None),
            Err(note) => (Vec::new(), Some(note)),
        };
        let freqs = cpu_sensors::frequencies(&self.sys);
        let cores = self
            .system
            .cpus()
            .iter()
            .enumerate()
            .map(|(i, cpu)| {
                let (cur, max) = freqs.get(i).copied().unwrap_or_default();
                CoreSnapshot {
                    usage_percent: cpu.usage(),
                    // cpufreq where it exists; else what /proc/cpuinfo says (VMs).
                    mhz: cur.unwrap_or(cpu.frequency() as u32),
                    max_mhz: max,
                }
            })
            .collect();
        let cpu_energy = rapl::read(&self.sys);
        let now = std::time::Instant::now();
        let cpu_power_w = match (&cpu_energy, &self.last_energy) {
            (Ok(cur), Some((then, prev))) if prev.packages.len() == cur.packages.len() => {
                let uj: u64 = prev
                    .packages
                    .iter()
                    .zip(&cur.packages)
                    .map(|(&(a, _), &(b, range))| counter_delta(a, b, range))
                    .sum();
                let secs = now.duration_since(*then).as_secs_f64();
                (secs > 0.0).then(|| uj as f64 / 1e6 / secs)
            }
            _ => None,
        };
        self.last_energy = cpu_energy.clone().ok().map(|e| (now, e));
        HardwareSnapshot {
            cpu_power_w,
            cpu_percent: self.system.global_cpu_usage(),
            cores,
            cpu_temp_c: cpu_sensors::temperature(&self.sys),
            ram_used: self.system.used_memory(),
            ram_total: self.system.total_memory(),
            swap_used: self.system.used_swap(),
            swap_total: self.system.total_swap(),
            self_rss,
            cpu_energy: Some(cpu_energy),
            gpus,
            gpu_note,
        }
    }
}
