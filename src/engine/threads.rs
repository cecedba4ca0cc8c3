//! How many threads a local model decodes with: as many as there are CPUs really free.
//!
//! llama.cpp's threads meet at a barrier after every operation of the graph (hundreds a token).
//! A thread that loses its CPU to another process makes the others wait a whole scheduler slice
//! at the next barrier, so decode with more threads than free CPUs collapses: measured here with
//! four busy processes on two cores, SmolLM2 decodes at 7 tok/s with 2 threads and 30 with 1.
//! Sleeping instead of spinning at the barriers (`OMP_WAIT_POLICY=passive`) only reaches 13–18
//! and costs a quiet machine two thirds of its speed (47 vs 128 tok/s), so the answer is the
//! thread count, chosen from what the machine offers at the moment.

/// What the machine offers the decode step about to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuBudget {
    /// CPUs this process may run on (its affinity mask).
    pub allowed: usize,
    /// The cgroup's CPU quota in CPUs (quota / period), when there is one.
    pub quota: Option<f64>,
    /// Physical cores: more threads than these do not decode faster.
    pub physical: usize,
    /// CPUs kept busy by other processes (and the hypervisor), measured just before.
    pub busy_elsewhere: f64,
    /// slam's models decoding at this moment, this one included: they share what is free.
    pub decoding_models: usize,
}

/// CPU time other processes may take without costing a thread (a daemon waking up, a
/// measurement's noise): below this, a free CPU still counts.
const NOISE: f64 = 0.3;

/// The thread count for the next decode step: the free CPUs (the smallest of the affinity mask
/// and the quota, less what other processes use) shared among slam's decoding models, at least
/// one, at most the physical cores.
pub fn choose_threads(b: &CpuBudget) -> u32 {
    let capacity = (b.allowed.max(1) as f64).min(b.quota.unwrap_or(f64::INFINITY));
    let free = (capacity - b.busy_elsewhere.max(0.0)).max(0.0);
    let share = free / b.decoding_models.max(1) as f64;
    let most = (b.physical.max(1) as f64).min(capacity.max(1.0).floor());
    (share + NOISE).floor().clamp(1.0, most) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(cpus: usize) -> CpuBudget {
        CpuBudget {
            allowed: cpus,
            quota: None,
            physical: cpus,
            busy_elsewhere: 0.0,
            decoding_models: 1,
        }
    }

    #[test]
    fn a_quiet_machine_gets_every_physical_core() {
        assert_eq!(choose_threads(&quiet(2)), 2);
        assert_eq!(choose_threads(&quiet(16)), 16);
        // Hyperthreads do not count: 16 logical CPUs, 8 cores.
        let smt = CpuBudget {
            physical: 8,
            ..quiet(16)
        };
        assert_eq!(choose_threads(&smt), 8);
        // A little background noise does not cost a thread.
        let noisy = CpuBudget {
            busy_elsewhere: 0.2,
            ..quiet(2)
        };
        assert_eq!(choose_threads(&noisy), 2);
    }

    #[test]
    fn busy_processes_take_their_cpus() {
        // Four busy processes on two cores: nothing is free; still one thread.
        let saturated = CpuBudget {
            busy_elsewhere: 2.0,
            ..quiet(2)
        };
        assert_eq!(choose_threads(&saturated), 1);
        // One busy process on eight cores: seven left.
        let one = CpuBudget {
            busy_elsewhere: 1.0,
            ..quiet(8)
        };
        assert_eq!(choose_threads(&one), 7);
        // 1.6 CPUs busy on 4 cores: 2.4 free → 2.
        let partial = CpuBudget {
            busy_elsewhere: 1.6,
            ..quiet(4)
        };
        assert_eq!(choose_threads(&partial), 2);
    }

    #[test]
    fn the_affinity_mask_and_the_quota_limit_the_capacity() {
        let pinned = CpuBudget {
            allowed: 3,
            ..quiet(8)
        };
        assert_eq!(choose_threads(&pinned), 3);
        let quota = CpuBudget {
            quota: Some(1.5),
            ..quiet(8)
        };
        assert_eq!(choose_threads(&quota), 1, "1.5 CPUs of quota: one thread");
        let quota = CpuBudget {
            quota: Some(4.0),
            busy_elsewhere: 1.0,
            ..quiet(8)
        };
        assert_eq!(choose_threads(&quota), 3);
        let tiny = CpuBudget {
            quota: Some(0.5),
            ..quiet(8)
        };
        assert_eq!(choose_threads(&tiny), 1);
    }

    #[test]
    fn slams_own_models_share_the_free_cpus() {
        // Two panes on two cores must not run four spinning threads.
        let two = CpuBudget {
            decoding_models: 2,
            ..quiet(2)
        };
        assert_eq!(choose_threads(&two), 1);
        let three_of_eight = CpuBudget {
            decoding_models: 3,
            ..quiet(8)
        };
        assert_eq!(choose_threads(&three_of_eight), 2);
        let zero = CpuBudget {
            decoding_models: 0,
            ..quiet(4)
        };
        assert_eq!(choose_threads(&zero), 4, "zero counts as this one");
    }
}
