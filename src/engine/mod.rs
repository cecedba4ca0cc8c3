//! Backends behind one trait, streaming events over channels: llama.cpp in-process and
//! OpenAI-compatible servers, with typed faults. The engine runs one request at a time per
//! call and knows nothing of sessions, storage or screens; choosing, opening and running
//! several models is the app layer's. It imports only `core`.

pub mod backend;
pub mod chat_template;
pub mod embed;
pub mod error;
pub mod gguf;
pub mod llama;
pub mod openai;
pub mod runner;
pub mod utf8;

pub use backend::{Backend, GenEvent, GenRequest, GenStream};
pub use error::EngineError;
