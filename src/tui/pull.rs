//! The "get a model" popup's requests run against the Hugging Face Hub (`HF_ENDPOINT`,
//! `HF_TOKEN`), the same pull as `slam pull`; each answers with `Event::Hub`.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::hub::api::Hub;
use crate::hub::cache::HubCache;
use crate::hub::pull::{self, Fit, Progress};
use crate::hub::quant::{Candidate, DEFAULT_QUANT, candidates};
use crate::tui_state::event::{Event, HubEvent};
use crate::tui_state::state::pull::RepoLine;

/// Progress reaches the screen at most this often (a frame is ~30 ms; the rate needs no more).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

fn send(events: &UnboundedSender<Event>, event: HubEvent) {
    let _ = events.send(Event::Hub(event));
}

pub fn search(tasks: &mut JoinSet<()>, events: UnboundedSender<Event>, request: u64, text: String) {
    tasks.spawn(async move {
        let result = Hub::from_env()
            .search(&text, 20)
            .await
            .map(|hits| {
                hits.into_iter()
                    .map(|h| RepoLine {
                        id: h.id,
                        downloads: h.downloads,
                    })
                    .collect()
            })
            .map_err(|e| e.to_string());
        send(&events, HubEvent::Searched { request, result });
    });
}

pub fn list(
    tasks: &mut JoinSet<()>,
    events: UnboundedSender<Event>,
    request: u64,
    repo: String,
    quant: Option<String>,
) {
    tasks.spawn(async move {
        let listed = Hub::from_env().files(&repo).await;
        let (result, preferred) = match listed {
            Ok(files) => {
                let all = candidates(&files);
                let wanted = quant
                    .filter(|q| !q.is_empty())
                    .unwrap_or_else(|| DEFAULT_QUANT.into())
                    .to_ascii_uppercase();
                let preferred = all
                    .iter()
                    .position(|c| c.label.as_deref() == Some(wanted.as_str()))
                    .unwrap_or(0);
                (Ok(all.iter().map(Candidate::line).collect()), preferred)
            }
            Err(e) => (Err(e.to_string()), 0),
        };
        send(
            &events,
            HubEvent::Listed {
                request,
                repo,
                result,
                preferred,
            },
        );
    });
}

/// The fit check, then the download; `cancel` stops it where it is (the partial file stays).
pub fn pull(
    tasks: &mut JoinSet<()>,
    events: UnboundedSender<Event>,
    request: u64,
    (repo, path, force): (String, String, bool),
    cancel: CancellationToken,
) {
    tasks.spawn(async move {
        let result = tokio::select! {
            r = fetch(&events, request, &repo, &path, force) => r,
            _ = cancel.cancelled() => return,
        };
        match result {
            Ok(Some(pulled)) => send(
                &events,
                HubEvent::Pulled {
                    request,
                    result: Ok(pulled),
                },
            ),
            Ok(None) => {}
            Err(e) => send(
                &events,
                HubEvent::Pulled {
                    request,
                    result: Err(format!("{e:#}")),
                },
            ),
        }
    });
}

/// The model's name and path once pulled; `None` when it does not fit (and was not forced).
async fn fetch(
    events: &UnboundedSender<Event>,
    request: u64,
    repo: &str,
    path: &str,
    force: bool,
) -> anyhow::Result<Option<(String, std::path::PathBuf)>> {
    let hub = Hub::from_env();
    let files = hub.files(repo).await?;
    let candidate = candidates(&files)
        .into_iter()
        .find(|c| c.path() == path)
        .ok_or_else(|| anyhow::anyhow!("{repo}: {path} is no longer in the repository"))?;
    let cache = HubCache::from_env()
        .ok_or_else(|| anyhow::anyhow!("no Hugging Face cache folder: set HF_HUB_CACHE"))?;
    let free = crate::monitor::machine::free_for_models();
    let (fits, label) = match pull::fit(&hub, repo, &candidate, None, free).await? {
        Fit::Fits(label) => (true, label),
        Fit::TooBig(label) => (force, label),
        Fit::Unknown(why) => (true, format!("{why}: the fit is not checked")),
    };
    send(
        events,
        HubEvent::Fit {
            request,
            fits,
            label,
        },
    );
    if !fits {
        return Ok(None);
    }
    pull::disk_check(&cache, repo, &candidate)?;
    let parts = candidate.files.len();
    // The download leaves its latest figures here; they go to the screen at most every
    // PROGRESS_EVERY, and the last ones always do (also when the bytes stop coming).
    let (latest, mut seen) = tokio::sync::watch::channel((0usize, 0u64, 0u64));
    let download = async move {
        let mut part = 0;
        let result = pull::download(&hub, &cache, repo, &candidate, |p| match p {
            // The part's first figures come with its first Bytes: for a resumed part, what
            // was already there, so the rate counts only what arrives after.
            Progress::File { part: n, .. } => part = n,
            Progress::Bytes { done, size } => {
                latest.send_replace((part, done, size));
            }
            Progress::AlreadyHere | Progress::Done(_) => {}
        })
        .await;
        (result, candidate)
    };
    let forward = async {
        while seen.changed().await.is_ok() {
            let (part, done, size) = *seen.borrow_and_update();
            send(
                events,
                HubEvent::Progress {
                    request,
                    part,
                    parts,
                    done,
                    size,
                },
            );
            tokio::time::sleep(PROGRESS_EVERY).await;
        }
    };
    let ((result, candidate), ()) = tokio::join!(download, forward);
    Ok(Some((pull::model_name(repo, &candidate), result?)))
}
