//! What an evaluation run needs of the store beyond answers: its session by name, the spec it
//! ran, and its prompts by input id.

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

    pub fn session_spec(&self, session: i64) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT spec FROM sessions WHERE id = ?1", [session], |r| {
                r.get(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.error(e))
    }

    /// The session's prompts by item (an eval's input id).
    pub fn prompts_by_item(&self, session: i64) -> Result<HashMap<String, i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT item, id FROM prompts WHERE session_id = ?1 AND item IS NOT NULL")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([session], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<HashMap<_, _>>>())
            .map_err(|e| self.error(e))?;
        Ok(rows)
    }
}
