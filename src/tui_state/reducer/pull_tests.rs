//! The "get a model" popup through the reducer: search → repositories → quantizations →
//! fit → progress → the model selected in the picker; answers to older requests dropped; Esc
//! stops a download and Enter resumes it; a model that does not fit asks first.

use std::time::{Duration, Instant};

use super::tests::{act, state, type_text};
use super::*;
use crate::tui_state::effect::HubRequest;
use crate::tui_state::event::HubEvent;
use crate::tui_state::state::PickerItem;
use crate::tui_state::state::pull::{FileLine, PullStage, RepoLine};

fn hub(s: &mut AppState, e: HubEvent, now: Instant) -> Vec<Effect> {
    update(s, Event::Hub(e), now)
}

fn files() -> Vec<FileLine> {
    let f = |label: &str, size, parts| FileLine {
        label: label.into(),
        path: format!("m-{label}.gguf"),
        size,
        parts,
    };
    vec![f("Q2_K", 50, 1), f("Q4_K_M", 80, 1), f("Q8_0", 140, 2)]
}

/// The popup open at the files of `org/m` (listed for request `request`).
fn at_files(query: &str) -> (AppState, u64) {
    let mut s = state();
    s.screens.reset(Mode::Picker);
    act(&mut s, Action::OpenPull);
    assert_eq!(s.mode(), Mode::Pull);
    type_text(&mut s, query);
    let effects = act(&mut s, Action::Confirm);
    let [
        Effect::Hub(HubRequest::List {
            request,
            repo,
            quant,
        }),
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(repo, "org/m");
    let request = *request;
    // The driver found the quant asked for at line 2 (else the default, Q4_K_M, at 1).
    let preferred = if quant.as_deref() == Some("q8_0") {
        2
    } else {
        1
    };
    hub(
        &mut s,
        HubEvent::Listed {
            request,
            repo: "org/m".into(),
            result: Ok(files()),
            preferred,
        },
        Instant::now(),
    );
    (s, request)
}

/// Enter on a file: the pull's request number.
fn confirm_pull(s: &mut AppState) -> u64 {
    let effects = act(s, Action::Confirm);
    let [Effect::Hub(HubRequest::Pull { request, .. })] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    *request
}

#[test]
fn a_search_lists_repositories_and_then_their_quantizations() {
    let mut s = state();
    s.screens.reset(Mode::Picker);
    act(&mut s, Action::OpenPull);
    type_text(&mut s, "smol");
    let effects = act(&mut s, Action::Confirm);
    assert_eq!(
        effects,
        vec![Effect::Hub(HubRequest::Search {
            request: 1,
            text: "smol".into()
        })]
    );
    let repos = vec![
        RepoLine {
            id: "a/smol-GGUF".into(),
            downloads: 9,
        },
        RepoLine {
            id: "b/smol-GGUF".into(),
            downloads: 3,
        },
    ];
    hub(
        &mut s,
        HubEvent::Searched {
            request: 1,
            result: Ok(repos.clone()),
        },
        Instant::now(),
    );
    assert_eq!(s.pull.stage, PullStage::Repos(repos.clone()));
    act(&mut s, Action::MoveDown);
    act(&mut s, Action::MoveDown);
    assert_eq!(s.pull.cursor, 1, "the cursor stops at the last line");
    let effects = act(&mut s, Action::Confirm);
    assert_eq!(
        effects,
        vec![Effect::Hub(HubRequest::List {
            request: 2,
            repo: "b/smol-GGUF".into(),
            quant: None
        })]
    );
    // The search's answer arriving late (request 1) changes nothing.
    hub(
        &mut s,
        HubEvent::Searched {
            request: 1,
            result: Ok(Vec::new()),
        },
        Instant::now(),
    );
    assert!(matches!(s.pull.stage, PullStage::Waiting(_)));
    // Esc: back to the repositories found, on the one chosen; again: back to the picker.
    act(&mut s, Action::Back);
    assert_eq!(
        (s.pull.stage.clone(), s.pull.cursor, s.mode()),
        (PullStage::Repos(repos), 1, Mode::Pull)
    );
    act(&mut s, Action::Back);
    assert_eq!(s.mode(), Mode::Picker);
}

#[test]
fn the_cursor_starts_on_the_quant_asked_for_and_progress_gives_rate_and_eta() {
    let (s, _) = at_files("org/m:q8_0");
    assert_eq!(s.pull.cursor, 2);
    let (mut s, _) = at_files("org/m");
    assert_eq!(s.pull.cursor, 1, "Q4_K_M by default");
    let effects = act(&mut s, Action::Confirm);
    let [
        Effect::Hub(HubRequest::Pull {
            request,
            repo,
            path,
            force: false,
        }),
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!((repo.as_str(), path.as_str()), ("org/m", "m-Q4_K_M.gguf"));
    let request = *request;
    let t0 = Instant::now();
    let progress = |done, at: u64| {
        (
            HubEvent::Progress {
                request,
                part: 1,
                parts: 1,
                done,
                size: 80 << 20,
            },
            t0 + Duration::from_secs(at),
        )
    };
    let fit = HubEvent::Fit {
        request,
        fits: true,
        label: "needs ~0.1 GiB at ctx 4096: fits in 20.0 GiB free RAM".into(),
    };
    hub(&mut s, fit, t0);
    // A resumed file: 20 MiB already there; 40 MiB more in 2 s = 20 MiB/s; 20 MiB left = 1 s.
    let (e, at) = progress(20 << 20, 0);
    hub(&mut s, e, at);
    let (e, at) = progress(60 << 20, 2);
    hub(&mut s, e, at);
    let PullStage::Downloading(d) = &s.pull.stage else {
        panic!("{:?}", s.pull.stage);
    };
    assert_eq!(d.rate, Some(20.0 * 1_048_576.0));
    assert_eq!(d.eta_s(), Some(1.0));
    assert_eq!(d.fit.as_deref().map(|f| f.contains("fits in")), Some(true));
    // Done: the picker is asked to find it, then shows it selected under the cursor.
    let effects = hub(
        &mut s,
        HubEvent::Pulled {
            request,
            result: Ok(("org/m/m-Q4_K_M".into(), "/hub/m-Q4_K_M.gguf".into())),
        },
        t0,
    );
    assert_eq!(
        effects,
        vec![Effect::Hub(HubRequest::RefreshModels {
            select: "org/m/m-Q4_K_M".into(),
            path: "/hub/m-Q4_K_M.gguf".into()
        })]
    );
    let mut items = s.picker.clone();
    items.insert(
        1,
        PickerItem {
            name: "org/m/m-Q4_K_M".into(),
            detail: String::new(),
            selected: false,
        },
    );
    for i in &mut items {
        i.selected = false;
    }
    hub(
        &mut s,
        HubEvent::ModelsRefreshed {
            items,
            select: "org/m/m-Q4_K_M".into(),
        },
        t0,
    );
    assert_eq!(s.mode(), Mode::Picker);
    assert_eq!(
        s.selected_models(),
        ["smollm2", "org/m/m-Q4_K_M", "gemma3-base"],
        "earlier selections kept, the new one added"
    );
    assert_eq!(s.picker_cursor, 1);
}

#[test]
fn esc_stops_a_download_and_enter_resumes_it() {
    let (mut s, _) = at_files("org/m");
    let request = confirm_pull(&mut s);
    hub(
        &mut s,
        HubEvent::Progress {
            request,
            part: 1,
            parts: 1,
            done: 40 << 20,
            size: 80 << 20,
        },
        Instant::now(),
    );
    assert_eq!(
        act(&mut s, Action::Back),
        vec![Effect::Hub(HubRequest::Stop)]
    );
    assert_eq!(
        s.pull.message.as_deref(),
        Some("stopped at 40 MiB of 80 MiB: the partial file is kept — Enter resumes it")
    );
    assert!(matches!(s.pull.stage, PullStage::Files { .. }));
    assert_eq!(s.pull.cursor, 1, "back on the file it was pulling");
    // The stopped task's last word is dropped.
    hub(
        &mut s,
        HubEvent::Pulled {
            request,
            result: Err("cancelled".into()),
        },
        Instant::now(),
    );
    assert!(
        s.pull
            .message
            .as_deref()
            .unwrap_or("")
            .starts_with("stopped")
    );
    let effects = act(&mut s, Action::Confirm);
    assert!(
        matches!(effects.as_slice(), [Effect::Hub(HubRequest::Pull { path, force: false, .. })] if path == "m-Q4_K_M.gguf"),
        "{effects:?}"
    );
}

#[test]
fn a_model_that_does_not_fit_asks_before_pulling_and_a_failure_says_why() {
    let (mut s, _) = at_files("org/m");
    act(&mut s, Action::MoveDown);
    let request = &confirm_pull(&mut s);
    let why = "needs ~2.0 GiB at ctx 4096: does NOT fit in 1.0 GiB free RAM";
    hub(
        &mut s,
        HubEvent::Fit {
            request: *request,
            fits: false,
            label: why.into(),
        },
        Instant::now(),
    );
    let PullStage::Confirm { why: shown, .. } = &s.pull.stage else {
        panic!("{:?}", s.pull.stage);
    };
    assert_eq!(shown, why);
    let effects = act(&mut s, Action::Confirm);
    let [
        Effect::Hub(HubRequest::Pull {
            request,
            path,
            force: true,
            ..
        }),
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(path, "m-Q8_0.gguf");
    // Typing does nothing while it downloads.
    type_text(&mut s, "x");
    assert_eq!(s.pull.query, "org/m");
    hub(
        &mut s,
        HubEvent::Pulled {
            request: *request,
            result: Err("disk full".into()),
        },
        Instant::now(),
    );
    assert_eq!(s.pull.message.as_deref(), Some("disk full"));
    assert!(matches!(s.pull.stage, PullStage::Files { .. }));
    // Typing again starts a new query.
    type_text(&mut s, "x");
    assert_eq!(
        (s.pull.query.as_str(), &s.pull.stage),
        ("org/mx", &PullStage::Query)
    );
}

#[test]
fn esc_from_a_listing_goes_back_to_the_search_and_a_bad_name_is_refused() {
    let mut s = state();
    s.screens.reset(Mode::Picker);
    act(&mut s, Action::OpenPull);
    type_text(&mut s, "org/m/x");
    assert!(act(&mut s, Action::Confirm).is_empty());
    assert!(
        s.pull
            .message
            .as_deref()
            .unwrap_or("")
            .contains("expected ORG/REPO"),
        "{:?}",
        s.pull.message
    );
    for _ in 0.."org/m/x".len() {
        update(&mut s, Event::Backspace, Instant::now());
    }
    type_text(&mut s, "m");
    act(&mut s, Action::Confirm);
    let repo = |id: &str| RepoLine {
        id: id.into(),
        downloads: 1,
    };
    let repos = vec![repo("a/m"), repo("b/m"), repo("c/m")];
    hub(
        &mut s,
        HubEvent::Searched {
            request: 1,
            result: Ok(repos.clone()),
        },
        Instant::now(),
    );
    act(&mut s, Action::MoveDown);
    act(&mut s, Action::MoveDown);
    act(&mut s, Action::Confirm);
    hub(
        &mut s,
        HubEvent::Listed {
            request: 2,
            repo: "c/m".into(),
            result: Ok(files()),
            preferred: 0,
        },
        Instant::now(),
    );
    act(&mut s, Action::Back);
    assert_eq!(s.pull.stage, PullStage::Repos(repos));
    assert_eq!(s.pull.cursor, 2, "back on the repository it listed");
}

#[test]
fn a_pull_that_lands_while_the_user_is_elsewhere_only_says_so() {
    let (mut s, _) = at_files("org/m");
    let request = confirm_pull(&mut s);
    // Esc before any byte: nothing to resume from.
    act(&mut s, Action::Back);
    assert_eq!(
        s.pull.message.as_deref(),
        Some("stopped before the download began")
    );
    let effects = act(&mut s, Action::Confirm);
    let [Effect::Hub(HubRequest::Pull { request: again, .. })] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(*again > request);
    act(&mut s, Action::OpenHardware);
    assert_eq!(s.mode(), Mode::Hardware);
    let before = s.selected_models();
    let path = std::path::PathBuf::from("/hub/m-Q4_K_M.gguf");
    let effects = hub(
        &mut s,
        HubEvent::Pulled {
            request: *again,
            result: Ok(("org/m/m-Q4_K_M".into(), path.clone())),
        },
        Instant::now(),
    );
    assert_eq!(
        effects,
        vec![Effect::Hub(HubRequest::RefreshModels {
            select: "org/m/m-Q4_K_M".into(),
            path
        })]
    );
    let mut items = s.picker.clone();
    items.push(PickerItem {
        name: "org/m/m-Q4_K_M".into(),
        detail: String::new(),
        selected: true,
    });
    hub(
        &mut s,
        HubEvent::ModelsRefreshed {
            items,
            select: "org/m/m-Q4_K_M".into(),
        },
        Instant::now(),
    );
    assert_eq!(s.mode(), Mode::Hardware, "still where the user went");
    assert_eq!(s.selected_models(), before, "nothing selected for them");
    assert_eq!(
        s.notice_here(),
        Some("org/m/m-Q4_K_M is here — the picker lists it")
    );
}
