//! Leaderboard statistics for human ratings of model answers: scores (1–5) and
//! pairwise votes, computed the way Chatbot Arena does (online Elo, Bradley–Terry
//! MLE with bootstrap intervals), plus Wilson and Student-t intervals.
//!
//! Pure: no IO, no clock; randomness only from a caller-supplied seed.
//! Battles with `a == b` or an index `>= n_models` are ignored everywhere.

use crate::domain::metrics::percentile;
use crate::domain::rating::PairOutcome;
use std::f64::consts::{LN_10, PI};

pub mod agreement;

#[cfg(test)]
mod tests;

/// A point estimate with a 95% (or other) interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// One pairwise vote between models `a` and `b` (indices into a model list); `PairOutcome::A`:
/// `a` won.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Battle {
    pub a: usize,
    pub b: usize,
    pub outcome: PairOutcome,
}

impl Battle {
    fn is_valid(&self, n_models: usize) -> bool {
        self.a < n_models && self.b < n_models && self.a != self.b
    }
}

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959963984540054;

/// Wilson score interval for `successes` out of `n` trials (successes may be
/// fractional, e.g. wins + ties/2). `estimate` is the raw rate `successes / n`;
/// the interval is not centred on it. None when `n <= 0`, `successes` is
/// outside `[0, n]`, or any argument is not finite (or `z < 0`).
pub fn wilson(successes: f64, n: f64, z: f64) -> Option<Interval> {
    let ok = n.is_finite() && n > 0.0 && (0.0..=n).contains(&successes) && z.is_finite();
    if !ok || z < 0.0 {
        return None;
    }
    let p = successes / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At p = 0 or 1 the bound is exactly 0 or 1; pin it so rounding cannot leave 1e-17.
    let low = if successes == 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if successes == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some(Interval {
        estimate: p,
        low,
        high,
    })
}

/// Mean of a sample with its 95% Student-t interval (None when n < 2: one value has no spread).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanCi {
    pub n: usize,
    pub mean: f64,
    pub interval: Option<Interval>,
}

/// Mean with a two-sided 95% CI from Student's t with n-1 degrees of freedom
/// (sample standard deviation). None for an empty slice or any non-finite value;
/// `interval` is None for a single value.
pub fn mean_ci(values: &[f64]) -> Option<MeanCi> {
    if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let n = values.len();
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let interval = (n >= 2).then(|| {
        // Two-pass variance: no cancellation for scores far from zero.
        let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        let half = t_quantile_975(nf - 1.0) * (ss / (nf - 1.0)).sqrt() / nf.sqrt();
        Interval {
            estimate: mean,
            low: mean - half,
            high: mean + half,
        }
    });
    Some(MeanCi { n, mean, interval })
}

/// Two-sided Student-t quantile: t such that P(|T_df| <= t) = 0.95, i.e. the 0.975
/// quantile; relative error ~1e-12. Any df > 0 (fractional allowed, +inf gives [`Z95`]);
/// NaN for df <= 0 or NaN.
pub fn t_quantile_975(df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df >= 1000.0 {
        // Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5): error < 1e-15 here,
        // and it avoids the incomplete beta's slow continued fraction for huge df.
        let z = Z95;
        let z2 = z * z;
        let g1 = z * (z2 + 1.0) / 4.0;
        let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
        let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
        let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
        return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
    }
    // P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2); it falls as t grows.
    let tail = |t: f64| {
        let t2 = t * t;
        beta_inc(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))
    };
    let (mut lo, mut hi) = (0.0_f64, 16.0_f64);
    // df < 1 has heavier tails than Cauchy: widen the bracket as needed.
    while tail(hi) > 0.05 && hi < 1e300 {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if tail(mid) > 0.05 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Regularized incomplete beta I_x(a, b); `y` = 1 - x passed separately so that
/// x near 1 keeps its precision.
fn beta_inc(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_front = a * x.ln() + b * y.ln() + ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b);
    // The continued fraction converges fast only below this point; use symmetry above.
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_cf(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_cf(b, a, y) / b
    }
}

/// Continued fraction for I_x(a, b) by the modified Lentz method (Numerical Recipes 6.4).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=10_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// Battle counts of one model against one opponent (or against everyone).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairRecord {
    pub wins: u32,
    pub ties: u32,
    pub both_bad: u32,
    pub losses: u32,
}

impl PairRecord {
    /// Total battles.
    pub fn battles(&self) -> u32 {
        self.wins
            .saturating_add(self.ties)
            .saturating_add(self.both_bad)
            .saturating_add(self.losses)
    }

    /// Wins plus half of every tie (both-bad included), as Chatbot Arena scores them.
    pub fn score(&self) -> f64 {
        f64::from(self.wins) + 0.5 * (f64::from(self.ties) + f64::from(self.both_bad))
    }

    /// Adds one battle seen from model `a`'s side (`from_a`) or model `b`'s.
    fn add(&mut self, outcome: PairOutcome, from_a: bool) {
        let field = match (outcome, from_a) {
            (PairOutcome::A, true) | (PairOutcome::B, false) => &mut self.wins,
            (PairOutcome::A, false) | (PairOutcome::B, true) => &mut self.losses,
            (PairOutcome::Tie, _) => &mut self.ties,
            (PairOutcome::BothBad, _) => &mut self.both_bad,
        };
        *field = field.saturating_add(1);
    }
}

/// For model i vs all opponents: win rate = (wins + (ties + both_bad)/2) / battles,
/// Wilson 95% CI on that (None for a model with no battles).
pub fn win_rates(n_models: usize, battles: &[Battle]) -> Vec<(PairRecord, Option<Interval>)> {
    let mut records = vec![PairRecord::default(); n_models];
    for bt in battles.iter().filter(|bt| bt.is_valid(n_models)) {
        records[bt.a].add(bt.outcome, true);
        records[bt.b].add(bt.outcome, false);
    }
    records
        .into_iter()
        .map(|r| (r, wilson(r.score(), f64::from(r.battles()), Z95)))
        .collect()
}

/// Head-to-head records: matrix[i][j] = record of i against j.
pub fn head_to_head(n_models: usize, battles: &[Battle]) -> Vec<Vec<PairRecord>> {
    let mut m = vec![vec![PairRecord::default(); n_models]; n_models];
    for bt in battles.iter().filter(|bt| bt.is_valid(n_models)) {
        m[bt.a][bt.b].add(bt.outcome, true);
        m[bt.b][bt.a].add(bt.outcome, false);
    }
    m
}

/// Parameters of Chatbot Arena's online Elo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EloParams {
    pub k: f64,
    pub base: f64,
    pub scale: f64,
    pub init: f64,
}

impl Default for EloParams {
    fn default() -> Self {
        Self {
            k: 4.0,
            base: 10.0,
            scale: 400.0,
            init: 1000.0,
        }
    }
}

/// Online Elo exactly as Chatbot Arena's `compute_online_elo`: battles processed
/// in order; a tie and a both-bad tie both score 0.5. Unlike [`bradley_terry`],
/// the result depends on the order of the battles.
pub fn online_elo(n_models: usize, battles: &[Battle], p: EloParams) -> Vec<f64> {
    let mut r = vec![p.init; n_models];
    for bt in battles.iter().filter(|bt| bt.is_valid(n_models)) {
        let (ra, rb) = (r[bt.a], r[bt.b]);
        let ea = 1.0 / (1.0 + p.base.powf((rb - ra) / p.scale));
        let eb = 1.0 / (1.0 + p.base.powf((ra - rb) / p.scale));
        let sa = match bt.outcome {
            PairOutcome::A => 1.0,
            PairOutcome::B => 0.0,
            PairOutcome::Tie | PairOutcome::BothBad => 0.5,
        };
        r[bt.a] += p.k * (sa - ea);
        r[bt.b] += p.k * (1.0 - sa - eb);
    }
    r
}

/// Default L2 penalty on natural-log Bradley–Terry strengths.
pub const BT_L2: f64 = 0.01;

/// Floor for the penalty: without one, undefeated models diverge and the
/// solution is only defined up to a shift.
const MIN_L2: f64 = 1e-9;

/// Bradley–Terry strengths by maximum likelihood: P(i beats j) = 1 / (1 + 10^((r_j - r_i)/400)).
/// A tie or both-bad counts as half a win for each side (as Chatbot Arena duplicates
/// tie rows). Penalised by `l2`/2 · Σθ² on natural-log strengths θ, which keeps
/// undefeated models finite and makes the optimum unique with mean(θ) = 0 (so the
/// ratings average 1000). `l2` below 1e-9 (or NaN) is raised to 1e-9. Ratings on
/// the Elo scale: r = 1000 + 400·θ/ln 10. Models with no battles get 1000.
pub fn bradley_terry(n_models: usize, battles: &[Battle], l2: f64) -> Vec<f64> {
    let mut wins = vec![0.0; n_models * n_models];
    for bt in battles.iter().filter(|bt| bt.is_valid(n_models)) {
        add_score(&mut wins, n_models, bt);
    }
    let theta = bt_fit(&wins, n_models, l2, &vec![0.0; n_models]);
    theta.iter().map(|&t| to_elo(t)).collect()
}

/// Bootstrap 95% CIs of the Bradley–Terry ratings: `resamples` resamples of the
/// valid battles with replacement, drawn with `fastrand::Rng::with_seed(seed)`;
/// percentile interval (2.5%, 97.5%, numpy-linear); estimate = the fit on the full
/// data, which a percentile interval need not contain. A model missing from a
/// resample gets 1000 there (the penalty's prior). Empty Vec when `resamples == 0`.
pub fn bradley_terry_bootstrap(
    n_models: usize,
    battles: &[Battle],
    l2: f64,
    resamples: usize,
    seed: u64,
) -> Vec<Interval> {
    let each_its_own: Vec<usize> = (0..battles.len()).collect();
    bradley_terry_bootstrap_grouped(n_models, battles, &each_its_own, l2, resamples, seed)
}

/// As `bradley_terry_bootstrap`, resampling whole groups: `groups[i]` is the group (the vote)
/// battle `i` came from. One best-of-N vote yields several battles that stand or fall
/// together; resampling them one by one would make the interval too narrow.
pub fn bradley_terry_bootstrap_grouped(
    n_models: usize,
    battles: &[Battle],
    groups: &[usize],
    l2: f64,
    resamples: usize,
    seed: u64,
) -> Vec<Interval> {
    if resamples == 0 {
        return Vec::new();
    }
    let valid: Vec<&Battle> = battles.iter().filter(|bt| bt.is_valid(n_models)).collect();
    // Battles by group, in order of first appearance (a group of one battle per battle
    // draws exactly as the ungrouped bootstrap did).
    let mut clusters: Vec<Vec<&Battle>> = Vec::new();
    let mut index_of: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (i, bt) in battles.iter().enumerate() {
        if !bt.is_valid(n_models) {
            continue;
        }
        let group = groups.get(i).copied().unwrap_or(usize::MAX - i);
        let at = *index_of.entry(group).or_insert_with(|| {
            clusters.push(Vec::new());
            clusters.len() - 1
        });
        clusters[at].push(bt);
    }
    let mut wins = vec![0.0; n_models * n_models];
    for bt in &valid {
        add_score(&mut wins, n_models, bt);
    }
    let theta = bt_fit(&wins, n_models, l2, &vec![0.0; n_models]);
    let estimates: Vec<f64> = theta.iter().map(|&t| to_elo(t)).collect();
    if valid.is_empty() {
        // Every resample would be empty too (and rng.usize(0..0) would panic).
        return estimates
            .iter()
            .map(|&e| Interval {
                estimate: e,
                low: e,
                high: e,
            })
            .collect();
    }

    let mut rng = fastrand::Rng::with_seed(seed);
    let mut samples = vec![Vec::with_capacity(resamples); n_models];
    for _ in 0..resamples {
        wins.iter_mut().for_each(|w| *w = 0.0);
        for _ in 0..clusters.len() {
            for bt in &clusters[rng.usize(0..clusters.len())] {
                add_score(&mut wins, n_models, bt);
            }
        }
        // Warm start from the full-data fit: same optimum, fewer Newton steps.
        let th = bt_fit(&wins, n_models, l2, &theta);
        for (s, &t) in samples.iter_mut().zip(&th) {
            s.push(to_elo(t));
        }
    }
    samples
        .iter_mut()
        .zip(&estimates)
        .map(|(s, &estimate)| {
            s.sort_by(f64::total_cmp);
            Interval {
                estimate,
                low: percentile(s, 2.5).unwrap_or(estimate),
                high: percentile(s, 97.5).unwrap_or(estimate),
            }
        })
        .collect()
}

fn to_elo(theta: f64) -> f64 {
    1000.0 + 400.0 * theta / LN_10
}

/// wins[i * k + j] += the score of i against j in this battle (ties split in half).
fn add_score(wins: &mut [f64], k: usize, bt: &Battle) {
    let (a, b) = (bt.a, bt.b);
    match bt.outcome {
        PairOutcome::A => wins[a * k + b] += 1.0,
        PairOutcome::B => wins[b * k + a] += 1.0,
        PairOutcome::Tie | PairOutcome::BothBad => {
            wins[a * k + b] += 0.5;
            wins[b * k + a] += 0.5;
        }
    }
}

/// ln(1 + e^x) without overflow.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Penalised negative log-likelihood: Σ_ij wins_ij · softplus(θj − θi) + l2/2 · Σθ².
fn bt_objective(wins: &[f64], k: usize, l2: f64, theta: &[f64]) -> f64 {
    let mut f = 0.5 * l2 * theta.iter().map(|t| t * t).sum::<f64>();
    for i in 0..k {
        for j in 0..k {
            let w = wins[i * k + j];
            if w > 0.0 {
                f += w * softplus(theta[j] - theta[i]);
            }
        }
    }
    f
}

/// Gradient and Hessian (row-major k × k) of [`bt_objective`].
fn bt_grad_hess(wins: &[f64], k: usize, l2: f64, theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut grad: Vec<f64> = theta.iter().map(|t| l2 * t).collect();
    let mut hess = vec![0.0; k * k];
    for i in 0..k {
        hess[i * k + i] += l2;
        for j in (i + 1)..k {
            let n = wins[i * k + j] + wins[j * k + i];
            if n == 0.0 {
                continue;
            }
            let p = sigmoid(theta[i] - theta[j]);
            let g = n * p - wins[i * k + j];
            grad[i] += g;
            grad[j] -= g;
            let h = n * p * (1.0 - p);
            hess[i * k + i] += h;
            hess[j * k + j] += h;
            hess[i * k + j] -= h;
            hess[j * k + i] -= h;
        }
    }
    (grad, hess)
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Newton's method with backtracking on the strictly convex penalised objective.
/// Returns natural-log strengths θ.
fn bt_fit(wins: &[f64], k: usize, l2: f64, start: &[f64]) -> Vec<f64> {
    let l2 = l2.max(MIN_L2); // NaN.max(x) == x
    if l2.is_infinite() {
        return vec![0.0; k];
    }
    let mut theta = start.to_vec();
    let total: f64 = wins.iter().sum();
    // Gradient entries are sums of ~`total` terms, so their rounding floor scales with it.
    let tol = 1e-12 * (1.0 + total);
    let mut f = bt_objective(wins, k, l2, &theta);
    let (mut grad, mut hess) = bt_grad_hess(wins, k, l2, &theta);
    for _ in 0..100 {
        let g_max = max_abs(&grad);
        if g_max < tol {
            break;
        }
        let Some(step) = cholesky_solve(&mut hess, k, &grad) else {
            break;
        };
        // Near the optimum a Newton step lowers f by less than f's rounding noise,
        // so there a step that shrinks the gradient is accepted instead.
        let noise = 1e-12 * (1.0 + f.abs());
        let mut t = 1.0;
        let mut next = None;
        for _ in 0..60 {
            let cand: Vec<f64> = theta.iter().zip(&step).map(|(x, s)| x - t * s).collect();
            let fc = bt_objective(wins, k, l2, &cand);
            if fc <= f + noise {
                let (gc, hc) = bt_grad_hess(wins, k, l2, &cand);
                if fc < f || max_abs(&gc) < g_max {
                    next = Some((cand, fc, gc, hc));
                    break;
                }
            }
            t *= 0.5;
        }
        // No step makes progress: we are at the rounding floor.
        let Some((cand, fc, gc, hc)) = next else {
            break;
        };
        (theta, f, grad, hess) = (cand, fc, gc, hc);
    }
    theta
}

/// Solves A x = b for symmetric positive definite A (row-major k × k, overwritten
/// by its Cholesky factor). None if A is not numerically positive definite.
fn cholesky_solve(a: &mut [f64], k: usize, b: &[f64]) -> Option<Vec<f64>> {
    for j in 0..k {
        let d = a[j * k + j] - (0..j).map(|p| a[j * k + p] * a[j * k + p]).sum::<f64>();
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * k + j] = d;
        for i in (j + 1)..k {
            let s = a[i * k + j] - (0..j).map(|p| a[i * k + p] * a[j * k + p]).sum::<f64>();
            a[i * k + j] = s / d;
        }
    }
    // L y = b, then Lᵀ x = y.
    let mut x = b.to_vec();
    for i in 0..k {
        let s = (0..i).map(|p| a[i * k + p] * x[p]).sum::<f64>();
        x[i] = (x[i] - s) / a[i * k + i];
    }
    for i in (0..k).rev() {
        let s = ((i + 1)..k).map(|p| a[p * k + i] * x[p]).sum::<f64>();
        x[i] = (x[i] - s) / a[i * k + i];
    }
    Some(x)
}
