//! A hardware sample as one line of text (`slam monitor`): what the hardware screen shows,
//! without the history.

use crate::domain::hardware::HardwareSnapshot;

/// Bytes as GiB with one decimal: "23.5".
pub fn gib(b: u64) -> String {
    format!("{:.1}", b as f64 / f64::from(1u32 << 30))
}

fn or_na<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "n/a".to_owned(), f)
}

pub fn line(s: &HardwareSnapshot) -> String {
    let mhz: Vec<u32> = s.cores.iter().map(|c| c.mhz).filter(|&m| m > 0).collect();
    let freq = if mhz.is_empty() {
        "n/a".to_owned()
    } else {
        format!(
            "{:.2} GHz",
            mhz.iter().map(|&m| f64::from(m)).sum::<f64>() / mhz.len() as f64 / 1000.0
        )
    };
    let package = match (&s.cpu_energy, s.cpu_power_w) {
        (_, Some(w)) => format!("package {w:.0} W"),
        (Some(Err(note)), None) => format!("package power {note}"),
        _ => "package power n/a".into(),
    };
    let mut out = format!(
        "CPU {:.0}% {freq} temp {} {} · {package} · RAM {}/{} GiB · swap {}/{} GiB · slam {} MiB",
        s.cpu_percent,
        or_na(s.cpu_temp_c, |c| format!("{c:.0}°C")),
        if s.cpu_slowed() {
            "below its clocks"
        } else {
            ""
        },
        gib(s.ram_used),
        gib(s.ram_total),
        gib(s.swap_used),
        gib(s.swap_total),
        s.self_rss >> 20
    )
    .replace("  ", " ");
    for (i, g) in s.gpus.iter().enumerate() {
        out.push_str(&format!(
            " · GPU{i} {} ({}) {}/{} GiB {}% {}/{} {} SM {} mem {}",
            g.name,
            g.vendor.source(),
            gib(g.memory_used),
            gib(g.memory_total),
            g.utilization_percent,
            or_na(g.power_w, |w| format!("{w:.0}")),
            or_na(g.power_limit_w, |w| format!("{w:.0} W")),
            or_na(g.temperature_c, |c| format!("{c:.0}°C")),
            or_na(g.sm_clock_mhz, |m| format!("{m} MHz")),
            or_na(g.memory_clock_mhz, |m| format!("{m} MHz")),
        ));
        if !g.throttle.is_empty() {
            let reasons: Vec<&str> = g.throttle.iter().map(|t| t.label()).collect();
            out.push_str(&format!(" throttled: {}", reasons.join(", ")));
        }
    }
    if let Some(note) = &s.gpu_note {
        out.push_str(&format!(" · {note}"));
    }
    out
}
