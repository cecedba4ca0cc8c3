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

use crate::core::hardware::{CoreSnapshot, HardwareSnapshot};

/// How often the UI samples the hardware.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

pub struct Sampler {
    system: System,
    pid: Option<Pid>,
    gpu: Box<dyn GpuProbe + Send>,
    sys: Sysfs,
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
        HardwareSnapshot {
            cpu_percent: self.system.global_cpu_usage(),
            cores,
            cpu_temp_c: cpu_sensors::temperature(&self.sys),
            ram_used: self.system.used_memory(),
            ram_total: self.system.total_memory(),
            swap_used: self.system.used_swap(),
            swap_total: self.system.total_swap(),
            self_rss,
            cpu_energy: Some(rapl::read(&self.sys)),
            gpus,
            gpu_note,
        }
    }
}
