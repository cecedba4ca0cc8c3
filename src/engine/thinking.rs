//! Thinking models (Qwen3, DeepSeek-R1 distills) write their reasoning inline:
//! `<think>\n…\n</think>\n\nThe answer…`. [`ThinkingSplitter`] separates the reasoning from the
//! answer as the text streams in, token by token, with tags that may be cut anywhere. It holds
//! back only what may still turn out to be a tag (and, around the reasoning, whitespace that is
//! trimmed away), so everything else shows at once.

/// The tags around the reasoning. Both are expected to be non-empty: an empty open tag never
/// opens a block, an empty close tag never closes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThinkingTags {
    pub open: String,
    pub close: String,
}

impl Default for ThinkingTags {
    fn default() -> Self {
        Self {
            open: "<think>".to_owned(),
            close: "</think>".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    Thinking,
    Answer,
}

/// Text of one kind that can be shown now.
///
/// `n_tokens` is how the decoded tokens are attributed, so that a caller can count tokens per
/// kind by summing pieces. A push's tokens all get one kind: Thinking when any of the push lies
/// in the thinking block, its tags included (the tokens that hold `</think>` are reasoning
/// tokens); Answer otherwise. Pushes that end before the open tag is decided (whitespace, or a
/// partial `<thi`) are kept pending and get the kind of the push that decides it. The count goes
/// on the first piece of that kind the push emits; when it emits none, the count is carried to
/// the next piece of that kind, and [`ThinkingSplitter::finish`] puts what is still carried on a
/// final piece, with empty text only in that case. So over a whole stream the pieces of a kind sum
/// to [`ThinkingSplitter::thinking_tokens`] / [`ThinkingSplitter::answer_tokens`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub kind: PartKind,
    pub text: String,
    pub n_tokens: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Only whitespace so far, perhaps followed by part of the open tag.
    BeforeOpen,
    /// Inside the block; `started` once a non-whitespace char of the reasoning was emitted.
    Thinking { started: bool },
    /// After the close tag, dropping the whitespace that starts the answer.
    AnswerStart,
    /// Everything is answer text, passed through unchanged.
    Answer,
}

/// Splits a stream of decoded text into thinking and answer. Feed it with
/// [`push`](Self::push), end it with [`finish`](Self::finish); pushing after `finish` is not
/// supported.
#[derive(Debug, Clone)]
pub struct ThinkingSplitter {
    tags: ThinkingTags,
    state: State,
    /// Text not yet emitted: before the open tag, leading whitespace plus a partial open tag
    /// (the whitespace is dropped if the tag completes, shown as answer otherwise); inside the
    /// block, trailing whitespace plus a partial close tag.
    held: String,
    /// Tokens of pushes that ended before the open tag was decided.
    pending_tokens: u32,
    carried_thinking: u32,
    carried_answer: u32,
    thinking_tokens: u32,
    answer_tokens: u32,
    /// The current push reached the block (its tokens count as thinking).
    touched_thinking: bool,
}

impl ThinkingSplitter {
    /// `starts_inside`: the prompt already opened the block (see [`prompt_opens_thinking`]), so
    /// the text starts in the reasoning and only the close tag will come.
    pub fn new(tags: ThinkingTags, starts_inside: bool) -> Self {
        let state = if starts_inside {
            State::Thinking { started: false }
        } else if tags.open.is_empty() {
            State::Answer
        } else {
            State::BeforeOpen
        };
        Self {
            tags,
            state,
            held: String::new(),
            pending_tokens: 0,
            carried_thinking: 0,
            carried_answer: 0,
            thinking_tokens: 0,
            answer_tokens: 0,
            touched_thinking: false,
        }
    }

    /// Feed the text of `n_tokens` newly decoded tokens; returns what can be shown now, in order.
    pub fn push(&mut self, text: &str, n_tokens: u32) -> Vec<Piece> {
        let mut out = Vec::new();
        self.touched_thinking = false;
        match self.state {
            State::BeforeOpen => {
                let mut buf = std::mem::take(&mut self.held);
                buf.push_str(text);
                self.before_open(buf, &mut out);
            }
            State::Thinking { .. } => {
                let mut buf = std::mem::take(&mut self.held);
                buf.push_str(text);
                self.thinking(buf, &mut out);
            }
            State::AnswerStart => self.answer_start(text, &mut out),
            State::Answer => emit(&mut out, PartKind::Answer, text),
        }

        if self.state == State::BeforeOpen {
            self.pending_tokens += n_tokens;
        } else {
            let count = n_tokens + std::mem::take(&mut self.pending_tokens);
            if self.touched_thinking {
                self.thinking_tokens += count;
                self.carried_thinking += count;
            } else {
                self.answer_tokens += count;
                self.carried_answer += count;
            }
        }
        self.attach_carried(&mut out, false);
        out
    }

    /// End of the stream: whatever was held back, and the state it ended in. An unterminated
    /// block (the length limit hit while thinking) flushes as Thinking and
    /// [`is_thinking`](Self::is_thinking) stays true; a partial open tag is answer text.
    pub fn finish(&mut self) -> Vec<Piece> {
        let mut out = Vec::new();
        let held = std::mem::take(&mut self.held);
        match self.state {
            State::BeforeOpen => {
                emit(&mut out, PartKind::Answer, &held);
                let count = std::mem::take(&mut self.pending_tokens);
                self.answer_tokens += count;
                self.carried_answer += count;
                self.state = State::Answer;
            }
            State::Thinking { .. } => {
                // Held: whitespace after the last reasoning emitted, then perhaps a partial
                // close tag, which is reasoning text after all.
                emit(&mut out, PartKind::Thinking, held.trim_end());
            }
            State::AnswerStart | State::Answer => {}
        }
        self.attach_carried(&mut out, true);
        out
    }

    /// Inside an unterminated thinking block now (after `finish`: the stream ended in one).
    pub fn is_thinking(&self) -> bool {
        matches!(self.state, State::Thinking { .. })
    }

    pub fn thinking_tokens(&self) -> u32 {
        self.thinking_tokens
    }

    pub fn answer_tokens(&self) -> u32 {
        self.answer_tokens
    }

    fn before_open(&mut self, buf: String, out: &mut Vec<Piece>) {
        let rest = buf.trim_start();
        let open = self.tags.open.as_str();
        if let Some(after) = rest.strip_prefix(open) {
            // The open tag, and the whitespace before it, are dropped.
            let after = after.to_owned();
            self.state = State::Thinking { started: false };
            self.thinking(after, out);
        } else if open.starts_with(rest) {
            self.held = buf;
        } else {
            self.state = State::Answer;
            emit(out, PartKind::Answer, &buf);
        }
    }

    fn thinking(&mut self, buf: String, out: &mut Vec<Piece>) {
        let State::Thinking { started } = self.state else {
            unreachable!("thinking() outside the block");
        };
        self.touched_thinking = true;
        let close = self.tags.close.as_str();
        if let Some(at) = (!close.is_empty()).then(|| buf.find(close)).flatten() {
            let inner = &buf[..at];
            let inner = if started {
                inner.trim_end()
            } else {
                inner.trim()
            };
            emit(out, PartKind::Thinking, inner);
            self.state = State::AnswerStart;
            self.answer_start(&buf[at + close.len()..], out);
            return;
        }
        let body = &buf[..buf.len() - partial_tag_suffix(&buf, close)];
        let end = body.trim_end().len();
        let begin = if started {
            0
        } else {
            end - body[..end].trim_start().len()
        };
        if begin < end {
            emit(out, PartKind::Thinking, &body[begin..end]);
            self.state = State::Thinking { started: true };
            self.held = buf[end..].to_owned();
        } else if started {
            // Only whitespace (and maybe a partial tag) since the last emit: hold it until we
            // know whether it ends the reasoning.
            self.held = buf;
        } else {
            // Whitespace that starts the reasoning is dropped.
            self.held = buf[body.len()..].to_owned();
        }
    }

    fn answer_start(&mut self, text: &str, out: &mut Vec<Piece>) {
        let text = text.trim_start();
        if !text.is_empty() {
            self.state = State::Answer;
            emit(out, PartKind::Answer, text);
        }
    }

    /// Puts carried counts on the first piece of their kind in `out`; at the end of the stream,
    /// on a final piece of their own when `out` has none of that kind.
    fn attach_carried(&mut self, out: &mut Vec<Piece>, at_end: bool) {
        for (kind, carried) in [
            (PartKind::Thinking, &mut self.carried_thinking),
            (PartKind::Answer, &mut self.carried_answer),
        ] {
            if *carried == 0 {
                continue;
            }
            if let Some(piece) = out.iter_mut().find(|p| p.kind == kind) {
                piece.n_tokens += std::mem::take(carried);
            } else if at_end {
                out.push(Piece {
                    kind,
                    text: String::new(),
                    n_tokens: std::mem::take(carried),
                });
            }
        }
    }
}

/// True when a rendered prompt ends inside an opened thinking block (the template wrote the
/// opening tag and no closing tag after it; trailing whitespace ignored). Templates that force
/// reasoning end the prompt with `<think>\n`; those that disable it write an empty block. The
/// tag must end the prompt: one quoted earlier in the conversation opens nothing.
pub fn prompt_opens_thinking(rendered_prompt: &str, tags: &ThinkingTags) -> bool {
    !tags.open.is_empty() && rendered_prompt.trim_end().ends_with(tags.open.as_str())
}

/// Appends non-empty text, merged into the last piece when it has the same kind.
fn emit(out: &mut Vec<Piece>, kind: PartKind, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(last) if last.kind == kind => last.text.push_str(text),
        _ => out.push(Piece {
            kind,
            text: text.to_owned(),
            n_tokens: 0,
        }),
    }
}

/// Length in bytes of the longest suffix of `text` that is a proper prefix of `tag`.
fn partial_tag_suffix(text: &str, tag: &str) -> usize {
    let longest = text.len().min(tag.len().saturating_sub(1));
    (1..=longest)
        .rev()
        .find(|&k| {
            let at = text.len() - k;
            text.is_char_boundary(at) && tag.starts_with(&text[at..])
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QWEN: &str = "<think>\nLet me add 2 and 2.\n</think>\n\nThe answer is 4.";

    struct Run {
        thinking: String,
        answer: String,
        pieces: Vec<Piece>,
        splitter: ThinkingSplitter,
    }

    impl Run {
        fn collect(&mut self, out: Vec<Piece>, at_end: bool, chunks: &[&str]) {
            for w in out.windows(2) {
                assert_ne!(w[0].kind, w[1].kind, "unmerged pieces {out:?}");
            }
            for p in out {
                assert!(
                    !p.text.is_empty() || (at_end && p.n_tokens > 0),
                    "empty piece {p:?} in {chunks:?}"
                );
                match p.kind {
                    PartKind::Thinking => self.thinking.push_str(&p.text),
                    PartKind::Answer => self.answer.push_str(&p.text),
                }
                self.pieces.push(p);
            }
        }
    }

    /// Feeds `chunks` one token each, checks the invariants every stream must keep, and
    /// calls `after_push` with what was emitted so far and the input so far.
    fn run_with(
        starts_inside: bool,
        chunks: &[&str],
        mut after_push: impl FnMut(&str, &str, &str),
    ) -> Run {
        let mut input = String::new();
        let mut r = Run {
            thinking: String::new(),
            answer: String::new(),
            pieces: Vec::new(),
            splitter: ThinkingSplitter::new(ThinkingTags::default(), starts_inside),
        };
        for c in chunks {
            input.push_str(c);
            let out = r.splitter.push(c, 1);
            r.collect(out, false, chunks);
            after_push(&input, &r.thinking, &r.answer);
        }
        let out = r.splitter.finish();
        r.collect(out, true, chunks);
        let sum = |k| -> u32 {
            r.pieces
                .iter()
                .filter(|p| p.kind == k)
                .map(|p| p.n_tokens)
                .sum()
        };
        let (thinking, answer) = (r.splitter.thinking_tokens(), r.splitter.answer_tokens());
        assert_eq!(sum(PartKind::Thinking), thinking, "{chunks:?}");
        assert_eq!(sum(PartKind::Answer), answer, "{chunks:?}");
        assert_eq!((thinking + answer) as usize, chunks.len(), "{chunks:?}");
        r
    }

    fn run(starts_inside: bool, chunks: &[&str]) -> Run {
        run_with(starts_inside, chunks, |_, _, _| {})
    }

    fn boundaries(text: &str) -> Vec<usize> {
        (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect()
    }

    /// Every way to cut `text` into two and into three pushes (empty pushes included), and
    /// one char per push.
    fn all_splits(text: &str) -> Vec<Vec<&str>> {
        let b = boundaries(text);
        let mut splits = Vec::new();
        for &i in &b {
            splits.push(vec![&text[..i], &text[i..]]);
            for &j in b.iter().filter(|&&j| j >= i) {
                splits.push(vec![&text[..i], &text[i..j], &text[j..]]);
            }
        }
        let mut chars: Vec<&str> = Vec::new();
        for w in b.windows(2) {
            chars.push(&text[w[0]..w[1]]);
        }
        splits.push(chars);
        splits
    }

    /// Brute-force oracle for a stream in the tagged format: what must have been shown after
    /// seeing `input` (the reasoning trimmed, only a partial close tag and the whitespace
    /// before it held back; nothing of the answer held back).
    fn expected_so_far(input: &str, starts_inside: bool) -> (String, String) {
        let inner = if starts_inside {
            input
        } else {
            match input.strip_prefix("<think>") {
                Some(inner) => inner,
                None => return (String::new(), String::new()),
            }
        };
        if let Some(at) = inner.find("</think>") {
            return (
                inner[..at].trim().to_owned(),
                inner[at + "</think>".len()..].trim_start().to_owned(),
            );
        }
        let mut shown = inner;
        for k in 1.."</think>".len() {
            if inner.len() >= k && inner.is_char_boundary(inner.len() - k) {
                let tail = &inner[inner.len() - k..];
                if "</think>".starts_with(tail) {
                    shown = &inner[..inner.len() - k];
                }
            }
        }
        (shown.trim().to_owned(), String::new())
    }

    fn check_tagged_stream(text: &str, starts_inside: bool, thinking: &str, answer: &str) {
        for chunks in all_splits(text) {
            let r = run_with(starts_inside, &chunks, |input, t, a| {
                let (et, ea) = expected_so_far(input, starts_inside);
                assert_eq!((t, a), (et.as_str(), ea.as_str()), "after {input:?}");
            });
            assert_eq!(r.thinking, thinking, "{chunks:?}");
            assert_eq!(r.answer, answer, "{chunks:?}");
            assert!(!r.splitter.is_thinking(), "{chunks:?}");
        }
    }

    #[test]
    fn qwen3_output_split_at_every_position() {
        check_tagged_stream(QWEN, false, "Let me add 2 and 2.", "The answer is 4.");
    }

    #[test]
    fn multibyte_reasoning_split_at_every_char_boundary() {
        check_tagged_stream(
            "<think>\n  Ça fait 2+2 → 4 </think>\n\n« 4 » ✓",
            false,
            "Ça fait 2+2 → 4",
            "« 4 » ✓",
        );
    }

    #[test]
    fn stream_starting_inside_thinking_at_every_position() {
        check_tagged_stream("Hmm, 2+2.\n</think>\n\n4", true, "Hmm, 2+2.", "4");
    }

    #[test]
    fn unterminated_thinking_flushes_as_thinking() {
        for chunks in all_splits("<think>\nstill going") {
            let r = run(false, &chunks);
            assert_eq!(r.thinking, "still going", "{chunks:?}");
            assert_eq!(r.answer, "", "{chunks:?}");
            assert!(r.splitter.is_thinking(), "{chunks:?}");
            assert_eq!(r.splitter.answer_tokens(), 0);
        }
        // A partial close tag held back at the end is reasoning text; trailing whitespace is not.
        let r = run(false, &["<think>\nx </th", "\n"]);
        assert_eq!(r.thinking, "x </th");
        assert!(r.splitter.is_thinking());
        let r = run(false, &["<think>\n", "</th"]);
        assert_eq!(r.thinking, "</th");
        let r = run(true, &["still\n", "\n"]);
        assert_eq!(r.thinking, "still");
        assert!(r.splitter.is_thinking());
    }

    #[test]
    fn no_thinking_passes_through_unchanged() {
        for text in [
            "Paris is the capital.",
            "<b>bold</b> text",
            "<thing> is not a tag",
            "<",
            "<thi",
            "\n  Paris, indented.",
            "\n\n",
        ] {
            for chunks in all_splits(text) {
                let r = run_with(false, &chunks, |input, t, a| {
                    // Held back only while it may still become the open tag.
                    let rest = input.trim_start();
                    let undecided = "<think>".starts_with(rest);
                    assert_eq!(t, "", "after {input:?}");
                    assert_eq!(a, if undecided { "" } else { input }, "after {input:?}");
                });
                assert_eq!(r.answer, text, "{chunks:?}");
                assert_eq!(r.thinking, "", "{chunks:?}");
                assert_eq!(r.splitter.thinking_tokens(), 0, "{chunks:?}");
                assert!(r.pieces.iter().all(|p| p.kind == PartKind::Answer));
                assert!(!r.splitter.is_thinking());
            }
        }
    }

    #[test]
    fn literal_open_tag_after_the_answer_started_stays_answer() {
        let r = run(false, &["Use ", "<think>", " tags."]);
        assert_eq!(
            (r.thinking.as_str(), r.answer.as_str()),
            ("", "Use <think> tags.")
        );
        let r = run(false, &["<think>a</think>\n\nB ", "<think>", " c</think>"]);
        assert_eq!(r.thinking, "a");
        assert_eq!(r.answer, "B <think> c</think>");
    }

    #[test]
    fn whitespace_around_the_tags_is_dropped() {
        let r = run(
            false,
            &[
                "\n \n", "<think>", "\n\n", "x", "\n\n", "</think>", "\n\n", "y",
            ],
        );
        assert_eq!((r.thinking.as_str(), r.answer.as_str()), ("x", "y"));
        // An empty block (thinking switched off by the model itself) shows no reasoning.
        let r = run(false, &["<think>\n\n</think>\n\n", "Hi"]);
        assert_eq!((r.thinking.as_str(), r.answer.as_str()), ("", "Hi"));
        assert!(
            r.pieces
                .iter()
                .all(|p| !p.text.is_empty() || p.n_tokens > 0)
        );
        // Whitespace inside the reasoning is kept.
        let r = run(false, &["<think>a\n", "\nb</think>c"]);
        assert_eq!((r.thinking.as_str(), r.answer.as_str()), ("a\n\nb", "c"));
    }

    #[test]
    fn prompt_opens_thinking_cases() {
        let tags = ThinkingTags::default();
        let head = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
        assert!(prompt_opens_thinking(&format!("{head}<think>\n"), &tags));
        assert!(prompt_opens_thinking("<｜Assistant｜><think>", &tags));
        assert!(!prompt_opens_thinking(
            &format!("{head}<think>\n\n</think>\n\n"),
            &tags
        ));
        assert!(!prompt_opens_thinking(head, &tags));
        let empty = ThinkingTags {
            open: String::new(),
            close: String::new(),
        };
        assert!(!prompt_opens_thinking(head, &empty));
    }

    #[test]
    fn token_attribution_by_hand() {
        let mut s = ThinkingSplitter::new(ThinkingTags::default(), false);
        let piece = |kind, text: &str, n_tokens| Piece {
            kind,
            text: text.to_owned(),
            n_tokens,
        };
        use PartKind::{Answer, Thinking};
        // The open tag's token shows nothing: carried to the first reasoning piece.
        assert_eq!(s.push("<think>", 1), vec![]);
        assert!(s.is_thinking());
        assert_eq!(s.push("\nA", 1), vec![piece(Thinking, "A", 2)]);
        // The close tag's token is reasoning, and no reasoning piece follows it.
        assert_eq!(s.push("</think>", 1), vec![]);
        assert!(!s.is_thinking());
        assert_eq!(s.push("\n\nB", 1), vec![piece(Answer, "B", 1)]);
        assert_eq!(s.push("C", 1), vec![piece(Answer, "C", 1)]);
        // So finish puts the carried count on a piece of its own.
        assert_eq!(s.finish(), vec![piece(Thinking, "", 1)]);
        assert_eq!((s.thinking_tokens(), s.answer_tokens()), (3, 2));
        assert_eq!(s.finish(), vec![]);
    }

    #[test]
    fn undecided_tokens_take_the_kind_that_decides_them() {
        use PartKind::{Answer, Thinking};
        // "<th" could open the block; "ing>" shows it did not: all three tokens are answer.
        let mut s = ThinkingSplitter::new(ThinkingTags::default(), false);
        assert_eq!(s.push("\n", 1), vec![]);
        assert_eq!(s.push("<th", 1), vec![]);
        let out = s.push("ing>", 1);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].kind, out[0].text.as_str(), out[0].n_tokens),
            (Answer, "\n<thing>", 3)
        );
        assert_eq!((s.thinking_tokens(), s.answer_tokens()), (0, 3));
        // Here they opened it: all three are reasoning.
        let mut s = ThinkingSplitter::new(ThinkingTags::default(), false);
        s.push("\n", 1);
        s.push("<th", 1);
        let out = s.push("ink>Hm", 1);
        assert_eq!(
            (out[0].kind, out[0].text.as_str(), out[0].n_tokens),
            (Thinking, "Hm", 3)
        );
        // A partial open tag left at the end is answer text, with its tokens.
        let mut s = ThinkingSplitter::new(ThinkingTags::default(), false);
        assert_eq!(s.push("<thi", 2), vec![]);
        let out = s.finish();
        assert_eq!(
            (out[0].kind, out[0].text.as_str(), out[0].n_tokens),
            (Answer, "<thi", 2)
        );
        assert!(!s.is_thinking());
    }

    #[test]
    fn one_push_through_the_whole_block_counts_as_thinking() {
        let r = run(false, &[QWEN]);
        assert_eq!(
            (r.splitter.thinking_tokens(), r.splitter.answer_tokens()),
            (1, 0)
        );
        assert_eq!(
            r.pieces[0],
            Piece {
                kind: PartKind::Thinking,
                text: "Let me add 2 and 2.".to_owned(),
                n_tokens: 1,
            }
        );
    }
}
