//! A real TCP server speaking just enough HTTP to produce the faults no real server here
//! produces on demand: a torn stream, malformed JSON, a wrong content type, a stall, a 403/502,
//! a 429 with Retry-After followed by success.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub enum Step {
    Send(Vec<u8>),
    Sleep(Duration),
}

/// Answers a request (its JSON body) with a script.
pub type Handler = Arc<dyn Fn(&serde_json::Value) -> Vec<Step> + Send + Sync>;

pub struct FakeServer {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<Instant>>>,
    /// The JSON body of every request, in arrival order.
    pub bodies: Arc<Mutex<Vec<serde_json::Value>>>,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    /// Connection `i` is answered with `scripts[i]` (the last script repeats); the connection
    /// closes after its script.
    pub fn start(scripts: Vec<Vec<Step>>) -> Self {
        let next = Arc::new(Mutex::new(0usize));
        Self::answering(Arc::new(move |_| {
            let mut i = next.lock().unwrap();
            let script = scripts[(*i).min(scripts.len() - 1)].clone();
            *i += 1;
            script
        }))
    }

    /// Every request is answered with what `handler` makes of its body.
    pub fn answering(handler: Handler) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, seen, halt) = (requests.clone(), bodies.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (log, seen, handler) = (log.clone(), seen.clone(), handler.clone());
                std::thread::spawn(move || serve(conn, &*handler, log, seen));
            }
        });
        Self {
            port,
            requests,
            bodies,
            stop,
        }
    }

    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().unwrap().clone()
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    pub fn request_times(&self) -> Vec<Instant> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    conn: TcpStream,
    handler: &(dyn Fn(&serde_json::Value) -> Vec<Step> + Send + Sync),
    log: Arc<Mutex<Vec<Instant>>>,
    seen: Arc<Mutex<Vec<serde_json::Value>>>,
) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    log.lock().unwrap().push(Instant::now());
    // The script is chosen in arrival order, under the same lock as the log.
    let script = {
        let mut seen = seen.lock().unwrap();
        seen.push(body.clone());
        handler(&body)
    };
    let mut conn = conn;
    for step in script {
        match step {
            Step::Send(bytes) => {
                if conn.write_all(&bytes).is_err() {
                    return;
                }
                let _ = conn.flush();
            }
            Step::Sleep(d) => std::thread::sleep(d),
        }
    }
}

pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Vec<Step> {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(body);
    vec![Step::Send(head.into_bytes())]
}

pub fn sse_head() -> Step {
    Step::Send(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n".to_vec(),
    )
}

pub fn sse_data(data: &str) -> Step {
    Step::Send(format!("data: {data}\n\n").into_bytes())
}

pub fn content_chunk(text: &str) -> String {
    serde_json::json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]})
        .to_string()
}

/// A complete, well-formed stream of `words`.
pub fn good_stream(words: &[&str]) -> Vec<Step> {
    let mut steps = vec![sse_head()];
    for w in words {
        steps.push(sse_data(&content_chunk(w)));
    }
    steps.push(sse_data(
        &serde_json::json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            .to_string(),
    ));
    steps.push(sse_data("[DONE]"));
    steps
}

/// `text` streamed in two chunks (split mid-way, on a character boundary).
pub fn streamed_answer(text: &str) -> Vec<Step> {
    let half = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    good_stream(&[&text[..half], &text[half..]])
}

/// The last message of a chat-completion request (what the model was asked).
pub fn last_user_message(body: &serde_json::Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned()
}
