//! Backends behind one trait, streaming events over channels.

pub mod backend;
pub mod chat_template;
pub mod error;
pub mod gguf;
pub mod llama;
pub mod openai;
pub mod runner;
pub mod utf8;

pub use backend::{Backend, GenEvent, GenRequest, GenStream};
pub use error::EngineError;
