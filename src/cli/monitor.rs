//! `slam monitor`: the hardware readings the TUI's hardware screen shows, one line a second
//! (or one JSON object a line) until Ctrl-C or `--count` samples.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use crate::monitor::{SAMPLE_EVERY, Sampler};

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// One JSON object per line (a `domain::hardware::HardwareSnapshot` with `at`, RFC 3339).
    #[arg(long)]
    json: bool,
    /// Stop after this many samples.
    #[arg(long, value_name = "N")]
    count: Option<u64>,
}

pub fn run(args: MonitorArgs) -> anyhow::Result<ExitCode> {
    let mut sampler = Sampler::system().map_err(|e| anyhow::anyhow!("cannot sample: {e}"))?;
    let mut out = std::io::stdout().lock();
    let mut n = 0;
    while args.count.is_none_or(|c| n < c) {
        // The first CPU reading is a difference from the sampler's start: wait one interval.
        std::thread::sleep(SAMPLE_EVERY);
        let sample = sampler.sample();
        let at = now_rfc3339();
        let text = if args.json {
            let mut v = serde_json::to_value(&sample)?;
            v["at"] = serde_json::json!(at);
            v.to_string()
        } else {
            format!("{} {}", &at[11..19], crate::report::hardware::line(&sample))
        };
        // A closed pipe (`slam monitor | head`) ends it quietly.
        if writeln!(out, "{text}").and_then(|_| out.flush()).is_err() {
            break;
        }
        n += 1;
    }
    Ok(ExitCode::SUCCESS)
}

/// Now in UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn now_rfc3339() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    crate::domain::time::utc_time(since.as_secs_f64())
}
