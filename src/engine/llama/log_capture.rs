//! llama.cpp reports why a load failed only in its log. Its log is routed to tracing (and so to
//! the log file); this layer also keeps the latest warnings and errors so a failure can say why.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The target llama-cpp-2 gives the log lines it forwards from llama.cpp and ggml.
const LLAMA_TARGET: &str = "llama-cpp-2";
const KEEP: usize = 16;

static RECENT: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

thread_local! {
    /// Every llama.cpp line logged on this thread since `start_thread_capture` (a model's
    /// load: its buffer sizes are only in the log).
    static THREAD_LOG: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

/// Keep llama.cpp's lines logged on this thread from now on.
pub fn start_thread_capture() {
    THREAD_LOG.with(|l| *l.borrow_mut() = Some(Vec::new()));
}

/// The lines kept on this thread since `start_thread_capture`; capturing stops.
pub fn take_thread_capture() -> Vec<String> {
    THREAD_LOG.with(|l| l.borrow_mut().take().unwrap_or_default())
}

pub struct LlamaLogCapture;

impl<S: Subscriber> Layer<S> for LlamaLogCapture {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() != LLAMA_TARGET {
            return;
        }
        let capturing = THREAD_LOG.with(|l| l.borrow().is_some());
        if !capturing && *meta.level() > Level::WARN {
            return;
        }
        let mut visitor = MessageVisitor(String::new());
        event.record(&mut visitor);
        if capturing {
            THREAD_LOG.with(|l| {
                if let Some(lines) = l.borrow_mut().as_mut() {
                    lines.push(visitor.0.clone());
                }
            });
        }
        if *meta.level() > Level::WARN {
            return;
        }
        if let Ok(mut recent) = RECENT.lock() {
            if recent.len() == KEEP {
                recent.pop_front();
            }
            recent.push_back(visitor.0.trim().to_owned());
        }
    }
}

struct MessageVisitor(String);

impl Visit for MessageVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        }
    }
}

/// Forget what was captured so far (call before an operation whose failure you will explain).
pub fn clear() {
    if let Ok(mut recent) = RECENT.lock() {
        recent.clear();
    }
}

/// The warnings and errors llama.cpp logged since the last `clear`, joined into one line.
pub fn take() -> Option<String> {
    let mut recent = RECENT.lock().ok()?;
    let lines: Vec<String> = recent.drain(..).filter(|l| !l.is_empty()).collect();
    (!lines.is_empty()).then(|| lines.join("; "))
}
