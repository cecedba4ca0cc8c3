//! The sampler chain for one request, in llama.cpp's own order.

use llama_cpp_2::sampling::LlamaSampler;

use crate::core::domain::GenParams;

/// llama.cpp's "pick a random seed" value.
const RANDOM_SEED: u32 = u32::MAX;
/// How many recent tokens the repeat penalty looks at (llama.cpp's default).
const PENALTY_LAST_N: i32 = 64;

pub fn build(params: &GenParams, n_vocab: i32) -> LlamaSampler {
    let mut chain = Vec::with_capacity(6);
    if (params.repeat_penalty - 1.0).abs() > f32::EPSILON {
        chain.push(LlamaSampler::penalties(
            n_vocab,
            PENALTY_LAST_N,
            params.repeat_penalty,
            0.0,
            0.0,
        ));
    }
    if params.temperature <= 0.0 {
        chain.push(LlamaSampler::greedy());
    } else {
        if params.top_k > 0 {
            chain.push(LlamaSampler::top_k(params.top_k));
        }
        if params.top_p < 1.0 {
            chain.push(LlamaSampler::top_p(params.top_p, 1));
        }
        if params.min_p > 0.0 {
            chain.push(LlamaSampler::min_p(params.min_p, 1));
        }
        chain.push(LlamaSampler::temp(params.temperature));
        chain.push(LlamaSampler::dist(params.seed.unwrap_or(RANDOM_SEED)));
    }
    LlamaSampler::chain_simple(chain)
}
