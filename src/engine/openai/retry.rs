//! When to retry and how long to wait: exponential backoff with jitter, `Retry-After` honoured.

use std::time::Duration;

/// Statuses worth retrying (only before the first token): rate limited, temporarily unavailable.
pub fn is_retryable(status: u16) -> bool {
    matches!(status, 429 | 503)
}

/// `Retry-After` as delta-seconds (HTTP-dates are rare from APIs and are ignored).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(600.0)))
}

/// Wait before retry number `attempt` (0-based): the server's `Retry-After` when given, else
/// `base · 2^attempt` scaled by `jitter` ∈ [0, 1) into [50 %, 100 %] of that.
pub fn backoff(
    attempt: u32,
    base: Duration,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Duration {
    if let Some(wait) = retry_after {
        return wait;
    }
    let exp = base.saturating_mul(1u32 << attempt.min(10));
    exp.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_wins_over_backoff() {
        let b = backoff(
            3,
            Duration::from_millis(500),
            Some(Duration::from_secs(1)),
            0.9,
        );
        assert_eq!(b, Duration::from_secs(1));
    }

    #[test]
    fn backoff_doubles_with_jitter_between_half_and_full() {
        let base = Duration::from_millis(500);
        assert_eq!(backoff(0, base, None, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(0, base, None, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(2, base, None, 1.0), Duration::from_millis(2000));
        assert_eq!(backoff(2, base, None, 0.5), Duration::from_millis(1500));
    }

    #[test]
    fn parses_retry_after_seconds() {
        assert_eq!(parse_retry_after("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn only_429_and_503_are_retried() {
        assert!(is_retryable(429) && is_retryable(503));
        assert!(!is_retryable(500) && !is_retryable(400) && !is_retryable(401));
    }
}
