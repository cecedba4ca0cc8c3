//! What an evaluation run needs of the store beyond answers: its session by name, the spec it
//! ran, and its prompts by input id.

use crate::analysis::judge::Verdict;
use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Result, Store};

impl Store {
    /// The newest eval session of this name (the run a spec resumes).
    pub fn latest_eval_session(&self, name: &str) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT id FROM sessions WHERE kind = 'eval' AND name = ?1 ORDER BY id DESC LIMIT 1",
                [name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    pub fn set_session_spec(&self, session: i64, spec: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE sessions SET spec = ?2 WHERE id = ?1",
                params![session, spec],
            )
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// Records why the run stopped before its plan ran out (None: it has run to the end).
    pub fn set_session_stopped(
        &self,
        session: i64,
        stopped: Option<&crate::domain::run_stop::RunStop>,
    ) -> Result<()> {
        let json = stopped.and_then(|s| serde_json::to_string(s).ok());
        self.conn
            .execute(
                "UPDATE sessions SET stopped = ?2 WHERE id = ?1",
                params![session, json],
            )
            .map(drop)
            .map_err(|e| self.error(e))
    }

    pub fn session_spec(&self, session: i64) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT spec FROM sessions WHERE id = ?1", [session], |r| {
                r.get(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.error(e))
    }

    /// Run `f` in one transaction: committed if it succeeds, rolled back if not.
    pub fn in_batch<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.error(e))?;
        match f(self) {
            Ok(v) => {
                self.conn
                    .execute_batch("COMMIT")
                    .map_err(|e| self.error(e))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The session's prompts by item (an eval's input id).
    pub fn prompts_by_item(&self, session: i64) -> Result<HashMap<String, i64>> {
        let rows = self.query(
            "SELECT item, id FROM prompts WHERE session_id = ?1 AND item IS NOT NULL",
            [session],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(rows.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::store::records::{GenerationRecord, PromptRecord, SessionRecord};

    #[test]
    fn an_eval_is_rated_input_by_repetition_without_its_sweep_cells() {
        let (_dir, store, _) = crate::store::test_store();
        let session = store
            .insert_session(&SessionRecord::new("eval", "e".into()))
            .unwrap();
        store.set_session_spec(session, "name = \"e\"").unwrap();
        assert_eq!(
            store.session_spec(session).unwrap().as_deref(),
            Some("name = \"e\"")
        );
        assert_eq!(store.latest_eval_session("e").unwrap(), Some(session));
        let prompt = store
            .insert_prompt(
                session,
                &PromptRecord {
                    item: Some("ana".into()),
                    ..PromptRecord::new("q".into())
                },
            )
            .unwrap();
        assert_eq!(store.prompts_by_item(session).unwrap()["ana"], prompt);
        for (model, repetition, level) in [
            ("a", 0, None),
            ("b", 0, None),
            ("a", 1, None),
            ("b", 1, None),
            ("a", 0, Some(4)),
        ] {
            let g = GenerationRecord {
                repetition,
                cell: Some(json!({"key": "k", "level": level})),
                ..GenerationRecord::new(model, format!("{model}{repetition}"))
            };
            store.insert_generation(prompt, &g).unwrap();
        }
        let items = store.stored_items(session).unwrap();
        let shape: Vec<Vec<String>> = items
            .iter()
            .map(|i| i.answers.iter().map(|a| a.text.clone()).collect())
            .collect();
        assert_eq!(shape, [["a0", "b0"], ["a1", "b1"]]);
    }

    #[test]
    fn a_cancelled_answer_is_rated_as_cancelled_unless_a_rerun_replaced_it() {
        let (_dir, store, prompt) = crate::store::test_store();
        let session = store.sessions().unwrap()[0].id;
        for (model, position, text, finish) in [
            ("a", 0, "a-cut", "cancelled"),
            ("b", 1, "b-cut", "cancelled"),
            ("a", 0, "a-rerun", "stop"),
        ] {
            let g = GenerationRecord {
                position,
                finish_reason: Some(finish.into()),
                ..GenerationRecord::new(model, text.into())
            };
            store.insert_generation(prompt, &g).unwrap();
        }
        let items = store.stored_items(session).unwrap();
        let shown: Vec<(String, String)> = (items[0].answers.iter())
            .map(|a| (a.text.clone(), a.state.key().to_owned()))
            .collect();
        let wanted = [("a-rerun", "complete"), ("b-cut", "cancelled")];
        assert_eq!(shown, wanted.map(|(t, k)| (t.to_owned(), k.to_owned())));
    }
}

/// A judge's verdict as stored: the answer it is about (its uid), the judge, the verdict JSON as
/// stored and as read (`read`, typed: what every reader uses).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVerdict {
    pub generation: String,
    pub judge: String,
    pub verdict: serde_json::Value,
    pub read: Verdict,
}

impl StoredVerdict {
    pub fn new(generation: String, judge: String, verdict: serde_json::Value) -> Self {
        let read = Verdict::of(&verdict);
        Self {
            generation,
            judge,
            verdict,
            read,
        }
    }
}

impl Store {
    /// Generation ids of a session by uid.
    pub fn generation_ids(&self, session: i64) -> Result<HashMap<String, i64>> {
        let rows = self.query(
            "SELECT g.uid, g.id FROM generations g JOIN prompts p ON g.prompt_id = p.id
             WHERE p.session_id = ?1",
            [session],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(rows.into_iter().collect())
    }

    pub fn insert_verdict(
        &self,
        generation: i64,
        judge: &str,
        verdict: &serde_json::Value,
    ) -> Result<()> {
        self.conn
            .execute(
                &format!(
                    "INSERT INTO judge_verdicts (generation_id, judge, verdict, created_at)
                     VALUES (?1, ?2, ?3, {})",
                    super::NOW
                ),
                params![generation, judge, verdict.to_string()],
            )
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// The judges' verdicts in the sessions a leaderboard filter selects (its rater is a
    /// human's: it does not apply), as (judge, verdict).
    pub fn verdicts_matching(&self, filter: &super::Filter) -> Result<Vec<(String, Verdict)>> {
        self.query(
            "SELECT v.judge, v.verdict FROM judge_verdicts v
             JOIN generations g ON v.generation_id = g.id JOIN prompts p ON g.prompt_id = p.id
             JOIN sessions s ON p.session_id = s.id
             WHERE (?1 IS NULL OR s.id = ?1) AND (?2 IS NULL OR s.prompt_set = ?2 OR s.name = ?2)
             ORDER BY v.id",
            params![filter.session, filter.prompt_set],
            |r| {
                let text: String = r.get(1)?;
                let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
                Ok((r.get(0)?, Verdict::of(&value)))
            },
        )
    }

    /// Every verdict on the answers of a session, oldest first.
    /// A session's verdicts as exports carry them: (answer uid, record), in stored order.
    pub fn session_verdict_records(
        &self,
        session: i64,
    ) -> Result<Vec<(String, super::records::VerdictRecord)>> {
        self.query(
            "SELECT g.uid, v.judge, v.verdict, v.created_at FROM judge_verdicts v
             JOIN generations g ON v.generation_id = g.id JOIN prompts p ON g.prompt_id = p.id
             WHERE p.session_id = ?1 ORDER BY v.id",
            [session],
            |r| {
                let text: String = r.get(2)?;
                Ok((
                    r.get(0)?,
                    super::records::VerdictRecord {
                        judge: r.get(1)?,
                        verdict: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
                        created_at: r.get(3)?,
                    },
                ))
            },
        )
    }

    pub fn verdicts(&self, session: i64) -> Result<Vec<StoredVerdict>> {
        self.query(
            "SELECT g.uid, v.judge, v.verdict FROM judge_verdicts v
             JOIN generations g ON v.generation_id = g.id JOIN prompts p ON g.prompt_id = p.id
             WHERE p.session_id = ?1 ORDER BY v.id",
            [session],
            |r| {
                let text: String = r.get(2)?;
                Ok(StoredVerdict::new(
                    r.get(0)?,
                    r.get(1)?,
                    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
                ))
            },
        )
    }
}
