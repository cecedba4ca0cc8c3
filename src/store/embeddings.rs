//! Stored sentence embeddings of answers, one per answer and embedder, so similarity is
//! computed once and a run that stops resumes where it stopped.

use std::collections::HashMap;

use rusqlite::params;

use super::{Result, Store};

impl Store {
    /// The stored embeddings of a session's answers by `embedder`, by answer uid.
    pub fn embeddings(&self, session: i64, embedder: &str) -> Result<HashMap<String, Vec<f32>>> {
        let rows = self.query(
            "SELECT g.uid, e.vector FROM embeddings e
             JOIN generations g ON e.generation_id = g.id JOIN prompts p ON g.prompt_id = p.id
             WHERE p.session_id = ?1 AND e.embedder = ?2",
            params![session, embedder],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )?;
        Ok(rows
            .into_iter()
            .map(|(uid, blob)| (uid, from_blob(&blob)))
            .collect())
    }

    /// Every stored embedding of a session's answers: (answer uid, embedder, vector).
    pub fn session_embeddings(&self, session: i64) -> Result<Vec<(String, String, Vec<f32>)>> {
        let rows = self.query(
            "SELECT g.uid, e.embedder, e.vector FROM embeddings e
             JOIN generations g ON e.generation_id = g.id JOIN prompts p ON g.prompt_id = p.id
             WHERE p.session_id = ?1 ORDER BY g.id, e.embedder",
            [session],
            |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Vec<u8>>(2)?)),
        )?;
        Ok(rows
            .into_iter()
            .map(|(uid, embedder, blob)| (uid, embedder, from_blob(&blob)))
            .collect())
    }

    /// The embedders with vectors in a session, the most used first.
    pub fn session_embedders(&self, session: i64) -> Result<Vec<String>> {
        self.query(
            "SELECT e.embedder FROM embeddings e
             JOIN generations g ON e.generation_id = g.id JOIN prompts p ON g.prompt_id = p.id
             WHERE p.session_id = ?1 GROUP BY e.embedder ORDER BY COUNT(*) DESC, e.embedder",
            [session],
            |r| r.get(0),
        )
    }

    /// Store a batch of embeddings (generation id, vector) in one transaction.
    pub fn insert_embeddings(&self, embedder: &str, rows: &[(i64, Vec<f32>)]) -> Result<()> {
        self.in_batch(|store| {
            for (generation, vector) in rows {
                store
                    .conn
                    .execute(
                        "INSERT OR REPLACE INTO embeddings (generation_id, embedder, vector)
                         VALUES (?1, ?2, ?3)",
                        params![generation, embedder, to_blob(vector)],
                    )
                    .map_err(|e| store.error(e))?;
            }
            Ok(())
        })
    }
}

pub(super) fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::store::records::{GenerationRecord, PromptRecord, SessionRecord};

    #[test]
    fn vectors_round_trip_exactly_per_embedder() {
        let (_dir, store, _) = crate::store::test_store();
        let session = store
            .insert_session(&SessionRecord::new("eval", "e".into()))
            .unwrap();
        let prompt = store
            .insert_prompt(session, &PromptRecord::new("q".into()))
            .unwrap();
        let g = GenerationRecord::new("m", "answer".into());
        let id = store.insert_generation(prompt, &g).unwrap();
        let v = vec![0.1f32, -2.5, f32::MIN_POSITIVE, 3.0e30];
        store.insert_embeddings("e1", &[(id, v.clone())]).unwrap();
        store.insert_embeddings("e2", &[(id, vec![1.0])]).unwrap();
        store.insert_embeddings("e2", &[(id, vec![2.0])]).unwrap();
        assert_eq!(store.embeddings(session, "e1").unwrap()[&g.uid], v);
        assert_eq!(store.embeddings(session, "e2").unwrap()[&g.uid], [2.0]);
        assert!(store.embeddings(session, "e3").unwrap().is_empty());
        assert_eq!(store.session_embedders(session).unwrap().len(), 2);
    }
}
