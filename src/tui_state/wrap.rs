//! Incremental word wrapping of streamed text. Appending touches only the last row, so the cost
//! of a token (and of drawing the visible rows) is the same at 100k tokens as at 1k. Only a
//! width change re-wraps the whole history.

use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WrappedText {
    source: String,
    width: usize,
    /// Display rows; the last one is still open for appends.
    rows: Vec<Row>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Row {
    text: String,
    cols: usize,
}

impl WrappedText {
    pub fn new(width: u16) -> Self {
        Self {
            source: String::new(),
            width: usize::from(width.max(1)),
            rows: vec![Row::default()],
        }
    }

    pub fn push_str(&mut self, text: &str) {
        self.source.push_str(text);
        for c in text.chars() {
            self.push_char(c);
        }
    }

    pub fn set_width(&mut self, width: u16) {
        let width = usize::from(width.max(1));
        if width == self.width {
            return;
        }
        let source = std::mem::take(&mut self.source);
        *self = Self::new(width as u16);
        self.push_str(&source);
    }

    pub fn text(&self) -> &str {
        &self.source
    }

    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// Rows `start..start + height` (fewer at the end).
    pub fn rows(&self, start: usize, height: usize) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .skip(start)
            .take(height)
            .map(|r| r.text.as_str())
    }

    fn push_char(&mut self, c: char) {
        if c == '\n' {
            self.rows.push(Row::default());
            return;
        }
        let c = if c == '\t' { ' ' } else { c };
        let w = c.width().unwrap_or(0);
        let width = self.width;
        let Some(last) = self.rows.last_mut() else {
            self.rows.push(Row::default());
            return self.push_char(c);
        };
        if last.cols + w <= width {
            last.text.push(c);
            last.cols += w;
            return;
        }
        // The row is full: a space just ends it; otherwise carry the last word over.
        if c == ' ' {
            self.rows.push(Row::default());
            return;
        }
        let carried = match last.text.rfind(' ') {
            Some(i) if i > 0 => {
                let word = last.text.split_off(i + 1);
                last.text.truncate(i);
                last.cols = text_width(&last.text);
                word
            }
            _ => String::new(),
        };
        let mut next = Row {
            cols: text_width(&carried),
            text: carried,
        };
        if next.cols + w > width {
            // A word longer than the row: break it hard.
            self.rows.push(next);
            next = Row::default();
        }
        next.text.push(c);
        next.cols += w;
        self.rows.push(next);
    }
}

fn text_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(w: &WrappedText) -> Vec<&str> {
        w.rows(0, usize::MAX).collect()
    }

    #[test]
    fn wraps_at_word_boundaries() {
        let mut w = WrappedText::new(10);
        w.push_str("the quick brown fox jumps");
        assert_eq!(rows(&w), ["the quick", "brown fox", "jumps"]);
    }

    #[test]
    fn streaming_in_pieces_equals_wrapping_at_once() {
        let text = "Streaming tokens arrive in small pieces, sometimes mid-word, and the wrap must not care.\nNew line here.";
        let mut whole = WrappedText::new(12);
        whole.push_str(text);
        let mut pieces = WrappedText::new(12);
        for chunk in text.as_bytes().chunks(3) {
            pieces.push_str(std::str::from_utf8(chunk).unwrap());
        }
        assert_eq!(rows(&whole), rows(&pieces));
    }

    #[test]
    fn long_words_break_hard_and_newlines_start_rows() {
        let mut w = WrappedText::new(4);
        w.push_str("abcdefghij\nxy");
        assert_eq!(rows(&w), ["abcd", "efgh", "ij", "xy"]);
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let mut w = WrappedText::new(4);
        w.push_str("日本語");
        assert_eq!(rows(&w), ["日本", "語"]);
    }

    #[test]
    fn resize_rewraps_everything() {
        let mut w = WrappedText::new(5);
        w.push_str("aa bb cc dd");
        w.set_width(20);
        assert_eq!(rows(&w), ["aa bb cc dd"]);
        assert_eq!(w.text(), "aa bb cc dd");
    }

    #[test]
    fn visible_window() {
        let mut w = WrappedText::new(3);
        w.push_str("a\nb\nc\nd");
        assert_eq!(w.rows(1, 2).collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(w.row_count(), 4);
    }
}
