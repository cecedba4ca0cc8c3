//! Getting a model from the Hugging Face Hub (issue 18, in progress): which file of a
//! repository a pull means, and the hub cache layout files land in, shared with
//! huggingface_hub and slam's discovery. The download itself comes next.

pub mod api;
pub mod cache;
pub mod download;
pub mod quant;
