#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| slam::fuzzing::sse_stream(data));
