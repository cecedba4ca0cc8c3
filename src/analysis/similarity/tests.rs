//! Expected values are hand computations on two-dimensional vectors.

use super::*;

const R: f64 = std::f64::consts::FRAC_1_SQRT_2;

fn answer(uid: &str, model: &str, input: &str, repetition: i64, v: [f32; 2]) -> EmbeddedAnswer {
    EmbeddedAnswer {
        uid: uid.into(),
        model: model.into(),
        input: input.into(),
        repetition,
        vector: v.to_vec(),
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn cosine_by_hand() {
    assert!(close(cosine(&[1.0, 0.0], &[1.0, 1.0]), R));
    assert!(close(cosine(&[2.0, 0.0], &[-3.0, 0.0]), -1.0));
    assert_eq!(cosine(&[1.0], &[1.0, 0.0]), None);
    assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), None);
    // Pairs of [1,0], [0,1], [1,1]: 0, 1/√2, 1/√2.
    let v: [&[f32]; 3] = [&[1.0, 0.0], &[0.0, 1.0], &[1.0, 1.0]];
    assert!(close(mean_pairwise_cosine(&v), 2.0 * R / 3.0));
    assert_eq!(mean_pairwise_cosine(&v[..1]), None);
}

/// Baseline B answers x twice ([1,0], [0,1]) and y once ([1,0]). M answers x with [1,0] and
/// [1,1], y with [0,1]; N answers x with [0,1], y with [1,1].
fn study() -> Vec<EmbeddedAnswer> {
    vec![
        answer("b-x0", "B", "x", 0, [1.0, 0.0]),
        answer("b-x1", "B", "x", 1, [0.0, 1.0]),
        answer("b-y0", "B", "y", 0, [1.0, 0.0]),
        answer("m-x0", "M", "x", 0, [1.0, 0.0]),
        answer("m-x1", "M", "x", 1, [1.0, 1.0]),
        answer("m-y0", "M", "y", 0, [0.0, 1.0]),
        answer("n-x0", "N", "x", 0, [0.0, 1.0]),
        answer("n-y0", "N", "y", 0, [1.0, 1.0]),
    ]
}

#[test]
fn similarity_is_the_mean_over_the_baselines_repetitions() {
    let r = summarize(&study(), "B", "e", &[]);
    // m-x0: (1 + 0)/2; m-x1: (R + R)/2; m-y0: 0; n-x0: (0 + 1)/2; n-y0: R.
    let want = [
        ("m-x0", 0.5),
        ("m-x1", R),
        ("m-y0", 0.0),
        ("n-x0", 0.5),
        ("n-y0", R),
    ];
    for (uid, s) in want {
        assert!(close(r.per_answer.get(uid).copied(), s), "{uid}");
    }
    assert!(
        !r.per_answer.contains_key("b-x0"),
        "the baseline is never compared with itself"
    );
    let m = &r.models["M"];
    assert_eq!(m.answers, 3);
    assert!(close(m.mean, (0.5 + R + 0.0) / 3.0));
    let n = &r.models["N"];
    assert!(close(n.mean, (0.5 + R) / 2.0));
    assert_eq!((r.models["B"].answers, r.models["B"].mean), (0, None));
}

#[test]
fn slam_reading_gives_each_input_to_the_most_similar_model() {
    let r = summarize(&study(), "B", "e", &[]);
    // x: M (0.5 + R)/2 ≈ 0.60 beats N 0.5; y: N R beats M 0.
    for model in ["M", "N"] {
        assert_eq!(r.models[model].slam_inputs, 2);
        assert!(close(Some(r.models[model].slam_wins), 0.5), "{model}");
    }
    // A tie splits the input.
    let tied = vec![
        answer("b", "B", "x", 0, [1.0, 0.0]),
        answer("m", "M", "x", 0, [1.0, 1.0]),
        answer("n", "N", "x", 0, [1.0, 1.0]),
        answer("o", "O", "x", 0, [0.0, 1.0]),
    ];
    let r = summarize(&tied, "B", "e", &[]);
    assert!(close(Some(r.models["M"].slam_wins), 0.5));
    assert!(close(Some(r.models["N"].slam_wins), 0.5));
    assert!(close(Some(r.models["O"].slam_wins), 0.0));
}

#[test]
fn stability_is_the_mean_pairwise_cosine_of_a_models_repetitions() {
    let r = summarize(&study(), "B", "e", &[]);
    // M on x: cos([1,0], [1,1]) = R; y has one repetition. B on x: 0. N: none.
    assert!(close(r.models["M"].stability, R));
    assert_eq!(r.models["M"].stability_inputs, 1);
    assert!(close(r.models["B"].stability, 0.0));
    assert_eq!(r.models["N"].stability, None);
}

#[test]
fn similaritys_pick_is_matched_with_decisive_human_votes() {
    let vote = |a: &str, b: &str, w| HumanVote {
        first: a.into(),
        second: b.into(),
        first_won: w,
    };
    let votes = [
        // Similarity picks m-x1 (R) over n-x0 (0.5): agrees.
        vote("m-x1", "n-x0", Some(true)),
        // Similarity picks n-y0 (R) over m-y0 (0): disagrees.
        vote("m-y0", "n-y0", Some(true)),
        // A tie: not an item, but half a win each in the ranking.
        vote("m-x0", "n-x0", None),
        // Against the baseline: only the candidate's win rate counts.
        vote("b-x0", "n-x0", Some(false)),
    ];
    let r = summarize(&study(), "B", "e", &votes);
    assert_eq!(r.humans.items, 2);
    assert!(close(r.humans.rate, 0.5));
    // M: 1 + 1 + 0.5 over 3 votes; N: 0 + 0 + 0.5 + 1 over 4.
    let m = r.humans.rankings["M"];
    let n = r.humans.rankings["N"];
    assert!((m.0 - 2.5 / 3.0).abs() < 1e-12 && (n.0 - 1.5 / 4.0).abs() < 1e-12);
    assert!(!r.humans.rankings.contains_key("B"));
    assert_eq!(r.humans.spearman, None, "two models are not a ranking");
}
