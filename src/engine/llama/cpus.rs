//! What the machine offers a decode step, read from the OS (Linux): the affinity mask, the
//! cgroup's CPU quota, the CPU time other processes use (sampled in the background), and how
//! many of slam's models are decoding. `core::threads::choose_threads` turns it into a thread
//! count.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::core::threads::CpuBudget;

/// How often the background sampler reads the CPU counters.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);
const FIRST_SAMPLE: Duration = Duration::from_millis(50);

/// slam's models that are decoding now (each holds a `Decoding` while it has work).
static DECODING: AtomicUsize = AtomicUsize::new(0);

/// Held by a model while it decodes; counted by every model's thread choice.
pub struct Decoding;

impl Decoding {
    pub fn start() -> Self {
        DECODING.fetch_add(1, Ordering::AcqRel);
        Decoding
    }
}

impl Drop for Decoding {
    fn drop(&mut self) {
        DECODING.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The budget right now. The first call starts the background sampler (a model load calls it,
/// so a measurement exists by the first generation); until then other processes count as idle.
pub fn budget() -> CpuBudget {
    CpuBudget {
        allowed: allowed_cpus(),
        quota: cgroup_quota(),
        physical: num_cpus::get_physical(),
        busy_elsewhere: busy_elsewhere(),
        decoding_models: DECODING.load(Ordering::Acquire),
    }
}

/// Start measuring (idempotent).
pub fn start_sampler() {
    let _ = busy_elsewhere();
}

fn allowed_cpus() -> usize {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_getaffinity fills it for this
    // process (pid 0) and the size passed is its own.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            let n = libc::CPU_COUNT(&set);
            if n > 0 {
                return n as usize;
            }
        }
    }
    num_cpus::get()
}

/// The CPU quota of this process's cgroup, in CPUs (v2 `cpu.max`, else v1 CFS quota).
fn cgroup_quota() -> Option<f64> {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    if let Some(text) = read("/sys/fs/cgroup/cpu.max") {
        return parse_cpu_max(&text);
    }
    let quota = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")?;
    let period = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us")?;
    parse_cfs(&quota, &period)
}

/// cgroup v2 `cpu.max`: "max 100000" (no limit) or "QUOTA PERIOD".
pub fn parse_cpu_max(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let quota: f64 = parts.next()?.parse().ok()?;
    let period: f64 = parts.next()?.parse().ok()?;
    (quota > 0.0 && period > 0.0).then(|| quota / period)
}

/// cgroup v1: `cpu.cfs_quota_us` (-1: no limit) over `cpu.cfs_period_us`.
pub fn parse_cfs(quota: &str, period: &str) -> Option<f64> {
    let quota: f64 = quota.trim().parse().ok()?;
    let period: f64 = period.trim().parse().ok()?;
    (quota > 0.0 && period > 0.0).then(|| quota / period)
}

/// Ticks of the whole machine: (busy, total), from the `cpu` line of /proc/stat. Steal time
/// (the hypervisor running other machines) is busy: it is not ours to use.
pub fn parse_proc_stat(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if v.len() < 4 {
        return None;
    }
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    let idle = get(3) + get(4);
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    Some((busy, busy + idle))
}

/// This process's CPU ticks (utime + stime) from /proc/self/stat; the command name in
/// parentheses may hold spaces, so fields are counted after its closing parenthesis.
pub fn parse_self_stat(text: &str) -> Option<u64> {
    let after = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state is field 3 of the file, utime 14 and stime 15 → indices 11, 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// CPUs kept busy by other processes over the last sampling window (as f64 bits; 0.0 is 0).
static BUSY: AtomicU64 = AtomicU64::new(0);

/// The latest measurement, from a background thread started on the first call.
fn busy_elsewhere() -> f64 {
    static SAMPLER: OnceLock<()> = OnceLock::new();
    SAMPLER.get_or_init(|| {
        let spawned = std::thread::Builder::new()
            .name("slam cpu sampler".into())
            .spawn(sample_forever);
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no CPU load sampler: other processes count as idle");
        }
    });
    f64::from_bits(BUSY.load(Ordering::Relaxed))
}

fn sample_forever() {
    let read = || {
        let stat = std::fs::read_to_string("/proc/stat").ok();
        let own = std::fs::read_to_string("/proc/self/stat").ok();
        Some((
            parse_proc_stat(&stat?)?,
            parse_self_stat(&own?)?,
            Instant::now(),
        ))
    };
    let Some(mut last) = read() else {
        tracing::warn!("cannot read /proc/stat: other processes count as idle");
        return;
    };
    // A first, short window, so a model that just loaded already has a measurement.
    let mut wait = FIRST_SAMPLE;
    loop {
        std::thread::sleep(wait);
        wait = SAMPLE_EVERY;
        let Some(now) = read() else { continue };
        let ((busy0, total0), own0, _) = last;
        let ((busy1, total1), own1, _) = now;
        let cpus = allowed_cpus().max(1) as f64;
        let total = total1.saturating_sub(total0) as f64;
        if total > 0.0 {
            // Ticks are summed over every CPU of the machine: as CPUs busy, out of `cpus`.
            let machine_cpus = num_cpus::get().max(1) as f64;
            let busy = busy1.saturating_sub(busy0) as f64 / total * machine_cpus;
            let own = own1.saturating_sub(own0) as f64 / total * machine_cpus;
            let others = (busy - own).clamp(0.0, cpus);
            BUSY.store(others.to_bits(), Ordering::Relaxed);
        }
        last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_quotas_parse_in_both_versions() {
        assert_eq!(parse_cpu_max("max 100000\n"), None);
        assert_eq!(parse_cpu_max("150000 100000\n"), Some(1.5));
        assert_eq!(parse_cfs("-1\n", "100000\n"), None);
        assert_eq!(parse_cfs("200000\n", "100000\n"), Some(2.0));
        assert_eq!(parse_cpu_max("garbage"), None);
    }

    #[test]
    fn proc_stat_counts_steal_as_busy() {
        let text = "cpu  100 5 50 800 20 3 2 10 0 0\ncpu0 1 2 3 4\n";
        // busy = 100 + 5 + 50 + 3 + 2 + 10 = 170; idle = 800 + 20.
        assert_eq!(parse_proc_stat(text), Some((170, 990)));
        assert_eq!(parse_proc_stat("intr 1 2 3"), None);
    }

    #[test]
    fn self_stat_reads_past_a_name_with_spaces() {
        let text = "4242 (slam (cpu) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 37 12 0 0 20 0 9 0";
        assert_eq!(parse_self_stat(text), Some(49));
    }

    #[test]
    fn the_decoding_count_follows_the_guards() {
        let before = DECODING.load(Ordering::Acquire);
        let a = Decoding::start();
        let b = Decoding::start();
        assert!(DECODING.load(Ordering::Acquire) >= before + 2);
        drop(a);
        drop(b);
        assert!(budget().allowed >= 1);
    }
}
