//! How typed values are stored: the rating enums as the same words their JSON uses. The only
//! place that turns those words into types and back.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::domain::rating::{PairOutcome, RatingKind, RatingStatus};

/// A closed set of words stored as TEXT.
trait Word: Copy + 'static {
    const ALL: &'static [Self];
    const WHAT: &'static str;
    fn word(self) -> &'static str;
}

impl Word for RatingKind {
    const ALL: &'static [Self] = &RatingKind::ALL;
    const WHAT: &'static str = "rating kind";
    fn word(self) -> &'static str {
        self.as_str()
    }
}

impl Word for RatingStatus {
    const ALL: &'static [Self] = &RatingStatus::ALL;
    const WHAT: &'static str = "rating status";
    fn word(self) -> &'static str {
        self.as_str()
    }
}

impl Word for PairOutcome {
    const ALL: &'static [Self] = &PairOutcome::ALL;
    const WHAT: &'static str = "pair outcome";
    fn word(self) -> &'static str {
        self.as_str()
    }
}

fn from_word<T: Word>(value: ValueRef<'_>) -> FromSqlResult<T> {
    let text = value.as_str()?;
    T::ALL
        .iter()
        .copied()
        .find(|v| v.word() == text)
        .ok_or_else(|| FromSqlError::Other(format!("unknown {} {text:?}", T::WHAT).into()))
}

macro_rules! stored_as_word {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.word()))
            }
        }
        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                from_word(value)
            }
        }
    )*};
}

stored_as_word!(RatingKind, RatingStatus, PairOutcome);

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    /// Each word round-trips through SQLite and is the word the export's JSON uses.
    fn round_trips<T>(db: &Connection)
    where
        T: Word + ToSql + FromSql + PartialEq + std::fmt::Debug + serde::Serialize,
    {
        for v in T::ALL {
            let back: T = db.query_row("SELECT ?1", [v], |r| r.get(0)).unwrap();
            assert_eq!(back, *v);
            assert_eq!(serde_json::to_value(v).unwrap(), v.word());
        }
    }

    #[test]
    fn words_round_trip_and_unknown_words_are_errors() {
        let db = Connection::open_in_memory().unwrap();
        round_trips::<RatingKind>(&db);
        round_trips::<RatingStatus>(&db);
        round_trips::<PairOutcome>(&db);
        let outcome: PairOutcome = db.query_row("SELECT 'bothbad'", [], |r| r.get(0)).unwrap();
        assert_eq!(outcome, PairOutcome::BothBad);
        assert_eq!(serde_json::to_value(outcome).unwrap(), "bothbad");
        let bad = db.query_row("SELECT 'pear'", [], |r| r.get::<_, RatingKind>(0));
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("unknown rating kind \"pear\"")
        );
    }
}
