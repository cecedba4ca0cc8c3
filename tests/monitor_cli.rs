//! `slam monitor`: one line a second, or JSON, checked against what the kernel itself says
//! (/proc/meminfo, the CPUs the system lists).

mod common;

use common::{Sandbox, text};
use serde_json::Value;

fn meminfo_total_bytes() -> u64 {
    let info = std::fs::read_to_string("/proc/meminfo").unwrap();
    let kb: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

#[test]
fn json_samples_agree_with_the_kernel() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .slam()
        .args(["monitor", "--json", "--count", "2"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let samples: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(samples.len(), 2, "{stdout}");
    let cpus = std::thread::available_parallelism().unwrap().get();
    for s in &samples {
        assert_eq!(s["ram_total"].as_u64(), Some(meminfo_total_bytes()), "{s}");
        assert_eq!(s["cores"].as_array().map(Vec::len), Some(cpus), "{s}");
        assert!(s["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{s}");
        // Every reading a machine may lack is there or says why.
        assert!(s["gpus"].as_array().is_some_and(|g| !g.is_empty()) || s["gpu_note"].is_string());
        let energy = &s["cpu_energy"];
        assert!(
            energy["Ok"].is_object()
                || energy["Err"].as_str().is_some_and(|e| e.starts_with("n/a")),
            "{energy}"
        );
    }
    // Two samples a second apart.
    let ms = |s: &Value| {
        let t = s["at"].as_str().unwrap();
        let secs: f64 = t[17..23].parse().unwrap();
        let mins: f64 = t[14..16].parse().unwrap();
        mins * 60.0 + secs
    };
    let gap = (ms(&samples[1]) - ms(&samples[0])).rem_euclid(3600.0);
    assert!((0.9..3.0).contains(&gap), "{gap}");
}

#[test]
fn the_text_line_names_every_reading() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .slam()
        .args(["monitor", "--count", "1"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let gib = format!(
        "{:.1} GiB",
        meminfo_total_bytes() as f64 / f64::from(1u32 << 30)
    );
    let line = stdout.lines().next().unwrap_or_default();
    for part in ["CPU ", "temp ", "package ", "RAM ", &gib, "swap ", "slam "] {
        assert!(line.contains(part), "{part:?} in {line}");
    }
    assert_eq!(stdout.lines().count(), 1);
}
