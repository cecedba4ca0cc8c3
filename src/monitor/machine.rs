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
