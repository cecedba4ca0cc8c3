//! Queries: session lists, export lines, what the leaderboard counts, items left to rate.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use super::records::{
    ExportLine, GenerationRecord, PromptRecord, RatingRecord, SessionRecord, VerdictRecord,
};
use super::{Result, Store};
use crate::analysis::leaderboard::{LeaderboardInput, ScoredAnswer};
use crate::domain::Prompt;
use crate::domain::answer::AnswerState;
use crate::domain::rating::{PairOutcome, Rating, RatingKind};

#[derive(Debug, Clone, PartialEq)]
pub struct SessionSummary {
    pub id: i64,
    pub session: SessionRecord,
    pub prompts: i64,
    pub generations: i64,
    /// Ratings in force (scores and votes).
    pub ratings: i64,
}

/// Which ratings the leaderboard counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub session: Option<i64>,
    pub prompt_set: Option<String>,
    pub rater: Option<String>,
    /// One criterion's votes; none: the overall votes.
    pub criterion: Option<String>,
}

/// A stored answer, ready to show in a pane for rating (a view of a `GenerationRecord`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    pub generation: i64,
    pub model: String,
    pub text: String,
    /// How it ended (truncated, failed, …), from its finish reason and error.
    pub state: AnswerState,
    pub error_message: Option<String>,
}

impl StoredAnswer {
    /// The columns after `id, model, text` that `from_row` reads.
    const ENDING: &'static str = "finish_reason, error_kind, error_message";

    /// From `id, model, text, finish_reason, error_kind, error_message` starting at `at`.
    fn from_row(r: &Row, at: usize) -> rusqlite::Result<Self> {
        let finish: Option<String> = r.get(at + 3)?;
        let kind: Option<String> = r.get(at + 4)?;
        Ok(Self {
            generation: r.get(at)?,
            model: r.get(at + 1)?,
            text: r.get(at + 2)?,
            state: AnswerState::of(finish.as_deref(), kind.as_deref()),
            error_message: r.get(at + 5)?,
        })
    }
}

/// One thing to rate: a prompt and one repetition of each model's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    pub prompt: i64,
    pub key: String,
    /// Which repetition of the prompt's answers this item is (0 first).
    pub repetition: i64,
    /// The conversation the answers were given to.
    pub conversation: Prompt,
    pub answers: Vec<StoredAnswer>,
}

const SESSION_COLUMNS: &str = "s.id, s.uid, s.kind, s.name, s.prompt_set, s.prompt_set_hash, s.models, s.rater, s.blind, s.created_at, s.stopped";

fn session_row(r: &Row) -> rusqlite::Result<(i64, SessionRecord)> {
    let models: String = r.get(6)?;
    Ok((
        r.get(0)?,
        SessionRecord {
            uid: r.get(1)?,
            kind: r.get(2)?,
            name: r.get(3)?,
            prompt_set: r.get(4)?,
            prompt_set_hash: r.get(5)?,
            models: serde_json::from_str(&models).unwrap_or_default(),
            rater: r.get(7)?,
            blind: r.get(8)?,
            created_at: r.get(9)?,
            stopped: json_column(r.get(10)?).and_then(|v| serde_json::from_value(v).ok()),
        },
    ))
}

fn json_column(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

impl Store {
    pub fn sessions(&self) -> Result<Vec<SessionSummary>> {
        self.session_summaries(None)
    }

    pub fn session(&self, id: i64) -> Result<Option<SessionSummary>> {
        Ok(self.session_summaries(Some(id))?.into_iter().next())
    }

    fn session_summaries(&self, only: Option<i64>) -> Result<Vec<SessionSummary>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS},
               (SELECT count(*) FROM prompts p WHERE p.session_id = s.id),
               (SELECT count(*) FROM generations g JOIN prompts p ON g.prompt_id = p.id WHERE p.session_id = s.id),
               (SELECT count(*) FROM ratings r JOIN prompts p ON r.prompt_id = p.id WHERE p.session_id = s.id AND r.status = 'active')
             FROM sessions s WHERE ?1 IS NULL OR s.id = ?1 ORDER BY s.id"
        );
        let rows = self.query(&sql, [only], |r| {
            let (id, session) = session_row(r)?;
            Ok(SessionSummary {
                id,
                session,
                prompts: r.get(11)?,
                generations: r.get(12)?,
                ratings: r.get(13)?,
            })
        })?;
        Ok(rows)
    }

    /// Every generation of a session with its prompt and all its ratings (history included),
    /// in the order they were made.
    pub fn export_lines(&self, session: i64) -> Result<Vec<ExportLine>> {
        // One snapshot for all the queries, while another slam may be writing.
        let _snapshot = self.snapshot()?;
        let Some(summary) = self.session(session)? else {
            return Ok(Vec::new());
        };
        let rows = self.query("SELECT g.id, g.uid, g.model, m.manifest, g.position, g.repetition, g.text, g.params,
                        g.metrics, g.timings, g.finish_reason, g.error_kind, g.error_message, g.created_at,
                        p.uid, p.item, p.system, p.user, p.pane_order, p.created_at, g.thinking,
                        g.cell, g.checks, g.concurrency, p.extra, p.conversation,
                        (SELECT q.uid FROM prompts q WHERE q.id = p.previous_id)
                 FROM generations g JOIN prompts p ON g.prompt_id = p.id
                 LEFT JOIN models m ON g.model_id = m.id
                 WHERE p.session_id = ?1 ORDER BY p.id, g.id", [session], |r| {
                let generation = GenerationRecord {
                    uid: r.get(1)?,
                    model: r.get(2)?,
                    manifest: json_column(r.get(3)?),
                    position: r.get(4)?,
                    repetition: r.get(5)?,
                    text: r.get(6)?,
                    params: json_column(r.get(7)?),
                    metrics: json_column(r.get(8)?),
                    timings: json_column(r.get(9)?),
                    finish_reason: r.get(10)?,
                    error_kind: r.get(11)?,
                    error_message: r.get(12)?,
                    created_at: r.get(13)?,
                    thinking: r.get(20)?,
                    cell: json_column(r.get(21)?),
                    checks: json_column(r.get(22)?),
                    concurrency: r.get(23)?,
                };
                let order: Option<String> = r.get(18)?;
                let prompt = PromptRecord {
                    uid: r.get(14)?,
                    item: r.get(15)?,
                    system: r.get(16)?,
                    user: r.get(17)?,
                    pane_order: order.and_then(|o| serde_json::from_str(&o).ok()),
                    created_at: r.get(19)?,
                    extra: json_column(r.get(24)?),
                    conversation: json_column(r.get(25)?)
                        .and_then(|c| serde_json::from_value(c).ok()),
                    previous: r.get(26)?,
                };
                Ok((r.get::<_, i64>(0)?, prompt, generation))
            })?;
        let uids: HashMap<i64, String> =
            rows.iter().map(|(id, _, g)| (*id, g.uid.clone())).collect();
        let mut ratings: HashMap<String, Vec<RatingRecord>> = HashMap::new();
        for rating in self.session_ratings(session, &uids)? {
            if let Some(owner) = rating.owner() {
                ratings.entry(owner.to_owned()).or_default().push(rating);
            }
        }
        let mut verdicts: HashMap<String, Vec<VerdictRecord>> = HashMap::new();
        for (uid, v) in self.session_verdict_records(session)? {
            verdicts.entry(uid).or_default().push(v);
        }
        let mut embeddings: HashMap<String, BTreeMap<String, Vec<f32>>> = HashMap::new();
        for (uid, embedder, vector) in self.session_embeddings(session)? {
            embeddings.entry(uid).or_default().insert(embedder, vector);
        }
        Ok(rows
            .into_iter()
            .map(|(_, prompt, generation)| ExportLine {
                session: summary.session.clone(),
                ratings: ratings.remove(&generation.uid).unwrap_or_default(),
                verdicts: verdicts.remove(&generation.uid).unwrap_or_default(),
                embeddings: embeddings.remove(&generation.uid).unwrap_or_default(),
                prompt,
                generation,
            })
            .collect())
    }

    fn session_ratings(
        &self,
        session: i64,
        uids: &HashMap<i64, String>,
    ) -> Result<Vec<RatingRecord>> {
        let sql = "SELECT r.uid, r.kind, r.generation_id, r.score, r.tags, r.note, r.gen_a, r.gen_b, r.outcome,
                        r.best_gen, r.worst_gen, r.rater, r.blind, r.status, o.uid, r.created_at, r.ballot,
                        r.position, r.criterion
                 FROM ratings r JOIN prompts p ON r.prompt_id = p.id
                 LEFT JOIN ratings o ON r.replaces = o.id
                 WHERE p.session_id = ?1 ORDER BY r.id";
        let uid = |id: Option<i64>| id.and_then(|i| uids.get(&i).cloned());
        self.query(sql, [session], |r| {
            let tags: String = r.get(4)?;
            let ballot: Vec<i64> = r
                .get::<_, Option<String>>(16)?
                .and_then(|b| serde_json::from_str(&b).ok())
                .unwrap_or_default();
            Ok(RatingRecord {
                ballot: ballot.into_iter().filter_map(|id| uid(Some(id))).collect(),
                position: r.get(17)?,
                criterion: r.get(18)?,
                uid: r.get(0)?,
                kind: r.get(1)?,
                generation: uid(r.get(2)?),
                score: r.get(3)?,
                tags: serde_json::from_str(&tags).unwrap_or_default(),
                note: r.get(5)?,
                gen_a: uid(r.get(6)?),
                gen_b: uid(r.get(7)?),
                outcome: r.get(8)?,
                best: uid(r.get(9)?),
                worst: uid(r.get(10)?),
                rater: r.get(11)?,
                blind: r.get(12)?,
                status: r.get(13)?,
                replaces: r.get(14)?,
                created_at: r.get(15)?,
            })
        })
    }

    /// The ratings in force that pass `filter`, as the leaderboard counts them, oldest first
    /// (ties by uid: the same order in every copy of the data, so Elo and the bootstrap
    /// reproduce after an export and import).
    /// The criteria with votes among the ratings `filter` selects (its criterion aside).
    pub fn criteria(&self, filter: &Filter) -> Result<Vec<String>> {
        self.query(
            "SELECT DISTINCT r.criterion FROM ratings r JOIN prompts p ON r.prompt_id = p.id
             JOIN sessions s ON p.session_id = s.id
             WHERE r.status = 'active' AND r.criterion IS NOT NULL
               AND (?1 IS NULL OR s.id = ?1)
               AND (?2 IS NULL OR s.prompt_set = ?2 OR s.name = ?2)
               AND (?3 IS NULL OR r.rater = ?3)
             ORDER BY r.criterion",
            params![filter.session, filter.prompt_set, filter.rater],
            |r| r.get(0),
        )
    }

    pub fn leaderboard_input(&self, filter: &Filter) -> Result<LeaderboardInput> {
        let _snapshot = self.snapshot()?;
        enum Counted {
            Score(ScoredAnswer),
            Pair(Option<String>, Option<String>, PairOutcome),
            Best(Option<String>, Option<i64>, Option<i64>),
        }
        let sql = "SELECT r.kind, r.score, r.tags, g.model, ga.model, gb.model, r.outcome, r.ballot,
                        r.best_gen, r.worst_gen
                 FROM ratings r JOIN prompts p ON r.prompt_id = p.id JOIN sessions s ON p.session_id = s.id
                 LEFT JOIN generations g ON r.generation_id = g.id
                 LEFT JOIN generations ga ON r.gen_a = ga.id
                 LEFT JOIN generations gb ON r.gen_b = gb.id
                 WHERE r.status = 'active'
                   AND (?1 IS NULL OR s.id = ?1)
                   AND (?2 IS NULL OR s.prompt_set = ?2 OR s.name = ?2)
                   AND (?3 IS NULL OR r.rater = ?3)
                   AND ((?4 IS NULL AND r.criterion IS NULL) OR r.criterion = ?4)
                 ORDER BY r.created_at, r.uid";
        let params = params![
            filter.session,
            filter.prompt_set,
            filter.rater,
            filter.criterion
        ];
        let counted = self.query(sql, params, |r| {
            let kind: RatingKind = r.get(0)?;
            Ok(match kind {
                RatingKind::Score => Counted::Score(ScoredAnswer {
                    model: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    score: r.get::<_, Option<u8>>(1)?.map(f64::from),
                    tags: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
                }),
                RatingKind::Pair => Counted::Pair(
                    r.get(4)?,
                    r.get(5)?,
                    r.get::<_, Option<PairOutcome>>(6)?
                        .unwrap_or(PairOutcome::BothBad),
                ),
                RatingKind::Best => Counted::Best(r.get(7)?, r.get(8)?, r.get(9)?),
            })
        })?;
        let mut input = LeaderboardInput::default();
        for (vote, c) in counted.into_iter().enumerate() {
            match c {
                Counted::Score(answer) => input.answers.push(answer),
                // Two answers of one model (a consistency check) are no battle between models.
                Counted::Pair(Some(a), Some(b), outcome) if a != b => {
                    input.battles.push((a, b, outcome));
                    input.votes.push(vote);
                }
                Counted::Pair(..) => {}
                Counted::Best(ballot, best, worst) => {
                    let ballot: Vec<i64> = ballot
                        .and_then(|b| serde_json::from_str(&b).ok())
                        .unwrap_or_default();
                    self.best_worst_battles(&ballot, best, worst, &mut input.battles)?;
                    input.votes.resize(input.battles.len(), vote);
                }
            }
        }
        Ok(input)
    }

    /// Run a query and map its rows; errors name the database.
    pub(super) fn query<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.error(e))?;
        stmt.query_map(params, map)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.error(e))
    }

    /// A best-of-N vote as battles: the best beat every other answer, the worst lost to
    /// every other answer (the best included, counted once).
    fn best_worst_battles(
        &self,
        ballot: &[i64],
        best: Option<i64>,
        worst: Option<i64>,
        battles: &mut Vec<(String, String, PairOutcome)>,
    ) -> Result<()> {
        let mut answers: Vec<(i64, String)> = Vec::new();
        for id in ballot {
            let model: Option<String> = self
                .conn
                .query_row("SELECT model FROM generations WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| self.error(e))?;
            answers.extend(model.map(|m| (*id, m)));
        }
        let model = |id: i64| {
            answers
                .iter()
                .find(|(g, _)| *g == id)
                .map(|(_, m)| m.clone())
        };
        if let Some(best_model) = best.and_then(model) {
            for (id, other) in &answers {
                if Some(*id) != best && *other != best_model {
                    battles.push((best_model.clone(), other.clone(), PairOutcome::A));
                }
            }
        }
        if let Some(worst_model) = worst.and_then(model) {
            for (id, other) in &answers {
                if Some(*id) != worst && Some(*id) != best && *other != worst_model {
                    battles.push((other.clone(), worst_model.clone(), PairOutcome::A));
                }
            }
        }
        Ok(())
    }

    /// The items of a stored session to rate: each prompt × repetition, one answer per model,
    /// keyed `prompt-uid#repetition`. A cancelled answer is shown (as cancelled) only where its
    /// model has no other answer to the item: a pane re-run after a cancel replaces it.
    pub fn stored_items(&self, session: i64) -> Result<Vec<StoredItem>> {
        let sql = "SELECT p.id, p.uid, p.system, p.user, g.repetition, p.conversation,
                        g.id, g.model, g.text, g.finish_reason, g.error_kind, g.error_message
                 FROM prompts p JOIN generations g ON g.prompt_id = p.id
                 WHERE p.session_id = ?1
                   -- an eval sweep's cells measure throughput; its plain run is what is rated
                   AND json_extract(g.cell, '$.level') IS NULL
                 ORDER BY p.id, g.repetition, g.position, g.id";
        let rows = self.query(sql, [session], |r| {
            let stored: Option<Prompt> =
                json_column(r.get(5)?).and_then(|c| serde_json::from_value(c).ok());
            let item = StoredItem {
                prompt: r.get(0)?,
                key: format!("{}#{}", r.get::<_, String>(1)?, r.get::<_, i64>(4)?),
                repetition: r.get(4)?,
                conversation: match stored {
                    Some(c) => c,
                    None => Prompt::new(r.get(2)?, r.get::<_, String>(3)?),
                },
                answers: Vec::new(),
            };
            Ok((item, StoredAnswer::from_row(r, 6)?))
        })?;
        let mut items: Vec<StoredItem> = Vec::new();
        for (item, answer) in rows {
            if items.last().is_none_or(|i| i.key != item.key) {
                items.push(item);
            }
            if let Some(last) = items.last_mut() {
                last.answers.push(answer);
            }
        }
        for item in &mut items {
            let answered: Vec<String> = (item.answers.iter())
                .filter(|a| a.state != AnswerState::Cancelled)
                .map(|a| a.model.clone())
                .collect();
            item.answers
                .retain(|a| a.state != AnswerState::Cancelled || !answered.contains(&a.model));
        }
        Ok(items)
    }

    /// Generation ids that `rater` has a rating in force on (a score, or a vote that
    /// includes them), in `session`.
    pub fn rated_generations(&self, session: i64, rater: &str) -> Result<Vec<i64>> {
        self.query("SELECT g.id FROM generations g JOIN prompts p ON g.prompt_id = p.id
                 WHERE p.session_id = ?1 AND EXISTS (
                   SELECT 1 FROM ratings r WHERE r.status = 'active' AND r.rater = ?2 AND r.prompt_id = p.id
                     AND (r.generation_id = g.id OR r.gen_a = g.id OR r.gen_b = g.id
                          OR r.best_gen = g.id OR r.worst_gen = g.id))", params![session, rater], |r| r.get(0))
    }

    /// The `item` ids of the prompts in `session` that `rater` has a rating in force on.
    pub fn rated_prompt_items(&self, session: i64, rater: &str) -> Result<Vec<String>> {
        self.query("SELECT DISTINCT p.item FROM prompts p JOIN ratings r ON r.prompt_id = p.id
                 WHERE p.session_id = ?1 AND r.rater = ?2 AND r.status = 'active' AND p.item IS NOT NULL", params![session, rater], |r| r.get(0))
    }
}

/// A score in force: score, tags, note.
pub type ScoreRow = (Option<u8>, Vec<String>, Option<String>);

/// A rater's ratings in force on a set of answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InForce {
    /// Per answer, in the order asked.
    pub scores: Vec<Option<ScoreRow>>,
    pub vote: Option<Rating<i64>>,
}

impl Store {
    /// What `rater` has given these answers of `prompt` and not taken back.
    pub fn ratings_in_force(&self, prompt: i64, rater: &str, answers: &[i64]) -> Result<InForce> {
        let _snapshot = self.snapshot()?;
        let mut in_force = InForce::default();
        for generation in answers {
            let score = self
                .conn
                .query_row(
                    "SELECT score, tags, note FROM ratings WHERE kind = 'score' AND generation_id = ?1
                     AND rater = ?2 AND status = 'active'",
                    params![generation, rater],
                    |r| {
                        let tags: String = r.get(1)?;
                        Ok((r.get(0)?, serde_json::from_str(&tags).unwrap_or_default(), r.get(2)?))
                    },
                )
                .optional()
                .map_err(|e| self.error(e))?;
            in_force.scores.push(score);
        }
        let mut wanted = answers.to_vec();
        wanted.sort_unstable();
        let votes = self.query(
            "SELECT kind, gen_a, gen_b, outcome, best_gen, worst_gen, ballot FROM ratings
             WHERE kind IN ('pair', 'best') AND prompt_id = ?1 AND rater = ?2 AND status = 'active'
             AND criterion IS NULL",
            params![prompt, rater],
            |r| {
                let kind: RatingKind = r.get(0)?;
                let (gen_a, gen_b): (Option<i64>, Option<i64>) = (r.get(1)?, r.get(2)?);
                let outcome: Option<PairOutcome> = r.get(3)?;
                let ballot: Option<String> = r.get(6)?;
                let ballot: Vec<i64> = match ballot.and_then(|b| serde_json::from_str(&b).ok()) {
                    Some(ids) => ids,
                    None => [gen_a, gen_b].into_iter().flatten().collect(),
                };
                Ok(match (kind, gen_a, gen_b, outcome) {
                    (RatingKind::Pair, Some(a), Some(b), Some(outcome)) => {
                        Some(Rating::Pair { a, b, outcome })
                    }
                    (RatingKind::Best, ..) => Some(Rating::Best {
                        best: r.get(4)?,
                        worst: r.get(5)?,
                        ballot,
                    }),
                    _ => None,
                })
            },
        )?;
        in_force.vote = votes.into_iter().flatten().find(|vote| {
            let mut ids = match vote {
                Rating::Pair { a, b, .. } => vec![*a, *b],
                Rating::Best { ballot, .. } => ballot.clone(),
                Rating::Score { .. } => Vec::new(),
            };
            ids.sort_unstable();
            ids == wanted
        });
        Ok(in_force)
    }

    /// The newest answers to item `key` in `session`, one per model in `models` (that order),
    /// if every model has one that was not cancelled.
    pub fn latest_item(
        &self,
        session: i64,
        key: &str,
        models: &[String],
    ) -> Result<Option<(i64, Vec<StoredAnswer>)>> {
        let prompts = self.query(
            "SELECT id FROM prompts WHERE session_id = ?1 AND item = ?2 ORDER BY id DESC",
            params![session, key],
            |r| r.get::<_, i64>(0),
        )?;
        for prompt in prompts {
            let sql = format!(
                "SELECT id, model, text, {} FROM generations WHERE prompt_id = ?1
                 AND (finish_reason IS NULL OR finish_reason != 'cancelled') ORDER BY id DESC",
                StoredAnswer::ENDING
            );
            let answers = self.query(&sql, [prompt], |r| StoredAnswer::from_row(r, 0))?;
            let newest: Option<Vec<StoredAnswer>> = models
                .iter()
                .map(|m| answers.iter().find(|a| &a.model == m).cloned())
                .collect();
            if let Some(newest) = newest {
                return Ok(Some((prompt, newest)));
            }
        }
        Ok(None)
    }
}

impl Store {
    /// The repetition number a new answer of `model` to `prompt` gets: 0, then 1, …
    pub fn next_repetition(&self, prompt: i64, model: &str) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM generations WHERE prompt_id = ?1 AND model = ?2",
                params![prompt, model],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }
}
