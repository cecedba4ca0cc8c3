//! What a rating costs: the time from a key press's save to its commit (`✓ saved` waits for
//! it; synchronous = FULL, so it includes an fsync), and the leaderboard's statistics (1000
//! Bradley–Terry bootstrap resamples) over a large battle set. Run with `make bench`.

use std::time::Instant;

use slam::analysis::leaderboard::{LeaderboardInput, RESAMPLES, ScoredAnswer, compute};
use slam::domain::metrics::percentile;
use slam::domain::rating::PairOutcome;
use slam::store::records::{GenerationRecord, PromptRecord, SessionRecord};
use slam::store::{NewRating, Store};

const SAVES: usize = 300;

fn main() {
    let dir = std::env::temp_dir().join(format!("slam-bench-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = match Store::open(&dir.join("bench.db")) {
        Ok(s) => s,
        Err(e) => return eprintln!("cannot open the bench store: {e}"),
    };
    let session = store
        .insert_session(&SessionRecord::new("tui", "bench".into()))
        .unwrap_or_default();
    let prompt = store
        .insert_prompt(session, &PromptRecord::new("q".into()))
        .unwrap_or_default();
    let answer = |model: &str| GenerationRecord::new(model, "an answer".into());
    let a = store
        .insert_generation(prompt, &answer("a"))
        .unwrap_or_default();
    let b = store
        .insert_generation(prompt, &answer("b"))
        .unwrap_or_default();
    let mut ms = Vec::with_capacity(SAVES);
    for i in 0..SAVES {
        let rating = NewRating::Pair {
            a,
            b,
            outcome: [PairOutcome::A, PairOutcome::B, PairOutcome::Tie][i % 3],
        };
        let t = Instant::now();
        if let Err(e) = store.rate(prompt, "bench", false, &rating) {
            return eprintln!("rate failed: {e}");
        }
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "rating commit (replace + insert, synchronous=FULL): p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms over {SAVES}",
        percentile(&ms, 50.0).unwrap_or(0.0),
        percentile(&ms, 95.0).unwrap_or(0.0),
        percentile(&ms, 99.0).unwrap_or(0.0)
    );
    let _ = std::fs::remove_dir_all(&dir);

    // 20 models, 10 000 battles, 2 000 scores.
    let mut rng = fastrand::Rng::with_seed(9);
    let model = |i: usize| format!("model-{i:02}");
    let battles = (0..10_000)
        .map(|_| {
            let x = rng.usize(0..20);
            let y = (x + 1 + rng.usize(0..19)) % 20;
            let outcome = match rng.u8(0..10) {
                0..=3 if x < y => PairOutcome::A,
                0..=3 => PairOutcome::B,
                4..=6 => PairOutcome::A,
                7..=8 => PairOutcome::B,
                _ => PairOutcome::Tie,
            };
            (model(x), model(y), outcome)
        })
        .collect();
    let answers = (0..2_000)
        .map(|i| ScoredAnswer {
            model: model(i % 20),
            score: Some(f64::from((i % 5) as u8 + 1)),
            tags: Vec::new(),
        })
        .collect();
    let input = LeaderboardInput {
        answers,
        battles,
        votes: Vec::new(),
    };
    let t = Instant::now();
    let board = compute(&input, RESAMPLES, 1);
    println!(
        "leaderboard: {} models, {} battles, {} resamples in {:.0} ms",
        board.rows.len(),
        board.battles,
        board.resamples,
        t.elapsed().as_secs_f64() * 1000.0
    );
}
