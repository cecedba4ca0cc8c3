//! The fuzz targets on stable Rust, in `make test`: every committed corpus file and every crash
//! `make fuzz` ever found (fuzz/regressions/) replayed through its target, and property tests
//! that mutate the corpus seeds (byte edits, truncation, splicing) or feed raw bytes.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use slam::fuzzing::{TARGETS, target};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files under fuzz/<kind>/<target>/, sorted.
fn files(kind: &str, name: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(name);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file());
    out.sort();
    out
}

fn seeds(name: &str) -> Vec<Vec<u8>> {
    let seeds: Vec<Vec<u8>> = files("corpus", name)
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(!seeds.is_empty(), "fuzz/corpus/{name}/ has no seeds");
    seeds
}

#[test]
fn every_target_has_a_committed_corpus_and_replays_it() {
    for (name, run) in TARGETS {
        let corpus = files("corpus", name);
        assert!(!corpus.is_empty(), "fuzz/corpus/{name}/ is empty");
        for file in corpus.iter().chain(&files("regressions", name)) {
            let bytes = std::fs::read(file).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            assert!(outcome.is_ok(), "{name} panics on {}", file.display());
        }
    }
}

#[test]
fn the_corpus_stays_small() {
    let mut total = 0u64;
    for (name, _) in TARGETS {
        for file in files("corpus", name)
            .iter()
            .chain(&files("regressions", name))
        {
            total += std::fs::metadata(file).unwrap().len();
        }
    }
    assert!(
        total < 1 << 20,
        "fuzz/ corpus is {total} bytes: minimise it"
    );
}

#[derive(Debug, Clone)]
enum Edit {
    Flip {
        at: usize,
        byte: u8,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Truncate {
        at: usize,
    },
    /// Copy a slice of the input over another place (JSON/TOML structure recombined).
    Splice {
        from: usize,
        len: usize,
        to: usize,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop::sample::select(vec![
        b"\"".to_vec(),
        b"\\u00".to_vec(),
        b"\n".to_vec(),
        b"\r\n".to_vec(),
        b"data: ".to_vec(),
        b"[DONE]".to_vec(),
        b"{".to_vec(),
        b"}".to_vec(),
        b"[".to_vec(),
        b"]".to_vec(),
        b"null".to_vec(),
        b"-1".to_vec(),
        b"1e308".to_vec(),
        b"18446744073709551615".to_vec(),
        b"\xff\xff\xff\xff\xff\xff\xff\x7f".to_vec(),
        b"\xf0\x9f".to_vec(),
        b"= ".to_vec(),
        b"[[models]]\n".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Flip { at, byte }),
        (
            any::<usize>(),
            prop_oneof![prop::collection::vec(any::<u8>(), 1..8), interesting]
        )
            .prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| Edit::Delete { at, len }),
        any::<usize>().prop_map(|at| Edit::Truncate { at }),
        (any::<usize>(), 1usize..64, any::<usize>()).prop_map(|(from, len, to)| Edit::Splice {
            from,
            len,
            to
        }),
    ]
}

fn apply(mut data: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = data.len();
        match e {
            Edit::Flip { at, byte } if n > 0 => data[at % n] = *byte,
            Edit::Insert { at, bytes } => {
                let at = at % (n + 1);
                data.splice(at..at, bytes.iter().copied());
            }
            Edit::Delete { at, len } if n > 0 => {
                let at = at % n;
                data.drain(at..(at + len).min(n));
            }
            Edit::Truncate { at } => data.truncate(at % (n + 1)),
            Edit::Splice { from, len, to } if n > 0 => {
                let from = from % n;
                let piece: Vec<u8> = data[from..(from + len).min(n)].to_vec();
                let to = to % n;
                let end = (to + piece.len()).min(n);
                data.splice(to..end, piece);
            }
            _ => {}
        }
    }
    data
}

fn mutated(name: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let seeds = seeds(name);
    (
        prop::sample::select(seeds),
        prop::collection::vec(edit(), 1..6),
    )
        .prop_map(|(seed, edits)| apply(seed, &edits))
}

/// Cases per property: 400 in `make test`; `make fuzz` without nightly asks for more.
fn cases() -> u32 {
    std::env::var("SLAM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

/// `make test` draws the same cases every run (a failure there reproduces); `make fuzz`
/// explores new ones each time.
fn seed() -> RngSeed {
    if std::env::var_os("SLAM_FUZZ_CASES").is_some() {
        RngSeed::Random
    } else {
        RngSeed::Fixed(0x51a3)
    }
}

fn run(name: &str, data: &[u8]) {
    target(name).expect("a target of that name")(data);
}

macro_rules! fuzz_props {
    ($($test:ident => $name:literal),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: cases(), rng_seed: seed(), failure_persistence: None, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $test(data in prop_oneof![
                    3 => mutated($name),
                    1 => prop::collection::vec(any::<u8>(), 0..512),
                ]) {
                    run($name, &data);
                }
            )*
        }
    };
}

fuzz_props! {
    sse_stream_survives_mutations => "sse_stream",
    gguf_header_survives_mutations => "gguf_header",
    import_survives_mutations => "import",
    recording_survives_mutations => "recording",
    config_survives_mutations => "config",
    theme_survives_mutations => "theme",
    keymap_survives_mutations => "keymap",
}

#[test]
fn the_gguf_seed_reads_as_its_independent_writer_wrote_it() {
    use slam::engine::gguf::{MetaValue, parse_header_bytes};
    // scripts/make-gguf-seed.py wrote it from the GGUF spec, not from slam's reader.
    let bytes = std::fs::read(fuzz_dir().join("corpus/gguf_header/tiny.gguf")).unwrap();
    let h = parse_header_bytes(&bytes, Path::new("tiny.gguf")).unwrap();
    assert_eq!((h.version, h.tensor_count, h.metadata.len()), (3, 2, 18));
    assert_eq!(h.name(), Some("tiny"));
    assert_eq!(h.context_length(), Some(64));
    assert_eq!(h.quantization(), Some("Q4_1"));
    assert_eq!(h.uint("general.offset"), None, "negative");
    assert_eq!(h.metadata["general.i16"], MetaValue::Int(-700));
    assert_eq!(
        h.metadata["tokenizer.ggml.tokens"],
        MetaValue::Array {
            elem_type: 8,
            len: 4
        }
    );
    // One byte short of the last tensor's data: truncated, and said so.
    let err = parse_header_bytes(&bytes[..bytes.len() - 1], Path::new("tiny.gguf")).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}
