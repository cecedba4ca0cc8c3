//! Every expected number here comes from an independent source: arithmetic shown
//! in comments, or scipy / scikit-learn via scripts/stats-reference.py (run once).

use super::*;

fn close(got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "got {got}, want {want} (tol {tol})"
    );
}

/// "ab?" = model a vs model b; ? = A (a wins), B (b wins), T (tie), X (both bad).
fn parse(s: &str) -> Vec<Battle> {
    s.split_whitespace()
        .map(|t| {
            let t = t.as_bytes();
            let outcome = match t[2] {
                b'A' => PairOutcome::A,
                b'B' => PairOutcome::B,
                b'T' => PairOutcome::Tie,
                b'X' => PairOutcome::BothBad,
                other => panic!("bad outcome {other}"),
            };
            Battle {
                a: usize::from(t[0] - b'0'),
                b: usize::from(t[1] - b'0'),
                outcome,
            }
        })
        .collect()
}

/// Same string as BT_BATTLES in scripts/stats-reference.py. 39 battles over 4
/// models, both orientations; model 0 never loses.
const BT_BATTLES: &str = "01A 01A 01A 10B 01T 10T \
    02A 02A 20B 20X \
    03A 03A 03A 30B 30B \
    12A 12A 12A 21B 12B 12B 21A 12T \
    13A 13A 13A 13A 31B 13B 31A 31X \
    23A 23A 32B 23B 23B 32A 23T 32T";

/// scikit-learn LogisticRegression(fit_intercept=False, C=1/0.01, tol=1e-12) on the
/// ±1 design with half-weight tie rows; scipy Newton-CG on the exact objective agrees to 1e-8.
const BT_REFERENCE: [f64; 4] = [1293.186867773, 967.975886291, 891.685432727, 847.151813209];

#[test]
fn wilson_hand_computed() {
    // 7 of 10, z = 1.96: p = 0.7, z² = 3.8416, denom = 1 + 3.8416/10 = 1.38416
    // centre = (0.7 + 3.8416/20) / 1.38416 = 0.89208 / 1.38416 = 0.644491966247
    // half = (1.96 / 1.38416) · sqrt(0.7·0.3/10 + 3.8416/400)
    //      = 1.416021269217 · sqrt(0.030604) = 1.416021269217 · 0.174939989711 = 0.247718746267
    // low = 0.396773219980, high = 0.892210712514
    let w = wilson(7.0, 10.0, 1.96).unwrap();
    close(w.estimate, 0.7, 1e-12);
    close(w.low, 0.396_773_219_980, 1e-9);
    close(w.high, 0.892_210_712_514, 1e-9);

    assert_eq!(wilson(0.0, 0.0, Z95), None);
    assert_eq!(wilson(6.0, 5.0, Z95), None);
    assert_eq!(wilson(f64::NAN, 5.0, Z95), None);
    let zero = wilson(0.0, 5.0, Z95).unwrap();
    assert_eq!(zero.low, 0.0);
    assert!(zero.high > 0.0 && zero.high < 1.0);
    assert_eq!(wilson(5.0, 5.0, Z95).unwrap().high, 1.0);
}

#[test]
fn t_quantile_matches_scipy() {
    // scipy.stats.t.ppf(0.975, df)
    let cases = [
        (1.0, 12.706_204_736_175),
        (2.0, 4.302_652_729_749),
        (5.0, 2.570_581_835_636),
        (10.0, 2.228_138_851_986),
        (30.0, 2.042_272_456_301),
        (1000.0, 1.962_339_080_826),
        (2.5, 3.574_654_842_004),
        (1e6, 1.959_966_356_814),
    ];
    for (df, want) in cases {
        close(t_quantile_975(df), want, 1e-9);
    }
    close(t_quantile_975(f64::INFINITY), Z95, 1e-15);
    assert!(t_quantile_975(0.0).is_nan());
    assert!(t_quantile_975(f64::NAN).is_nan());
}

#[test]
fn mean_ci_matches_scipy() {
    // scipy.stats.t.interval(0.95, 7, loc=3.75, scale=scipy.stats.sem(sample))
    let m = mean_ci(&[4.0, 5.0, 3.0, 4.0, 5.0, 2.0, 4.0, 3.0]).unwrap();
    assert_eq!(m.n, 8);
    close(m.mean, 3.75, 1e-12);
    let ci = m.interval.unwrap();
    close(ci.estimate, 3.75, 1e-12);
    close(ci.low, 2.884_636_132_641, 1e-9);
    close(ci.high, 4.615_363_867_359, 1e-9);

    assert_eq!(mean_ci(&[]), None);
    assert_eq!(mean_ci(&[1.0, f64::NAN]), None);
    assert_eq!(
        mean_ci(&[4.0]),
        Some(MeanCi {
            n: 1,
            mean: 4.0,
            interval: None
        })
    );
}

#[test]
fn online_elo_hand_traced() {
    // 1. 0 vs 1, 0 wins: ea = eb = 0.5 → r0 = 1000 + 4·0.5 = 1002, r1 = 998.
    // 2. 1 vs 2, tie: 10^((1000 − 998)/400) = 10^0.005 = 1.011579454260
    //    ea = 1/2.011579454260 = 0.497121800425, eb = 0.502878199575
    //    r1 = 998 + 4·(0.5 − ea) = 998.011512798299, r2 = 1000 − 0.011512798299 = 999.988487201701
    // 3. 2 vs 0, 2 wins: 10^((1002 − 999.988487201701)/400) = 10^0.005028781996 = 1.011646496881
    //    ea = 0.497105232729, eb = 0.502894767271
    //    r2 = 999.988487201701 + 4·(1 − ea) = 1002.000066270786, r0 = 1002 − 4·eb = 999.988420930915
    // 4. 0 vs 2, both bad: 10^((1002.000066270786 − 999.988420930915)/400) = 10^0.005029113350
    //    = 1.011647268738; ea = 0.497105041993, eb = 0.502894958007
    //    r0 = 999.988420930915 + 4·(0.5 − ea) = 1000.000000762945, r2 = 1001.988486438756
    let r = online_elo(3, &parse("01A 12T 20A 02X"), EloParams::default());
    close(r[0], 1_000.000_000_762_945, 1e-9);
    close(r[1], 998.011_512_798_299, 1e-9);
    close(r[2], 1_001.988_486_438_756, 1e-9);

    assert_eq!(online_elo(2, &[], EloParams::default()), vec![1000.0; 2]);
    // Self-battles and unknown models are ignored.
    assert_eq!(
        online_elo(2, &parse("00A 02A 21B"), EloParams::default()),
        vec![1000.0; 2]
    );
}

#[test]
fn bradley_terry_matches_sklearn() {
    let r = bradley_terry(4, &parse(BT_BATTLES), BT_L2);
    for (got, want) in r.iter().zip(BT_REFERENCE) {
        close(*got, want, 1e-4);
    }
    close(r.iter().sum::<f64>() / 4.0, 1000.0, 1e-9);

    // A fifth model with no battles gets exactly 1000 and changes nothing; so do
    // self-battles and out-of-range indices.
    let mut battles = parse(BT_BATTLES);
    battles.extend(parse("44A 15B 51A"));
    let r5 = bradley_terry(5, &battles, BT_L2);
    close(r5[4], 1000.0, 1e-12);
    for (got, want) in r5.iter().zip(BT_REFERENCE) {
        close(*got, want, 1e-4);
    }
}

#[test]
fn bradley_terry_symmetry_and_empty() {
    assert_eq!(bradley_terry(3, &[], BT_L2), vec![1000.0; 3]);
    assert!(bradley_terry(0, &[], BT_L2).is_empty());

    // 0 and 1 each beat 2 twice and tie each other: identical records.
    let r = bradley_terry(3, &parse("02A 20B 12A 21B 01T"), BT_L2);
    close(r[0], r[1], 1e-9);
    assert!(r[0] > 1000.0 && r[2] < 1000.0);
    close(r.iter().sum::<f64>() / 3.0, 1000.0, 1e-9);

    // Undefeated with no penalty floor would diverge; stays finite even at l2 = 0.
    let r = bradley_terry(2, &parse("01A 01A 01A"), 0.0);
    assert!(r.iter().all(|v| v.is_finite()) && r[0] > r[1]);
}

#[test]
fn bootstrap_intervals() {
    let battles = parse(BT_BATTLES);
    let ci = bradley_terry_bootstrap(4, &battles, BT_L2, 1000, 42);
    assert_eq!(ci.len(), 4);
    for (c, want) in ci.iter().zip(BT_REFERENCE) {
        close(c.estimate, want, 1e-4);
        assert!(c.low <= c.estimate && c.estimate <= c.high, "{c:?}");
    }
    // Models 1–3 have wins and losses: the resamples must spread.
    for c in &ci[1..] {
        assert!(c.low < c.high, "{c:?}");
    }
    assert_eq!(ci, bradley_terry_bootstrap(4, &battles, BT_L2, 1000, 42));
    assert_ne!(ci, bradley_terry_bootstrap(4, &battles, BT_L2, 1000, 43));

    assert!(bradley_terry_bootstrap(4, &battles, BT_L2, 0, 42).is_empty());
    let empty = bradley_terry_bootstrap(2, &[], BT_L2, 100, 42);
    assert_eq!(
        empty,
        vec![
            Interval {
                estimate: 1000.0,
                low: 1000.0,
                high: 1000.0
            };
            2
        ]
    );
}

#[test]
fn records_counted_by_hand() {
    let battles = parse(BT_BATTLES);
    let h = head_to_head(4, &battles);
    // 0 vs 1: "01A 01A 01A 10B" are four wins for 0, "01T 10T" two ties.
    assert_eq!(
        h[0][1],
        PairRecord {
            wins: 4,
            ties: 2,
            both_bad: 0,
            losses: 0
        }
    );
    assert_eq!(
        h[1][0],
        PairRecord {
            wins: 0,
            ties: 2,
            both_bad: 0,
            losses: 4
        }
    );
    // 3 vs 1: "31B 13A×4 13B 31A 31X" → 3 wins 2, loses 5, one both-bad.
    assert_eq!(
        h[3][1],
        PairRecord {
            wins: 2,
            ties: 0,
            both_bad: 1,
            losses: 5
        }
    );
    assert_eq!(h[2][2], PairRecord::default());

    let w = win_rates(5, &battles);
    // Model 0: 12 wins, 2 ties, 1 both-bad, 0 losses → (12 + 3/2) / 15 = 0.9;
    // Wilson at Z95 from scripts/stats-reference.py.
    let (rec, ci) = w[0];
    assert_eq!(
        rec,
        PairRecord {
            wins: 12,
            ties: 2,
            both_bad: 1,
            losses: 0
        }
    );
    let ci = ci.unwrap();
    close(ci.estimate, 0.9, 1e-12);
    close(ci.low, 0.660_331_401_501, 1e-9);
    close(ci.high, 0.976_561_957_670, 1e-9);
    assert_eq!(w[4], (PairRecord::default(), None));
    let battles_total: u32 = w.iter().map(|(r, _)| r.battles()).sum();
    assert_eq!(battles_total, 2 * 39);
}

#[test]
fn percentile_matches_numpy_linear() {
    // numpy.percentile([1, 2, 3, 4], [2.5, 50, 97.5]) = [1.075, 2.5, 3.925]
    let v = [1.0, 2.0, 3.0, 4.0];
    close(percentile(&v, 2.5).unwrap(), 1.075, 1e-12);
    close(percentile(&v, 50.0).unwrap(), 2.5, 1e-12);
    close(percentile(&v, 97.5).unwrap(), 3.925, 1e-12);
    assert_eq!(percentile(&[7.0], 97.5), Some(7.0));
    assert_eq!(percentile(&[], 50.0), None);
}

#[test]
fn resampling_whole_votes_widens_the_interval_of_dependent_battles() {
    // 12 votes, each counted as two identical battles (as a best-of-N vote repeats its
    // winner): resampled battle by battle they look like 24 independent results.
    let mut battles = Vec::new();
    let mut groups = Vec::new();
    for vote in 0..12 {
        let outcome = if vote % 3 == 0 {
            PairOutcome::B
        } else {
            PairOutcome::A
        };
        for _ in 0..2 {
            battles.push(Battle {
                a: 0,
                b: 1,
                outcome,
            });
            groups.push(vote);
        }
    }
    let width = |iv: &Interval| iv.high - iv.low;
    let loose = bradley_terry_bootstrap(2, &battles, BT_L2, 1000, 5);
    let grouped = bradley_terry_bootstrap_grouped(2, &battles, &groups, BT_L2, 1000, 5);
    assert_eq!(grouped[0].estimate, loose[0].estimate, "the same fit");
    assert!(
        width(&grouped[0]) > 1.2 * width(&loose[0]),
        "{grouped:?} vs {loose:?}"
    );
    // One battle per group draws exactly as the ungrouped bootstrap.
    let each: Vec<usize> = (0..battles.len()).collect();
    assert_eq!(
        bradley_terry_bootstrap_grouped(2, &battles, &each, BT_L2, 1000, 5),
        loose
    );
}
