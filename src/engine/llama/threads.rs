//! Applying the thread choice to a live context, between decode steps.

use std::time::{Duration, Instant};

use llama_cpp_2::context::LlamaContext;

use super::cpus;
use crate::engine::threads::choose_threads;

/// How often a decoding model looks at the free CPUs again.
const RECHECK: Duration = Duration::from_millis(250);

/// Lives as long as the context: the count it holds carries over from one busy spell to the
/// next.
pub(super) struct ThreadChoice {
    forced: Option<u32>,
    /// What the context uses now.
    current: u32,
    checked: Option<Instant>,
    /// slam's decoding models at the last check: a change is a reason to look again.
    decoding: usize,
    /// The context would not take a new count: keep what it has.
    stuck: bool,
}

impl ThreadChoice {
    /// `created_with`: the count the context was made with.
    pub fn new(forced: Option<u32>, created_with: u32) -> Self {
        Self {
            forced: forced.map(|n| n.max(1)),
            current: created_with,
            checked: None,
            decoding: 0,
            stuck: false,
        }
    }

    /// The thread count for the next step (set on the context when it changes).
    pub fn update(&mut self, ctx: &mut LlamaContext<'_>) -> u32 {
        if self.stuck {
            return self.current;
        }
        let now = Instant::now();
        let decoding = cpus::decoding_models();
        let due = self
            .checked
            .is_none_or(|t| now.duration_since(t) >= RECHECK)
            || decoding != self.decoding;
        let wanted = match self.forced {
            Some(n) => n,
            None if !due => self.current,
            None => {
                self.checked = Some(now);
                self.decoding = decoding;
                choose_threads(&cpus::budget())
            }
        };
        if wanted != self.current {
            if set_threads(ctx, wanted) {
                tracing::debug!(threads = wanted, "decode threads");
                self.current = wanted;
            } else {
                self.stuck = true;
            }
        }
        self.current
    }
}

/// `llama_set_n_threads` on the context. llama-cpp-2 (0.1.160, the newest) wraps every other
/// part of the context but not this one and keeps the raw pointer crate-private; its `Debug`
/// prints that pointer, which is the only way to reach it without forking the crate.
pub(super) fn set_threads(ctx: &mut LlamaContext<'_>, n: u32) -> bool {
    let Some(ptr) = context_pointer(ctx) else {
        tracing::warn!("cannot reach the llama.cpp context: its thread count stays as loaded");
        return false;
    };
    let n = i32::try_from(n).unwrap_or(i32::MAX);
    // SAFETY: `ptr` is the live context `ctx` owns (borrowed mutably here, so no decode runs
    // concurrently); llama_set_n_threads only stores the two counts in its parameters, and
    // llama_n_threads reads one back.
    let now = unsafe {
        llama_cpp_sys_2::llama_set_n_threads(ptr, n, n);
        llama_cpp_sys_2::llama_n_threads(ptr)
    };
    if now != n {
        tracing::warn!(wanted = n, now, "the context did not take the thread count");
    }
    now == n
}

/// The raw pointer inside `LlamaContext { context: 0x… }`.
fn context_pointer(ctx: &mut LlamaContext<'_>) -> Option<*mut llama_cpp_sys_2::llama_context> {
    let debug = format!("{ctx:?}");
    let hex = debug.split("context: 0x").nth(1)?;
    let digits: String = hex.chars().take_while(char::is_ascii_hexdigit).collect();
    let address = usize::from_str_radix(&digits, 16).ok()?;
    (address != 0).then_some(address as *mut llama_cpp_sys_2::llama_context)
}
