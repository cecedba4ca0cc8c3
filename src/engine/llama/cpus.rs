//! What the machine offers a decode step, read from the OS (Linux): the affinity mask, the
//! cgroup's CPU quota, the CPU time other processes use on the CPUs this process may run on
//! (sampled in the background), and how many of slam's models are decoding.
//! `engine::threads::choose_threads` turns it into a thread count.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::engine::threads::CpuBudget;

/// How often the background sampler reads the CPU counters.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);
/// The first window is short, so a model that just loaded already has a measurement.
const FIRST_SAMPLE: Duration = Duration::from_millis(50);
/// How long `budget` waits for that first measurement at most.
const FIRST_WAIT: Duration = Duration::from_millis(80);

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

/// slam's models decoding now.
pub fn decoding_models() -> usize {
    DECODING.load(Ordering::Acquire)
}

/// The budget right now. The first call starts the background sampler and waits (briefly) for
/// its first measurement; a model load starts it earlier, so it is there by then.
pub fn budget() -> CpuBudget {
    CpuBudget {
        allowed: allowed_cpus().len(),
        quota: cgroup_quota(),
        physical: physical_cores(),
        busy_elsewhere: busy_elsewhere(),
        decoding_models: decoding_models(),
    }
}

/// Start measuring (idempotent).
pub fn start_sampler() {
    sampler();
}

fn physical_cores() -> usize {
    static PHYSICAL: OnceLock<usize> = OnceLock::new();
    *PHYSICAL.get_or_init(num_cpus::get_physical)
}

/// The CPUs this process may run on.
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_getaffinity fills it for this
    // process (pid 0) and the size passed is its own; CPU_ISSET reads within it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
                .filter(|c| libc::CPU_ISSET(*c, &set))
                .collect();
            if !cpus.is_empty() {
                return cpus;
            }
        }
    }
    (0..num_cpus::get().max(1)).collect()
}

/// The tightest CPU quota on the way from this process's cgroup up to the root, in CPUs
/// (cgroup v2 `cpu.max` files; else v1's CFS quota).
fn cgroup_quota() -> Option<f64> {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    if let Some(own) = read("/proc/self/cgroup")
        .as_deref()
        .and_then(cgroup_v2_path)
    {
        let mut dir = std::path::PathBuf::from("/sys/fs/cgroup").join(own.trim_start_matches('/'));
        let mut tightest: Option<f64> = None;
        loop {
            if let Some(q) =
                read(&dir.join("cpu.max").to_string_lossy()).and_then(|t| parse_cpu_max(&t))
            {
                tightest = Some(tightest.map_or(q, |t| t.min(q)));
            }
            if dir == std::path::Path::new("/sys/fs/cgroup") || !dir.pop() {
                break;
            }
        }
        if tightest.is_some() {
            return tightest;
        }
    }
    let quota = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")?;
    let period = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us")?;
    parse_cfs(&quota, &period)
}

/// The cgroup v2 path in /proc/self/cgroup ("0::/user.slice/…").
pub fn cgroup_v2_path(text: &str) -> Option<&str> {
    text.lines().find_map(|l| l.strip_prefix("0::"))
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

/// Ticks of the CPUs in `cpus`: (busy, total), from their `cpuN` lines of /proc/stat. Steal
/// time (the hypervisor running other machines) is busy: it is not ours to use.
pub fn parse_proc_stat(text: &str, cpus: &[usize]) -> Option<(u64, u64)> {
    let (mut busy, mut total, mut seen) = (0, 0, false);
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("cpu") else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let Some(cpu) = fields.next().and_then(|n| n.parse::<usize>().ok()) else {
            continue; // the aggregate "cpu " line
        };
        if !cpus.contains(&cpu) {
            continue;
        }
        let v: Vec<u64> = fields.filter_map(|x| x.parse().ok()).collect();
        let get = |i: usize| v.get(i).copied().unwrap_or(0);
        // user nice system idle iowait irq softirq steal (guest time is inside user).
        let b = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
        busy += b;
        total += b + get(3) + get(4);
        seen = true;
    }
    seen.then_some((busy, total))
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

/// CPUs (of those this process may use) kept busy by others over a window: what the busy
/// ticks of those CPUs amount to, less this process's own ticks. Ticks are per CPU, so the
/// total over the window is `cpus` × the window.
pub fn busy_by_others(busy: u64, total: u64, own: u64, cpus: usize) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let per_cpu = total as f64 / cpus.max(1) as f64;
    ((busy as f64 - own as f64) / per_cpu).clamp(0.0, cpus as f64)
}

/// The latest measurement (f64 bits) and whether one exists yet.
struct Sampler {
    busy: AtomicU64,
    first: Mutex<bool>,
    ready: Condvar,
}

fn sampler() -> &'static Sampler {
    static SAMPLER: OnceLock<Sampler> = OnceLock::new();
    let mut started = false;
    let s = SAMPLER.get_or_init(|| {
        started = true;
        Sampler {
            busy: AtomicU64::new(0f64.to_bits()),
            first: Mutex::new(false),
            ready: Condvar::new(),
        }
    });
    if started {
        let spawned = std::thread::Builder::new()
            .name("slam cpu sampler".into())
            .spawn(|| sample_forever(sampler()));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no CPU load sampler: other processes count as idle");
            s.publish(0.0);
        }
    }
    s
}

impl Sampler {
    fn publish(&self, others: f64) {
        self.busy.store(others.to_bits(), Ordering::Relaxed);
        if let Ok(mut first) = self.first.lock() {
            *first = true;
            self.ready.notify_all();
        }
    }
}

/// The latest measurement, after waiting (briefly) for the first one.
fn busy_elsewhere() -> f64 {
    let s = sampler();
    if let Ok(first) = s.first.lock() {
        let _ = s
            .ready
            .wait_timeout_while(first, FIRST_WAIT, |ready| !*ready);
    }
    f64::from_bits(s.busy.load(Ordering::Relaxed))
}

fn sample_forever(s: &Sampler) {
    let read = |cpus: &[usize]| {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let own = std::fs::read_to_string("/proc/self/stat").ok()?;
        Some((
            parse_proc_stat(&stat, cpus)?,
            parse_self_stat(&own)?,
            Instant::now(),
        ))
    };
    let cpus = allowed_cpus();
    let Some(mut last) = read(&cpus) else {
        tracing::warn!("cannot read /proc/stat: other processes count as idle");
        s.publish(0.0);
        return;
    };
    let mut wait = FIRST_SAMPLE;
    loop {
        std::thread::sleep(wait);
        wait = SAMPLE_EVERY;
        let cpus = allowed_cpus();
        let Some(now) = read(&cpus) else { continue };
        let ((busy0, total0), own0, _) = last;
        let ((busy1, total1), own1, _) = now;
        let others = busy_by_others(
            busy1.saturating_sub(busy0),
            total1.saturating_sub(total0),
            own1.saturating_sub(own0),
            cpus.len(),
        );
        s.publish(others);
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
        assert_eq!(
            cgroup_v2_path("12:cpu:/x\n0::/user.slice/session-1.scope\n"),
            Some("/user.slice/session-1.scope")
        );
    }

    #[test]
    fn proc_stat_sums_the_allowed_cpus_and_counts_steal_as_busy() {
        let text = "cpu  999 9 9 9 9 9 9 9 0 0\n\
                    cpu0 100 5 50 800 20 3 2 10 0 0\n\
                    cpu1 1 1 1 1 1 1 1 1 0 0\n\
                    cpu2 10 0 0 90 0 0 0 0 0 0\n";
        // cpu0: busy 100 + 5 + 50 + 3 + 2 + 10 = 170, idle 820; cpu2: busy 10, idle 90.
        assert_eq!(parse_proc_stat(text, &[0, 2]), Some((180, 1090)));
        assert_eq!(parse_proc_stat(text, &[7]), None);
        assert_eq!(parse_proc_stat("intr 1 2 3", &[0]), None);
    }

    #[test]
    fn other_processes_cpus_are_busy_ticks_less_our_own() {
        // Two CPUs, 100 ticks each over the window: 180 busy of which 60 ours → 1.2 CPUs.
        assert!((busy_by_others(180, 200, 60, 2) - 1.2).abs() < 1e-9);
        // Only ours: nothing elsewhere; more "ours" than busy (rounding): still nothing.
        assert_eq!(busy_by_others(100, 200, 100, 2), 0.0);
        assert_eq!(busy_by_others(100, 200, 130, 2), 0.0);
        assert_eq!(busy_by_others(0, 0, 0, 2), 0.0);
    }

    #[test]
    fn self_stat_reads_past_a_name_with_spaces() {
        let text = "4242 (slam (cpu) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 37 12 0 0 20 0 9 0";
        assert_eq!(parse_self_stat(text), Some(49));
    }

    #[test]
    fn the_decoding_count_follows_the_guards_and_a_budget_is_measured() {
        let before = decoding_models();
        let a = Decoding::start();
        let b = Decoding::start();
        assert!(decoding_models() >= before + 2);
        drop(a);
        drop(b);
        let budget = budget();
        assert!(budget.allowed >= 1 && budget.physical >= 1);
        assert!(budget.busy_elsewhere >= 0.0);
    }
}
