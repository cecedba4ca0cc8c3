//! The cost of one TUI frame must not grow with the text a pane holds: wrapping is incremental
//! and only visible rows are drawn. Draw time with 1k vs 100k tokens in a pane (goal: ratio
//! ≤ 1.5). Run with `make bench`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use slam::domain::metrics::median;
use slam::tui::theme::Theme;
use slam::tui::widgets::screen::Screen;
use slam::tui_state::action::Action;
use slam::tui_state::event::{Event, StreamEvent};
use slam::tui_state::keymap::Keymap;
use slam::tui_state::reducer::update;
use slam::tui_state::state::{AppState, PickerItem};

const DRAWS: usize = 200;

fn state_with_tokens(tokens: usize) -> AppState {
    let t0 = Instant::now();
    let items = ["a", "b"]
        .iter()
        .map(|n| PickerItem {
            name: n.to_string(),
            detail: String::new(),
            selected: true,
        })
        .collect();
    let mut s = AppState::new(items, 200, 50);
    update(&mut s, Event::Char('x'), t0);
    update(&mut s, Event::Action(Action::Confirm), t0);
    for pane in 0..2 {
        let run = s.panes[pane].run;
        update(
            &mut s,
            Event::Stream {
                pane,
                run,
                event: StreamEvent::Started { at: t0 },
            },
            t0,
        );
        for i in 0..tokens {
            let text = if i % 15 == 14 {
                " word.\n".to_string()
            } else {
                format!(" w{}", i % 97)
            };
            let at = t0 + Duration::from_micros(i as u64 * 8000);
            update(
                &mut s,
                Event::Stream {
                    pane,
                    run,
                    event: StreamEvent::Delta {
                        text,
                        n_tokens: 1,
                        at,
                    },
                },
                t0,
            );
        }
    }
    // Streaming: the tick refreshes the live metrics, as the TUI does every 250 ms.
    let now = t0 + Duration::from_secs(1000);
    update(&mut s, Event::Tick, now);
    s
}

/// Median time to draw one frame, in microseconds.
fn frame_us(state: &AppState) -> f64 {
    let mut terminal =
        Terminal::new(TestBackend::new(state.width, state.height)).expect("terminal");
    let keymap = Keymap::defaults();
    let theme = Theme::default();
    let mut times = Vec::with_capacity(DRAWS);
    for _ in 0..DRAWS {
        let t = Instant::now();
        terminal
            .draw(|f| {
                Screen {
                    state,
                    keymap: &keymap,
                    theme: &theme,
                }
                .draw(f)
            })
            .expect("draw");
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    median(&times).unwrap_or(0.0)
}

fn main() {
    let small = state_with_tokens(1_000);
    let large = state_with_tokens(100_000);
    let a = frame_us(&small);
    let b = frame_us(&large);
    println!("\nTUI frame, 200×50, two panes, median of {DRAWS} draws\n");
    println!("| tokens per pane | frame µs |");
    println!("|---:|---:|");
    println!("| 1,000 | {a:.0} |");
    println!("| 100,000 | {b:.0} |");
    println!("\nratio 100k/1k = {:.2} (goal ≤ 1.5)", b / a);
}
