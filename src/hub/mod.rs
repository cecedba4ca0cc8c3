//! Getting a model from the Hugging Face Hub: which file of a repository a pull means, the hub
//! cache layout files land in (shared with huggingface_hub and slam's discovery), the
//! resumable, hash-checked download, and the Hub's API.

pub mod api;
pub mod cache;
pub mod download;
pub mod pull;
pub mod quant;
