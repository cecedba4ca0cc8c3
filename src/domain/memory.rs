//! A loaded model's memory as llama.cpp allocated it (weights, KV cache, compute and output
//! buffers, per device), read from the lines llama.cpp logs while loading; and the estimate
//! before loading, from the GGUF header, that says whether a model will fit.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BufferKind {
    Weights,
    Kv,
    Compute,
    Output,
}

impl BufferKind {
    pub fn label(self) -> &'static str {
        match self {
            BufferKind::Weights => "weights",
            BufferKind::Kv => "KV",
            BufferKind::Compute => "compute",
            BufferKind::Output => "output",
        }
    }
}

/// One buffer llama.cpp allocated: its backend buffer name (`CPU_Mapped`, `CUDA0`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Buffer {
    pub device: String,
    pub kind: BufferKind,
    pub mib: f64,
}

impl Buffer {
    /// Host memory (CPU buffers, mapped files, pinned `*_Host` buffers) or a GPU's.
    pub fn on_gpu(&self) -> bool {
        !(self.device.starts_with("CPU") || self.device.ends_with("_Host"))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelMemory {
    pub buffers: Vec<Buffer>,
}

/// A buffer line of llama.cpp's load log: `llama_kv_cache:        CPU KV buffer size =
/// 5.62 MiB`, `load_tensors:   CPU_Mapped model buffer size =    86.87 MiB`,
/// `llama_context:        CPU compute buffer size =    12.00 MiB`.
pub fn parse_line(line: &str) -> Option<Buffer> {
    let (left, right) = line.split_once(" buffer size = ")?;
    let mib: f64 = right.trim().strip_suffix("MiB")?.trim().parse().ok()?;
    let mut words = left.split_whitespace().rev();
    let kind = match words.next()? {
        "model" => BufferKind::Weights,
        "KV" => BufferKind::Kv,
        "compute" => BufferKind::Compute,
        "output" => BufferKind::Output,
        _ => return None,
    };
    // Before the device, llama.cpp's function name (which llama-cpp-2 moves out of the text).
    let device = words.next()?.to_owned();
    Some(Buffer { device, kind, mib })
}

impl ModelMemory {
    pub fn from_log<'a>(lines: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            buffers: lines.into_iter().filter_map(parse_line).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.buffers.is_empty()
    }

    /// MiB of one kind, on the GPUs (`true`) or the host (`false`), or everywhere (`None`).
    pub fn mib(&self, kind: BufferKind, gpu: Option<bool>) -> f64 {
        self.buffers
            .iter()
            .filter(|b| b.kind == kind && gpu.is_none_or(|g| b.on_gpu() == g))
            .map(|b| b.mib)
            .sum()
    }

    pub fn total_mib(&self, gpu: Option<bool>) -> f64 {
        [
            BufferKind::Weights,
            BufferKind::Kv,
            BufferKind::Compute,
            BufferKind::Output,
        ]
        .iter()
        .map(|&k| self.mib(k, gpu))
        .sum()
    }

    /// "weights 86.9 · KV 5.6 · compute 12.0 MiB CPU", GPU figures on their own.
    pub fn label(&self) -> String {
        let side = |gpu: bool| {
            let parts: Vec<String> = [BufferKind::Weights, BufferKind::Kv, BufferKind::Compute]
                .iter()
                .filter(|&&k| self.mib(k, Some(gpu)) > 0.0)
                .map(|&k| format!("{} {:.1}", k.label(), self.mib(k, Some(gpu))))
                .collect();
            (!parts.is_empty()).then(|| {
                format!(
                    "{} MiB {}",
                    parts.join(" · "),
                    if gpu { "GPU" } else { "CPU" }
                )
            })
        };
        [side(false), side(true)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// What a model needs at a context size, from its GGUF header: the weights as stored, the KV
/// cache (f16, every layer full size), and the buffers llama.cpp sizes for one micro-batch: the
/// compute buffer (a batch's logits and activations, the attention masks) and the output
/// buffer (one sequence's logits each). For a large vocabulary the compute buffer is most of
/// it: gemma-3-270m's 512-token micro-batch holds 512 × 262,144 f32 logits, 512 MiB.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MemoryEstimate {
    pub n_ctx: u64,
    pub n_ubatch: u64,
    pub n_seq: u64,
    pub weights_bytes: u64,
    pub kv_bytes: u64,
    pub compute_bytes: u64,
    pub output_bytes: u64,
}

/// The header's numbers the KV cache estimate needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KvShape {
    pub n_layer: u64,
    pub n_head_kv: u64,
    pub key_length: u64,
    pub value_length: u64,
}

/// The header's numbers the compute and output buffers' estimate needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComputeShape {
    pub n_vocab: u64,
    pub n_embd: u64,
    pub n_ff: u64,
    /// Sliding-window attention beside full attention: a second mask.
    pub sliding_window: bool,
}

/// How a context is sized: tokens per sequence, sequences, tokens per micro-batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContextSize {
    pub n_ctx: u64,
    pub n_seq: u64,
    pub n_ubatch: u64,
}

impl MemoryEstimate {
    pub fn new(weights_bytes: u64, kv: KvShape, compute: ComputeShape, size: ContextSize) -> Self {
        // K and V for every layer and position, 2 bytes per f16 element.
        let per_token = kv.n_layer * kv.n_head_kv * (kv.key_length + kv.value_length) * 2;
        let cells = size.n_ctx * size.n_seq;
        // The graph's largest live tensors for one micro-batch, f32: the logits, the
        // feed-forward's hidden state and two embedding-wide activations; and the attention
        // masks, f16, one per kind of attention. Checked against llama.cpp's own "compute
        // buffer size" lines for both test models at ctx 512 and 4096 (tests/model_memory.rs).
        let activations = size.n_ubatch * 4 * (compute.n_vocab + compute.n_ff + 2 * compute.n_embd);
        let masks = 1 + u64::from(compute.sliding_window);
        Self {
            n_ctx: size.n_ctx,
            n_ubatch: size.n_ubatch,
            n_seq: size.n_seq,
            weights_bytes,
            kv_bytes: per_token * cells,
            compute_bytes: activations + masks * size.n_ubatch * cells * 2,
            output_bytes: size.n_seq * compute.n_vocab * 4,
        }
    }

    pub fn total(&self) -> u64 {
        self.weights_bytes + self.kv_bytes + self.compute_bytes + self.output_bytes
    }

    /// "needs ~0.1 GiB at ctx 4096: fits in 21.3 GiB free" (or "does not fit …").
    pub fn fit_label(&self, free: u64, place: &str) -> String {
        let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
        format!(
            "needs ~{:.1} GiB at ctx {}: {} {:.1} GiB free {place}",
            gib(self.total()),
            self.n_ctx,
            if self.total() <= free {
                "fits in"
            } else {
                "does NOT fit in"
            },
            gib(free)
        )
    }
}

/// "94 MiB", "1.4 GiB".
pub fn human_size(bytes: u64) -> String {
    let mb = bytes as f64 / 1_048_576.0;
    if mb >= 1024.0 {
        format!("{:.1} GiB", mb / 1024.0)
    } else {
        format!("{mb:.0} MiB")
    }
}

/// Memory free for a model now: RAM, and the GPUs' when the build offloads to them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FreeMemory {
    pub ram: u64,
    /// Free memory of the GPUs llama.cpp would offload to (summed: it splits layers across
    /// them); `None` when this build does not offload or there is no GPU.
    pub gpu: Option<u64>,
}

impl MemoryEstimate {
    /// Whether the model can run in what is free, and the figures that say so. With a GPU the
    /// model goes there; one that does not fit there but in RAM still runs, with fewer layers
    /// offloaded (slower), so it counts as fitting with that said.
    pub fn fit(&self, free: FreeMemory) -> (bool, String) {
        let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
        let Some(gpu) = free.gpu else {
            return (self.total() <= free.ram, self.fit_label(free.ram, "RAM"));
        };
        if self.total() <= gpu {
            return (true, self.fit_label(gpu, "GPU memory"));
        }
        let head = format!(
            "needs ~{:.1} GiB at ctx {}: does NOT fit in {:.1} GiB free GPU memory",
            gib(self.total()),
            self.n_ctx,
            gib(gpu)
        );
        if self.total() <= free.ram {
            (
                true,
                format!(
                    "{head}; fits in {:.1} GiB free RAM (fewer GPU layers: slower)",
                    gib(free.ram)
                ),
            )
        } else {
            (
                false,
                format!("{head} nor in {:.1} GiB free RAM", gib(free.ram)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_is_against_the_gpu_when_the_build_offloads_else_ram() {
        // 1 GiB of weights + 0.25 GiB of KV cache + 0.25 GiB of compute and output = 1.5 GiB.
        let e = MemoryEstimate {
            n_ctx: 4096,
            n_ubatch: 512,
            n_seq: 1,
            weights_bytes: 1 << 30,
            kv_bytes: 1 << 28,
            compute_bytes: (1 << 28) - (1 << 20),
            output_bytes: 1 << 20,
        };
        let gib = |g: u64| g << 30;
        let fit = |ram, gpu| e.fit(FreeMemory { ram, gpu });
        assert_eq!(
            fit(gib(2), None),
            (
                true,
                "needs ~1.5 GiB at ctx 4096: fits in 2.0 GiB free RAM".into()
            )
        );
        assert_eq!(
            fit(gib(1), None),
            (
                false,
                "needs ~1.5 GiB at ctx 4096: does NOT fit in 1.0 GiB free RAM".into()
            )
        );
        assert_eq!(
            fit(gib(1), Some(gib(80))),
            (
                true,
                "needs ~1.5 GiB at ctx 4096: fits in 80.0 GiB free GPU memory".into()
            )
        );
        assert_eq!(
            fit(gib(16), Some(gib(1))),
            (
                true,
                "needs ~1.5 GiB at ctx 4096: does NOT fit in 1.0 GiB free GPU memory; fits in \
                 16.0 GiB free RAM (fewer GPU layers: slower)"
                    .into()
            )
        );
        // Exactly the free amount fits; a byte more does not.
        assert!(fit(e.total(), None).0);
        assert!(!fit(e.total() - 1, Some(e.total() - 1)).0);
    }

    #[test]
    fn llama_cpp_buffer_lines_are_read() {
        let log = [
            "load_tensors:   CPU_Mapped model buffer size =    86.87 MiB",
            "load_tensors:        CUDA0 model buffer size =  1234.50 MiB",
            "llama_context:  CUDA_Host  output buffer size =     0.19 MiB",
            "llama_kv_cache:        CPU KV buffer size =     5.62 MiB",
            "       CPU compute buffer size =    12.00 MiB",
            "llama_kv_cache: size =    5.62 MiB (   256 cells,  30 layers,  1/1 seqs)",
            "print_info: file size   = 85.00 MiB (5.25 BPW)",
        ];
        let m = ModelMemory::from_log(log);
        assert_eq!(m.buffers.len(), 5);
        assert_eq!(m.mib(BufferKind::Weights, Some(false)), 86.87);
        assert_eq!(m.mib(BufferKind::Weights, Some(true)), 1234.5);
        assert_eq!(m.mib(BufferKind::Kv, None), 5.62);
        assert_eq!(
            m.mib(BufferKind::Output, Some(false)),
            0.19,
            "pinned host memory is the CPU's"
        );
        assert!((m.total_mib(Some(false)) - (86.87 + 0.19 + 5.62 + 12.0)).abs() < 1e-9);
        assert_eq!(
            m.label(),
            "weights 86.9 · KV 5.6 · compute 12.0 MiB CPU + weights 1234.5 MiB GPU"
        );
    }

    #[test]
    fn the_estimate_is_the_buffers_by_hand() {
        // SmolLM2-135M: 30 layers, 3 KV heads of 64: 30·3·128·2 = 23040 bytes a token;
        // 256 tokens = 5,898,240 bytes = 5.625 MiB. Its vocabulary is 49,152 tokens, 576 wide,
        // 1,536 in the feed-forward: a 256-token micro-batch holds 256·4·(49152 + 1536 +
        // 1152) = 53,084,160 bytes of activations and a 256·256·2 = 131,072-byte mask.
        let shape = KvShape {
            n_layer: 30,
            n_head_kv: 3,
            key_length: 64,
            value_length: 64,
        };
        let compute = ComputeShape {
            n_vocab: 49_152,
            n_embd: 576,
            n_ff: 1536,
            sliding_window: false,
        };
        let size = ContextSize {
            n_ctx: 256,
            n_seq: 1,
            n_ubatch: 256,
        };
        let e = MemoryEstimate::new(90_000_000, shape, compute, size);
        assert_eq!(e.kv_bytes, 5_898_240);
        assert_eq!(e.compute_bytes, 53_084_160 + 131_072);
        assert_eq!(e.output_bytes, 196_608);
        assert_eq!(e.total(), 90_000_000 + 5_898_240 + 53_215_232 + 196_608);
        assert!(
            e.fit_label(1 << 30, "RAM")
                .contains(": fits in 1.0 GiB free RAM")
        );
        assert!(e.fit_label(1 << 20, "RAM").contains("does NOT fit"));
        // Two sequences: twice the cache and the outputs; a sliding window adds a mask.
        let two = MemoryEstimate::new(
            0,
            shape,
            ComputeShape {
                sliding_window: true,
                ..compute
            },
            ContextSize { n_seq: 2, ..size },
        );
        assert_eq!(two.kv_bytes, 2 * 5_898_240);
        assert_eq!(two.output_bytes, 2 * 196_608);
        assert_eq!(two.compute_bytes, 53_084_160 + 2 * 256 * 512 * 2);
    }
}
