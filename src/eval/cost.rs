//! `slam cost ID`: what each model of an eval run would cost a month, and against the
//! baseline. An API model is priced from its answers' token counts and the model table's
//! prices; a self-hosted one (`cost_per_hour` in the config) from its hourly price at the
//! throughput it sustained in the run's sweep, at the baseline's p95 latency.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::answers;
use crate::analysis::cost::{
    self, Billed, Capacity, DAILY_VOLUMES, HOURS_PER_MONTH, Price, SelfHosted, SweepPoint,
};
use crate::config::model_table::{self, ModelTable};
use crate::config::{BackendKind, Config};
use crate::domain::metrics::GenerationMetrics;
use crate::findings::cost::{CostReport, ModelCost, Pricing};
use crate::findings::eval::EvalReport;
use crate::store::records::ExportLine;

#[derive(Debug, Clone)]
pub struct CostOptions {
    /// A LiteLLM price file (the full table or an override) laid over the bundled one.
    pub prices: Option<PathBuf>,
    /// The p95 latency a self-hosted instance must meet (default: the baseline's).
    pub p95_target_ms: Option<f64>,
    /// Share of the measured throughput an instance is planned to carry.
    pub utilisation: f64,
}

impl CostOptions {
    /// The options' own faults, before any file is read.
    pub fn check(&self) -> anyhow::Result<()> {
        if !(self.utilisation > 0.0 && self.utilisation <= 1.0) {
            anyhow::bail!(
                "utilisation {}: expected a share above 0 and at most 1",
                self.utilisation
            );
        }
        Ok(())
    }

    /// The price table these options name (checked first).
    pub fn prices(&self) -> anyhow::Result<ModelTable> {
        self.check()?;
        price_table(self.prices.as_deref())
    }
}

impl Default for CostOptions {
    fn default() -> Self {
        Self {
            prices: None,
            p95_target_ms: None,
            utilisation: cost::DEFAULT_UTILISATION,
        }
    }
}

/// The bundled table with `file` laid over it (entries by name replace the bundled ones).
pub fn price_table(file: Option<&std::path::Path>) -> anyhow::Result<ModelTable> {
    let mut table = model_table::bundled().clone();
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let over =
            ModelTable::parse(&text, &path.display().to_string()).map_err(anyhow::Error::msg)?;
        table.source = format!("{} over {}", over.source, table.source);
        table.entries.extend(over.entries);
    }
    Ok(table)
}

/// A model's price in `table`: by the id its server knows, else by slam's name for it; None
/// when neither has any price.
pub fn price_for<'a>(table: &'a ModelTable, id: Option<&str>, name: &str) -> Option<&'a Price> {
    id.and_then(|id| table.get(id))
        .or_else(|| table.get(name))
        .map(|t| &t.price)
        .filter(|p| p.is_known())
}

fn api_pricing(price: &Price, answers: &[&ExportLine]) -> Pricing {
    let mut costs = Vec::new();
    let mut unpriced = 0;
    for a in answers {
        let m = a
            .generation
            .metrics
            .clone()
            .and_then(|v| serde_json::from_value::<GenerationMetrics>(v).ok());
        match m
            .as_ref()
            .and_then(Billed::of)
            .map(|u| cost::api_cost(price, &u))
        {
            Some(Ok(c)) => costs.push(c),
            Some(Err(e)) => {
                return Pricing::Unknown { why: e.to_string() };
            }
            None => unpriced += 1,
        }
    }
    if costs.is_empty() {
        return Pricing::Unknown {
            why: "no answer has token counts to price".into(),
        };
    }
    Pricing::Api {
        per_request: costs.iter().sum::<f64>() / costs.len() as f64,
        priced_answers: costs.len(),
        unpriced_answers: unpriced,
    }
}

/// The p95 target: the one given, else the baseline's e2e p95.
fn target(report: &EvalReport, baseline: Option<&str>, opts: &CostOptions) -> Option<f64> {
    opts.p95_target_ms
        .or_else(|| report.consistency.models.get(baseline?)?.latency.e2e_ms.p95)
}

/// `target` applies to a sweep's levels; `given` (the user's `--p95-target`) to the run's own
/// one-at-a-time p95 when there is no sweep.
fn self_hosted_capacity(
    report: &EvalReport,
    model: &str,
    target: Option<f64>,
    given: Option<f64>,
) -> Option<Capacity> {
    let sweep: Vec<SweepPoint> = report
        .sweep
        .get(model)
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some(SweepPoint {
                concurrency: l.concurrency,
                requests_per_s: l.requests_per_s?,
                e2e_p95_ms: l.e2e_p95_ms?,
            })
        })
        .collect();
    // Without a sweep: one request at a time, at the run's median latency and its p95.
    let latency = report
        .consistency
        .models
        .get(model)
        .map(|m| &m.latency.e2e_ms);
    let unswept = latency.and_then(|l| {
        Some(SweepPoint {
            concurrency: 1,
            requests_per_s: 1000.0 / l.p50.filter(|ms| *ms > 0.0)?,
            e2e_p95_ms: l.p95?,
        })
    });
    let or_none = |t: Option<f64>| t.unwrap_or(f64::INFINITY);
    cost::capacity(&sweep, or_none(target), unswept, or_none(given))
}

pub fn report(
    config: &Config,
    table: &ModelTable,
    report: &EvalReport,
    lines: &[ExportLine],
    baseline: Option<&str>,
    opts: &CostOptions,
) -> anyhow::Result<CostReport> {
    opts.check()?;
    let plain = answers::plain(lines);
    let target = target(report, baseline, opts);
    let mut models: BTreeMap<String, Pricing> = BTreeMap::new();
    let names: std::collections::BTreeSet<&str> =
        plain.iter().map(|l| l.generation.model.as_str()).collect();
    for name in names {
        let mine: Vec<&ExportLine> = plain
            .iter()
            .filter(|l| l.generation.model == name)
            .copied()
            .collect();
        let targets = (target, opts.p95_target_ms);
        let pricing = pricing_of(config, table, report, name, &mine, targets);
        models.insert(name.to_owned(), pricing);
    }
    let monthly_of = |p: &Pricing, per_day: u64| -> Option<f64> {
        let volume = cost::monthly_volume(per_day as f64);
        match p {
            Pricing::Api { per_request, .. } => Some(per_request * volume),
            Pricing::SelfHosted {
                cost_per_hour,
                capacity,
            } => SelfHosted {
                cost_per_hour: *cost_per_hour,
                sustained_requests_per_hour: capacity.and_then(|c| c.requests_per_hour())?,
                utilisation: opts.utilisation,
            }
            .monthly_cost(volume),
            Pricing::Unknown { .. } => None,
        }
    };
    let base_pricing = baseline.and_then(|b| models.get(b)).cloned();
    let out = models
        .into_iter()
        .map(|(name, pricing)| {
            let monthly: BTreeMap<u64, Option<f64>> = DAILY_VOLUMES
                .iter()
                .map(|d| (*d, monthly_of(&pricing, *d)))
                .collect();
            let savings = DAILY_VOLUMES
                .iter()
                .map(|d| {
                    let base = base_pricing.as_ref().and_then(|b| monthly_of(b, *d));
                    let mine = monthly.get(d).copied().flatten();
                    (
                        *d,
                        base.zip(mine).filter(|(_, m)| *m > 0.0).map(|(b, m)| b / m),
                    )
                })
                .collect();
            let break_even_per_month = match (&pricing, &base_pricing) {
                (
                    Pricing::SelfHosted {
                        cost_per_hour,
                        capacity,
                    },
                    Some(Pricing::Api { per_request, .. }),
                ) => capacity
                    .and_then(|c| c.requests_per_hour())
                    .and_then(|rph| {
                        SelfHosted {
                            cost_per_hour: *cost_per_hour,
                            sustained_requests_per_hour: rph,
                            utilisation: opts.utilisation,
                        }
                        .break_even_requests_per_month(*per_request)
                    }),
                _ => None,
            };
            (
                name,
                ModelCost {
                    pricing,
                    monthly,
                    savings,
                    break_even_per_month,
                },
            )
        })
        .collect();
    Ok(CostReport {
        baseline: baseline.map(str::to_owned),
        price_source: table.source.clone(),
        p95_target_ms: target,
        utilisation: opts.utilisation,
        hours_per_month: HOURS_PER_MONTH,
        models: out,
    })
}

/// How `name` is priced: its hourly price from the config (self-hosted), else the price table's
/// per-token price applied to its answers (`mine`), else why there is none.
fn pricing_of(
    config: &Config,
    table: &ModelTable,
    report: &EvalReport,
    name: &str,
    mine: &[&ExportLine],
    (target, given): (Option<f64>, Option<f64>),
) -> Pricing {
    let entry = config
        .resolve(name, &Default::default())
        .ok()
        .map(|r| r.entry);
    match entry.as_ref().and_then(|e| e.cost_per_hour) {
        Some(cost_per_hour) => Pricing::SelfHosted {
            cost_per_hour,
            capacity: self_hosted_capacity(report, name, target, given),
        },
        None => {
            let id = entry.as_ref().and_then(|e| e.server_id());
            let price = price_for(table, id, name);
            match (price, entry.as_ref().map(|e| e.backend)) {
                (Some(p), _) => api_pricing(p, mine),
                (None, Some(BackendKind::Llama)) => Pricing::Unknown {
                    why: format!("self-hosted: set cost_per_hour for {name} in the config"),
                },
                (None, _) => Pricing::Unknown {
                    why: format!(
                        "no price for {} in {} (set cost_per_hour if you host it, or give --prices FILE)",
                        id.unwrap_or(name),
                        table.source
                    ),
                },
            }
        }
    }
}
