//! An evaluation run's hardware timeline: what the machine was doing while the answers were
//! written (CPU, memory, GPUs, throttling), one sample a second.

use rusqlite::params;

use super::{Result, Store};
use crate::domain::hardware::HardwareSnapshot;

impl Store {
    /// A sample, stamped now.
    pub fn insert_hardware_sample(&self, session: i64, sample: &HardwareSnapshot) -> Result<()> {
        let json = serde_json::to_string(sample).unwrap_or_default();
        self.conn
            .execute(
                &format!(
                    "INSERT INTO hardware_samples (session_id, at, sample) VALUES (?1, {}, ?2)",
                    super::NOW
                ),
                params![session, json],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// A session's samples, oldest first; a sample that does not parse is skipped.
    pub fn hardware_samples(&self, session: i64) -> Result<Vec<(String, HardwareSnapshot)>> {
        let rows = self.query(
            "SELECT at, sample FROM hardware_samples WHERE session_id = ?1 ORDER BY at",
            [session],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(at, json)| Some((at, serde_json::from_str(&json).ok()?)))
            .collect())
    }
}
