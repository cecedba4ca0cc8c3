//! The prompt editor through the reducer: editing at the cursor, moving, undo, paste, history
//! at the first and last row, the external editor's result. Expected texts are written out by
//! hand.

use std::time::Instant;

use super::tests::{act, state, type_text};
use super::*;
use crate::domain::Prompt;

fn paste(s: &mut AppState, text: &str) {
    update(s, Event::Paste(text.into()), Instant::now());
}

fn cursor(s: &AppState) -> usize {
    crate::tui_state::state::editor::cursor(s)
}

fn acts(s: &mut AppState, a: Action, times: usize) {
    for _ in 0..times {
        act(s, a);
    }
}

#[test]
fn characters_go_in_and_out_at_the_cursor() {
    let mut s = state();
    type_text(&mut s, "hllo world");
    act(&mut s, Action::LineStart);
    act(&mut s, Action::CursorRight);
    type_text(&mut s, "e");
    assert_eq!(s.prompt.user_text(), "hello world");
    assert_eq!(cursor(&s), 2);
    act(&mut s, Action::LineEnd);
    update(&mut s, Event::Backspace, Instant::now());
    assert_eq!(s.prompt.user_text(), "hello worl");
    acts(&mut s, Action::CursorLeft, 5);
    act(&mut s, Action::DeleteForward);
    assert_eq!(
        s.prompt.user_text(),
        "helloworl",
        "the space under the cursor"
    );
    act(&mut s, Action::NewLine);
    assert_eq!(s.prompt.user_text(), "hello\nworl");
    assert_eq!(cursor(&s), 6);
}

#[test]
fn multibyte_characters_are_edited_whole() {
    let mut s = state();
    type_text(&mut s, "café 😀!");
    acts(&mut s, Action::CursorLeft, 2);
    update(&mut s, Event::Backspace, Instant::now());
    assert_eq!(s.prompt.user_text(), "café😀!");
    update(&mut s, Event::Backspace, Instant::now());
    assert_eq!(s.prompt.user_text(), "caf😀!");
}

#[test]
fn words_are_jumped_and_deleted() {
    let mut s = state();
    type_text(&mut s, "summarise the report, briefly");
    act(&mut s, Action::WordLeft);
    assert_eq!(cursor(&s), 22);
    act(&mut s, Action::WordLeft);
    assert_eq!(cursor(&s), 14);
    act(&mut s, Action::DeleteWordBack);
    assert_eq!(s.prompt.user_text(), "summarise report, briefly");
    act(&mut s, Action::WordRight);
    assert_eq!(cursor(&s), 16, "after \"report\"");
    act(&mut s, Action::DeleteToLineEnd);
    assert_eq!(s.prompt.user_text(), "summarise report");
}

#[test]
fn delete_to_the_end_of_a_line_joins_it_with_the_next_when_at_its_end() {
    let mut s = state();
    paste(&mut s, "one\ntwo");
    acts(&mut s, Action::MoveUp, 1);
    act(&mut s, Action::LineEnd);
    act(&mut s, Action::DeleteToLineEnd);
    assert_eq!(s.prompt.user_text(), "onetwo");
}

#[test]
fn a_pasted_text_is_inserted_whole_and_edited_in_its_middle_line() {
    let mut s = state();
    paste(&mut s, "first line\r\nsecond line\r\nthird line");
    assert_eq!(s.prompt.user_text(), "first line\nsecond line\nthird line");
    assert_eq!(s.mode(), Mode::Editor, "the newlines were not Enter");
    act(&mut s, Action::MoveUp);
    assert_eq!(cursor(&s), 21, "same column on the middle line");
    act(&mut s, Action::LineEnd);
    type_text(&mut s, " (edited)");
    assert_eq!(
        s.prompt.user_text(),
        "first line\nsecond line (edited)\nthird line"
    );
    act(&mut s, Action::Undo);
    assert_eq!(s.prompt.user_text(), "first line\nsecond line\nthird line");
    act(&mut s, Action::Undo);
    assert_eq!(s.prompt.user_text(), "", "the paste was one step");
    act(&mut s, Action::Redo);
    act(&mut s, Action::Redo);
    assert_eq!(
        s.prompt.user_text(),
        "first line\nsecond line (edited)\nthird line"
    );
    assert_eq!(
        cursor(&s),
        31,
        "redo puts the cursor where the edit left it"
    );
}

#[test]
fn typing_undoes_a_word_at_a_time() {
    let mut s = state();
    type_text(&mut s, "one two");
    update(&mut s, Event::Backspace, Instant::now());
    update(&mut s, Event::Backspace, Instant::now());
    assert_eq!(s.prompt.user_text(), "one t");
    act(&mut s, Action::Undo);
    assert_eq!(
        s.prompt.user_text(),
        "one two",
        "the backspaces were one step"
    );
    act(&mut s, Action::Undo);
    assert_eq!(s.prompt.user_text(), "one");
    act(&mut s, Action::Undo);
    assert_eq!(s.prompt.user_text(), "");
    act(&mut s, Action::Undo);
    assert_eq!(s.prompt.user_text(), "", "nothing more to undo");
    act(&mut s, Action::Redo);
    assert_eq!(s.prompt.user_text(), "one");
    type_text(&mut s, "!");
    act(&mut s, Action::Redo);
    assert_eq!(
        s.prompt.user_text(),
        "one!",
        "a new edit drops what could be redone"
    );
}

#[test]
fn undo_covers_the_system_prompt_and_moves_back_to_it() {
    let mut s = state();
    act(&mut s, Action::ToggleSystemPrompt);
    type_text(&mut s, "Be brief.");
    act(&mut s, Action::ToggleSystemPrompt);
    type_text(&mut s, "Hi");
    act(&mut s, Action::Undo);
    act(&mut s, Action::Undo);
    assert_eq!(s.prompt.user_text(), "");
    assert_eq!(s.prompt.system.as_deref(), Some("Be"));
    assert!(s.editing_system, "undo goes back to the field it changes");
}

#[test]
fn up_and_down_keep_the_column_across_short_lines() {
    let mut s = state();
    paste(&mut s, "a long first line\nab\nanother long line");
    act(&mut s, Action::LineStart);
    acts(&mut s, Action::CursorRight, 10);
    act(&mut s, Action::MoveUp);
    assert_eq!(cursor(&s), 20, "end of \"ab\": column 2");
    act(&mut s, Action::MoveUp);
    assert_eq!(cursor(&s), 10, "back at column 10");
    act(&mut s, Action::MoveDown);
    act(&mut s, Action::MoveDown);
    assert_eq!(cursor(&s), 31);
}

#[test]
fn up_and_down_move_by_screen_row_in_a_wrapped_line() {
    // 80 columns: the editor wraps at 77.
    let mut s = state();
    let words = "word ".repeat(20); // 100 columns: rows of 75 and 25
    paste(&mut s, &words);
    assert_eq!(cursor(&s), 100);
    act(&mut s, Action::MoveUp);
    assert_eq!(cursor(&s), 25, "column 25 of the first row");
    act(&mut s, Action::MoveDown);
    assert_eq!(cursor(&s), 100);
}

#[test]
fn history_is_walked_from_the_first_and_last_row_and_the_draft_comes_back() {
    let mut s = state();
    type_text(&mut s, "earlier");
    act(&mut s, Action::Confirm);
    act(&mut s, Action::OpenEditor);
    s.prompt = Prompt::default();
    paste(&mut s, "draft one\ndraft two");
    act(&mut s, Action::MoveUp);
    assert_eq!(
        s.prompt.user_text(),
        "draft one\ndraft two",
        "up a line first"
    );
    act(&mut s, Action::MoveUp);
    assert_eq!(
        s.prompt.user_text(),
        "earlier",
        "from the first row: history"
    );
    assert_eq!(cursor(&s), 7, "at the end");
    act(&mut s, Action::MoveDown);
    assert_eq!(
        s.prompt.user_text(),
        "draft one\ndraft two",
        "past the newest: the draft"
    );
    act(&mut s, Action::HistoryPrev);
    assert_eq!(s.prompt.user_text(), "earlier", "Ctrl-Up from any row");
    act(&mut s, Action::Undo);
    assert_eq!(
        s.prompt.user_text(),
        "draft one\ndraft two",
        "a recall is undone like an edit"
    );
}

#[test]
fn a_long_prompt_scrolls_to_keep_the_cursor_in_view() {
    // 24 rows: 16 of them for the prompt's text.
    let mut s = state();
    let lines: Vec<String> = (1..=40).map(|i| format!("line {i}")).collect();
    paste(&mut s, &lines.join("\n"));
    assert_eq!(s.editor.scroll, 24, "the last row, line 40, at the bottom");
    acts(&mut s, Action::MoveUp, 30);
    assert_eq!(s.editor.scroll, 9, "line 10 at the top");
    update(
        &mut s,
        Event::Resize {
            width: 80,
            height: 50,
        },
        Instant::now(),
    );
    assert_eq!(s.editor.scroll, 0, "42 rows fit: nothing scrolled");
}

#[test]
fn the_external_editor_replaces_the_field_in_one_undo_step() {
    let mut s = state();
    type_text(&mut s, "draft");
    let effects = act(&mut s, Action::EditExternally);
    assert_eq!(
        effects,
        [Effect::EditExternally {
            text: "draft".into(),
            system: false
        }]
    );
    let back = |s: &mut AppState, result| {
        update(
            s,
            Event::EditedExternally {
                system: false,
                result,
            },
            Instant::now(),
        )
    };
    back(&mut s, Ok("a longer\nprompt\n".into()));
    assert_eq!(
        s.prompt.user_text(),
        "a longer\nprompt",
        "the editor's final newline dropped"
    );
    assert_eq!(cursor(&s), 15);
    back(&mut s, Err("vi exited with exit status: 1".into()));
    assert_eq!(s.prompt.user_text(), "a longer\nprompt");
    assert_eq!(s.notice_here(), Some("vi exited with exit status: 1"));
    act(&mut s, Action::Undo);
    assert_eq!(s.prompt.user_text(), "draft");
}

#[test]
fn a_prompt_replaced_from_elsewhere_never_leaves_the_cursor_outside_it() {
    let mut s = state();
    type_text(&mut s, "a fairly long prompt");
    s.prompt = Prompt::user("é");
    act(&mut s, Action::CursorLeft);
    assert_eq!(cursor(&s), 0);
    type_text(&mut s, "x");
    assert_eq!(s.prompt.user_text(), "xé");
}

#[test]
fn a_paste_into_a_one_line_field_stays_on_one_line() {
    let mut s = state();
    act(&mut s, Action::OpenPicker);
    paste(&mut s, "gem\nma");
    assert_eq!(s.picker_filter, "gemma");
}
