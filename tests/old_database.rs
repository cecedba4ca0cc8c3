//! A database written by an earlier release (`tests/data/db-0bb10fe`, schema version 7) opens
//! with this slam, is migrated in place, and exports the same answers and ratings, byte for
//! byte, as that release exported them.

mod common;

use std::path::{Path, PathBuf};

use common::{Sandbox, text};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/db-0bb10fe")
        .join(name)
}

fn user_version(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn an_earlier_releases_database_migrates_and_exports_as_it_did() {
    let sandbox = Sandbox::new();
    let db = sandbox.dir.path().join("slam.db");
    std::fs::copy(data("slam.db"), &db).unwrap();
    assert_eq!(user_version(&db), 7, "the committed file is the old schema");

    let list = sandbox.with_db(&db, &["sessions", "list"]);
    let (stdout, stderr) = text(&list);
    assert!(list.status.success(), "{stderr}");
    for name in [
        "slam-study.jsonl",
        "capital.jsonl",
        "human-eval-ab",
        "daily-motivation",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
    assert!(
        user_version(&db) > 7,
        "opening it applied the newer migrations"
    );

    for session in 1..=4 {
        let out = sandbox.with_db(&db, &["sessions", "export", &session.to_string()]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        let expected = std::fs::read_to_string(data(&format!("export-{session}.jsonl"))).unwrap();
        assert_eq!(stdout, expected, "session {session}'s export changed");
    }
    // The CSV: every column that release wrote, row for row, byte for byte; the one column added
    // since (`state`, how each answer ended) says "unknown" — these imported answers carry no
    // finish reason.
    let out = sandbox.with_db(&db, &["sessions", "export", "1", "--format", "csv"]);
    let read = |text: &str| {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|row| row.unwrap().iter().map(str::to_owned).collect())
            .collect();
        (headers, rows)
    };
    let (old_headers, old_rows) = read(&std::fs::read_to_string(data("export-1.csv")).unwrap());
    let (headers, rows) = read(&text(&out).0);
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let projected: Vec<Vec<String>> = rows
        .iter()
        .map(|row| old_headers.iter().map(|h| row[column(h)].clone()).collect())
        .collect();
    assert_eq!(projected, old_rows);
    let added: Vec<&String> = headers
        .iter()
        .filter(|h| !old_headers.contains(h))
        .collect();
    assert_eq!(added, ["state"]);
    assert!(rows.iter().all(|row| row[column("state")] == "unknown"));
}
