//! A hardware sample as the UI shows it.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HardwareSnapshot {
    pub cpu_percent: f32,
    pub ram_used: u64,
    pub ram_total: u64,
    /// slam's own resident memory.
    pub self_rss: u64,
    pub gpus: Vec<GpuSnapshot>,
    /// Why no GPU is listed ("no NVIDIA GPU"), when none is.
    pub gpu_note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GpuSnapshot {
    pub name: String,
    pub memory_used: u64,
    pub memory_total: u64,
    pub utilization_percent: u32,
}
