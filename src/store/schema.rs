//! The schema as numbered migrations. `PRAGMA user_version` holds how many have been applied;
//! a database with a higher number was written by a newer slam and is refused.

/// Migration `i` takes the schema from version `i` to `i + 1`. Append only, never edit.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,             -- tui | rate | import
    name        TEXT NOT NULL,
    prompt_set  TEXT,                      -- the prompt file or imported data set
    prompt_set_hash TEXT,                  -- sha256 of the prompt file (resuming `slam rate`)
    models      TEXT NOT NULL DEFAULT '[]',-- JSON list of model names, as chosen
    rater       TEXT,
    blind       INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
CREATE TABLE models (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    manifest    TEXT NOT NULL,             -- JSON: backend, model id, GGUF sha256, versions, hardware
    manifest_sha TEXT NOT NULL UNIQUE
);
CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    item        TEXT,                      -- the item's id in its prompt set
    system      TEXT,
    user        TEXT NOT NULL,
    pane_order  TEXT,                      -- JSON: model names left to right as shown (blind order)
    created_at  TEXT NOT NULL
);
CREATE INDEX prompts_session ON prompts(session_id);
CREATE TABLE generations (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    prompt_id   INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
    model_id    INTEGER REFERENCES models(id),
    model       TEXT NOT NULL,
    position    INTEGER NOT NULL,          -- pane index it was shown in
    repetition  INTEGER NOT NULL DEFAULT 0,
    text        TEXT NOT NULL,
    params      TEXT,                      -- JSON
    metrics     TEXT,                      -- JSON, definitions in core::metrics
    timings     TEXT,                      -- JSON, the engine's own timings
    finish_reason TEXT,
    error_kind  TEXT,
    error_message TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX generations_prompt ON generations(prompt_id);
-- Scores and votes. Every change is a new row: the one in force is `active`; a row replaced
-- by a later rating is `replaced`, one taken back is `undone`. History is never deleted.
CREATE TABLE ratings (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    prompt_id   INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('score', 'pair', 'best')),
    generation_id INTEGER REFERENCES generations(id) ON DELETE CASCADE, -- score: the answer rated
    score       INTEGER CHECK (score BETWEEN 1 AND 5),
    tags        TEXT NOT NULL DEFAULT '[]',
    note        TEXT,
    gen_a       INTEGER REFERENCES generations(id) ON DELETE CASCADE,  -- pair: left, right
    gen_b       INTEGER REFERENCES generations(id) ON DELETE CASCADE,
    outcome     TEXT CHECK (outcome IN ('a', 'b', 'tie', 'bothbad')),
    best_gen    INTEGER REFERENCES generations(id) ON DELETE CASCADE,  -- best: of all panes
    worst_gen   INTEGER REFERENCES generations(id) ON DELETE CASCADE,
    ballot      TEXT,                      -- votes: JSON ids of the answers shown, left to right
    position    INTEGER,                   -- score: the pane it was shown in (0 = left)
    rater       TEXT NOT NULL,
    blind       INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'replaced', 'undone')),
    replaces    INTEGER REFERENCES ratings(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX ratings_prompt ON ratings(prompt_id, status);
-- Foreign keys are checked on delete: without these a session delete scans every rating.
CREATE INDEX ratings_generation ON ratings(generation_id);
CREATE INDEX ratings_gen_a ON ratings(gen_a);
CREATE INDEX ratings_gen_b ON ratings(gen_b);
CREATE INDEX ratings_best ON ratings(best_gen);
CREATE INDEX ratings_worst ON ratings(worst_gen);
CREATE INDEX ratings_replaces ON ratings(replaces);
CREATE INDEX generations_model ON generations(model_id);
CREATE TABLE judge_verdicts (
    id          INTEGER PRIMARY KEY,
    generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
    judge       TEXT NOT NULL,
    verdict     TEXT NOT NULL,             -- JSON
    created_at  TEXT NOT NULL
);
CREATE INDEX judge_generation ON judge_verdicts(generation_id);
CREATE TABLE file_hashes (                 -- sha256 of GGUF files, keyed by path, size and mtime
    path        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (path, size, mtime_ns)
);
"#,
    r#"
-- A thinking model's thinking, kept apart from the answer that is rated and judged.
ALTER TABLE generations ADD COLUMN thinking TEXT;
"#,
    r#"
-- Evaluation runs (session kind 'eval').
ALTER TABLE sessions ADD COLUMN spec TEXT;            -- the spec file as written
ALTER TABLE generations ADD COLUMN cell TEXT;         -- JSON: the cell's identity hashes
ALTER TABLE generations ADD COLUMN checks TEXT;       -- JSON: the spec's checks on the answer
ALTER TABLE generations ADD COLUMN concurrency INTEGER; -- the sweep level it ran at
"#,
    r#"
-- Sentence embeddings of answers (similarity to the baseline), one per answer and embedder.
CREATE TABLE embeddings (
    generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
    embedder    TEXT NOT NULL,             -- model name and the sha256 of its weights
    vector      BLOB NOT NULL,             -- f32 little-endian
    PRIMARY KEY (generation_id, embedder)
);
"#,
    r#"
-- Fields an imported file carried that slam does not use (SLaM's prompt_disc, run, …),
-- kept verbatim and written back on export.
ALTER TABLE prompts ADD COLUMN extra TEXT;     -- JSON object
"#,
    r#"
-- A vote on one criterion (SLaM's "A/B Testing with Criterions": clarity, likability, …);
-- NULL is the overall vote, the only kind the leaderboard counts unless asked for a criterion.
ALTER TABLE ratings ADD COLUMN criterion TEXT;
"#,
    r#"
-- An evaluation run's hardware timeline: one sample a second while it ran.
CREATE TABLE hardware_samples (
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,             -- RFC 3339, UTC
    sample      TEXT NOT NULL              -- JSON: core::hardware::HardwareSnapshot
);
CREATE INDEX hardware_samples_session ON hardware_samples(session_id, at);
"#,
    r#"
-- The conversation as sent, when system and user do not say it all (earlier turns, tools, a
-- response format): JSON, core::domain::Prompt. system and user stay filled for old readers
-- (user: the last user turn). Added columns, no table rebuild: foreign keys are on here and
-- prompts cascade-delete with their session, so a rebuild would delete data.
ALTER TABLE prompts ADD COLUMN conversation TEXT;
-- A follow-up's previous turn in the same session.
ALTER TABLE prompts ADD COLUMN previous_id INTEGER REFERENCES prompts(id) ON DELETE SET NULL;
"#,
    r#"
-- Why an eval run stopped before its plan ran out (JSON, core::domain::run_stop::RunStop);
-- NULL once it has run to the end.
ALTER TABLE sessions ADD COLUMN stopped TEXT;
"#,
];
