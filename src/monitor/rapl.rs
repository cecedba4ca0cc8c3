//! CPU package energy from RAPL (`/sys/class/powercap/intel-rapl:N`, present on Intel and AMD
//! Zen). Current kernels let only root read `energy_uj`: then the reading is a note naming the
//! file, never a guess.

use super::sysfs::{self, Read, Sysfs};
use crate::domain::hardware::CpuEnergy;

/// The package counters, or why there are none.
pub fn read(sys: &Sysfs) -> Result<CpuEnergy, String> {
    let base = sys.path("class/powercap");
    // Packages only (`intel-rapl:0`); `intel-rapl:0:0` are their sub-zones (core, uncore).
    let zones: Vec<_> = sysfs::entries(&base, "intel-rapl:")
        .into_iter()
        .filter(|p| sysfs::name(p).matches(':').count() == 1)
        .collect();
    if zones.is_empty() {
        return Err(format!(
            "n/a — no RAPL ({} missing)",
            base.join("intel-rapl:0").display()
        ));
    }
    let mut packages = Vec::new();
    for zone in zones {
        let file = zone.join("energy_uj");
        let energy = match sys.number(&file) {
            Read::Value(v) => v,
            Read::Denied => return Err(format!("n/a — needs read access to {}", file.display())),
            Read::Missing => return Err(format!("n/a — {} missing", file.display())),
            Read::Bad(e) => return Err(format!("n/a — {e}")),
        };
        let range = sys
            .number(&zone.join("max_energy_range_uj"))
            .ok()
            .unwrap_or(u64::from(u32::MAX));
        packages.push((energy, range));
    }
    Ok(CpuEnergy { packages })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn zone(root: &Path, name: &str, energy: &str) -> PathBuf {
        let dir = root.join("class/powercap").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("name"), "package-0\n").unwrap();
        std::fs::write(dir.join("energy_uj"), energy).unwrap();
        std::fs::write(dir.join("max_energy_range_uj"), "262143328850\n").unwrap();
        dir
    }

    #[test]
    fn readable_packages_are_read_and_sub_zones_skipped() {
        let root = tempfile::tempdir().unwrap();
        zone(root.path(), "intel-rapl:0", "123456789\n");
        zone(root.path(), "intel-rapl:1", "5\n");
        zone(root.path(), "intel-rapl:0:0", "999\n");
        let e = read(&Sysfs::at(root.path())).unwrap();
        assert_eq!(e.packages, [(123456789, 262143328850), (5, 262143328850)]);
    }

    #[test]
    fn an_unreadable_counter_names_the_file() {
        let root = tempfile::tempdir().unwrap();
        let file = zone(root.path(), "intel-rapl:0", "1\n").join("energy_uj");
        let mut sys = Sysfs::at(root.path());
        sys.denied.push(file.clone());
        assert_eq!(
            read(&sys),
            Err(format!("n/a — needs read access to {}", file.display()))
        );
    }

    #[test]
    fn a_machine_without_rapl_says_so() {
        let root = tempfile::tempdir().unwrap();
        let got = read(&Sysfs::at(root.path())).unwrap_err();
        assert!(got.starts_with("n/a — no RAPL"), "{got}");
    }
}
