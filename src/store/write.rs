//! Inserts. Each public call is one transaction (or runs inside the caller's).

use rusqlite::{OptionalExtension, params};

use super::records::{GenerationRecord, PromptRecord, SessionRecord};
use rusqlite::Connection;

use super::{NOW, Result, Store};
use crate::domain::rating::{PairOutcome, Rating, RatingKind, RatingStatus};

/// A new score or vote, about answers named by their generation id.
pub type NewRating = Rating<i64>;

/// What a rating is about: one answer's score, or the vote on a set of answers (a prompt
/// may have several sets: one per repetition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingTarget {
    Score { generation: i64 },
    Vote { ballot: Vec<i64> },
}

/// A rating as the columns of its row.
struct Columns {
    kind: RatingKind,
    generation: Option<i64>,
    score: Option<u8>,
    tags: String,
    note: Option<String>,
    gen_a: Option<i64>,
    gen_b: Option<i64>,
    outcome: Option<PairOutcome>,
    best: Option<i64>,
    worst: Option<i64>,
    ballot: Option<String>,
    position: Option<i64>,
}

impl Columns {
    fn of(rating: &NewRating) -> Columns {
        let empty = Columns {
            kind: rating.kind(),
            generation: None,
            score: None,
            tags: "[]".into(),
            note: None,
            gen_a: None,
            gen_b: None,
            outcome: None,
            best: None,
            worst: None,
            ballot: match target(rating) {
                RatingTarget::Vote { ballot } => serde_json::to_string(&ballot).ok(),
                RatingTarget::Score { .. } => None,
            },
            position: None,
        };
        match rating {
            Rating::Score {
                answer,
                score,
                position,
            } => Columns {
                generation: Some(*answer),
                score: score.score,
                tags: serde_json::to_string(&score.tag_names()).unwrap_or_else(|_| "[]".into()),
                note: score.note.clone(),
                position: position.map(|p| p as i64),
                ..empty
            },
            Rating::Pair { a, b, outcome } => Columns {
                gen_a: Some(*a),
                gen_b: Some(*b),
                outcome: Some(*outcome),
                ..empty
            },
            Rating::Best { best, worst, .. } => Columns {
                best: *best,
                worst: *worst,
                ..empty
            },
        }
    }
}

/// What `rating` replaces when it is saved: the score of the same answer, or the vote on the
/// same set of answers.
pub fn target(rating: &NewRating) -> RatingTarget {
    match rating {
        Rating::Score { answer, .. } => RatingTarget::Score {
            generation: *answer,
        },
        Rating::Pair { a, b, .. } => RatingTarget::Vote {
            ballot: vec![*a, *b],
        },
        Rating::Best { ballot, .. } => RatingTarget::Vote {
            ballot: ballot.clone(),
        },
    }
}

impl Store {
    pub fn insert_session(&self, s: &SessionRecord) -> Result<i64> {
        insert_session(&self.conn, s).map_err(|e| self.error(e))
    }

    /// The `slam rate` session for this prompt file, models, rater and blindness, to resume.
    pub fn find_rate_session(
        &self,
        prompt_set_hash: &str,
        models: &[String],
        rater: &str,
        blind: bool,
    ) -> Result<Option<i64>> {
        let models = serde_json::to_string(models).unwrap_or_default();
        self.conn
            .query_row(
                "SELECT id FROM sessions WHERE kind = 'rate' AND prompt_set_hash = ?1 AND models = ?2
                 AND rater = ?3 AND blind = ?4 ORDER BY id DESC LIMIT 1",
                params![prompt_set_hash, models, rater, blind],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    pub fn insert_prompt(&self, session: i64, p: &PromptRecord) -> Result<i64> {
        insert_prompt(&self.conn, session, p).map_err(|e| self.error(e))
    }

    pub fn insert_generation(&self, prompt: i64, g: &GenerationRecord) -> Result<i64> {
        insert_generation(&self.conn, prompt, g).map_err(|e| self.error(e))
    }

    /// Save a rating in one transaction: the rating in force for the same target becomes
    /// `replaced` and the new one points at it. Returns the new rating's id.
    pub fn rate(
        &mut self,
        prompt: i64,
        rater: &str,
        blind: bool,
        rating: &NewRating,
    ) -> Result<i64> {
        let c = Columns::of(rating);
        self.in_transaction(|tx| {
            let previous = active_rating(tx, prompt, rater, &target(rating))?;
            if let Some(id) = previous {
                tx.execute("UPDATE ratings SET status = 'replaced' WHERE id = ?1", [id])?;
            }
            tx.execute(
                &format!(
                    "INSERT INTO ratings (uid, prompt_id, kind, generation_id, score, tags, note, gen_a, gen_b,
                     outcome, best_gen, worst_gen, ballot, position, rater, blind, status, replaces, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'active', ?17, {NOW})"
                ),
                params![super::new_uid(), prompt, c.kind, c.generation, c.score, c.tags, c.note, c.gen_a, c.gen_b, c.outcome, c.best, c.worst, c.ballot, c.position, rater, blind, previous],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Take back rating `id` if it is in force: it becomes `undone` and the one it replaced is
    /// in force again. False when it was not in force.
    pub fn undo_rating(&mut self, id: i64) -> Result<bool> {
        self.in_transaction(|tx| {
            let row: Option<(RatingStatus, Option<i64>)> = tx
                .query_row(
                    "SELECT status, replaces FROM ratings WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((RatingStatus::Active, replaced)) = row else {
                return Ok(false);
            };
            tx.execute("UPDATE ratings SET status = 'undone' WHERE id = ?1", [id])?;
            if let Some(old) = replaced {
                tx.execute("UPDATE ratings SET status = 'active' WHERE id = ?1", [old])?;
            }
            Ok(true)
        })
    }

    /// Delete a session with its prompts, generations and ratings. False when there is none.
    pub fn delete_session(&self, id: i64) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM sessions WHERE id = ?1", [id])
            .map_err(|e| self.error(e))?;
        Ok(n > 0)
    }
}

fn active_rating(
    tx: &rusqlite::Transaction,
    prompt: i64,
    rater: &str,
    target: &RatingTarget,
) -> rusqlite::Result<Option<i64>> {
    match target {
        RatingTarget::Score { generation } => tx
            .query_row(
                "SELECT id FROM ratings WHERE kind = 'score' AND generation_id = ?1 AND rater = ?2 AND status = 'active'",
                params![generation, rater],
                |r| r.get(0),
            )
            .optional(),
        RatingTarget::Vote { ballot } => {
            // The same answers, in any order (a blind order may differ between sessions).
            let mut wanted = ballot.clone();
            wanted.sort_unstable();
            let mut stmt = tx.prepare(
                "SELECT id, ballot, gen_a, gen_b FROM ratings WHERE kind IN ('pair', 'best')
                 AND prompt_id = ?1 AND rater = ?2 AND status = 'active' AND criterion IS NULL",
            )?;
            let candidates = stmt
                .query_map(params![prompt, rater], |r| {
                    let ballot: Option<String> = r.get(1)?;
                    // A pair vote imported without a ballot compares its two answers.
                    let ids: Vec<i64> = match ballot.and_then(|b| serde_json::from_str(&b).ok()) {
                        Some(ids) => ids,
                        None => [r.get::<_, Option<i64>>(2)?, r.get(3)?]
                            .into_iter()
                            .flatten()
                            .collect(),
                    };
                    Ok((r.get::<_, i64>(0)?, ids))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(candidates.into_iter().find_map(|(id, mut ids)| {
                ids.sort_unstable();
                (ids == wanted).then_some(id)
            }))
        }
    }
}

/// `created_at` as given, or now when empty.
fn created(conn: &Connection, at: &str) -> rusqlite::Result<String> {
    if at.is_empty() {
        conn.query_row(&format!("SELECT {NOW}"), [], |r| r.get(0))
    } else {
        Ok(at.to_owned())
    }
}

pub(super) fn insert_session(conn: &Connection, s: &SessionRecord) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO sessions (uid, kind, name, prompt_set, prompt_set_hash, models, rater, blind, created_at, stopped)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            s.uid,
            s.kind,
            s.name,
            s.prompt_set,
            s.prompt_set_hash,
            serde_json::to_string(&s.models).unwrap_or_else(|_| "[]".into()),
            s.rater,
            s.blind,
            created(conn, &s.created_at)?,
            s.stopped
                .as_ref()
                .and_then(|v| serde_json::to_string(v).ok())
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(super) fn insert_prompt(
    conn: &Connection,
    session: i64,
    p: &PromptRecord,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO prompts (uid, session_id, item, system, user, pane_order, created_at, extra,
                              conversation, previous_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                 (SELECT id FROM prompts WHERE uid = ?10 AND session_id = ?2))",
        params![
            p.uid,
            session,
            p.item,
            p.system,
            p.user,
            p.pane_order
                .as_ref()
                .and_then(|o| serde_json::to_string(o).ok()),
            created(conn, &p.created_at)?,
            p.extra.as_ref().map(serde_json::Value::to_string),
            p.conversation
                .as_ref()
                .and_then(|c| serde_json::to_string(c).ok()),
            p.previous
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The model row for this manifest, shared by every generation with the same manifest.
pub(super) fn upsert_model(
    conn: &Connection,
    name: &str,
    manifest: &serde_json::Value,
) -> rusqlite::Result<i64> {
    let text = manifest.to_string();
    let sha = super::manifest::sha256_hex(text.as_bytes());
    conn.execute(
        "INSERT INTO models (name, manifest, manifest_sha) VALUES (?1, ?2, ?3)
         ON CONFLICT(manifest_sha) DO NOTHING",
        params![name, text, sha],
    )?;
    conn.query_row(
        "SELECT id FROM models WHERE manifest_sha = ?1",
        [sha],
        |r| r.get(0),
    )
}

pub(super) fn insert_generation(
    conn: &Connection,
    prompt: i64,
    g: &GenerationRecord,
) -> rusqlite::Result<i64> {
    let model_id = match &g.manifest {
        Some(m) => Some(upsert_model(conn, &g.model, m)?),
        None => None,
    };
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
    conn.execute(
        "INSERT INTO generations (uid, prompt_id, model_id, model, position, repetition, text,
         params, metrics, timings, finish_reason, error_kind, error_message, created_at, thinking, cell, checks, concurrency)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            g.uid,
            prompt,
            model_id,
            g.model,
            g.position,
            g.repetition,
            g.text,
            json(&g.params),
            json(&g.metrics),
            json(&g.timings),
            g.finish_reason,
            g.error_kind,
            g.error_message,
            created(conn, &g.created_at)?,
            g.thinking,
            json(&g.cell),
            json(&g.checks),
            g.concurrency,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

#[cfg(test)]
mod tests {
    use super::*;
    fn store_with_answers(n: usize) -> (tempfile::TempDir, Store, i64, Vec<i64>) {
        let (dir, store, prompt) = crate::store::test_store();
        let ids = (0..n)
            .map(|i| {
                let g = GenerationRecord {
                    position: (i % 2) as i64,
                    repetition: (i / 2) as i64,
                    ..GenerationRecord::new(&format!("m{}", i % 2), String::new())
                };
                store.insert_generation(prompt, &g).unwrap()
            })
            .collect();
        (dir, store, prompt, ids)
    }

    fn statuses(store: &Store) -> Vec<(String, Option<String>)> {
        let mut stmt = store
            .conn
            .prepare("SELECT status, outcome FROM ratings ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    fn pair(ids: &[i64], a: usize, b: usize, outcome: &str) -> NewRating {
        NewRating::Pair {
            a: ids[a],
            b: ids[b],
            outcome: serde_json::from_value(serde_json::json!(outcome)).unwrap(),
        }
    }

    #[test]
    fn rating_again_replaces_and_undo_brings_the_previous_back() {
        let (_dir, mut store, prompt, ids) = store_with_answers(2);
        let first = store
            .rate(prompt, "ann", false, &pair(&ids, 0, 1, "a"))
            .unwrap();
        let second = store
            .rate(prompt, "ann", false, &pair(&ids, 0, 1, "b"))
            .unwrap();
        let s = |st: &str, o: &str| (st.to_owned(), Some(o.to_owned()));
        assert_eq!(statuses(&store), [s("replaced", "a"), s("active", "b")]);
        let vote = RatingTarget::Vote {
            ballot: vec![ids[1], ids[0]],
        };
        let tx = store.conn.transaction().unwrap();
        assert_eq!(
            active_rating(&tx, prompt, "ann", &vote).unwrap(),
            Some(second),
            "any order of the same answers"
        );
        drop(tx);
        assert!(store.undo_rating(second).unwrap());
        assert_eq!(statuses(&store), [s("active", "a"), s("undone", "b")]);
        assert!(store.undo_rating(first).unwrap());
        let tx = store.conn.transaction().unwrap();
        assert_eq!(
            active_rating(&tx, prompt, "ann", &vote).unwrap(),
            None,
            "nothing left"
        );
        drop(tx);
        assert_eq!(statuses(&store), [s("undone", "a"), s("undone", "b")]);
    }

    #[test]
    fn undoing_one_rating_by_id_brings_back_the_one_it_replaced_once() {
        let (_dir, mut store, prompt, ids) = store_with_answers(2);
        let first = store
            .rate(prompt, "ann", false, &pair(&ids, 0, 1, "a"))
            .unwrap();
        let second = store
            .rate(prompt, "ann", false, &pair(&ids, 0, 1, "b"))
            .unwrap();
        assert!(store.undo_rating(second).unwrap());
        assert!(!store.undo_rating(second).unwrap(), "already taken back");
        let s = |st: &str, o: &str| (st.to_owned(), Some(o.to_owned()));
        assert_eq!(statuses(&store), [s("active", "a"), s("undone", "b")]);
        assert!(!store.undo_rating(first + 99).unwrap(), "no such rating");
    }

    #[test]
    fn votes_on_different_repetitions_and_raters_stand_side_by_side() {
        let (_dir, mut store, prompt, ids) = store_with_answers(4);
        store
            .rate(prompt, "ann", false, &pair(&ids, 0, 1, "a"))
            .unwrap();
        store
            .rate(prompt, "ann", false, &pair(&ids, 2, 3, "b"))
            .unwrap();
        store
            .rate(prompt, "bob", false, &pair(&ids, 0, 1, "tie"))
            .unwrap();
        assert!(
            statuses(&store)
                .iter()
                .all(|(status, _)| status == "active")
        );
    }
}
