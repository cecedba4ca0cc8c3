//! GGUF header reader: validates a model file before llama.cpp sees it (llama.cpp aborts or
//! returns a bare null on bad files) and reads metadata without loading any weights.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Cursor, ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::EngineError;

const MAGIC: &[u8; 4] = b"GGUF";
/// Sanity bounds: a header field beyond these is corruption, not a real model.
const MAX_STRING: u64 = 1 << 28;
const MAX_ARRAY: u64 = 1 << 32;
const MAX_DIMS: u32 = 8;

#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    Uint(u64),
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// Arrays are skipped, not kept: only their element type and length are recorded.
    Array {
        elem_type: u32,
        len: u64,
    },
}

#[derive(Debug, Clone)]
pub struct GgufHeader {
    pub path: PathBuf,
    pub version: u32,
    pub tensor_count: u64,
    pub metadata: BTreeMap<String, MetaValue>,
    pub file_size: u64,
    /// The tensors' bytes (the weights as stored), from the tensor table.
    pub tensor_bytes: u64,
}

impl GgufHeader {
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.metadata.get(key)? {
            MetaValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn uint(&self, key: &str) -> Option<u64> {
        match self.metadata.get(key)? {
            MetaValue::Uint(v) => Some(*v),
            MetaValue::Int(v) => u64::try_from(*v).ok(),
            _ => None,
        }
    }

    pub fn architecture(&self) -> Option<&str> {
        self.str("general.architecture")
    }

    pub fn name(&self) -> Option<&str> {
        self.str("general.name")
    }

    /// The context length the model was trained with.
    pub fn context_length(&self) -> Option<u64> {
        self.uint(&format!("{}.context_length", self.architecture()?))
    }

    pub fn chat_template(&self) -> Option<&str> {
        self.str("tokenizer.chat_template")
    }

    /// The KV cache's shape, for the memory estimate (head sizes default to embedding / heads,
    /// as llama.cpp does).
    pub fn kv_shape(&self) -> Option<crate::domain::memory::KvShape> {
        let arch = self.architecture()?;
        let key = |k: &str| self.uint(&format!("{arch}.{k}"));
        let n_head = key("attention.head_count")?.max(1);
        let head = key("embedding_length")? / n_head;
        Some(crate::domain::memory::KvShape {
            n_layer: key("block_count")?,
            n_head_kv: key("attention.head_count_kv").unwrap_or(n_head),
            key_length: key("attention.key_length").unwrap_or(head),
            value_length: key("attention.value_length").unwrap_or(head),
        })
    }

    /// The context per sequence slam loads the model with (`llama::ctx_per_seq`, the engine's rule).
    pub fn load_ctx(&self, asked: Option<u32>) -> u64 {
        let trained = self
            .context_length()
            .map(|c| u32::try_from(c).unwrap_or(u32::MAX));
        u64::from(crate::engine::llama::ctx_per_seq(asked, trained))
    }

    /// The compute and output buffers' shape, for the memory estimate: the vocabulary (its
    /// token list's length), embedding and feed-forward widths, and whether some layers use a
    /// sliding window.
    pub fn compute_shape(&self) -> Option<crate::domain::memory::ComputeShape> {
        let arch = self.architecture()?;
        let key = |k: &str| self.uint(&format!("{arch}.{k}"));
        let n_vocab = match self.metadata.get("tokenizer.ggml.tokens") {
            Some(MetaValue::Array { len, .. }) => Some(*len),
            _ => key("vocab_size"),
        }?;
        let n_embd = key("embedding_length")?;
        Some(crate::domain::memory::ComputeShape {
            n_vocab,
            n_embd,
            // Some architectures give a width per layer (an array): the usual 4× then.
            n_ff: key("feed_forward_length").unwrap_or(4 * n_embd),
            sliding_window: key("attention.sliding_window").is_some_and(|w| w > 0),
        })
    }

    /// Everything llama.cpp allocates for the model loaded as `entry` asks (context per
    /// sequence `n_ctx`, its batch and sequences), by the engine's sizing rules.
    pub fn memory_estimate(
        &self,
        n_ctx: u64,
        n_batch: Option<u32>,
        parallel: Option<u32>,
    ) -> Option<crate::domain::memory::MemoryEstimate> {
        let n_seq = crate::engine::llama::sequences(parallel);
        let n_ctx_seq = u32::try_from(n_ctx).unwrap_or(u32::MAX);
        let n_ubatch = crate::engine::llama::batch_size(n_batch, n_ctx_seq, n_seq);
        let size = crate::domain::memory::ContextSize {
            n_ctx,
            n_seq: u64::from(n_seq),
            n_ubatch: u64::from(n_ubatch),
        };
        Some(crate::domain::memory::MemoryEstimate::new(
            self.tensor_bytes,
            self.kv_shape()?,
            self.compute_shape()?,
            size,
        ))
    }

    /// Quantization as llama.cpp names it (from `general.file_type`), e.g. `Q4_K_M`.
    pub fn quantization(&self) -> Option<&'static str> {
        file_type_name(self.uint("general.file_type")?)
    }
}

/// Read and validate the header of `path`. Every failure names the file and the reason.
pub fn read_header(path: &Path) -> Result<GgufHeader, EngineError> {
    let fail = |reason: String| EngineError::ModelFile {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(io_reason(&e)))?;
    if meta.is_dir() {
        return Err(fail("is a directory, not a GGUF model file".into()));
    }
    let file = File::open(path).map_err(|e| fail(io_reason(&e)))?;
    parse(BufReader::with_capacity(1 << 16, file), meta.len(), path)
}

/// The same validation over bytes in memory (`path` only names them in errors).
pub fn parse_header_bytes(bytes: &[u8], path: &Path) -> Result<GgufHeader, EngineError> {
    parse(Cursor::new(bytes), bytes.len() as u64, path)
}

/// The header from the first bytes of a file of `file_size` bytes (fetched with a Range
/// request before downloading it); fails when `bytes` ends inside the header.
pub fn parse_header_prefix(
    bytes: &[u8],
    file_size: u64,
    path: &Path,
) -> Result<GgufHeader, EngineError> {
    parse(Cursor::new(bytes), file_size, path)
}

fn parse<S: Source>(source: S, file_size: u64, path: &Path) -> Result<GgufHeader, EngineError> {
    let fail = |reason: String| EngineError::ModelFile {
        path: path.to_path_buf(),
        reason,
    };
    let mut r = Reader {
        inner: source,
        pos: 0,
        file_size,
    };
    let mut magic = [0u8; 4];
    r.bytes(&mut magic)
        .map_err(|e| fail(e.describe("its magic number")))?;
    if &magic != MAGIC {
        return Err(fail(format!(
            "not a GGUF model file (it starts with {:?}, a GGUF file starts with \"GGUF\")",
            String::from_utf8_lossy(&magic)
        )));
    }
    let mut header = parse_after_magic(&mut r, path).map_err(|e| fail(e.describe("its header")))?;
    header.tensor_bytes =
        check_tensor_data(&mut r, &header).map_err(|e| fail(e.describe("its tensor table")))?;
    Ok(header)
}

/// Where header bytes come from: a buffered file (skips keep the buffer) or memory.
trait Source: Read {
    fn skip_forward(&mut self, n: i64) -> std::io::Result<()>;
}

impl Source for BufReader<File> {
    fn skip_forward(&mut self, n: i64) -> std::io::Result<()> {
        self.seek_relative(n)
    }
}

impl Source for Cursor<&[u8]> {
    fn skip_forward(&mut self, n: i64) -> std::io::Result<()> {
        self.seek(SeekFrom::Current(n)).map(|_| ())
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::NotFound => "no such file".into(),
        ErrorKind::PermissionDenied => "permission denied (cannot read it)".into(),
        _ => format!("cannot read it: {e}"),
    }
}

enum ParseError {
    Truncated { at: u64, size: u64 },
    Corrupt(String),
    Io(std::io::Error),
}

impl ParseError {
    fn describe(self, what: &str) -> String {
        match self {
            ParseError::Truncated { at, size } => format!(
                "truncated: the file ends inside {what} (needed byte {at}, the file has {size} bytes)"
            ),
            ParseError::Corrupt(msg) => format!("corrupt GGUF file: {msg}"),
            ParseError::Io(e) => format!("cannot read it: {e}"),
        }
    }
}

struct Reader<S> {
    inner: S,
    pos: u64,
    file_size: u64,
}

impl<S: Source> Reader<S> {
    fn bytes(&mut self, buf: &mut [u8]) -> Result<(), ParseError> {
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.pos += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Err(ParseError::Truncated {
                at: self.pos + buf.len() as u64,
                size: self.file_size,
            }),
            Err(e) => Err(ParseError::Io(e)),
        }
    }

    fn skip(&mut self, n: u64) -> Result<(), ParseError> {
        let end = self.pos.saturating_add(n);
        if end > self.file_size {
            return Err(ParseError::Truncated {
                at: end,
                size: self.file_size,
            });
        }
        let delta = i64::try_from(n).map_err(|_| ParseError::Corrupt("length overflow".into()))?;
        self.inner.skip_forward(delta).map_err(ParseError::Io)?;
        self.pos = end;
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, ParseError> {
        let mut b = [0u8; 4];
        self.bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, ParseError> {
        let mut b = [0u8; 8];
        self.bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let len = self.u64()?;
        if len > MAX_STRING {
            return Err(ParseError::Corrupt(format!(
                "a string of {len} bytes at byte {}",
                self.pos
            )));
        }
        // A length past the end of the file is truncation: say so before allocating for it.
        let end = self.pos.saturating_add(len);
        if end > self.file_size {
            return Err(ParseError::Truncated {
                at: end,
                size: self.file_size,
            });
        }
        let mut buf = vec![0u8; len as usize];
        self.bytes(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    fn value(&mut self, ty: u32) -> Result<MetaValue, ParseError> {
        let mut b8 = [0u8; 8];
        Ok(match ty {
            0 | 1 | 7 => {
                self.bytes(&mut b8[..1])?;
                match ty {
                    0 => MetaValue::Uint(u64::from(b8[0])),
                    1 => MetaValue::Int(i64::from(b8[0] as i8)),
                    _ => MetaValue::Bool(b8[0] != 0),
                }
            }
            2 | 3 => {
                self.bytes(&mut b8[..2])?;
                let v = [b8[0], b8[1]];
                match ty {
                    2 => MetaValue::Uint(u64::from(u16::from_le_bytes(v))),
                    _ => MetaValue::Int(i64::from(i16::from_le_bytes(v))),
                }
            }
            4..=6 => {
                let v = self.u32()?;
                match ty {
                    4 => MetaValue::Uint(u64::from(v)),
                    5 => MetaValue::Int(i64::from(v as i32)),
                    _ => MetaValue::Float(f64::from(f32::from_bits(v))),
                }
            }
            8 => MetaValue::Str(self.string()?),
            9 => {
                let elem_type = self.u32()?;
                let len = self.u64()?;
                if len > MAX_ARRAY {
                    return Err(ParseError::Corrupt(format!("an array of {len} elements")));
                }
                self.skip_array(elem_type, len)?;
                MetaValue::Array { elem_type, len }
            }
            10 => MetaValue::Uint(self.u64()?),
            11 => MetaValue::Int(self.u64()? as i64),
            12 => MetaValue::Float(f64::from_bits(self.u64()?)),
            other => {
                return Err(ParseError::Corrupt(format!(
                    "unknown metadata value type {other} at byte {}",
                    self.pos
                )));
            }
        })
    }

    fn skip_array(&mut self, elem_type: u32, len: u64) -> Result<(), ParseError> {
        let fixed = match elem_type {
            0 | 1 | 7 => Some(1),
            2 | 3 => Some(2),
            4..=6 => Some(4),
            10..=12 => Some(8),
            _ => None,
        };
        if let Some(size) = fixed {
            return self.skip(len.saturating_mul(size));
        }
        match elem_type {
            8 => {
                for _ in 0..len {
                    let n = self.u64()?;
                    if n > MAX_STRING {
                        return Err(ParseError::Corrupt(format!("a string of {n} bytes")));
                    }
                    self.skip(n)?;
                }
                Ok(())
            }
            other => Err(ParseError::Corrupt(format!(
                "array of unsupported type {other}"
            ))),
        }
    }
}

fn parse_after_magic<S: Source>(r: &mut Reader<S>, path: &Path) -> Result<GgufHeader, ParseError> {
    let version = r.u32()?;
    if !(2..=3).contains(&version) {
        return Err(ParseError::Corrupt(format!(
            "GGUF version {version} (supported: 2 and 3)"
        )));
    }
    let tensor_count = r.u64()?;
    let kv_count = r.u64()?;
    if kv_count > MAX_ARRAY || tensor_count > MAX_ARRAY {
        return Err(ParseError::Corrupt(format!(
            "{kv_count} metadata entries and {tensor_count} tensors"
        )));
    }
    let mut metadata = BTreeMap::new();
    for _ in 0..kv_count {
        let key = r.string()?;
        let ty = r.u32()?;
        let value = r.value(ty)?;
        metadata.insert(key, value);
    }
    Ok(GgufHeader {
        path: path.to_path_buf(),
        version,
        tensor_count,
        metadata,
        file_size: r.file_size,
        tensor_bytes: 0,
    })
}

/// Read the tensor table and check that every tensor's data lies inside the file.
/// The tensors' total bytes, once their data is known to be in the file.
fn check_tensor_data<S: Source>(r: &mut Reader<S>, header: &GgufHeader) -> Result<u64, ParseError> {
    let mut data_end: u64 = 0;
    let mut total: u64 = 0;
    for _ in 0..header.tensor_count {
        let name = r.string()?;
        let n_dims = r.u32()?;
        if n_dims > MAX_DIMS {
            return Err(ParseError::Corrupt(format!(
                "tensor {name} has {n_dims} dimensions"
            )));
        }
        let mut elements: u64 = 1;
        for _ in 0..n_dims {
            elements = elements.saturating_mul(r.u64()?);
        }
        let ty = r.u32()?;
        let offset = r.u64()?;
        let bytes = ggml_type_size(ty)
            .map(|(block, size)| elements.div_ceil(block).saturating_mul(size))
            .unwrap_or(0);
        data_end = data_end.max(offset.saturating_add(bytes));
        total = total.saturating_add(bytes);
    }
    let alignment = header.uint("general.alignment").unwrap_or(32).max(1);
    let data_start = r.pos.div_ceil(alignment) * alignment;
    let needed = if data_end == 0 {
        r.pos
    } else {
        data_start.saturating_add(data_end)
    };
    if needed > r.file_size {
        return Err(ParseError::Truncated {
            at: needed,
            size: r.file_size,
        });
    }
    Ok(total)
}

/// (elements per block, bytes per block) of ggml tensor types.
fn ggml_type_size(ty: u32) -> Option<(u64, u64)> {
    Some(match ty {
        0 => (1, 4),
        1 | 30 | 25 => (1, 2),
        2 | 20 => (32, 18),
        3 => (32, 20),
        6 => (32, 22),
        7 => (32, 24),
        8 => (32, 34),
        9 => (32, 36),
        10 => (256, 84),
        11 | 21 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210),
        15 => (256, 292),
        16 => (256, 66),
        17 => (256, 74),
        18 => (256, 98),
        19 => (256, 50),
        22 => (256, 82),
        23 => (256, 136),
        24 => (1, 1),
        26 => (1, 4),
        27 | 28 => (1, 8),
        29 => (256, 56),
        34 => (256, 54),
        35 => (256, 66),
        39 => (32, 17),
        _ => return None,
    })
}

/// llama.cpp's `llama_ftype` names.
pub fn file_type_name(ftype: u64) -> Option<&'static str> {
    Some(match ftype {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        38 => "MXFP4_MOE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    fn minimal(version: u32, kv: &[(&str, &str)], tensors: u64) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(b"GGUF");
        b.extend_from_slice(&version.to_le_bytes());
        b.extend_from_slice(&tensors.to_le_bytes());
        b.extend_from_slice(&(kv.len() as u64).to_le_bytes());
        for (k, v) in kv {
            b.extend_from_slice(&(k.len() as u64).to_le_bytes());
            b.extend_from_slice(k.as_bytes());
            b.extend_from_slice(&8u32.to_le_bytes());
            b.extend_from_slice(&(v.len() as u64).to_le_bytes());
            b.extend_from_slice(v.as_bytes());
        }
        b
    }

    fn reason(bytes: &[u8]) -> String {
        let f = write(bytes);
        match read_header(f.path()) {
            Err(EngineError::ModelFile { reason, .. }) => reason,
            other => panic!("expected a ModelFile error, got {other:?}"),
        }
    }

    #[test]
    fn reads_string_metadata() {
        let f = write(&minimal(3, &[("general.architecture", "llama")], 0));
        let h = read_header(f.path()).unwrap();
        assert_eq!(h.architecture(), Some("llama"));
        assert_eq!(h.version, 3);
    }

    #[test]
    fn rejects_non_gguf() {
        assert!(reason(b"# slam\nhello").contains("not a GGUF model file"));
    }

    #[test]
    fn rejects_unknown_version() {
        assert!(reason(&minimal(9, &[], 0)).contains("GGUF version 9"));
    }

    #[test]
    fn truncated_metadata_is_reported() {
        let full = minimal(3, &[("general.name", "a long enough name")], 0);
        let r = reason(&full[..full.len() - 5]);
        assert!(r.starts_with("truncated"), "{r}");
    }

    #[test]
    fn missing_tensor_table_is_truncation() {
        assert!(reason(&minimal(3, &[], 2)).starts_with("truncated"));
    }

    #[test]
    fn missing_file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.gguf");
        assert!(matches!(read_header(&missing),
            Err(EngineError::ModelFile { reason, .. }) if reason == "no such file"));
        assert!(matches!(read_header(dir.path()),
            Err(EngineError::ModelFile { reason, .. }) if reason.contains("directory")));
    }
}
