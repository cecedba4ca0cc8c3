//! One entry point per parser that reads bytes a user or a server controls, shared by the
//! cargo-fuzz targets (`fuzz/`), the property tests and the crash regression tests
//! (`tests/parsers_fuzz.rs`). Each takes arbitrary bytes and panics only when the parser breaks a
//! promise: a panic of its own, an error that does not name its origin, or (for the SSE reader)
//! an answer that depends on how the network happened to split the bytes.

use std::path::Path;
use std::task::{Context, Poll, Waker};

use eventsource_stream::Eventsource;
use futures_util::Stream;

use crate::domain::recording::Recording;
use crate::engine::gguf;
use crate::engine::openai::stream::{Step, StreamState};
use crate::store::Store;
use crate::tui::theme::Theme;
use crate::tui_state::keymap::Keymap;

/// A fuzz target: arbitrary bytes in, a panic only when the parser breaks a promise.
pub type Target = fn(&[u8]);

/// Every target, by the name its corpus folder and cargo-fuzz binary carry.
pub const TARGETS: &[(&str, Target)] = &[
    ("sse_stream", sse_stream),
    ("gguf_header", gguf_header),
    ("import", import),
    ("recording", recording),
    ("config", config),
    ("theme", theme),
    ("keymap", keymap),
];

pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

const ORIGIN: &str = "fuzz-input";

fn assert_names_origin(message: &str) {
    assert!(
        message.contains(ORIGIN),
        "an error that does not name its file: {message}"
    );
}

/// The SSE body of a chat-completion stream. The first byte seeds where the body is split into
/// network chunks; the answer (deltas, end, error) must equal that of the body read whole.
pub fn sse_stream(data: &[u8]) {
    let Some((&seed, body)) = data.split_first() else {
        return;
    };
    let mut rng = fastrand::Rng::with_seed(u64::from(seed));
    let mut chunks = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let n = rng.usize(1..=rest.len().min(16));
        let (head, tail) = rest.split_at(n);
        chunks.push(head);
        rest = tail;
    }
    let whole = read_sse(vec![body]);
    let split = read_sse(chunks);
    assert_eq!(
        whole, split,
        "the answer depends on how the bytes were split"
    );
}

/// What `consume` makes of a body delivered in `chunks`: the deltas and how it ended.
fn read_sse(chunks: Vec<&[u8]>) -> (Vec<String>, String) {
    let source = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let mut events = Box::pin(source.eventsource());
    let mut cx = Context::from_waker(Waker::noop());
    let mut state = StreamState::new("http://fuzz/v1/chat/completions");
    let mut deltas = Vec::new();
    loop {
        // The source is always ready, so a poll never waits.
        let next = match events.as_mut().poll_next(&mut cx) {
            Poll::Ready(next) => next,
            Poll::Pending => unreachable!("an in-memory stream is never pending"),
        };
        match next {
            None | Some(Err(_)) => break,
            Some(Ok(event)) => match state.on_data(&event.data) {
                Ok(Step::Text { thinking, answer }) => {
                    deltas.push(format!("thinking:{thinking}"));
                    deltas.push(answer);
                }
                Ok(Step::Continue) => {}
                Ok(Step::Done) => break,
                Err(e) => return (deltas, format!("error: {e}")),
            },
        }
    }
    let end = match state.finish() {
        Ok(end) => format!("{end:?}"),
        Err(e) => format!("error: {e}"),
    };
    (deltas, end)
}

/// A model file's header: validated or refused with the file's name, never a panic.
pub fn gguf_header(data: &[u8]) {
    if let Err(e) = gguf::parse_header_bytes(data, Path::new(ORIGIN)) {
        assert_names_origin(&e.to_string());
    }
}

/// `slam sessions import` of a file (export JSONL, SLaM data, recording) into a fresh store;
/// what was imported must export and import again.
pub fn import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut store = Store::open_in_memory().expect("an in-memory store opens");
    match crate::store::import::import(&mut store, text, ORIGIN, true) {
        Err(e) => assert_names_origin(&e.to_string()),
        Ok(report) => {
            let mut exported = Vec::new();
            for (session, _) in &report.sessions {
                let lines = store.export_lines(*session).expect("export reads back");
                crate::store::export::write_jsonl(&lines, &mut exported).expect("in memory");
            }
            if report.generations == 0 {
                return;
            }
            let again = String::from_utf8(exported).expect("exports are UTF-8");
            let mut fresh = Store::open_in_memory().expect("an in-memory store opens");
            let back = crate::store::import::import(&mut fresh, &again, "re-export", false)
                .unwrap_or_else(|e| panic!("an export slam wrote does not import: {e}"));
            assert_eq!(
                back.generations, report.generations,
                "answers lost on re-import"
            );
            assert_eq!(back.ratings, report.ratings, "ratings lost on re-import");
        }
    }
}

/// A recorded session (`compare --json`), as the TUI replays it.
pub fn recording(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Recording::parse(text, ORIGIN) {
        Err(e) => assert_names_origin(&e),
        Ok(rec) => assert!(rec.events.iter().all(|e| e.pane < rec.models.len())),
    }
}

/// config.toml.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = crate::config::parse(text, Path::new(ORIGIN)) {
        assert_names_origin(&e.to_string());
    }
}

/// A theme file.
pub fn theme(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Theme::parse(text, ORIGIN) {
        assert_names_origin(&e);
    }
}

/// A keymap file.
pub fn keymap(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Keymap::parse(text, ORIGIN) {
        assert_names_origin(&e);
    }
}
