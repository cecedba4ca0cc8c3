//! Logs go to a file under the data dir (never to the terminal), llama.cpp's included.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::engine::llama::LlamaLogCapture;

pub fn log_dir() -> PathBuf {
    crate::config::data_dir().join("logs")
}

/// Install the file logger. Keep the guard alive until exit so buffered lines are written.
/// The filter comes from `SLAM_LOG` (tracing's `EnvFilter` syntax), default `info`.
pub fn init() -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_env("SLAM_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let dir = log_dir();
    let file_layer = std::fs::create_dir_all(&dir).ok().map(|_| {
        let (writer, guard) =
            tracing_appender::non_blocking(tracing_appender::rolling::never(&dir, "slam.log"));
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(false)
            .with_filter(filter);
        (layer, guard)
    });
    let (layer, guard) = match file_layer {
        Some((layer, guard)) => (Some(layer), Some(guard)),
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(layer)
        // Info too: a model's buffer sizes are info lines of its load.
        .with(LlamaLogCapture.with_filter(tracing::level_filters::LevelFilter::INFO))
        .try_init();
    guard
}
