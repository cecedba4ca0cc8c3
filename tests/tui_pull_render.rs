//! The "get a model" popup drawn at 80×24: a repository's quantizations with sizes, and a
//! download with its fit, bytes, rate and ETA (rate by hand: 40 MiB in 2 s = 20.0 MiB/s; 34 MiB
//! left at that rate = 2s).

mod common;

use std::time::{Duration, Instant};

use common::render::{draw, text};
use slam::tui_state::action::Action;
use slam::tui_state::event::{Event, HubEvent};
use slam::tui_state::reducer::update;
use slam::tui_state::state::pull::FileLine;
use slam::tui_state::state::{AppState, Mode, PickerItem};

#[test]
fn the_pull_popup_lists_quantizations_and_shows_progress() {
    let t0 = Instant::now();
    let item = |name: &str| PickerItem {
        name: name.into(),
        detail: "llama · Q4_1 · 93 MiB · ctx 8192".into(),
        selected: false,
    };
    let mut s = AppState::new(vec![item("smollm2"), item("gemma3-base")], 80, 24);
    assert_eq!(s.mode(), Mode::Picker);
    let act = |s: &mut AppState, a| update(s, Event::Action(a), t0);
    act(&mut s, Action::OpenPull);
    for c in "test-org/Tiny-GGUF".chars() {
        update(&mut s, Event::Char(c), t0);
    }
    act(&mut s, Action::Confirm);
    let file = |label: &str, size: u64, parts| FileLine {
        label: label.into(),
        path: format!("Tiny-{label}.gguf"),
        size,
        parts,
    };
    let files = vec![
        file("Q4_1", 98_362_432, 1),
        file("Q4_K_M", 253_115_008, 1),
        file("UD-Q4_K_XL", 260_000_000, 1),
        file("BF16", 1_073_741_824, 3),
    ];
    let hub = |s: &mut AppState, e, at| update(s, Event::Hub(e), at);
    hub(
        &mut s,
        HubEvent::Listed {
            request: 1,
            repo: "test-org/Tiny-GGUF".into(),
            result: Ok(files),
            preferred: 1,
        },
        t0,
    );
    let screen = text(&draw(&s));
    assert!(
        screen.contains("Q4_K_M") && screen.contains("1.0 GiB") && screen.contains("(3 parts)"),
        "{screen}"
    );
    insta::assert_snapshot!("pull_files_80x24", screen);

    act(&mut s, Action::MoveUp);
    act(&mut s, Action::Confirm);
    hub(
        &mut s,
        HubEvent::Fit {
            request: 2,
            fits: true,
            label: "needs ~0.1 GiB at ctx 4096: fits in 21.3 GiB free RAM".into(),
        },
        t0,
    );
    let progress = |done: u64| HubEvent::Progress {
        request: 2,
        part: 1,
        parts: 1,
        done,
        size: 98_362_432,
    };
    hub(&mut s, progress(20 << 20), t0);
    hub(&mut s, progress(60 << 20), t0 + Duration::from_secs(2));
    let screen = text(&draw(&s));
    assert!(
        screen.contains("60 MiB of 94 MiB · 20.0 MiB/s · ETA 2s"),
        "{screen}"
    );
    insta::assert_snapshot!("pull_downloading_80x24", screen);

    // Any terminal size draws (a short one used to panic), and a long fit line wraps above
    // the gauge instead of under it.
    let long = "needs ~30.0 GiB at ctx 4096: does NOT fit in 20.0 GiB free GPU memory; fits in 60.0 GiB free RAM (fewer GPU layers: slower)";
    hub(
        &mut s,
        HubEvent::Fit {
            request: 2,
            fits: true,
            label: long.into(),
        },
        t0,
    );
    let screen = text(&draw(&s));
    assert!(
        screen.contains("fewer GPU layers: slower)") && screen.contains("ETA 2s"),
        "{screen}"
    );
    for (w, h) in [(80, 4), (80, 5), (20, 6), (1, 1)] {
        update(
            &mut s,
            Event::Resize {
                width: w,
                height: h,
            },
            t0,
        );
        draw(&s);
    }
}
