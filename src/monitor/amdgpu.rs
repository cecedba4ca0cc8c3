//! AMD GPUs through the amdgpu driver's sysfs files — no ROCm needed: VRAM used/total,
//! busy percent, and from its hwmon directory power, power cap, temperature and clocks.

use std::path::Path;

use super::gpu::GpuProbe;
use super::sysfs::{self, Sysfs};
use crate::domain::hardware::{GpuSnapshot, GpuVendor};

const AMD_VENDOR_ID: &str = "0x1002";

pub struct AmdGpuProbe {
    pub sys: Sysfs,
}

impl AmdGpuProbe {
    /// The `card*` devices the amdgpu driver drives (connectors like `card0-DP-1` skipped).
    fn cards(&self) -> Vec<std::path::PathBuf> {
        sysfs::entries(&self.sys.path("class/drm"), "card")
            .into_iter()
            .filter(|p| {
                sysfs::name(p)[4..].chars().all(|c| c.is_ascii_digit())
                    && self.sys.text(&p.join("device/vendor")).ok().as_deref()
                        == Some(AMD_VENDOR_ID)
            })
            .collect()
    }

    fn read_card(&self, card: &Path) -> GpuSnapshot {
        let dev = card.join("device");
        let num = |name: &str| self.sys.number(&dev.join(name)).ok();
        let hwmon = sysfs::entries(&dev.join("hwmon"), "hwmon")
            .into_iter()
            .next();
        let hw = |name: &str| {
            hwmon
                .as_ref()
                .and_then(|h| self.sys.number(&h.join(name)).ok())
        };
        let micro_watts = |n: u64| n as f64 / 1e6;
        let name = self
            .sys
            .text(&dev.join("product_name"))
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("AMD GPU {}", sysfs::name(card)));
        GpuSnapshot {
            name,
            vendor: GpuVendor::Amd,
            memory_used: num("mem_info_vram_used").unwrap_or(0),
            memory_total: num("mem_info_vram_total").unwrap_or(0),
            utilization_percent: num("gpu_busy_percent").unwrap_or(0) as u32,
            // Newer kernels name the average `power1_input`, older ones `power1_average`.
            power_w: hw("power1_average")
                .or_else(|| hw("power1_input"))
                .map(micro_watts),
            power_limit_w: hw("power1_cap").map(micro_watts),
            temperature_c: hw("temp1_input").map(|m| m as f32 / 1000.0),
            sm_clock_mhz: hw("freq1_input").map(|hz| (hz / 1_000_000) as u32),
            memory_clock_mhz: hw("freq2_input").map(|hz| (hz / 1_000_000) as u32),
            throttle: Vec::new(),
            energy_mj: None,
        }
    }
}

impl GpuProbe for AmdGpuProbe {
    fn sample(&mut self) -> Result<Vec<GpuSnapshot>, String> {
        let cards = self.cards();
        if cards.is_empty() {
            return Err("no AMD GPU".into());
        }
        Ok(cards.iter().map(|c| self.read_card(c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A card as amdgpu lays it out (values from a Radeon RX 7900 XTX).
    fn card(root: &Path, name: &str, vendor: &str) {
        let dev = root.join("class/drm").join(name).join("device");
        let hw = dev.join("hwmon/hwmon4");
        std::fs::create_dir_all(&hw).unwrap();
        for (file, value) in [
            ("vendor", vendor),
            ("mem_info_vram_used", "2147483648"),
            ("mem_info_vram_total", "25753026560"),
            ("gpu_busy_percent", "37"),
            ("product_name", "Radeon RX 7900 XTX"),
        ] {
            std::fs::write(dev.join(file), format!("{value}\n")).unwrap();
        }
        for (file, value) in [
            ("power1_average", "123000000"),
            ("power1_cap", "339000000"),
            ("temp1_input", "54000"),
            ("freq1_input", "2482000000"),
            ("freq2_input", "1249000000"),
        ] {
            std::fs::write(hw.join(file), format!("{value}\n")).unwrap();
        }
    }

    #[test]
    fn an_amd_card_is_read_from_its_sysfs_files() {
        let root = tempfile::tempdir().unwrap();
        card(root.path(), "card1", AMD_VENDOR_ID);
        card(root.path(), "card0", "0x8086"); // an Intel iGPU: not ours
        std::fs::create_dir_all(root.path().join("class/drm/card1-DP-1")).unwrap();
        let mut probe = AmdGpuProbe {
            sys: Sysfs::at(root.path()),
        };
        let gpus = probe.sample().unwrap();
        assert_eq!(gpus.len(), 1);
        let g = &gpus[0];
        assert_eq!(g.name, "Radeon RX 7900 XTX");
        assert_eq!(g.vendor, GpuVendor::Amd);
        assert_eq!((g.memory_used, g.memory_total), (2 << 30, 25753026560));
        assert_eq!(g.utilization_percent, 37);
        assert_eq!((g.power_w, g.power_limit_w), (Some(123.0), Some(339.0)));
        assert_eq!(g.temperature_c, Some(54.0));
        assert_eq!(
            (g.sm_clock_mhz, g.memory_clock_mhz),
            (Some(2482), Some(1249))
        );
        assert_eq!(
            g.energy_mj, None,
            "amdgpu has no energy counter: power is integrated"
        );
    }

    #[test]
    fn power_input_is_read_where_power_average_is_not() {
        let root = tempfile::tempdir().unwrap();
        card(root.path(), "card0", AMD_VENDOR_ID);
        let hw = root.path().join("class/drm/card0/device/hwmon/hwmon4");
        std::fs::remove_file(hw.join("power1_average")).unwrap();
        std::fs::write(hw.join("power1_input"), "45500000\n").unwrap();
        let mut probe = AmdGpuProbe {
            sys: Sysfs::at(root.path()),
        };
        assert_eq!(probe.sample().unwrap()[0].power_w, Some(45.5));
    }

    #[test]
    fn no_amd_card_is_a_note() {
        let root = tempfile::tempdir().unwrap();
        let mut probe = AmdGpuProbe {
            sys: Sysfs::at(root.path()),
        };
        assert_eq!(probe.sample(), Err("no AMD GPU".into()));
    }
}
