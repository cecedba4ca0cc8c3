//! Requests and tokens per minute for one model: a request waits until the last 61 s hold
//! fewer than the limits allow (a sliding window). The extra second absorbs the time between
//! admitting a request and the server receiving it, so the server never counts more than the
//! limit in any 60 s either.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(61);

pub struct Limiter {
    requests_per_minute: Option<u32>,
    tokens_per_minute: Option<u32>,
    /// Admitted requests in the last minute: when, and the tokens they were counted for.
    recent: Mutex<VecDeque<(Instant, u32)>>,
}

impl Limiter {
    pub fn new(requests_per_minute: Option<u32>, tokens_per_minute: Option<u32>) -> Self {
        Self {
            requests_per_minute,
            tokens_per_minute,
            recent: Mutex::new(VecDeque::new()),
        }
    }

    /// Wait until a request estimated at `tokens` fits in the window, then count it.
    pub async fn admit(&self, tokens: u32) {
        if self.requests_per_minute.is_none() && self.tokens_per_minute.is_none() {
            return;
        }
        loop {
            let wait = {
                let mut recent = self.recent.lock().await;
                let now = Instant::now();
                while recent.front().is_some_and(|(t, _)| now - *t >= WINDOW) {
                    recent.pop_front();
                }
                let requests_ok = self
                    .requests_per_minute
                    .is_none_or(|n| (recent.len() as u32) < n);
                let used: u64 = recent.iter().map(|(_, t)| u64::from(*t)).sum();
                // A request larger than the whole budget goes alone rather than never.
                let tokens_ok = self
                    .tokens_per_minute
                    .is_none_or(|n| recent.is_empty() || used + u64::from(tokens) <= u64::from(n));
                if requests_ok && tokens_ok {
                    recent.push_back((now, tokens));
                    return;
                }
                // The oldest admission leaves the window first.
                recent
                    .front()
                    .map_or(Duration::ZERO, |(t, _)| WINDOW - (now - *t))
            };
            tokio::time::sleep(wait + Duration::from_millis(1)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_sixty_seconds_hold_more_than_the_limit() {
        let limiter = Limiter::new(Some(3), None);
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..7 {
            limiter.admit(1).await;
            at.push((Instant::now() - start).as_secs());
        }
        // Three at once, three a window later, one after two windows.
        assert_eq!(at, [0, 0, 0, 61, 61, 61, 122]);
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_per_minute_hold_requests_back() {
        let limiter = Limiter::new(None, Some(100));
        let start = Instant::now();
        limiter.admit(60).await;
        limiter.admit(30).await;
        limiter.admit(30).await; // 120 > 100: waits for the first to leave the window
        assert_eq!((Instant::now() - start).as_secs(), 61);
        limiter.admit(500).await; // larger than the budget: alone, after the window empties
        assert_eq!((Instant::now() - start).as_secs(), 122);
    }
}
