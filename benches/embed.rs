//! (g) Sentence embeddings per second with all-MiniLM-L6-v2 (similarity to the baseline) on
//! answers of 256 tokens, the embedder's window: 64 distinct answers embedded in one call
//! (in batches of `embed::BATCH`), and one at a time. Medians of five runs. Run with `make bench`.

use std::time::Instant;

use slam::domain::metrics::median;
use slam::engine::embed::Embedder;

const ANSWERS: usize = 64;
const RUNS: usize = 5;

type Error = Box<dyn std::error::Error>;

/// A distinct answer of at least 256 tokens (cut to 256 by the embedder).
fn answer(i: usize) -> String {
    (0..60)
        .map(|k| {
            format!(
                "Step {}: keep going with task {} today.",
                k + i,
                (k * 7 + i) % 13
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() -> Result<(), Error> {
    let dir = slam::eval::similarity::default_embedder_dir();
    let embedder = Embedder::load(&dir)?;
    let texts: Vec<String> = (0..ANSWERS).map(answer).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    for t in &refs {
        let n = embedder.token_count(t)?;
        if n != embedder.max_tokens() {
            return Err(format!("an answer is {n} tokens, not {}", embedder.max_tokens()).into());
        }
    }
    embedder.embed(&refs[..4])?; // warm-up
    let (mut batched, mut single) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        embedder.embed(&refs)?;
        batched.push(ANSWERS as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        for text in &refs[..16] {
            embedder.embed(&[text])?;
        }
        single.push(16.0 / t.elapsed().as_secs_f64());
    }
    println!(
        "(g) embeddings of 256-token answers (all-MiniLM-L6-v2, {} CPUs): {:.1}/s batched ({ANSWERS} answers, batches of {}), {:.1}/s one at a time (medians of {RUNS})",
        num_cpus::get(),
        median(&batched).unwrap_or(0.0),
        slam::engine::embed::BATCH,
        median(&single).unwrap_or(0.0),
    );
    Ok(())
}
