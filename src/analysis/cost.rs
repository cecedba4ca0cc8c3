//! What answers cost, pure: an API's price per token (LiteLLM's field names, so its
//! `model_prices_and_context_window.json` reads as it is) applied to an answer's token counts,
//! and a self-hosted model's hourly price turned into a price per request at the throughput it
//! sustained, with the break-even volume between the two.

use crate::domain::metrics::GenerationMetrics;
use serde::Deserialize;

/// Hours in the month every monthly figure uses (365 × 24 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One model's prices, per token, as LiteLLM names them. A missing price is unknown, never 0.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Price {
    pub input_cost_per_token: Option<f64>,
    pub output_cost_per_token: Option<f64>,
    /// Prompt tokens read from the provider's cache.
    pub cache_read_input_token_cost: Option<f64>,
    /// Thinking tokens, where they are priced apart from the answer's (else as output).
    pub output_cost_per_reasoning_token: Option<f64>,
}

impl Price {
    /// Any price given at all.
    pub fn is_known(&self) -> bool {
        self.fields().iter().any(|(_, v)| v.is_some())
    }

    /// Each price by its LiteLLM name.
    pub fn fields(&self) -> [(&'static str, Option<f64>); 4] {
        [
            ("input_cost_per_token", self.input_cost_per_token),
            ("output_cost_per_token", self.output_cost_per_token),
            (
                "cache_read_input_token_cost",
                self.cache_read_input_token_cost,
            ),
            (
                "output_cost_per_reasoning_token",
                self.output_cost_per_reasoning_token,
            ),
        ]
    }

    /// A negative or non-finite price is a mistake in the file, named by its field.
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in self.fields() {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(format!(
                    "{name} is {v}: a price is a number of dollars, 0 or more"
                ));
            }
        }
        Ok(())
    }
}

/// An answer's tokens as a provider bills them: answer and thinking apart (`completion_tokens`
/// are the answer's own, thinking is billed as output on top). Not a second usage: the one usage
/// of an answer is `domain::Usage` / `GenerationMetrics`, where thinking is part of the output;
/// `Billed::of` is the one place that splits it off.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Billed {
    pub prompt_tokens: u64,
    /// Of the prompt tokens, how many were read from the provider's cache.
    pub cached_prompt_tokens: u64,
    pub completion_tokens: u64,
    pub thinking_tokens: u64,
}

impl Billed {
    /// What an answer's metrics bill: None without a prompt token count.
    pub fn of(m: &GenerationMetrics) -> Option<Billed> {
        let thinking = u64::from(m.thinking_tokens.unwrap_or(0));
        Some(Billed {
            prompt_tokens: u64::from(m.prompt_tokens?),
            cached_prompt_tokens: u64::from(m.cached_prompt_tokens.unwrap_or(0)),
            completion_tokens: u64::from(m.output_tokens).saturating_sub(thinking),
            thinking_tokens: thinking,
        })
    }
}

/// A price the answer needs that the table does not give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no {0} price")]
pub struct MissingPrice(pub &'static str);

/// The API cost of one answer, in dollars.
pub fn api_cost(price: &Price, usage: &Billed) -> Result<f64, MissingPrice> {
    let need = |p: Option<f64>, what| p.ok_or(MissingPrice(what));
    let cached = usage.cached_prompt_tokens.min(usage.prompt_tokens);
    let fresh = usage.prompt_tokens - cached;
    let mut cost = fresh as f64 * need(price.input_cost_per_token, "input")?;
    if cached > 0 {
        // A provider without a cache price bills cached tokens as any other prompt token.
        let per = match price.cache_read_input_token_cost {
            Some(p) => p,
            None => need(price.input_cost_per_token, "input")?,
        };
        cost += cached as f64 * per;
    }
    if usage.completion_tokens > 0 || usage.thinking_tokens > 0 {
        let output = need(price.output_cost_per_token, "output")?;
        cost += usage.completion_tokens as f64 * output;
        let thinking = price.output_cost_per_reasoning_token.unwrap_or(output);
        cost += usage.thinking_tokens as f64 * thinking;
    }
    Ok(cost)
}

/// A self-hosted model: its instance's hourly price and the requests per hour one instance
/// sustained (measured), used at `utilisation` (0–1] of that.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelfHosted {
    pub cost_per_hour: f64,
    pub sustained_requests_per_hour: f64,
    pub utilisation: f64,
}

/// The default share of the measured throughput an instance is planned to carry.
pub const DEFAULT_UTILISATION: f64 = 0.7;

impl SelfHosted {
    /// Requests per hour one instance is planned to serve.
    pub fn capacity_per_hour(&self) -> f64 {
        self.sustained_requests_per_hour * self.utilisation
    }

    /// Instances needed for a monthly volume: at least one, always on.
    pub fn instances(&self, requests_per_month: f64) -> Option<u64> {
        let capacity = self.capacity_per_hour();
        if !positive(capacity) || !requests_per_month.is_finite() || requests_per_month < 0.0 {
            return None;
        }
        let per_hour = requests_per_month / HOURS_PER_MONTH;
        Some(((per_hour / capacity).ceil() as u64).max(1))
    }

    /// Dollars a month for a monthly volume.
    pub fn monthly_cost(&self, requests_per_month: f64) -> Option<f64> {
        self.instances(requests_per_month)
            .map(|n| n as f64 * self.cost_per_hour * HOURS_PER_MONTH)
    }

    /// The smallest monthly volume at which self-hosting costs no more than an API charging
    /// `api_cost_per_request`: one instance's month over the API's price per request, rounded
    /// up. None when even a fully used instance costs more per request than the API (above
    /// the first crossing the step cost can cross back just past each added instance; the
    /// report's chart shows the whole curve).
    pub fn break_even_requests_per_month(&self, api_cost_per_request: f64) -> Option<u64> {
        if !positive(api_cost_per_request) || !positive(self.capacity_per_hour()) {
            return None;
        }
        let month = self.cost_per_hour * HOURS_PER_MONTH;
        let volume = (month / api_cost_per_request).ceil();
        (volume <= self.capacity_per_hour() * HOURS_PER_MONTH).then_some(volume as u64)
    }
}

/// One concurrency level of a sweep: what the model sustained and its p95 latency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    pub concurrency: u32,
    pub requests_per_s: f64,
    pub e2e_p95_ms: f64,
}

/// Requests per hour one instance sustains, and how that was found.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Capacity {
    /// The highest swept concurrency whose p95 latency met the target.
    Sweep {
        concurrency: u32,
        requests_per_hour: f64,
        e2e_p95_ms: f64,
    },
    /// No sweep: the evaluation's own throughput, one request at a time, whose p95 met the
    /// target (this understates what an instance can carry).
    Unswept { requests_per_hour: f64 },
    /// Not even the best p95 it showed (over the sweep's levels, or one request at a time
    /// with no sweep) met the target: no capacity, so no price.
    MissesTarget { best_e2e_p95_ms: f64, swept: bool },
}

impl Capacity {
    pub fn requests_per_hour(&self) -> Option<f64> {
        match self {
            Capacity::Sweep {
                requests_per_hour, ..
            }
            | Capacity::Unswept { requests_per_hour } => Some(*requests_per_hour),
            Capacity::MissesTarget { .. } => None,
        }
    }
}

/// The capacity of one instance at a p95 latency target: from a sweep, its highest
/// concurrency that meets `p95_target_ms`; with no sweep, the evaluation's own one-at-a-time
/// throughput (`unswept`) if its p95 meets `unswept_target_ms` (a target the user gave: the
/// baseline's p95 is no target for one request at a time). Never a figure that misses it.
pub fn capacity(
    sweep: &[SweepPoint],
    p95_target_ms: f64,
    unswept: Option<SweepPoint>,
    unswept_target_ms: f64,
) -> Option<Capacity> {
    let usable = |p: &&SweepPoint| positive(p.requests_per_s) && p.e2e_p95_ms.is_finite();
    let swept = sweep.iter().filter(usable).count() > 0;
    let (points, p95_target_ms): (Vec<SweepPoint>, f64) = if swept {
        (
            sweep.iter().filter(usable).copied().collect(),
            p95_target_ms,
        )
    } else {
        (
            unswept.iter().filter(usable).copied().collect(),
            unswept_target_ms,
        )
    };
    let best_p95 = points.iter().map(|p| p.e2e_p95_ms).reduce(f64::min)?;
    let best = (points.iter())
        .filter(|p| p.e2e_p95_ms <= p95_target_ms)
        .max_by_key(|p| p.concurrency);
    Some(match best {
        Some(p) if swept => Capacity::Sweep {
            concurrency: p.concurrency,
            requests_per_hour: p.requests_per_s * 3600.0,
            e2e_p95_ms: p.e2e_p95_ms,
        },
        Some(p) => Capacity::Unswept {
            requests_per_hour: p.requests_per_s * 3600.0,
        },
        None => Capacity::MissesTarget {
            best_e2e_p95_ms: best_p95,
            swept,
        },
    })
}

/// Requests a month at `per_day` requests a day (a 730-hour month).
pub fn monthly_volume(per_day: f64) -> f64 {
    per_day * HOURS_PER_MONTH / 24.0
}

/// The daily volumes every comparison is shown at.
pub const DAILY_VOLUMES: [u64; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// A finite number above zero (NaN is not).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpt4() -> Price {
        Price {
            input_cost_per_token: Some(3e-5),
            output_cost_per_token: Some(6e-5),
            ..Price::default()
        }
    }

    #[test]
    fn gpt4_a_thousand_requests_a_day_for_thirty_days() {
        // 1,000 × (1,000 × $0.03/1k + 1,000 × $0.06/1k) = $90 a day; × 30 = $2,700.
        let usage = Billed {
            prompt_tokens: 1000,
            completion_tokens: 1000,
            ..Billed::default()
        };
        let per_request = api_cost(&gpt4(), &usage).unwrap();
        assert!((per_request - 0.09).abs() < 1e-12);
        assert!((per_request * 1000.0 * 30.0 - 2700.0).abs() < 1e-9);
    }

    #[test]
    fn cached_and_thinking_tokens_are_priced_as_the_table_says() {
        let price = Price {
            input_cost_per_token: Some(2e-6),
            output_cost_per_token: Some(8e-6),
            cache_read_input_token_cost: Some(5e-7),
            ..Price::default()
        };
        // 1,000 prompt tokens of which 600 cached, 100 answer and 300 thinking tokens:
        // 400 × 2e-6 + 600 × 5e-7 + (100 + 300) × 8e-6 = 0.0008 + 0.0003 + 0.0032 = 0.0043.
        let usage = Billed {
            prompt_tokens: 1000,
            cached_prompt_tokens: 600,
            completion_tokens: 100,
            thinking_tokens: 300,
        };
        assert!((api_cost(&price, &usage).unwrap() - 0.0043).abs() < 1e-12);
        // Thinking priced apart: 300 × 1e-5 instead of 300 × 8e-6.
        let apart = Price {
            output_cost_per_reasoning_token: Some(1e-5),
            ..price.clone()
        };
        assert!((api_cost(&apart, &usage).unwrap() - 0.0049).abs() < 1e-12);
        // No cache price: cached tokens at the input price (1,000 × 2e-6 + 400 × 8e-6).
        let no_cache = Price {
            cache_read_input_token_cost: None,
            ..price
        };
        assert!((api_cost(&no_cache, &usage).unwrap() - 0.0052).abs() < 1e-12);
    }

    #[test]
    fn a_missing_price_is_unknown_and_zero_is_a_price() {
        let usage = Billed {
            prompt_tokens: 10,
            completion_tokens: 5,
            ..Billed::default()
        };
        let no_output = Price {
            input_cost_per_token: Some(1e-6),
            ..Price::default()
        };
        assert_eq!(api_cost(&no_output, &usage), Err(MissingPrice("output")));
        assert_eq!(
            api_cost(&Price::default(), &usage),
            Err(MissingPrice("input"))
        );
        let free = Price {
            input_cost_per_token: Some(0.0),
            output_cost_per_token: Some(0.0),
            ..Price::default()
        };
        assert_eq!(api_cost(&free, &usage), Ok(0.0));
    }

    #[test]
    fn self_hosted_at_measured_throughput_and_its_break_even() {
        // $1.20/h sustaining 3,600 requests/h, planned at 70%: one instance serves up to
        // 2,520 requests/h; a 730-hour month costs $876; against GPT-4's $0.09 a request
        // self-hosting is cheaper from 876 / 0.09 = 9,733.3 → 9,734 requests a month.
        let s = SelfHosted {
            cost_per_hour: 1.2,
            sustained_requests_per_hour: 3600.0,
            utilisation: DEFAULT_UTILISATION,
        };
        assert!((s.capacity_per_hour() - 2520.0).abs() < 1e-9);
        assert!((s.monthly_cost(0.0).unwrap() - 876.0).abs() < 1e-9);
        assert_eq!(s.instances(2520.0 * 730.0), Some(1));
        assert_eq!(s.instances(2520.0 * 730.0 + 1.0), Some(2));
        assert!((s.monthly_cost(2_000_000.0).unwrap() - 1752.0).abs() < 1e-9);
        assert_eq!(s.break_even_requests_per_month(0.09), Some(9734));
        // An API cheaper per request than a fully used instance: never cheaper to self-host
        // ($1.20 / 2,520 = $0.000476 a request).
        assert_eq!(s.break_even_requests_per_month(0.0004), None);
        let idle = SelfHosted {
            sustained_requests_per_hour: 0.0,
            ..s
        };
        assert_eq!(idle.instances(10.0), None);
    }

    #[test]
    fn capacity_is_the_highest_concurrency_that_meets_the_p95_target() {
        let p = |concurrency, requests_per_s, e2e_p95_ms| SweepPoint {
            concurrency,
            requests_per_s,
            e2e_p95_ms,
        };
        let sweep = [p(1, 1.0, 800.0), p(4, 3.0, 1500.0), p(16, 5.0, 4000.0)];
        assert_eq!(
            capacity(&sweep, 2000.0, None, 2000.0),
            Some(Capacity::Sweep {
                concurrency: 4,
                requests_per_hour: 10_800.0,
                e2e_p95_ms: 1500.0
            })
        );
        let one_at_a_time = Some(p(1, 0.5, 1200.0));
        assert_eq!(
            capacity(&sweep, 500.0, one_at_a_time, 500.0),
            Some(Capacity::MissesTarget {
                best_e2e_p95_ms: 800.0,
                swept: true
            })
        );
        assert_eq!(
            capacity(&[], 500.0, one_at_a_time, 1500.0),
            Some(Capacity::Unswept {
                requests_per_hour: 1800.0
            })
        );
        // With no sweep the run's own p95 must meet the target too: 1,200 ms misses 1,000.
        assert_eq!(
            capacity(&[], 5000.0, one_at_a_time, 1000.0),
            Some(Capacity::MissesTarget {
                best_e2e_p95_ms: 1200.0,
                swept: false
            })
        );
        assert_eq!(capacity(&[], 500.0, None, 500.0), None);
        // 10,000 requests a day in a 730-hour month.
        assert!((monthly_volume(10_000.0) - 304_166.666_666).abs() < 1e-3);
    }
}
