//! Pure core: no tokio, no terminal, no IO, no clock. Time is always passed in.

pub mod domain;
pub mod metrics;
pub mod stop;
