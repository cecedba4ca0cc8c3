//! GPU probes. A machine without the driver is a state to show, not an error.

use nvml_wrapper::Nvml;
use nvml_wrapper::bitmasks::device::ThrottleReasons;
use nvml_wrapper::enum_wrappers::device::{Clock, TemperatureSensor};

use crate::domain::hardware::{GpuSnapshot, GpuVendor, Throttle};

pub trait GpuProbe {
    /// Current readings, or a short note on why there are none.
    fn sample(&mut self) -> Result<Vec<GpuSnapshot>, String>;
}

pub struct NvmlProbe {
    nvml: Option<Nvml>,
}

impl NvmlProbe {
    pub fn new() -> Self {
        let nvml = Nvml::init()
            .inspect_err(|e| tracing::info!(error = %e, "NVML unavailable"))
            .ok();
        Self { nvml }
    }
}

impl Default for NvmlProbe {
    fn default() -> Self {
        Self::new()
    }
}

/// NVML's throttle reasons as slam names them (idle and application clocks are not slowdowns).
pub fn throttles(reasons: ThrottleReasons) -> Vec<Throttle> {
    let mut out = Vec::new();
    if reasons.contains(ThrottleReasons::SW_POWER_CAP) {
        out.push(Throttle::PowerCap);
    }
    if reasons
        .intersects(ThrottleReasons::SW_THERMAL_SLOWDOWN | ThrottleReasons::HW_THERMAL_SLOWDOWN)
    {
        out.push(Throttle::Thermal);
    }
    if reasons.contains(ThrottleReasons::HW_POWER_BRAKE_SLOWDOWN) {
        out.push(Throttle::PowerBrake);
    }
    if reasons.contains(ThrottleReasons::HW_SLOWDOWN) {
        out.push(Throttle::HwSlowdown);
    }
    out
}

impl GpuProbe for NvmlProbe {
    fn sample(&mut self) -> Result<Vec<GpuSnapshot>, String> {
        let nvml = self
            .nvml
            .as_ref()
            .ok_or_else(|| "no NVIDIA GPU".to_string())?;
        let count = nvml.device_count().map_err(|e| e.to_string())?;
        let mut gpus = Vec::new();
        for i in 0..count {
            let Ok(device) = nvml.device_by_index(i) else {
                continue;
            };
            let memory = device.memory_info().ok();
            let watts = |mw: u32| f64::from(mw) / 1000.0;
            gpus.push(GpuSnapshot {
                name: device.name().unwrap_or_else(|_| format!("GPU {i}")),
                vendor: GpuVendor::Nvidia,
                memory_used: memory.as_ref().map_or(0, |m| m.used),
                memory_total: memory.as_ref().map_or(0, |m| m.total),
                utilization_percent: device.utilization_rates().map_or(0, |u| u.gpu),
                power_w: device.power_usage().ok().map(watts),
                power_limit_w: device.enforced_power_limit().ok().map(watts),
                temperature_c: device
                    .temperature(TemperatureSensor::Gpu)
                    .ok()
                    .map(|c| c as f32),
                sm_clock_mhz: device.clock_info(Clock::SM).ok(),
                memory_clock_mhz: device.clock_info(Clock::Memory).ok(),
                throttle: device
                    .current_throttle_reasons()
                    .map(throttles)
                    .unwrap_or_default(),
                energy_mj: device.total_energy_consumption().ok(),
            });
        }
        Ok(gpus)
    }
}

/// NVIDIA through NVML, else AMD through sysfs: the first vendor that answers.
pub struct AnyGpuProbe {
    probes: Vec<Box<dyn GpuProbe + Send>>,
}

impl AnyGpuProbe {
    pub fn new(probes: Vec<Box<dyn GpuProbe + Send>>) -> Self {
        Self { probes }
    }

    /// The probes of this machine: NVML, then amdgpu under /sys.
    pub fn system() -> Self {
        Self::new(vec![
            Box::new(NvmlProbe::new()),
            Box::new(super::amdgpu::AmdGpuProbe {
                sys: super::sysfs::Sysfs::default(),
            }),
        ])
    }
}

impl GpuProbe for AnyGpuProbe {
    fn sample(&mut self) -> Result<Vec<GpuSnapshot>, String> {
        let mut notes = Vec::new();
        for probe in &mut self.probes {
            match probe.sample() {
                Ok(gpus) if !gpus.is_empty() => return Ok(gpus),
                Ok(_) => {}
                Err(note) => notes.push(note),
            }
        }
        Err(if notes.is_empty() {
            "no GPU".into()
        } else {
            notes.join(", ")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_driver_the_probe_reports_a_note() {
        // This machine (and CI) has no NVIDIA driver: the probe must say so, not fail.
        let mut probe = NvmlProbe::new();
        if probe.nvml.is_none() {
            assert_eq!(probe.sample(), Err("no NVIDIA GPU".to_string()));
        } else {
            assert!(probe.sample().is_ok());
        }
    }

    #[test]
    fn nvml_throttle_reasons_are_named() {
        let r = ThrottleReasons::SW_POWER_CAP
            | ThrottleReasons::HW_THERMAL_SLOWDOWN
            | ThrottleReasons::GPU_IDLE;
        assert_eq!(throttles(r), [Throttle::PowerCap, Throttle::Thermal]);
        assert!(
            throttles(ThrottleReasons::GPU_IDLE).is_empty(),
            "idle is not a slowdown"
        );
    }

    struct Fixed(Result<Vec<GpuSnapshot>, String>);
    impl GpuProbe for Fixed {
        fn sample(&mut self) -> Result<Vec<GpuSnapshot>, String> {
            self.0.clone()
        }
    }

    #[test]
    fn the_first_vendor_that_answers_is_used() {
        let amd = GpuSnapshot {
            name: "Radeon".into(),
            vendor: GpuVendor::Amd,
            ..Default::default()
        };
        let mut probe = AnyGpuProbe::new(vec![
            Box::new(Fixed(Err("no NVIDIA GPU".into()))),
            Box::new(Fixed(Ok(vec![amd.clone()]))),
        ]);
        assert_eq!(probe.sample(), Ok(vec![amd]));
        let mut none = AnyGpuProbe::new(vec![
            Box::new(Fixed(Err("no NVIDIA GPU".into()))),
            Box::new(Fixed(Err("no AMD GPU".into()))),
        ]);
        assert_eq!(none.sample(), Err("no NVIDIA GPU, no AMD GPU".into()));
    }
}
