//! CPU readings sysinfo does not give: each core's highest frequency (cpufreq) and the package
//! temperature (hwmon: coretemp on Intel, k10temp on AMD).

use super::sysfs::{self, Sysfs};

/// Per logical CPU, in order: (current MHz, highest MHz), from cpufreq where it exists.
pub fn frequencies(sys: &Sysfs) -> Vec<(Option<u32>, Option<u32>)> {
    sysfs::entries(&sys.path("devices/system/cpu"), "cpu")
        .into_iter()
        .filter(|p| {
            sysfs::name(p)[3..].chars().all(|c| c.is_ascii_digit()) && sysfs::name(p).len() > 3
        })
        .map(|cpu| {
            let khz = |f: &str| {
                sys.number(&cpu.join("cpufreq").join(f))
                    .ok()
                    .map(|k| (k / 1000) as u32)
            };
            (khz("scaling_cur_freq"), khz("cpuinfo_max_freq"))
        })
        .collect()
}

/// Drivers whose sensors are the CPU's.
const CPU_SENSORS: [&str; 4] = ["coretemp", "k10temp", "zenpower", "cpu_thermal"];

/// The CPU package temperature in °C: the sensor labelled as the package ("Package id 0",
/// "Tctl", "Tdie") or else the hottest of a CPU sensor's readings.
pub fn temperature(sys: &Sysfs) -> Option<f32> {
    let mut hottest: Option<f32> = None;
    for hwmon in sysfs::entries(&sys.path("class/hwmon"), "hwmon") {
        let Some(name) = sys.text(&hwmon.join("name")).ok() else {
            continue;
        };
        if !CPU_SENSORS.contains(&name.as_str()) {
            continue;
        }
        for input in sysfs::entries(&hwmon, "temp")
            .into_iter()
            .filter(|p| sysfs::name(p).ends_with("_input"))
        {
            let Some(milli) = sys.number(&input).ok() else {
                continue;
            };
            let c = milli as f32 / 1000.0;
            let label_file = input.with_file_name(sysfs::name(&input).replace("_input", "_label"));
            let label = sys.text(&label_file).ok().unwrap_or_default();
            if label.starts_with("Package") || label == "Tctl" || label == "Tdie" {
                return Some(c);
            }
            hottest = Some(hottest.map_or(c, |h| h.max(c)));
        }
    }
    hottest
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn write(root: &Path, rel: &str, value: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("{value}\n")).unwrap();
    }

    #[test]
    fn frequencies_come_from_cpufreq_in_cpu_order() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for (cpu, cur) in [(0, "3400000"), (1, "1200000"), (10, "2000000")] {
            write(
                r,
                &format!("devices/system/cpu/cpu{cpu}/cpufreq/scaling_cur_freq"),
                cur,
            );
            write(
                r,
                &format!("devices/system/cpu/cpu{cpu}/cpufreq/cpuinfo_max_freq"),
                "4500000",
            );
        }
        write(r, "devices/system/cpu/cpu2/online", "1"); // no cpufreq (a VM)
        std::fs::create_dir_all(r.join("devices/system/cpu/cpufreq")).unwrap();
        std::fs::create_dir_all(r.join("devices/system/cpu/cpuidle")).unwrap();
        let f = frequencies(&Sysfs::at(r));
        assert_eq!(
            f,
            [
                (Some(3400), Some(4500)),
                (Some(1200), Some(4500)),
                (None, None),
                (Some(2000), Some(4500))
            ]
        );
    }

    #[test]
    fn the_package_sensor_is_preferred_and_other_drivers_ignored() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        write(r, "class/hwmon/hwmon0/name", "nvme");
        write(r, "class/hwmon/hwmon0/temp1_input", "80000");
        write(r, "class/hwmon/hwmon1/name", "coretemp");
        write(r, "class/hwmon/hwmon1/temp2_input", "71000");
        write(r, "class/hwmon/hwmon1/temp2_label", "Core 0");
        write(r, "class/hwmon/hwmon1/temp1_input", "64500");
        write(r, "class/hwmon/hwmon1/temp1_label", "Package id 0");
        assert_eq!(temperature(&Sysfs::at(r)), Some(64.5));
        std::fs::remove_file(r.join("class/hwmon/hwmon1/temp1_label")).unwrap();
        assert_eq!(
            temperature(&Sysfs::at(r)),
            Some(71.0),
            "no package label: the hottest"
        );
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(temperature(&Sysfs::at(empty.path())), None);
    }
}
