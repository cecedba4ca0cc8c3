//! The OpenAI-compatible client must never be the bottleneck: stream chunks from a local
//! server that sends as fast as it can and report chunks/s and the client's cost per chunk.
//! Run with `make bench`.

mod common;
use common::cpu_seconds;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Instant;

use slam::domain::{ChatMessage, GenParams, Role};
use slam::engine::openai::{OpenAiBackend, OpenAiOptions};
use slam::engine::{Backend, GenEvent, GenRequest};
use tokio_util::sync::CancellationToken;

const CHUNKS: usize = 200_000;
const RUNS: usize = 5;

/// A server that answers every request with the same pre-built stream in one write.
fn start_server(body: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(conn.try_clone().expect("clone"));
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut req = vec![0; length];
            let _ = reader.read_exact(&mut req);
            let mut conn = conn;
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        }
    });
    port
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut body = Vec::new();
    for i in 0..CHUNKS {
        let chunk = serde_json::json!({"id": "b", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": format!(" w{}", i % 100)}, "finish_reason": null}]});
        body.extend_from_slice(format!("data: {chunk}\n\n").as_bytes());
    }
    body.extend_from_slice(b"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
    let port = start_server(body);
    let backend = OpenAiBackend::new(OpenAiOptions {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        model: "bench".into(),
        ..OpenAiOptions::default()
    })?;
    let runtime = tokio::runtime::Runtime::new()?;
    let request = GenRequest::new(
        vec![ChatMessage::new(Role::User, "go")],
        GenParams::default(),
    );
    let mut rates = Vec::new();
    let mut costs = Vec::new();
    for _ in 0..RUNS {
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let deltas = runtime.block_on(async {
            let mut stream = backend.generate(request.clone(), CancellationToken::new());
            let mut n = 0usize;
            while let Some(e) = stream.recv().await {
                match e {
                    GenEvent::Delta { .. } | GenEvent::Thinking { .. } => n += 1,
                    GenEvent::Failed { error, .. } => panic!("{error}"),
                    _ => {}
                }
            }
            n
        });
        let secs = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        assert_eq!(deltas, CHUNKS);
        rates.push(CHUNKS as f64 / secs);
        costs.push(cpu * 1e6 / CHUNKS as f64);
    }
    let rate = slam::domain::metrics::median(&rates).unwrap_or(0.0);
    let cost = slam::domain::metrics::median(&costs).unwrap_or(0.0);
    println!("\nOpenAI-compatible client, one stream of {CHUNKS} chunks, median of {RUNS} runs\n");
    println!("| chunks/s | client CPU µs/chunk (client + server process) | goal |");
    println!("|---:|---:|---|");
    println!("| {rate:.0} | {cost:.2} | ≥ 20000 chunks/s |");
    Ok(())
}
