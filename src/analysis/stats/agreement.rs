//! How far two raters agree (a judge and the humans, two humans): the agreement rate, Cohen's κ
//! with its asymptotic 95% interval (Fleiss, Cohen & Everitt's variance, as statsmodels'
//! `cohens_kappa`), and how alike two rankings of the models are (Spearman's ρ, Kendall's τ-b,
//! as SciPy computes them).

use super::{Interval, Z95};

/// Two raters' labels on the same items.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub n: usize,
    pub agreed: usize,
    pub rate: Option<f64>,
    /// Cohen's κ with its 95% interval; `None` when chance agreement is total (κ undefined).
    pub kappa: Option<Interval>,
}

/// Agreement of `a` and `b` (paired labels; extra items of the longer are ignored).
pub fn agreement<T: Ord + Clone>(a: &[T], b: &[T]) -> Agreement {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut labels: Vec<T> = a.iter().chain(b).cloned().collect();
    labels.sort();
    labels.dedup();
    let k = labels.len();
    let index = |x: &T| labels.binary_search(x).unwrap_or(0);
    let mut table = vec![vec![0.0f64; k]; k];
    for (x, y) in a.iter().zip(b) {
        table[index(x)][index(y)] += 1.0;
    }
    let agreed = a.iter().zip(b).filter(|(x, y)| x == y).count();
    Agreement {
        n,
        agreed,
        rate: (n > 0).then(|| agreed as f64 / n as f64),
        kappa: cohens_kappa(&table),
    }
}

/// Cohen's κ of a square confusion table (rows: rater 1, columns: rater 2) with the
/// asymptotic 95% interval κ ± z·σ(κ), σ² as in statsmodels (Fleiss, Cohen & Everitt 1969).
pub fn cohens_kappa(table: &[Vec<f64>]) -> Option<Interval> {
    let k = table.len();
    let n: f64 = table.iter().flatten().sum();
    if k == 0 || n <= 0.0 || table.iter().any(|r| r.len() != k) {
        return None;
    }
    let p = |i: usize, j: usize| table[i][j] / n;
    let row: Vec<f64> = (0..k).map(|i| (0..k).map(|j| p(i, j)).sum()).collect();
    let col: Vec<f64> = (0..k).map(|j| (0..k).map(|i| p(i, j)).sum()).collect();
    let observed: f64 = (0..k).map(|i| p(i, i)).sum();
    let expected: f64 = (0..k).map(|i| row[i] * col[i]).sum();
    if (1.0 - expected).abs() < 1e-15 {
        return None;
    }
    let kappa = (observed - expected) / (1.0 - expected);
    let term_a: f64 = (0..k)
        .map(|i| p(i, i) * (1.0 - (row[i] + col[i]) * (1.0 - kappa)).powi(2))
        .sum();
    let off: f64 = (0..k)
        .flat_map(|i| (0..k).map(move |j| (i, j)))
        .filter(|(i, j)| i != j)
        .map(|(i, j)| p(i, j) * (col[i] + row[j]).powi(2))
        .sum();
    let term_b = (1.0 - kappa).powi(2) * off;
    let term_c = (kappa - expected * (1.0 - kappa)).powi(2);
    let variance = (term_a + term_b - term_c) / (1.0 - expected).powi(2) / n;
    let half = Z95 * variance.max(0.0).sqrt();
    Some(Interval {
        estimate: kappa,
        low: kappa - half,
        high: kappa + half,
    })
}

/// Average ranks (ties share the mean of their positions), 1-based.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut out = vec![0.0; v.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && v[order[end + 1]] == v[order[start]] {
            end += 1;
        }
        let rank = (start + end) as f64 / 2.0 + 1.0;
        for &i in &order[start..=end] {
            out[i] = rank;
        }
        start = end + 1;
    }
    out
}

fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Spearman's ρ: Pearson's correlation of the average ranks. `None` below two items or when a
/// side is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    pearson(&ranks(x), &ranks(y))
}

/// Kendall's τ-b: (concordant − discordant) / √((n₀ − n₁)(n₀ − n₂)), ties in either ranking
/// accounted for.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (mut concordant, mut discordant, mut tie_x, mut tie_y) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            let dx = x[i].total_cmp(&x[j]) as i64;
            let dy = y[i].total_cmp(&y[j]) as i64;
            match (dx, dy) {
                (0, 0) => {}
                (0, _) => tie_x += 1,
                (_, 0) => tie_y += 1,
                _ if dx == dy => concordant += 1,
                _ => discordant += 1,
            }
        }
    }
    // Pairs not tied in x: concordant + discordant + tied only in y; likewise for y.
    let untied_x = (concordant + discordant + tie_y) as f64;
    let untied_y = (concordant + discordant + tie_x) as f64;
    (untied_x > 0.0 && untied_y > 0.0)
        .then(|| (concordant - discordant) as f64 / (untied_x * untied_y).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values from scikit-learn 1.9.1, statsmodels 0.15.0 and SciPy 1.17.1
    // (scripts/agreement-reference.py, same data).
    const HUMAN: &str = "A A B T A B B A T A B A A T B B A A B T";
    const JUDGE: &str = "A B B T A A B A A A B T A T B A A B B T";

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    fn labels(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn agreement_and_kappa_equal_sklearn_and_statsmodels() {
        let a = agreement(&labels(HUMAN), &labels(JUDGE));
        assert_eq!((a.n, a.agreed), (20, 14));
        close(a.rate.unwrap(), 0.7);
        let k = a.kappa.unwrap();
        close(k.estimate, 0.5275590551181102);
        close(k.low, 0.20261753307679425);
        close(k.high, 0.8525005771594261);
        // Without the ties: a 2×2 table over A and B.
        let (h, j): (Vec<&str>, Vec<&str>) = labels(HUMAN)
            .into_iter()
            .zip(labels(JUDGE))
            .filter(|(h, j)| *h != "T" && *j != "T")
            .unzip();
        let a = agreement(&h, &j);
        assert_eq!((a.n, a.agreed), (15, 11));
        let k = a.kappa.unwrap();
        close(k.estimate, 0.4642857142857143);
        close(k.low, 0.015101985395628736);
        close(k.high, 0.9134694431757997);
    }

    #[test]
    fn perfect_and_undefined_kappa() {
        let k = cohens_kappa(&[vec![5.0, 0.0], vec![0.0, 5.0]]).unwrap();
        assert_eq!((k.estimate, k.low, k.high), (1.0, 1.0, 1.0));
        // Both always say A: chance agreement is total, κ is undefined.
        assert_eq!(agreement(&["A", "A"], &["A", "A"]).kappa, None);
        assert_eq!(agreement::<&str>(&[], &[]).rate, None);
    }

    #[test]
    fn rank_correlations_equal_scipy() {
        let (x, y) = (
            [1.2, 0.4, 0.4, -0.3, 2.0, 0.1],
            [0.9, 0.6, 0.2, -0.1, 1.5, 0.1],
        );
        close(spearman(&x, &y).unwrap(), 0.9856107606091624);
        close(kendall_tau_b(&x, &y).unwrap(), 0.9660917830792959);
        let (x2, y2) = ([3.0, 1.0, 2.0, 5.0, 4.0], [2.5, 0.5, 3.0, 4.0, 4.5]);
        close(spearman(&x2, &y2).unwrap(), 0.8);
        close(kendall_tau_b(&x2, &y2).unwrap(), 0.6);
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), None, "a constant side");
        assert_eq!(kendall_tau_b(&[1.0], &[1.0]), None);
    }
}
