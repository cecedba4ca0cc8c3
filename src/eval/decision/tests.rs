//! The decision's own counting, by hand: head-to-head votes, active ratings, scores on the
//! scale.

use super::*;
use crate::domain::rating::RatingKind;

fn vote(uid: &str, a: &str, b: &str, outcome: PairOutcome, status: RatingStatus) -> RatingRecord {
    RatingRecord {
        uid: uid.into(),
        kind: RatingKind::Pair,
        generation: None,
        score: None,
        tags: Vec::new(),
        note: None,
        gen_a: Some(a.into()),
        gen_b: Some(b.into()),
        outcome: Some(outcome),
        best: None,
        worst: None,
        ballot: Vec::new(),
        position: None,
        rater: "r".into(),
        blind: true,
        status,
        replaces: None,
        created_at: String::new(),
        criterion: None,
    }
}

#[test]
fn head_to_head_counts_both_orders_and_ties_as_halves() {
    let model_of: HashMap<&str, &str> = [
        ("c1", "cand"),
        ("c2", "cand"),
        ("b1", "base"),
        ("o1", "other"),
    ]
    .into();
    let votes = [
        vote("1", "c1", "b1", PairOutcome::A, RatingStatus::Active), // won
        vote("2", "b1", "c2", PairOutcome::B, RatingStatus::Active), // won, other order
        vote("3", "b1", "c1", PairOutcome::A, RatingStatus::Active), // lost
        vote("4", "c2", "b1", PairOutcome::BothBad, RatingStatus::Active), // tie
        vote("5", "c1", "o1", PairOutcome::A, RatingStatus::Active), // not the baseline
    ];
    let refs: Vec<&RatingRecord> = votes.iter().collect();
    let h = head_to_head(&refs, &model_of, "cand", "base");
    assert_eq!((h.votes, h.wins, h.ties, h.losses), (4, 2, 1, 1));
    // (2 + 1/2) / 4 by hand.
    assert_eq!(h.share.map(|s| s.estimate), Some(0.625));
    let none = head_to_head(&[], &model_of, "cand", "base");
    assert_eq!((none.votes, none.share), (0, None));
}

#[test]
fn only_active_ratings_count_and_each_once() {
    let line = |ratings: Vec<RatingRecord>| ExportLine {
        session: crate::store::records::SessionRecord::new("eval", "s".into()),
        prompt: crate::store::records::PromptRecord {
            uid: "p".into(),
            item: None,
            system: None,
            user: String::new(),
            pane_order: None,
            created_at: String::new(),
            extra: None,
            conversation: None,
            previous: None,
        },
        generation: serde_json::from_value(serde_json::json!({
            "uid": "g", "model": "m", "manifest": null, "position": 0, "repetition": 0,
            "text": "", "params": null, "metrics": null, "timings": null,
            "finish_reason": null, "error_kind": null, "error_message": null,
            "created_at": ""
        }))
        .unwrap(),
        ratings,
        verdicts: Vec::new(),
        embeddings: Default::default(),
    };
    let lines = [
        line(vec![
            vote("1", "a", "b", PairOutcome::A, RatingStatus::Active),
            vote("2", "a", "b", PairOutcome::A, RatingStatus::Replaced),
        ]),
        line(vec![vote(
            "1",
            "a",
            "b",
            PairOutcome::A,
            RatingStatus::Active,
        )]),
    ];
    let uids: Vec<&str> = active_ratings(&lines)
        .iter()
        .map(|r| r.uid.as_str())
        .collect();
    assert_eq!(uids, ["1"]);
}

#[test]
fn mean_scores_stay_on_the_scale() {
    // Scores 1 and 5: mean 3, t(0.975, 1) = 12.706 × sd 2.828 / √2 = ±25.4 → clipped.
    let m = clipped_scores(&[1.0, 5.0]).unwrap();
    let i = m.interval.unwrap();
    assert_eq!((m.mean, i.low, i.high), (3.0, 1.0, 5.0));
}
