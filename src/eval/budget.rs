//! The spending cap of an eval run (`max_cost` in the spec): API cells are admitted only while
//! what is spent, plus what running cells may still spend, plus this cell's estimate stays
//! within the cap. A cell's estimate is the larger of its worst case (prompt ≈ characters / 4
//! tokens, an answer of `max_tokens`) and the dearest cell of its model so far (a server may
//! count more prompt tokens than the estimate).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::analysis::cost::{self, Billed, Price};
use crate::config::ResolvedModel;
use crate::config::model_table;
use crate::domain::metrics::GenerationMetrics;

/// The price an API model is billed at (None: self-hosted or unknown — not counted).
pub fn api_price(model: &ResolvedModel) -> Option<Price> {
    if model.entry.cost_per_hour.is_some() {
        return None;
    }
    super::cost::price_for(
        model_table::bundled(),
        model.entry.server_id(),
        model.name(),
    )
    .cloned()
}

/// The most a cell can cost: the prompt at about four characters a token, a full answer.
pub fn worst_case(price: &Price, prompt_chars: usize, max_tokens: u32) -> Option<f64> {
    cost::api_cost(
        price,
        &Billed {
            prompt_tokens: (prompt_chars / 4).max(1) as u64,
            completion_tokens: u64::from(max_tokens),
            ..Billed::default()
        },
    )
    .ok()
}

/// What a finished cell cost, from its reported usage (None without a prompt token count).
pub fn spent(price: &Price, m: &GenerationMetrics) -> Option<f64> {
    cost::api_cost(price, &Billed::of(m)?).ok()
}

#[derive(Debug, Default)]
struct Ledger {
    spent: f64,
    reserved: f64,
    /// Per model: the dearest cell so far.
    dearest: HashMap<String, f64>,
    stopped: bool,
}

#[derive(Debug)]
pub struct Budget {
    max: f64,
    ledger: Mutex<Ledger>,
}

impl Budget {
    pub fn new(max: f64) -> Self {
        Self {
            max,
            ledger: Mutex::new(Ledger::default()),
        }
    }

    pub fn max(&self) -> f64 {
        self.max
    }

    /// Reserve a cell's estimate; None (and the budget is spent) when it would pass the cap.
    pub fn admit(&self, model: &str, worst_case: f64) -> Option<f64> {
        let mut l = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
        let estimate = worst_case.max(l.dearest.get(model).copied().unwrap_or(0.0));
        if l.stopped || l.spent + l.reserved + estimate > self.max {
            l.stopped = true;
            return None;
        }
        l.reserved += estimate;
        Some(estimate)
    }

    /// A cell finished: its reservation is released and what it cost (or, unknown, its
    /// estimate) is spent.
    pub fn settle(&self, model: &str, reserved: f64, cost: Option<f64>) {
        let mut l = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
        l.reserved = (l.reserved - reserved).max(0.0);
        let cost = cost.unwrap_or(reserved);
        l.spent += cost;
        let dearest = l.dearest.entry(model.to_owned()).or_insert(0.0);
        *dearest = dearest.max(cost);
    }

    /// What was spent, and whether a cell was refused.
    pub fn state(&self) -> (f64, bool) {
        let l = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
        (l.spent, l.stopped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_admitted_while_spent_reserved_and_estimate_fit() {
        let b = Budget::new(0.2);
        let r1 = b.admit("m", 0.01).unwrap();
        b.settle("m", r1, Some(0.09));
        // The dearest cell so far (0.09) is now the estimate: 0.09 + 0.09 ≤ 0.2.
        let r2 = b.admit("m", 0.01).unwrap();
        assert_eq!(r2, 0.09);
        b.settle("m", r2, Some(0.09));
        // 0.18 + 0.09 > 0.2: refused, and every later cell with it.
        assert_eq!(b.admit("m", 0.01), None);
        assert_eq!(b.admit("other", 0.0), None);
        let (spent, stopped) = b.state();
        assert!((spent - 0.18).abs() < 1e-12 && stopped);
    }

    #[test]
    fn reservations_count_while_cells_run() {
        let b = Budget::new(1.0);
        let a = b.admit("m", 0.6).unwrap();
        assert_eq!(b.admit("m", 0.6), None, "0.6 reserved + 0.6 > 1");
        b.settle("m", a, None);
        assert!(
            (b.state().0 - 0.6).abs() < 1e-12,
            "unknown cost: the estimate is spent"
        );
    }

    #[test]
    fn worst_case_by_hand() {
        let price = Price {
            input_cost_per_token: Some(3e-5),
            output_cost_per_token: Some(6e-5),
            ..Price::default()
        };
        // 400 characters ≈ 100 tokens × 3e-5 + 80 × 6e-5 = 0.003 + 0.0048.
        let w = worst_case(&price, 400, 80).unwrap();
        assert!((w - 0.0078).abs() < 1e-12);
    }
}
