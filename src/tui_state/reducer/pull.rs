//! The "get a model" popup: type a search or `ORG/REPO[:QUANT]`, Enter; pick a repository,
//! then a quantization; the fit check and the download run in the driver and report back.
//! Esc goes back a step (and stops a download, keeping the partial file for a resume).

use std::time::Instant;

use super::super::action::Action;
use super::super::effect::{Effect, HubRequest};
use super::super::event::HubEvent;
use super::super::state::pull::{Download, FileLine, PullStage, PullState, is_repo_id};
use super::super::state::{AppState, MAX_PANES, Mode, PickerItem, PickerRow};
use crate::domain::memory::human_size;

pub fn open(state: &mut AppState) {
    state.screens.open(Mode::Pull);
    if !matches!(state.pull.stage, PullStage::Downloading(_)) {
        state.pull.message = None;
    }
}

/// A typed character or a deletion: a new query (any list shown was for the old one).
pub fn edit(state: &mut AppState, c: Option<char>) {
    let pull = &mut state.pull;
    if matches!(
        pull.stage,
        PullStage::Downloading(_) | PullStage::Waiting(_) | PullStage::Confirm { .. }
    ) {
        return;
    }
    match c {
        Some(c) => pull.query.push(c),
        None => {
            pull.query.pop();
        }
    }
    pull.stage = PullStage::Query;
    pull.found = None;
    pull.cursor = 0;
}

pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let pull = &mut state.pull;
    match action {
        Action::MoveUp => pull.cursor = pull.cursor.saturating_sub(1),
        Action::MoveDown => pull.cursor = (pull.cursor + 1).min(pull.lines().saturating_sub(1)),
        Action::Confirm => return Some(confirm(pull)),
        Action::Back => return Some(back(state)),
        _ => return None,
    }
    Some(Vec::new())
}

fn next_request(pull: &mut PullState) -> u64 {
    pull.request += 1;
    pull.request
}

fn confirm(pull: &mut PullState) -> Vec<Effect> {
    match std::mem::take(&mut pull.stage) {
        PullStage::Query => {
            let text = pull.query.trim().to_owned();
            if text.is_empty() {
                return Vec::new();
            }
            pull.message = None;
            // A name with a slash is a repository; anything else is a search.
            if let Some(repo) = text.split(':').next().filter(|r| r.contains('/')) {
                if !is_repo_id(repo) {
                    pull.stage = PullStage::Query;
                    pull.message = Some(format!(
                        "{repo:?}: expected ORG/REPO or ORG/REPO:QUANT (or words to search for)"
                    ));
                    return Vec::new();
                }
                pull.found = None;
                let request = next_request(pull);
                pull.stage = PullStage::Waiting(format!("listing {repo}…"));
                let quant = text.split_once(':').map(|(_, q)| q.trim().to_owned());
                vec![Effect::Hub(HubRequest::List {
                    request,
                    repo: repo.to_owned(),
                    quant,
                })]
            } else {
                let request = next_request(pull);
                pull.stage = PullStage::Waiting(format!("searching the Hub for {text:?}…"));
                vec![Effect::Hub(HubRequest::Search { request, text })]
            }
        }
        PullStage::Repos(repos) => {
            let Some(repo) = repos.get(pull.cursor).map(|r| r.id.clone()) else {
                pull.stage = PullStage::Repos(repos);
                return Vec::new();
            };
            let request = next_request(pull);
            // The cursor stays on the repository (Esc comes back to it); the listing moves it.
            pull.stage = PullStage::Waiting(format!("listing {repo}…"));
            vec![Effect::Hub(HubRequest::List {
                request,
                repo,
                quant: None,
            })]
        }
        PullStage::Files { repo, files } => {
            let Some(file) = files.get(pull.cursor).cloned() else {
                pull.stage = PullStage::Files { repo, files };
                return Vec::new();
            };
            pull.listed = Some((repo.clone(), files));
            start(pull, repo, file, false)
        }
        PullStage::Confirm { repo, file, .. } => start(pull, repo, file, true),
        other => {
            pull.stage = other;
            Vec::new()
        }
    }
}

fn start(pull: &mut PullState, repo: String, file: FileLine, force: bool) -> Vec<Effect> {
    let request = next_request(pull);
    pull.message = None;
    let path = file.path.clone();
    pull.stage = PullStage::Downloading(Download {
        repo: repo.clone(),
        parts: file.parts,
        file,
        fit: None,
        part: 1,
        done: 0,
        size: 0,
        since: None,
        rate: None,
    });
    vec![Effect::Hub(HubRequest::Pull {
        request,
        repo,
        path,
        force,
    })]
}

/// The repositories the search found, the cursor on `repo`; with no search, the query.
fn back_to_repos(pull: &mut PullState, repo: &str) {
    match pull.found.clone() {
        Some(repos) => {
            pull.cursor = repos.iter().position(|r| r.id == repo).unwrap_or(0);
            pull.stage = PullStage::Repos(repos);
        }
        None => {
            pull.stage = PullStage::Query;
            pull.cursor = 0;
        }
    }
}

/// The files listed before the download, the cursor on `path`.
fn back_to_files(pull: &mut PullState, path: &str) {
    match pull.listed.clone() {
        Some((repo, files)) => {
            pull.cursor = files.iter().position(|f| f.path == path).unwrap_or(0);
            pull.stage = PullStage::Files { repo, files };
        }
        None => pull.stage = PullStage::Query,
    }
}

fn back(state: &mut AppState) -> Vec<Effect> {
    let pull = &mut state.pull;
    match std::mem::take(&mut pull.stage) {
        PullStage::Downloading(d) => {
            // Answers still on their way belong to the stopped download.
            next_request(pull);
            let part = if d.parts > 1 {
                format!(" in part {} of {}", d.part, d.parts)
            } else {
                String::new()
            };
            pull.message = Some(if d.size == 0 {
                "stopped before the download began".into()
            } else {
                format!(
                    "stopped{part} at {} of {}: the partial file is kept — Enter resumes it",
                    human_size(d.done),
                    human_size(d.size)
                )
            });
            back_to_files(pull, &d.file.path);
            return vec![Effect::Hub(HubRequest::Stop)];
        }
        PullStage::Confirm { file, .. } => back_to_files(pull, &file.path),
        PullStage::Files { repo, .. } => {
            next_request(pull);
            back_to_repos(pull, &repo);
        }
        PullStage::Waiting(_) => {
            next_request(pull);
            let on = pull
                .found
                .as_ref()
                .and_then(|f| f.get(pull.cursor))
                .map(|r| r.id.clone())
                .unwrap_or_default();
            back_to_repos(pull, &on);
        }
        PullStage::Repos(_) | PullStage::Query => state.screens.close(Mode::Pull),
    }
    Vec::new()
}

pub fn on_event(state: &mut AppState, event: HubEvent, now: Instant) -> Vec<Effect> {
    if let HubEvent::ModelsRefreshed { items, select } = event {
        refresh(state, items, &select);
        return Vec::new();
    }
    let pull = &mut state.pull;
    let request = match &event {
        HubEvent::Searched { request, .. }
        | HubEvent::Listed { request, .. }
        | HubEvent::Fit { request, .. }
        | HubEvent::Progress { request, .. }
        | HubEvent::Pulled { request, .. } => *request,
        HubEvent::ModelsRefreshed { .. } => return Vec::new(),
    };
    if request != pull.request {
        return Vec::new();
    }
    match event {
        HubEvent::Searched { result, .. } => match result {
            Ok(repos) if repos.is_empty() => {
                pull.stage = PullStage::Query;
                pull.message = Some(format!("no GGUF repository matches {:?}", pull.query));
            }
            Ok(repos) => {
                pull.cursor = 0;
                pull.found = Some(repos.clone());
                pull.stage = PullStage::Repos(repos);
            }
            Err(e) => fail(pull, e),
        },
        HubEvent::Listed {
            repo,
            result,
            preferred,
            ..
        } => match result {
            Ok(files) if files.is_empty() => {
                pull.stage = PullStage::Query;
                pull.message = Some(format!("{repo}: the repository has no GGUF file"));
            }
            Ok(files) => {
                pull.cursor = preferred.min(files.len() - 1);
                pull.stage = PullStage::Files { repo, files };
            }
            Err(e) => fail(pull, e),
        },
        HubEvent::Fit { fits, label, .. } => match std::mem::take(&mut pull.stage) {
            PullStage::Downloading(d) if !fits => {
                pull.stage = PullStage::Confirm {
                    repo: d.repo,
                    file: d.file,
                    why: label,
                };
            }
            PullStage::Downloading(mut d) => {
                d.fit = Some(label);
                pull.stage = PullStage::Downloading(d);
            }
            other => pull.stage = other,
        },
        HubEvent::Progress {
            part,
            parts,
            done,
            size,
            ..
        } => {
            if let PullStage::Downloading(d) = &mut pull.stage {
                if d.part != part || d.since.is_none() {
                    d.since = Some((now, done));
                    d.rate = None;
                }
                (d.part, d.parts, d.done, d.size) = (part, parts, done, size);
                if let Some((t0, d0)) = d.since {
                    let secs = now.saturating_duration_since(t0).as_secs_f64();
                    if secs >= 0.5 {
                        d.rate = Some(done.saturating_sub(d0) as f64 / secs);
                    }
                }
            }
        }
        HubEvent::Pulled { result, .. } => match result {
            Ok((name, path)) => {
                pull.message = Some(format!("pulled {name}"));
                pull.stage = PullStage::Query;
                pull.listed = None;
                return vec![Effect::Hub(HubRequest::RefreshModels {
                    select: name,
                    path,
                })];
            }
            Err(e) => {
                let path = match &pull.stage {
                    PullStage::Downloading(d) => d.file.path.clone(),
                    _ => String::new(),
                };
                pull.message = Some(e);
                back_to_files(pull, &path);
            }
        },
        HubEvent::ModelsRefreshed { .. } => {}
    }
    Vec::new()
}

fn fail(pull: &mut PullState, error: String) {
    pull.stage = PullStage::Query;
    pull.message = Some(error);
}

/// The models found again after a pull: selections kept, the pulled one selected (when there
/// is room for another pane) and under the cursor, the popup closed. A user who went to
/// another screen meanwhile stays there, told by a notice; nothing is selected for them.
fn refresh(state: &mut AppState, items: Vec<PickerItem>, select: &str) {
    let kept: Vec<String> = state.selected_models();
    let waiting = state.mode() == Mode::Pull;
    let room = waiting && kept.len() < MAX_PANES;
    state.picker = items
        .into_iter()
        .map(|mut item| {
            item.selected = kept.contains(&item.name) || (room && item.name == select);
            item
        })
        .collect();
    state.picker_filter.clear();
    if let Some(row) = state
        .picker_rows()
        .iter()
        .position(|r| matches!(r, PickerRow::Model(i) if state.picker[*i].name == select))
    {
        state.picker_cursor = row;
    }
    if waiting {
        state.screens.close(Mode::Pull);
    }
    // Said on the screen the user is on now.
    state.say(format!(
        "{select} is here{}",
        if room {
            " and selected — Enter to write a prompt"
        } else {
            " — the picker lists it"
        }
    ));
}
