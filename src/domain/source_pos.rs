//! Where in a text file an error is: the one line/column rule for config, keymap and theme
//! errors (`FILE:LINE:COLUMN: …`).

/// 1-based line and column (in characters) of a byte offset; offsets past the end or inside a
/// character are clamped.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// `ORIGIN:LINE:COLUMN: message` for a TOML error in `text`.
pub fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> String {
    let (line, column) = e.span().map_or((1, 1), |s| line_column(text, s.start));
    format!("{origin}:{line}:{column}: {}", e.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
        assert_eq!(line_column("x", 0), (1, 1));
        assert_eq!(line_column("é", 1), (1, 1), "inside a character");
        assert_eq!(line_column("a\n", 99), (2, 1), "past the end");
    }
}
