//! The eval runner must not be the bottleneck in front of a serving fleet: at concurrency
//! 16, 64 and 256 against a local server with a fixed latency, requests/s should reach 0.9 ×
//! concurrency ÷ per-request latency. The server is measured alone first (a bare client) to
//! show it is not the limit; then the runner, every cell stored. Run with `make bench`.

mod common;
use common::cpu_seconds;

use std::path::Path;
use std::time::{Duration, Instant};

use slam::config::Config;
use slam::eval::runner::{self, RunOptions};
use slam::eval::spec::EvalSpec;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// What each request waits at the server before its answer: a model's latency.
const LATENCY: Duration = Duration::from_millis(250);
const ROUNDS: usize = 8;

const STREAM: &str = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Keep\"},\"finish_reason\":null}]}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" going.\"},\"finish_reason\":null}]}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n\
data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n\
data: [DONE]\n\n";

async fn serve(mut conn: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // Headers, then the body by Content-Length.
    let body_start = loop {
        let Ok(n) = conn.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..body_start]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < body_start + length {
        let Ok(n) = conn.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    tokio::time::sleep(LATENCY).await;
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n{STREAM}"
    );
    let _ = conn.write_all(response.as_bytes()).await;
    let _ = conn.shutdown().await;
}

async fn start_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(serve(conn));
        }
    });
    port
}

/// The server alone: `concurrency` bare clients, each sending requests one after another.
async fn server_alone(port: u16, concurrency: usize, requests: usize) -> (f64, f64) {
    let body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let request = request.clone();
        let mine = requests / concurrency + usize::from(c < requests % concurrency);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for _ in 0..mine {
                let t = Instant::now();
                let mut conn = TcpStream::connect(("127.0.0.1", port))
                    .await
                    .expect("connect");
                conn.write_all(request.as_bytes()).await.expect("send");
                let mut sink = Vec::new();
                let _ = conn.read_to_end(&mut sink).await;
                latencies.push(t.elapsed().as_secs_f64());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client task"));
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    (requests as f64 / wall, all[all.len() / 2])
}

/// The runner: `requests` cells at `concurrency`, every cell stored; requests/s and CPU per cell.
async fn runner_at(port: u16, concurrency: usize, requests: usize) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config_text = format!(
        "[[models]]\nname = \"fleet\"\nbackend = \"openai\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\nmodel = \"m\"\n"
    );
    let config = Config {
        source: None,
        file: slam::config::parse(&config_text, Path::new("bench.toml")).expect("config"),
        discovered: Vec::new(),
    };
    let inputs: String = (0..requests)
        .map(|i| format!("[[input]]\nword = \"w{i}\"\n"))
        .collect();
    let spec_text = format!(
        "name = \"bench\"\ntemplate = \"{{{{ word }}}}\"\nrepetitions = 1\nwarmup = false\n\
         [params]\nmax_tokens = 8\n[[models]]\nname = \"fleet\"\nconcurrency = {concurrency}\n{inputs}"
    );
    let spec = EvalSpec::parse(&spec_text, &dir.path().join("spec.toml"), &config).expect("spec");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let cpu0 = cpu_seconds();
    let started = Instant::now();
    let outcome = runner::run(
        spec,
        RunOptions {
            db: dir.path().join("bench.db"),
            fresh: false,
            sweep: Vec::new(),
            factory: None,
        },
        CancellationToken::new(),
        tx,
    )
    .await
    .expect("the run");
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let _ = drain.await;
    assert_eq!(outcome.ran, requests, "every cell ran");
    assert!(
        outcome.store_errors.is_empty(),
        "{:?}",
        outcome.store_errors
    );
    (requests as f64 / wall, cpu / requests as f64 * 1e6)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let port = start_server().await;
        println!(
            "\nEval runner vs a local server answering after {} ms, {ROUNDS} requests per concurrency slot\n",
            LATENCY.as_millis()
        );
        println!("| concurrency | server alone req/s | its p50 latency ms | runner req/s | goal (0.9 × c ÷ latency) | runner CPU µs/cell |");
        println!("|---:|---:|---:|---:|---|---:|");
        for concurrency in [16usize, 64, 256] {
            let requests = concurrency * ROUNDS;
            let (alone, latency) = server_alone(port, concurrency, requests).await;
            let (rate, cpu) = runner_at(port, concurrency, requests).await;
            let goal = 0.9 * concurrency as f64 / latency;
            let ok = if rate >= goal { "✓" } else { "✗" };
            println!(
                "| {concurrency} | {alone:.0} | {:.0} | {rate:.0} | ≥ {goal:.0} {ok} | {cpu:.0} |",
                latency * 1000.0
            );
        }
    });
}
