//! What machine produced an answer: probed once per process for each answer's manifest.

use serde_json::{Value, json};

/// Memory free for a new model now (what the kernel calls available: free plus reclaimable
/// cache), in bytes.
pub fn free_memory() -> u64 {
    sysinfo::System::new()
        .map(|mut s| {
            s.refresh_memory();
            s.available_memory()
        })
        .unwrap_or(0)
}

/// Free memory of the NVIDIA GPUs llama.cpp offloads to, summed; only a `cuda` build offloads,
/// so any other build has none to count.
pub fn free_gpu_memory() -> Option<u64> {
    if !cfg!(feature = "cuda") {
        return None;
    }
    use super::gpu::GpuProbe;
    let gpus = super::gpu::NvmlProbe::new().sample().ok()?;
    (!gpus.is_empty()).then(|| {
        gpus.iter()
            .map(|g| g.memory_total.saturating_sub(g.memory_used))
            .sum()
    })
}

/// What a model about to load can use.
pub fn free_for_models() -> crate::domain::memory::FreeMemory {
    crate::domain::memory::FreeMemory {
        ram: free_memory(),
        gpu: free_gpu_memory(),
    }
}

/// The machine, once per process: enough to tell runs on different hardware apart.
pub fn summary() -> Value {
    let (cpu, logical_cpus, ram_bytes) = match sysinfo::System::new() {
        Ok(mut system) => {
            system.refresh_cpu_all();
            system.refresh_memory();
            let cpu = system
                .cpus()
                .first()
                .map(|c| c.brand().trim().to_owned())
                .unwrap_or_default();
            (cpu, system.cpus().len(), system.total_memory())
        }
        Err(_) => (String::new(), 0, 0),
    };
    let gpus: Vec<String> = nvml_wrapper::Nvml::init()
        .ok()
        .and_then(|nvml| {
            let n = nvml.device_count().ok()?;
            Some(
                (0..n)
                    .filter_map(|i| nvml.device_by_index(i).ok()?.name().ok())
                    .collect(),
            )
        })
        .unwrap_or_default();
    json!({
        "cpu": cpu,
        "logical_cpus": logical_cpus,
        "ram_bytes": ram_bytes,
        "gpus": gpus,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
    })
}
