//! Backends behind one trait, streaming events over channels: llama.cpp in-process and
//! OpenAI-compatible servers, with typed faults. The engine runs one request at a time per
//! call and knows nothing of sessions, storage or screens; choosing, opening and running
//! several models is the app layer's. It imports only `domain` (and `analysis`'s pure helpers).

pub mod backend;
pub mod chat_template;
pub mod embed;
pub mod gguf;
pub mod grammar;
pub mod llama;
pub mod openai;
pub mod runner;
pub mod stop;
pub mod thinking;
pub mod threads;
pub mod utf8;

pub use crate::domain::error::EngineError;
pub use backend::{Backend, GenEvent, GenRequest, GenStream};
