//! A text laid out in screen rows, each a byte range of the text: lines split at newlines, long
//! lines word-wrapped to a width in columns. The editor draws these rows and moves Up/Down by
//! them, so what the cursor does and what the screen shows cannot disagree.

use std::ops::Range;

use unicode_width::UnicodeWidthChar;

/// One screen row: `range` of the text, and whether the line goes on in the next row (a soft
/// wrap) rather than ending at a newline or the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub range: Range<usize>,
    pub wraps: bool,
}

pub fn width_of(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// The rows of `text` at `width` columns (at least 1). Breaks after the last space that fits;
/// a word longer than the row is cut.
pub fn rows(text: &str, width: usize) -> Vec<Row> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        wrap_line(line, line_start, width, &mut rows);
        line_start += line.len() + 1;
    }
    rows
}

fn wrap_line(line: &str, offset: usize, width: usize, rows: &mut Vec<Row>) {
    let mut start = 0;
    let mut cols = 0;
    // Just after the last space in this row: where it would break.
    let mut after_space = None;
    for (i, c) in line.char_indices() {
        let w = c.width().unwrap_or(0);
        if cols + w > width && i > start {
            let cut = after_space.filter(|&s| s > start).unwrap_or(i);
            rows.push(Row {
                range: offset + start..offset + cut,
                wraps: true,
            });
            start = cut;
            cols = width_of(&line[start..i]);
            after_space = None;
        }
        cols += w;
        if c == ' ' {
            after_space = Some(i + 1);
        }
    }
    rows.push(Row {
        range: offset + start..offset + line.len(),
        wraps: false,
    });
}

/// The row the cursor at `at` is drawn on: where a soft wrap splits, the cursor goes on the
/// next row (the boundary is that row's first character).
pub fn row_of(rows: &[Row], at: usize) -> usize {
    rows.iter()
        .position(|r| r.range.contains(&at) || (at == r.range.end && !r.wraps))
        .unwrap_or(rows.len().saturating_sub(1))
}

/// Columns from the start of `row` to `at`.
pub fn column_of(text: &str, row: &Row, at: usize) -> usize {
    width_of(&text[row.range.start..at.clamp(row.range.start, row.range.end)])
}

/// The position in `row` closest to column `goal` without passing it; never past the row's
/// last character when the row wraps (that position belongs to the next row).
pub fn position_at(text: &str, row: &Row, goal: usize) -> usize {
    let mut cols = 0;
    for (i, c) in text[row.range.clone()].char_indices() {
        let w = c.width().unwrap_or(0);
        if cols + w > goal {
            return row.range.start + i;
        }
        cols += w;
    }
    if row.wraps {
        // The last character's start: the end is the next row's first position.
        text[row.range.clone()]
            .char_indices()
            .next_back()
            .map_or(row.range.start, |(i, _)| row.range.start + i)
    } else {
        row.range.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(text: &'a str, rows: &[Row]) -> Vec<&'a str> {
        rows.iter().map(|r| &text[r.range.clone()]).collect()
    }

    #[test]
    fn lines_split_at_newlines_and_wrap_at_spaces() {
        let t = "the quick brown fox\n\njumps";
        let r = rows(t, 10);
        assert_eq!(texts(t, &r), ["the quick ", "brown fox", "", "jumps"]);
        assert_eq!(
            r.iter().map(|r| r.wraps).collect::<Vec<_>>(),
            [true, false, false, false]
        );
    }

    #[test]
    fn a_word_longer_than_the_row_is_cut() {
        let t = "abcdefghij klm";
        assert_eq!(texts(t, &rows(t, 4)), ["abcd", "efgh", "ij ", "klm"]);
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let t = "日本語の文";
        assert_eq!(texts(t, &rows(t, 5)), ["日本", "語の", "文"]);
    }

    #[test]
    fn the_cursor_at_a_soft_wrap_is_on_the_next_row() {
        let t = "the quick brown";
        let r = rows(t, 10);
        assert_eq!(row_of(&r, 9), 0);
        assert_eq!(row_of(&r, 10), 1, "the boundary is the next row's start");
        assert_eq!(row_of(&r, t.len()), 1, "the end of the text");
        assert_eq!(column_of(t, &r[1], 12), 2);
        assert_eq!(position_at(t, &r[0], 3), 3);
        assert_eq!(position_at(t, &r[0], 40), 9, "not past the wrap");
        assert_eq!(position_at(t, &r[1], 40), t.len());
    }

    #[test]
    fn an_empty_text_is_one_empty_row() {
        let r = rows("", 10);
        assert_eq!(r.len(), 1);
        assert_eq!(row_of(&r, 0), 0);
        let t = "a\n";
        let r = rows(t, 10);
        assert_eq!(texts(t, &r), ["a", ""]);
        assert_eq!(row_of(&r, 2), 1, "after a trailing newline: the new line");
        assert_eq!(row_of(&r, 1), 0);
    }
}
