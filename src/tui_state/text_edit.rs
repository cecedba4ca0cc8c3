//! Cursor positions in a text: byte offsets, always on a character boundary. Pure functions the
//! prompt editor moves with; `text_layout` maps them to screen rows for Up/Down.

/// `at` moved back onto a character boundary and into the text.
pub fn clamp(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The boundary one character before `at` (or 0).
pub fn prev_char(text: &str, at: usize) -> usize {
    text[..clamp(text, at)]
        .char_indices()
        .next_back()
        .map_or(0, |(i, _)| i)
}

/// The boundary one character after `at` (or the end).
pub fn next_char(text: &str, at: usize) -> usize {
    let at = clamp(text, at);
    text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The start of the word before `at`, as Ctrl-Left and Alt-b do: spaces and punctuation
/// skipped, then the word's characters.
pub fn word_left(text: &str, at: usize) -> usize {
    let before = &text[..clamp(text, at)];
    let mut chars = before.char_indices().rev().peekable();
    while chars.next_if(|&(_, c)| !is_word(c)).is_some() {}
    let mut start = chars.peek().map_or(0, |&(i, _)| i);
    for (i, c) in chars {
        if !is_word(c) {
            break;
        }
        start = i;
    }
    start
}

/// The end of the word after `at`, as Ctrl-Right and Alt-f do.
pub fn word_right(text: &str, at: usize) -> usize {
    let at = clamp(text, at);
    let mut end = at;
    let mut seen_word = false;
    for (i, c) in text[at..].char_indices() {
        if is_word(c) {
            seen_word = true;
        } else if seen_word {
            return at + i;
        }
        end = at + i + c.len_utf8();
    }
    end
}

/// The start of the line (between newlines) `at` is on.
pub fn line_start(text: &str, at: usize) -> usize {
    text[..clamp(text, at)].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line `at` is on, before its newline.
pub fn line_end(text: &str, at: usize) -> usize {
    let at = clamp(text, at);
    text[at..].find('\n').map_or(text.len(), |i| at + i)
}

/// Newlines as the editor keeps them: pasted or read-back text may carry `\r\n` or `\r`, and
/// tabs become spaces (a tab's width on screen is the terminal's guess).
pub fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace(['\r'], "\n")
        .replace('\t', "    ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_are_stepped_whole() {
        let t = "aé😀b";
        assert_eq!(next_char(t, 0), 1);
        assert_eq!(next_char(t, 1), 3);
        assert_eq!(next_char(t, 3), 7);
        assert_eq!(prev_char(t, 7), 3);
        assert_eq!(prev_char(t, 0), 0);
        assert_eq!(next_char(t, t.len()), t.len());
        assert_eq!(clamp(t, 5), 3, "inside the emoji: back to its start");
        assert_eq!(clamp(t, 99), t.len());
    }

    #[test]
    fn words_jump_over_punctuation_and_spaces() {
        let t = "say hello, world_1  now";
        assert_eq!(word_left(t, t.len()), 20);
        assert_eq!(word_left(t, 20), 11, "two spaces skipped");
        assert_eq!(word_left(t, 11), 4, "comma and space skipped");
        assert_eq!(word_left(t, 2), 0);
        assert_eq!(word_right(t, 0), 3);
        assert_eq!(word_right(t, 3), 9);
        assert_eq!(
            word_right(t, 9),
            18,
            "underscore and digit are part of the word"
        );
        assert_eq!(word_right(t, 18), t.len());
    }

    #[test]
    fn lines_are_between_newlines() {
        let t = "one\ntwo\n\nfour";
        assert_eq!(line_start(t, 5), 4);
        assert_eq!(line_end(t, 5), 7);
        assert_eq!(line_start(t, 8), 8, "an empty line");
        assert_eq!(line_end(t, 8), 8);
        assert_eq!(line_end(t, 9), t.len());
        assert_eq!(line_start(t, 3), 0, "the end of the first line is on it");
    }

    #[test]
    fn pasted_newlines_and_tabs_are_normalised() {
        assert_eq!(normalise("a\r\nb\rc\td"), "a\nb\nc    d");
    }
}
