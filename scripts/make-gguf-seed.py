#!/usr/bin/env python3
"""Writes fuzz/corpus/gguf_header/{tiny.gguf,v2-no-tensors.gguf}: small GGUF files in the
layout of the GGUF spec (ggml/docs/gguf.md), written here independently of slam's reader."""
import struct, sys, pathlib

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)

def s(text):
    b = text.encode()
    return struct.pack("<Q", len(b)) + b

def kv(key, ty, value):
    out = s(key) + struct.pack("<I", ty)
    if ty == STR:
        return out + s(value)
    if ty == ARR:
        elem, items = value
        out += struct.pack("<IQ", elem, len(items))
        for it in items:
            out += s(it) if elem == STR else struct.pack({U32: "<I", I32: "<i", F32: "<f"}[elem], it)
        return out
    fmt = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
           BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}[ty]
    return out + struct.pack(fmt, value)

def tensor(name, dims, ggml_type, offset):
    return s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) \
        + struct.pack("<IQ", ggml_type, offset)

def gguf(version, kvs, tensors, data):
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs) + b"".join(tensors)
    pad = (-len(head)) % 32
    return head + b"\0" * pad + data

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/gguf_header")
out.mkdir(parents=True, exist_ok=True)
kvs = [
    kv("general.architecture", STR, "llama"),
    kv("general.name", STR, "tiny"),
    kv("general.alignment", U32, 32),
    kv("general.file_type", U32, 3),
    kv("llama.context_length", U32, 64),
    kv("llama.rope.freq_base", F32, 10000.0),
    kv("llama.use_parallel_residual", BOOL, True),
    kv("tokenizer.ggml.tokens", ARR, (STR, ["<s>", "a", "é", "日"])),
    kv("tokenizer.ggml.scores", ARR, (F32, [0.0, -1.0, -2.0, -3.0])),
    kv("tokenizer.ggml.token_type", ARR, (I32, [3, 1, 1, 1])),
    kv("tokenizer.chat_template", STR, "{% for m in messages %}{{ m.content }}{% endfor %}"),
    kv("general.size", U64, 1234),
    kv("general.offset", I64, -5),
    kv("general.scale", F64, 0.5),
    kv("general.u8", U8, 7), kv("general.i8", I8, -7), kv("general.u16", U16, 700), kv("general.i16", I16, -700),
]
# token_embd: 4 x 32 F32 = 512 bytes at 0; output: 32 Q4_1 elements = one 20-byte block at 512.
tensors = [tensor("token_embd.weight", [32, 4], 0, 0), tensor("output.weight", [32], 3, 512)]
(out / "tiny.gguf").write_bytes(gguf(3, kvs, tensors, bytes(532)))
(out / "v2-no-tensors.gguf").write_bytes(gguf(2, kvs[:3], [], b""))
