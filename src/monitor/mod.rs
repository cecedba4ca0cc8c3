//! Hardware sampling: CPU and memory through sysinfo, GPUs behind a small trait (NVML today);
//! and the machine summary stored in each answer's manifest. Only this module probes hardware.

mod gpu;
pub mod machine;

use std::time::Duration;

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, RefreshKind, System};

pub use gpu::{GpuProbe, NvmlProbe};

use crate::core::hardware::HardwareSnapshot;

/// How often the UI samples the hardware.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

pub struct Sampler {
    system: System,
    pid: Option<Pid>,
    gpu: Box<dyn GpuProbe + Send>,
}

impl Sampler {
    pub fn new(gpu: Box<dyn GpuProbe + Send>) -> Result<Self, String> {
        let mut system =
            System::new_with_specifics(RefreshKind::nothing()).map_err(|e| e.to_string())?;
        // CPU usage is a difference between two refreshes: take the first one now.
        system.refresh_cpu_usage();
        Ok(Self {
            system,
            pid: sysinfo::get_current_pid().ok(),
            gpu,
        })
    }

    pub fn sample(&mut self) -> HardwareSnapshot {
        // CPU before processes, as sysinfo requires for per-process figures.
        self.system.refresh_cpu_usage();
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
        HardwareSnapshot {
            cpu_percent: self.system.global_cpu_usage(),
            ram_used: self.system.used_memory(),
            ram_total: self.system.total_memory(),
            self_rss,
            gpus,
            gpu_note,
        }
    }
}
