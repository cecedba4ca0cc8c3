//! The prompt above the comparison panes: a short and a long prompt at 80×24 and 200×50, blind
//! and not (blind shows only the shared system prompt and the prompt, never a model's name),
//! folded with `P` and scrolled with `{` `}`; the panes give up exactly the strip's rows.

mod common;

use std::time::Instant;

use common::render::{draw, text};
use slam::tui_state::action::Action;
use slam::tui_state::event::Event;
use slam::tui_state::reducer::{pane_rows, update};
use slam::tui_state::state::{AppState, PickerItem};

const SHORT: &str = "What is the capital of France?";

fn long() -> String {
    (1..=12)
        .map(|i| format!("Paragraph {i}: write a warm message that names the user's tasks, rituals and goal, in two sentences."))
        .collect::<Vec<_>>()
        .join("\n")
}

fn comparing(width: u16, height: u16, prompt: &str, blind: bool) -> AppState {
    let t0 = Instant::now();
    let items = ["smollm2", "gemma3-base"]
        .map(|name| PickerItem {
            name: name.into(),
            detail: String::new(),
            selected: true,
        })
        .to_vec();
    let mut s = AppState::new(items, width, height);
    s.rating.blind = blind;
    s.prompt.system = Some("You write one short, warm message. No lists.".into());
    *s.prompt.user_text_mut() = prompt.into();
    update(&mut s, Event::Action(Action::Confirm), t0);
    s
}

#[test]
fn short_and_long_prompts_blind_and_not() {
    for (w, h) in [(80, 24), (200, 50)] {
        for blind in [false, true] {
            for (name, prompt) in [("short", SHORT.to_string()), ("long", long())] {
                let s = comparing(w, h, &prompt, blind);
                let screen = text(&draw(&s));
                assert!(screen.contains("system: You write one short"), "{screen}");
                if blind {
                    assert!(
                        !screen.contains("smollm2") && !screen.contains("gemma3-base"),
                        "{screen}"
                    );
                }
                let snapshot = format!(
                    "prompt_{name}_{w}x{h}_{}",
                    if blind { "blind" } else { "named" }
                );
                insta::assert_snapshot!(snapshot, screen);
            }
        }
    }
}

#[test]
fn the_long_prompt_folds_scrolls_and_gives_its_rows_back() {
    let t0 = Instant::now();
    let mut s = comparing(80, 24, &long(), false);
    let open_rows = pane_rows(&s);
    let first = text(&draw(&s));
    assert!(
        first.contains("{ } scroll") && first.contains("Paragraph 1:"),
        "{first}"
    );
    update(&mut s, Event::Action(Action::PromptScrollDown), t0);
    update(&mut s, Event::Action(Action::PromptScrollDown), t0);
    let scrolled = text(&draw(&s));
    assert!(scrolled.contains("rows 3–"), "{scrolled}");
    assert!(
        !scrolled.contains("system: You"),
        "scrolled past it: {scrolled}"
    );
    for _ in 0..100 {
        update(&mut s, Event::Action(Action::PromptScrollDown), t0);
    }
    let end = text(&draw(&s));
    assert!(
        end.contains("Paragraph 12:"),
        "stops at the last row: {end}"
    );
    update(&mut s, Event::Action(Action::TogglePrompt), t0);
    let folded = text(&draw(&s));
    assert!(folded.contains("P shows it"), "{folded}");
    // 80×24: the open strip is a third of the screen (8 rows) + its title; folded, 1 + 1.
    assert_eq!(pane_rows(&s) - open_rows, 8 - 1);
    update(&mut s, Event::Action(Action::TogglePrompt), t0);
    assert_eq!(pane_rows(&s), open_rows);
}
